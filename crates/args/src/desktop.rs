//! `agentwatch-desktop`: the tray app's command line.

use clap::Parser;
use std::path::PathBuf;

#[derive(Parser, Debug, Default, Clone, PartialEq, Eq)]
#[command(
    name = "agentwatch-desktop",
    version,
    about = "AgentWatch in the tray: watch contact-centre, AI and connector agents, with a dashboard and desktop notifications.",
    after_help = "Start at login (in the dashboard's settings) starts `agentwatch-desktop --hidden`.\n\
                  A second start while AgentWatch runs opens the running app's dashboard."
)]
pub struct DesktopArgs {
    /// Run against built-in simulators of the three vendors (no credentials needed).
    #[arg(long)]
    pub demo: bool,
    /// The configuration file (default: $AGENTWATCH_CONFIG, else ~/.config/agentwatch/config.toml).
    #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub config: Option<PathBuf>,
    /// Start in the tray without opening the dashboard (what start at login uses).
    #[arg(long, alias = "minimized")]
    pub hidden: bool,
}

/// The clap definition, for the man page and the completions.
pub fn command() -> clap::Command {
    <DesktopArgs as clap::CommandFactory>::command()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<DesktopArgs, clap::Error> {
        DesktopArgs::try_parse_from(
            std::iter::once("agentwatch-desktop").chain(args.iter().copied()),
        )
    }

    #[test]
    fn the_flags_of_the_hand_written_parser_still_work() {
        let a = parse(&["--demo", "--hidden", "--config", "/tmp/a.toml"]).unwrap();
        assert!(a.demo && a.hidden);
        assert_eq!(a.config, Some(PathBuf::from("/tmp/a.toml")));
        assert_eq!(
            parse(&["--config=/tmp/b.toml"]).unwrap().config,
            Some(PathBuf::from("/tmp/b.toml"))
        );
        assert!(parse(&["--minimized"]).unwrap().hidden);
        assert_eq!(parse(&[]).unwrap(), DesktopArgs::default());
    }

    #[test]
    fn unknown_arguments_and_a_missing_file_are_refused() {
        assert!(parse(&["--frobnicate"]).is_err());
        assert!(parse(&["--config"]).is_err());
    }

    #[test]
    fn version_is_the_workspace_version() {
        let e = parse(&["--version"]).unwrap_err();
        assert_eq!(e.kind(), clap::error::ErrorKind::DisplayVersion);
        assert_eq!(
            e.to_string().trim(),
            format!("agentwatch-desktop {}", env!("CARGO_PKG_VERSION"))
        );
    }
}
