//! `agentwatch snooze|ack|pause|maintenance`: one request to the running AgentWatch (the
//! desktop app or `agentwatch watch`) over its control channel (a Unix socket, a named pipe on
//! Windows), and its answer printed.
//! Exit codes: see `agentwatch_args::cli::CONTROL_EXIT_CODES`.

use crate::terminal;
use agentwatch_args::cli::{Command, MaintenanceAction};
use agentwatch_core::control::ControlOp;
use std::time::Duration;

/// Done.
pub const EXIT_DONE: u8 = 0;
/// The running AgentWatch refused the request (unknown agent or account, time out of range).
pub const EXIT_REFUSED: u8 = 1;
/// Nothing answers: no AgentWatch is running.
pub const EXIT_UNAVAILABLE: u8 = 69;
/// The channel itself failed (a folder refused for its owner or mode, no answer in time).
pub const EXIT_CHANNEL_FAILED: u8 = 74;

/// The request a command line stands for.
pub fn op(command: Command) -> Option<ControlOp> {
    let secs = |d: Duration| Some(d.as_secs());
    Some(match command {
        Command::Snooze {
            agent,
            account,
            for_,
        } => ControlOp::Snooze {
            agent,
            account,
            for_secs: secs(for_),
        },
        Command::Ack { agent } => ControlOp::Ack { agent },
        Command::Pause { resume: true, .. } => ControlOp::Resume,
        Command::Pause { for_, .. } => ControlOp::Pause {
            for_secs: for_.and_then(secs),
        },
        Command::Maintenance {
            action: MaintenanceAction::Start { account, for_ },
        } => ControlOp::MaintenanceStart {
            account,
            for_secs: secs(for_),
        },
        Command::Maintenance {
            action: MaintenanceAction::End { account },
        } => ControlOp::MaintenanceEnd { account },
        _ => return None,
    })
}

pub async fn run(op: ControlOp) -> u8 {
    use agentwatch_core::control::channel::{self, ClientError};
    use agentwatch_core::control::ControlRequest;
    match channel::send(&channel::location(), &ControlRequest::new(op)).await {
        Ok(answer) if answer.ok => {
            terminal::say(answer.message);
            EXIT_DONE
        }
        Ok(answer) => {
            terminal::warn(format_args!("agentwatch: refused: {}", answer.message));
            EXIT_REFUSED
        }
        Err(e @ ClientError::NotRunning(_)) => {
            terminal::warn(format_args!("agentwatch: {e}"));
            EXIT_UNAVAILABLE
        }
        Err(e) => {
            terminal::warn(format_args!("agentwatch: {e}"));
            EXIT_CHANNEL_FAILED
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_help_names_every_exit_code_used() {
        let help = agentwatch_args::cli::CONTROL_EXIT_CODES;
        for (code, meaning) in [
            (EXIT_DONE, "done"),
            (EXIT_REFUSED, "refused"),
            (EXIT_UNAVAILABLE, "no AgentWatch running"),
            (EXIT_CHANNEL_FAILED, "the control channel failed"),
        ] {
            assert!(help.contains(&format!("{code} {meaning}")), "{help}");
        }
    }
}
