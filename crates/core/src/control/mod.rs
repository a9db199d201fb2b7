//! The control channel: scripts snooze, acknowledge, pause and start maintenance in a running
//! AgentWatch (the desktop app, `agentwatch watch` or `serve`) with `agentwatch snooze|ack|pause|
//! maintenance`. One JSON object per line each way ([`exchange`]), over a channel only its user
//! can use: a Unix socket ([`socket`]), a named pipe on Windows ([`pipe`]); [`channel`] is this
//! platform's. This module holds what both sides share: the request and answer types, and
//! [`plan`], which turns a request into the alert policy's command against the running status.

pub mod exchange;
#[cfg(windows)]
pub mod pipe;
#[cfg(unix)]
pub mod socket;

/// This platform's control channel: `location()`, `ControlServer::bind(&location)` and its
/// `serve`, `send(&location, &request)`.
#[cfg(windows)]
pub use pipe as channel;
/// This platform's control channel: `location()`, `ControlServer::bind(&location)` and its
/// `serve`, `send(&location, &request)`.
#[cfg(unix)]
pub use socket as channel;

use crate::alerts::AlertCommand;
use crate::maintenance::{MaintenanceTarget, MAX_ADHOC_SECS};
use crate::policy::{AgentKey, SnoozeTarget, SnoozeUntil};
use crate::status::Status;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// The protocol version; a request with another is refused (the answer names both).
pub const PROTOCOL_VERSION: u32 = 1;
/// The largest request line read, in bytes; a longer one is refused unread.
pub const MAX_REQUEST_BYTES: usize = 4096;
/// How long the server waits for a request line, and the client for its answer.
pub const REQUEST_TIME_LIMIT: std::time::Duration = std::time::Duration::from_secs(5);
/// How long a snooze or a maintenance window lasts when no `for_secs` is given.
pub const DEFAULT_FOR_SECS: u64 = 3600;

/// What a script asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum ControlOp {
    /// Snooze an agent (`account/agent`, or an agent id found in one account only) or a whole
    /// account, for `for_secs` (default an hour).
    Snooze {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        agent: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        account: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        for_secs: Option<u64>,
    },
    /// Acknowledge an agent: quiet until it recovers.
    Ack {
        agent: String,
    },
    /// Pause every notification, for `for_secs` or until resumed.
    Pause {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        for_secs: Option<u64>,
    },
    Resume,
    MaintenanceStart {
        account: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        for_secs: Option<u64>,
    },
    MaintenanceEnd {
        account: String,
    },
}

/// One request line: `{"v":1,"op":"pause","for_secs":3600}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlRequest {
    pub v: u32,
    #[serde(flatten)]
    pub op: ControlOp,
}

impl ControlRequest {
    pub fn new(op: ControlOp) -> Self {
        ControlRequest {
            v: PROTOCOL_VERSION,
            op,
        }
    }

    /// Reads a request line; the error says what is wrong in words a script's author can use.
    pub fn parse(line: &str) -> Result<ControlRequest, String> {
        let value: serde_json::Value =
            serde_json::from_str(line).map_err(|e| format!("not a JSON request: {e}"))?;
        match value.get("v").and_then(serde_json::Value::as_u64) {
            Some(v) if v == u64::from(PROTOCOL_VERSION) => {}
            Some(v) => {
                return Err(format!(
                    "protocol version {v} is not spoken here (this AgentWatch speaks {PROTOCOL_VERSION})"
                ))
            }
            None => return Err("the request has no protocol version \"v\"".into()),
        }
        serde_json::from_value(value).map_err(|e| format!("not a valid request: {e}"))
    }
}

/// One answer line: `{"v":1,"ok":true,"message":"…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlResponse {
    pub v: u32,
    pub ok: bool,
    /// What was done, or why not.
    pub message: String,
}

impl ControlResponse {
    pub fn done(message: impl Into<String>) -> Self {
        ControlResponse {
            v: PROTOCOL_VERSION,
            ok: true,
            message: message.into(),
        }
    }

    pub fn refused(message: impl Into<String>) -> Self {
        ControlResponse {
            v: PROTOCOL_VERSION,
            ok: false,
            message: message.into(),
        }
    }
}

/// What a request comes to: the policy command, and the sentence that says it was done.
#[derive(Debug, Clone)]
pub struct Planned {
    pub command: AlertCommand,
    pub message: String,
}

/// Finds the agent a script named: `account/agent`, or an agent id that exactly one account
/// has. Refuses names that match nothing or more than one agent, saying which.
pub fn resolve_agent(status: &Status, name: &str) -> Result<AgentKey, String> {
    let name = name.trim();
    if let Some((account, agent)) = name.split_once('/') {
        if let Some(found) = status
            .agents
            .iter()
            .find(|a| a.account_id == account && a.observation.agent_id == agent)
        {
            return Ok(AgentKey::new(
                &found.account_id,
                &found.observation.agent_id,
            ));
        }
    }
    let matches: Vec<_> = status
        .agents
        .iter()
        .filter(|a| a.observation.agent_id == name)
        .collect();
    match matches.as_slice() {
        [one] => Ok(AgentKey::new(&one.account_id, &one.observation.agent_id)),
        [] => Err(format!(
            "no agent {name:?} is watched (name one as ACCOUNT/AGENT or by an agent id)"
        )),
        many => Err(format!(
            "agent {name:?} is in {} accounts ({}): name it as ACCOUNT/AGENT",
            many.len(),
            many.iter()
                .map(|a| a.account_id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

fn known_account(status: &Status, id: &str) -> Result<String, String> {
    let id = id.trim();
    status
        .accounts
        .iter()
        .find(|a| a.id == id)
        .map(|a| a.id.clone())
        .ok_or_else(|| format!("no account {id:?} is watched"))
}

/// When something asked for `for_secs` (default an hour) ends; refused outside 1 min..7 days.
pub fn ends_after(now: OffsetDateTime, for_secs: Option<u64>) -> Result<OffsetDateTime, String> {
    let secs = for_secs.unwrap_or(DEFAULT_FOR_SECS);
    if !(60..=MAX_ADHOC_SECS).contains(&secs) {
        return Err("the time given must be from 1 minute to 7 days".into());
    }
    Ok(now + time::Duration::seconds(secs as i64))
}

/// The alert-policy command for a request, checked against what is watched now.
pub fn plan(op: &ControlOp, status: &Status, now: OffsetDateTime) -> Result<Planned, String> {
    let label = |t: OffsetDateTime| crate::clock::times::time_label(t, now);
    Ok(match op {
        ControlOp::Snooze {
            agent,
            account,
            for_secs,
        } => {
            let until = ends_after(now, *for_secs)?;
            let (target, who) = match (agent, account) {
                (Some(agent), None) => {
                    let key = resolve_agent(status, agent)?;
                    let who = format!("agent {}/{}", key.account_id, key.agent_id);
                    (SnoozeTarget::Agent(key), who)
                }
                (None, Some(account)) => {
                    let account_id = known_account(status, account)?;
                    let who = format!("account {account_id}");
                    (SnoozeTarget::Account { account_id }, who)
                }
                _ => return Err("snooze an agent or an account (--account ID), not both".into()),
            };
            Planned {
                command: AlertCommand::Snooze(target, SnoozeUntil::At(until)),
                message: format!("snoozed {who} until {}", label(until)),
            }
        }
        ControlOp::Ack { agent } => {
            let key = resolve_agent(status, agent)?;
            Planned {
                message: format!(
                    "acknowledged agent {}/{} until it recovers",
                    key.account_id, key.agent_id
                ),
                command: AlertCommand::Snooze(SnoozeTarget::Agent(key), SnoozeUntil::Recovery),
            }
        }
        ControlOp::Pause { for_secs: None } => Planned {
            command: AlertCommand::PauseAll(None),
            message: "notifications paused until resumed".into(),
        },
        ControlOp::Pause { for_secs } => {
            let until = ends_after(now, *for_secs)?;
            Planned {
                command: AlertCommand::PauseAll(Some(until)),
                message: format!("notifications paused until {}", label(until)),
            }
        }
        ControlOp::Resume => Planned {
            command: AlertCommand::ResumeAll,
            message: "notifications resumed".into(),
        },
        ControlOp::MaintenanceStart { account, for_secs } => {
            let account_id = known_account(status, account)?;
            let until = ends_after(now, *for_secs)?;
            Planned {
                message: format!("account {account_id} in maintenance until {}", label(until)),
                command: AlertCommand::StartMaintenance(
                    MaintenanceTarget::account(account_id),
                    until,
                ),
            }
        }
        ControlOp::MaintenanceEnd { account } => {
            let account_id = known_account(status, account)?;
            Planned {
                message: format!("maintenance of account {account_id} ended"),
                command: AlertCommand::EndMaintenance(MaintenanceTarget::account(account_id)),
            }
        }
    })
}

#[cfg(test)]
mod tests;
