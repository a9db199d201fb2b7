//! `agentwatch-desktop`: the tray app. Its command line is `agentwatch_args::desktop`.

// A release build on Windows is a GUI program: no console window opens beside the tray.
#![cfg_attr(all(windows, not(debug_assertions)), windows_subsystem = "windows")]

use agentwatch_args::desktop::DesktopArgs;
use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    // Two malloc arenas: the tray's runtime and the dashboard's UI threads.
    agentwatch_core::allocator::tune_for_long_running(2);
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("AGENTWATCH_LOG").unwrap_or_else(|_| {
                "agentwatch=info,agentwatch_core=info,agentwatch_desktop=info,warn".into()
            }),
        )
        .with_writer(std::io::stderr)
        // No colour codes in a journal, a file or a pipe.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    // `--help` and `--version` print and exit here; a wrong argument exits with 2.
    let options = agentwatch_desktop::Options::from_args(DesktopArgs::parse());
    if !agentwatch_desktop::has_display() {
        eprintln!(
            "agentwatch-desktop: no display (neither DISPLAY nor WAYLAND_DISPLAY is set), so there is \
             no tray or window to show.\nRun it inside a desktop session, or use the headless front end, \
             installed with it: `agentwatch demo` for the demo, `agentwatch watch` for your accounts \
             (man agentwatch)."
        );
        return ExitCode::from(3);
    }
    match agentwatch_desktop::run(options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("agentwatch-desktop: {e}");
            ExitCode::FAILURE
        }
    }
}
