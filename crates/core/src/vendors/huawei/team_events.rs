//! Sign-in and sign-out of monitored agents, as the seat's event poll reports them
//! (`QC_AgentState_Notify`, subtypes `QC_AgentState_Login` / `QC_AgentState_Logout`, content
//! `{subtype, monitoredagent, agentname, mediaserver}`, cec_07_1393). The event does not say
//! which state the agent entered, so it is not turned into an observation: it asks the engine
//! to poll the account now, and the poll reads the agent's state as usual. A poll requested
//! while one runs is kept (one, however many events arrive), so a burst of sign-ins at the
//! start of a shift costs one extra poll, not one per agent.

use super::wire::Envelope;
use crate::vendors::PollTrigger;
use serde_json::Value;
use std::collections::HashSet;
use std::sync::OnceLock;

pub const QC_NOTIFY: &str = "QC_AgentState_Notify";
pub const QC_LOGIN: &str = "QC_AgentState_Login";
pub const QC_LOGOUT: &str = "QC_AgentState_Logout";

/// Which agents' sign-in events matter to the account, and whom to tell.
pub struct TeamEvents {
    /// The supervisor's own seat: its own sign-in is AgentWatch's doing, not news.
    own_seat: Option<String>,
    /// The watch list; empty = every agent the listing shows.
    watch: HashSet<String>,
    /// Set by the engine once the client runs under it; `check` has none and ignores events.
    trigger: OnceLock<PollTrigger>,
}

impl TeamEvents {
    pub fn new(own_seat: Option<String>, watch: &[String]) -> TeamEvents {
        TeamEvents {
            own_seat,
            watch: watch.iter().cloned().collect(),
            trigger: OnceLock::new(),
        }
    }

    pub fn set_trigger(&self, trigger: PollTrigger) {
        // A client is attached to one poller; a second call changes nothing.
        let _ = self.trigger.set(trigger);
    }

    /// Looks through an event answer; asks for a poll when a watched agent signed in or out.
    pub fn take(&self, envelope: &Envelope, seat: &str) {
        let Some(trigger) = self.trigger.get() else {
            return;
        };
        let news = sign_in_changes(envelope.event.as_ref())
            .filter(|(agent, _)| self.concerns(agent))
            .inspect(|(agent, subtype)| {
                tracing::debug!(seat = %seat, agent = %agent, "huawei: {subtype}; polling now");
            })
            .count();
        if news > 0 {
            trigger.poll_now();
        }
    }

    /// Whether the account reports this agent: watched (or no watch list), not the seat.
    pub fn concerns(&self, agent: &str) -> bool {
        self.own_seat.as_deref() != Some(agent)
            && (self.watch.is_empty() || self.watch.contains(agent))
    }
}

/// The (agent, subtype) of every sign-in or sign-out event in an event poll's `event`: one
/// event object or an array of them. Other events and unreadable ones are passed over.
pub fn sign_in_changes(event: Option<&Value>) -> impl Iterator<Item = (String, &'static str)> + '_ {
    let events: &[Value] = match event {
        Some(Value::Array(events)) => events,
        Some(one @ Value::Object(_)) => std::slice::from_ref(one),
        _ => &[],
    };
    events.iter().filter_map(sign_in_change)
}

fn sign_in_change(event: &Value) -> Option<(String, &'static str)> {
    if event.get("eventType").and_then(Value::as_str) != Some(QC_NOTIFY) {
        return None;
    }
    let content = event.get("content")?;
    // The subtype is in the content; an event that carries it beside the content is read too.
    let subtype = [content.get("subtype"), event.get("subtype")]
        .into_iter()
        .flatten()
        .find_map(Value::as_str)?;
    let subtype = match subtype.trim() {
        QC_LOGIN => QC_LOGIN,
        QC_LOGOUT => QC_LOGOUT,
        _ => return None,
    };
    let agent = crate::vendors::entry::usable_id(content.get("monitoredagent"))?;
    Some((agent, subtype))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn changes(event: Value) -> Vec<(String, &'static str)> {
        sign_in_changes(Some(&event)).collect()
    }

    #[test]
    fn the_documented_events_are_read() {
        let logout = json!({"eventType":"QC_AgentState_Notify","workNo":"5001",
            "content":{"subtype":"QC_AgentState_Logout","monitoredagent":"101",
                "agentname":"Alice Zhang","mediaserver":""}});
        assert_eq!(changes(logout.clone()), vec![("101".into(), QC_LOGOUT)]);
        let login = json!({"eventType":"QC_AgentState_Notify","workNo":5001,
            "content":{"subtype":"QC_AgentState_Login","monitoredagent":102}});
        assert_eq!(
            changes(json!([login, {"eventType":"AgentState_Rest_Timeout","content":null}, logout])),
            vec![("102".into(), QC_LOGIN), ("101".into(), QC_LOGOUT)]
        );
    }

    #[test]
    fn other_and_odd_events_are_passed_over() {
        for event in [
            json!(null),
            json!([]),
            json!("QC_AgentState_Notify"),
            json!({"eventType":"AgentOther_InService","content":{"monitoredagent":"101"}}),
            json!({"eventType":"QC_AgentState_Notify"}),
            json!({"eventType":"QC_AgentState_Notify","content":{"subtype":"QC_Other","monitoredagent":"101"}}),
            json!({"eventType":"QC_AgentState_Notify","content":{"subtype":"QC_AgentState_Login"}}),
            json!({"eventType":"QC_AgentState_Notify","content":{"subtype":7,"monitoredagent":"101"}}),
        ] {
            assert!(changes(event.clone()).is_empty(), "{event}");
        }
    }

    #[test]
    fn only_watched_agents_other_than_the_seat_concern_the_account() {
        let all = TeamEvents::new(Some("5001".into()), &[]);
        assert!(all.concerns("101"));
        assert!(!all.concerns("5001"));
        let some = TeamEvents::new(Some("5001".into()), &["101".to_string()]);
        assert!(some.concerns("101"));
        assert!(!some.concerns("102"));
    }
}
