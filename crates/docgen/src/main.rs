//! `agentwatch-docgen OUT_DIR`: writes, for both programs, the man pages and the bash, zsh and
//! fish completions under OUT_DIR in the layout a Debian package installs them in:
//!
//! - `usr/share/man/man1/<name>.1`, and `<name>-<subcommand>.1` for each subcommand (the
//!   packager compresses them)
//! - `usr/share/bash-completion/completions/<name>`
//! - `usr/share/zsh/vendor-completions/_<name>`
//! - `usr/share/fish/vendor_completions.d/<name>.fish`

mod man;
mod sections;

use clap_complete::Shell;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let (Some(out), None) = (args.next(), args.next()) else {
        eprintln!("usage: agentwatch-docgen OUT_DIR");
        return ExitCode::from(2);
    };
    let out = PathBuf::from(out);
    let commands = [
        agentwatch_args::cli::command(),
        agentwatch_args::desktop::command(),
    ];
    for command in commands {
        if let Err(e) = write_all(&out, command) {
            eprintln!("agentwatch-docgen: {e}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

fn write_all(out: &Path, command: clap::Command) -> Result<(), String> {
    let name = command.get_name().to_string();
    let pages = man::pages(command.clone()).map_err(|e| format!("man pages of {name}: {e}"))?;
    for page in pages {
        write(
            &out.join("usr/share/man/man1").join(&page.file_name),
            page.source.as_bytes(),
        )?;
    }
    for (shell, file) in [
        (
            Shell::Bash,
            format!("usr/share/bash-completion/completions/{name}"),
        ),
        (
            Shell::Zsh,
            format!("usr/share/zsh/vendor-completions/_{name}"),
        ),
        (
            Shell::Fish,
            format!("usr/share/fish/vendor_completions.d/{name}.fish"),
        ),
    ] {
        let mut script = Vec::new();
        clap_complete::generate(shell, &mut command.clone(), &name, &mut script);
        write(&out.join(file), &script)?;
    }
    Ok(())
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
}
