//! The account form's questions to the vendor: *Test connection*, and the pickers' lists of
//! agents and skill queues.
//!
//! An account the engine polls with the form's connection is tested through its running
//! session: its poller polls now and its answer is the test's. A seat that allows one session
//! (a Huawei supervisor seat) is never signed in a second time while the engine holds it: that
//! sign-in would take the seat over and the gateway would then refuse the engine's Guid
//! (100-006), so the user's own click would break the live view. A new password typed for such
//! a seat is therefore not tried; the answer says why and to save the account instead (the
//! engine then signs in with it). The pickers list through the running session, too.

use crate::agent_list::{self, natural_order, ListedAgent, ListedQueue};
use crate::check::{check_account_within, no_answer_within, AccountCheck, CheckOutcome};
use crate::config::AccountConfig;
use crate::error::{Error, ErrorKind, ErrorReport, Result};
use crate::model::Severity;
use crate::running_accounts::{RunningAccounts, RunningPoll};
use crate::secrets::{SecretSource, TypedSecrets};
use crate::vendors::{Listed, Listing};
use secrecy::ExposeSecret;
use serde::Serialize;
use std::time::Duration;

/// The longest a test (sign-in, poll, sign-out) or a listing may take.
pub const TEST_CONNECTION_LIMIT: Duration = Duration::from_secs(45);

/// What *Test connection* shows.
#[derive(Debug, Clone, Serialize)]
pub struct ConnectionTest {
    pub ok: bool,
    pub agents: usize,
    /// A few agents as "id: state", to show that the right account answered.
    pub sample: Vec<String>,
    pub worst: Severity,
    pub error: Option<ErrorReport>,
    /// Which way the requests went ("via proxy http://host:port", "direct …"); no password.
    pub route: String,
    /// The test went through the session the engine keeps for this account.
    pub running_session: bool,
}

impl ConnectionTest {
    fn of(check: AccountCheck, running_session: bool) -> ConnectionTest {
        let worst = check.worst();
        let (agents, sample, error) = match check.outcome {
            CheckOutcome::Agents(list) => {
                let sample = list.iter().take(5);
                let sample = sample.map(|o| format!("{}: {}", o.agent_id, o.state));
                (list.len(), sample.collect(), None)
            }
            CheckOutcome::Error(e) => (0, Vec::new(), Some(e)),
        };
        ConnectionTest {
            ok: error.is_none(),
            agents,
            sample,
            worst,
            error,
            route: check.route,
            running_session,
        }
    }
}

/// Polls the form's account once: through the engine's session when `running` polls this
/// account with the same connection, else with a session of its own (the typed secrets
/// first, then `stored`), unless that would sign in a seat the engine holds. The form is
/// checked by the caller (`AccountConfig::validate`).
pub async fn test_connection(
    form: &AccountConfig,
    typed: &TypedSecrets,
    stored: &dyn SecretSource,
    running: Option<&RunningAccounts>,
) -> ConnectionTest {
    if let Some(running) = running {
        if let Some(live) = running.account(&form.id) {
            if same_connection(live, form) && !typed_anew(typed, stored, &form.id).await {
                let polled = running.poll(&form.id, TEST_CONNECTION_LIMIT).await;
                return ConnectionTest::of(check_of(live, polled), true);
            }
        }
        if let Some(holder) = running.seat_holder(form) {
            let refused = CheckOutcome::Error(seat_held(holder, "tested"));
            return ConnectionTest::of(AccountCheck::of(form, refused, 0), false);
        }
    }
    let secrets = typed.over(stored);
    ConnectionTest::of(
        check_account_within(form, &secrets, TEST_CONNECTION_LIMIT).await,
        false,
    )
}

/// The agents the form's account can see, for the watch-list picker, sorted by id; through the
/// running session when the engine holds the form's seat.
pub async fn list_agents(
    form: &AccountConfig,
    typed: &TypedSecrets,
    stored: &dyn SecretSource,
    running: Option<&RunningAccounts>,
) -> Result<Vec<ListedAgent>> {
    if let Some(listed) = list_running(form, Listing::Agents, running).await {
        let mut agents: Vec<ListedAgent> = listed?
            .into_iter()
            .map(|l| ListedAgent {
                name: crate::names::resolve(&form.labels, &l.id, l.name.as_deref()),
                agent_id: l.id,
            })
            .collect();
        agents.sort_by(|a, b| natural_order(&a.agent_id, &b.agent_id));
        return Ok(agents);
    }
    within_limit(agent_list::list_agents(form, &typed.over(stored))).await
}

/// The skill queues the form's account can see, for the skill picker, sorted by id; through the
/// running session when the engine holds the form's seat.
pub async fn list_queues(
    form: &AccountConfig,
    typed: &TypedSecrets,
    stored: &dyn SecretSource,
    running: Option<&RunningAccounts>,
) -> Result<Vec<ListedQueue>> {
    if let Some(listed) = list_running(form, Listing::SkillQueues, running).await {
        let mut queues: Vec<ListedQueue> = listed?
            .into_iter()
            .map(|l| ListedQueue {
                skill_id: l.id,
                name: l.name,
            })
            .collect();
        queues.sort_by(|a, b| natural_order(&a.skill_id, &b.skill_id));
        return Ok(queues);
    }
    within_limit(agent_list::list_queues(form, &typed.over(stored))).await
}

/// The listing through the running account holding the form's seat; `None` when no running
/// account holds it (a session of the picker's own does no harm then).
async fn list_running(
    form: &AccountConfig,
    what: Listing,
    running: Option<&RunningAccounts>,
) -> Option<Result<Vec<Listed>>> {
    let running = running?;
    let holder = running.seat_holder(form)?;
    Some(
        match running.list(&holder.id, what, TEST_CONNECTION_LIMIT).await {
            Some(listed) => listed,
            // The engine stopped, or the client lists nothing: still no second sign-in.
            None => Err(error_of(seat_held(holder, "listed"))),
        },
    )
}

/// Whether the form carries a secret other than the stored ones: such a test must sign in
/// with it. Retyping the stored secret changes nothing.
async fn typed_anew(typed: &TypedSecrets, stored: &dyn SecretSource, id: &str) -> bool {
    let differs =
        |typed: Option<&secrecy::SecretString>, stored: Result<secrecy::SecretString>| match (
            typed, stored,
        ) {
            (None, _) => false,
            (Some(t), Ok(s)) => t.expose_secret() != s.expose_secret(),
            (Some(_), Err(_)) => true,
        };
    let secret = match &typed.secret {
        Some(t) => differs(Some(t), stored.secret(id).await),
        None => false,
    };
    let proxy = match &typed.proxy_secret {
        Some(t) => differs(Some(t), stored.proxy_secret(id).await),
        None => false,
    };
    secret || proxy
}

/// The form's connection is the running account's: the same vendor keys, address, proxy, CA
/// and limits. Names, labels, what is watched (agents, skill queues, team counts),
/// severities, time limits, maintenance windows and the poll interval change what is shown,
/// not who answers.
fn same_connection(running: &AccountConfig, form: &AccountConfig) -> bool {
    let shown_only = |a: &AccountConfig| {
        let mut options = a.options.clone();
        for section in a.vendor.module().form().sections {
            options.remove(section);
        }
        AccountConfig {
            name: String::new(),
            enabled: true,
            watch: Vec::new(),
            labels: Default::default(),
            severity: Default::default(),
            time_limits: Default::default(),
            team: None,
            poll_interval_secs: None,
            maintenance: Vec::new(),
            options,
            ..a.clone()
        }
    };
    shown_only(running) == shown_only(form)
}

/// The running poll as a check of the running account; no poll within the limit is a timeout.
fn check_of(live: &AccountConfig, polled: Option<RunningPoll>) -> AccountCheck {
    match polled {
        Some(RunningPoll {
            outcome,
            skipped_entries,
        }) => {
            let outcome = match outcome {
                Ok(agents) => CheckOutcome::Agents(agents),
                Err(e) => CheckOutcome::Error(e),
            };
            AccountCheck::of(live, outcome, skipped_entries)
        }
        None => {
            let timeout = no_answer_within(TEST_CONNECTION_LIMIT);
            AccountCheck::of(live, CheckOutcome::Error(timeout), 0)
        }
    }
}

/// Why the form was not tested (or its agents not listed) with a session of its own.
fn seat_held(holder: &AccountConfig, what: &str) -> ErrorReport {
    ErrorReport {
        kind: ErrorKind::Config,
        message: format!(
            "not {what}: the running account {:?} ({}) is signed in on this seat, and a second \
             sign-in would end its session. Save the account to apply these settings: \
             AgentWatch then signs in with them and shows the result.",
            holder.id,
            holder.display_name()
        ),
    }
}

fn error_of(report: ErrorReport) -> Error {
    Error::poll(report.kind, report.message)
}

/// A listing under the form's time limit.
async fn within_limit<T>(asked: impl std::future::Future<Output = Result<T>>) -> Result<T> {
    match tokio::time::timeout(TEST_CONNECTION_LIMIT, asked).await {
        Ok(answer) => answer,
        Err(_) => Err(error_of(no_answer_within(TEST_CONNECTION_LIMIT))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Vendor;

    fn account() -> AccountConfig {
        let mut a = AccountConfig::new("cc", Vendor::Huawei, Some("http://127.0.0.1:8043"));
        a.set_option("workno", "100".to_string());
        a.watch = vec!["101".into()];
        a
    }

    #[test]
    fn a_rename_or_another_watch_list_is_the_same_connection() {
        let live = account();
        let mut form = live.clone();
        form.name = "Contact centre".into();
        form.watch = vec!["101".into(), "102".into()];
        form.poll_interval_secs = Some(5);
        assert!(same_connection(&live, &form));
        let mut moved = live.clone();
        moved.base_url = Some("http://127.0.0.1:9043".into());
        assert!(!same_connection(&live, &moved));
        let mut other_seat = live.clone();
        other_seat.set_option("workno", "200".to_string());
        assert!(!same_connection(&live, &other_seat));
    }

    #[test]
    fn the_refusal_says_what_to_do_and_names_no_secret() {
        let message = seat_held(&account(), "tested").message;
        assert!(
            message.contains("a second sign-in would end its session"),
            "{message}"
        );
        assert!(message.contains("Save the account"), "{message}");
    }
}
