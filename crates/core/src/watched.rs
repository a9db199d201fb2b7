//! Watched agents the vendor does not list: never silently absent.
//!
//! An id in an account's watch list that the vendor's answer does not name is shown as that
//! agent, *not found*, severity unknown (an `[accounts.severity]` entry for "not found" may
//! change it): a typo in the list, or an agent not registered yet. An agent the engine has seen
//! and that then leaves the answer is not "not found" but gone: the change detector reports it
//! vanished (with the vendor's severity for that) and the status keeps showing it as gone until
//! it is back. Huawei and Agora (with a watch list) ask for each watched agent and answer for
//! each themselves; this fills in for the vendors that list and filter.

use crate::config::AccountConfig;
use crate::model::{Observation, Severity, TimeInState};
use std::collections::{HashMap, HashSet};

/// The state (and native value, the `[accounts.severity]` key) of a watched agent the vendor
/// does not list.
pub const NOT_FOUND: &str = "not found";
/// The state the status shows for a watched agent that was listed and left.
pub const GONE_STATE: &str = "(gone)";
const GONE_NATIVE: &str = "gone";

/// Adds a *not found* observation for each id of the account's watch list the answer lacks.
pub fn add_not_listed(account: &AccountConfig, observations: &mut Vec<Observation>) {
    if account.watch.is_empty() {
        return;
    }
    let listed: HashSet<&str> = observations.iter().map(|o| o.agent_id.as_str()).collect();
    let vendor = account.vendor.module().form().short_label;
    // Trimmed, as every vendor client reads the list.
    let missing: Vec<Observation> = account
        .watch
        .iter()
        .map(|id| id.trim())
        .filter(|id| !id.is_empty() && !listed.contains(id))
        .map(|id| Observation {
            agent_id: id.to_string(),
            name: None,
            state: NOT_FOUND.to_string(),
            native: NOT_FOUND.to_string(),
            severity: Severity::Unknown,
            identity: None,
            detail: Some(format!(
                "{vendor} does not list this watched agent: check its id in the watch list"
            )),
            time_in_state: None,
            finding: None,
            figures: None,
        })
        .collect();
    observations.extend(missing);
}

/// Whether an observation stands for a watched agent the vendor did not list.
fn is_not_listed(o: &Observation) -> bool {
    o.native == NOT_FOUND && o.state == NOT_FOUND
}

/// What one account's poller remembers of its watched agents: which ones the vendor has
/// listed since the engine started, and since when the ones that left are gone.
#[derive(Debug, Default)]
pub(crate) struct WatchedAgents {
    seen: HashSet<String>,
    gone_since: HashMap<String, i64>,
}

impl WatchedAgents {
    /// Takes the *not found* observations of agents listed before out of `observations` (their
    /// leaving is the change detector's "vanished") and returns what the status shows for
    /// them instead: gone, with `vanished` (the severity of leaving), since they left.
    pub fn settle(
        &mut self,
        observations: &mut Vec<Observation>,
        vanished: Severity,
        now_ms: i64,
    ) -> Vec<Observation> {
        let mut gone = Vec::new();
        observations.retain(|o| {
            if !is_not_listed(o) {
                self.seen.insert(o.agent_id.clone());
                self.gone_since.remove(&o.agent_id);
                return true;
            }
            if !self.seen.contains(&o.agent_id) {
                return true;
            }
            let since = *self.gone_since.entry(o.agent_id.clone()).or_insert(now_ms);
            gone.push(Observation {
                state: GONE_STATE.to_string(),
                native: GONE_NATIVE.to_string(),
                severity: vanished,
                detail: o
                    .detail
                    .as_ref()
                    .map(|d| d.replace("does not list", "no longer lists")),
                time_in_state: Some(TimeInState::from_vendor(since)),
                ..o.clone()
            });
            false
        });
        gone
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Vendor;

    fn account(watch: &[&str]) -> AccountConfig {
        let mut a = AccountConfig::new("nc", Vendor::Segura, Some("http://127.0.0.1:9"));
        a.watch = watch.iter().map(|w| w.to_string()).collect();
        a
    }

    fn listed(id: &str) -> Observation {
        Observation {
            agent_id: id.into(),
            name: None,
            state: "registered".into(),
            native: "registered".into(),
            severity: Severity::Ok,
            identity: None,
            detail: None,
            time_in_state: None,
            finding: None,
            figures: None,
        }
    }

    #[test]
    fn a_watched_id_the_vendor_does_not_list_is_not_found_and_unknown() {
        let mut seen = vec![listed("1")];
        add_not_listed(&account(&[" 1\r\n", "99"]), &mut seen);
        assert_eq!(seen.len(), 2);
        assert_eq!(
            (seen[1].agent_id.as_str(), seen[1].state.as_str()),
            ("99", NOT_FOUND)
        );
        assert_eq!(seen[1].severity, Severity::Unknown);
        assert!(seen[1]
            .detail
            .as_deref()
            .unwrap()
            .contains("Segura does not list"));
        let mut all = vec![listed("1")];
        add_not_listed(&account(&[]), &mut all);
        assert_eq!(
            all.len(),
            1,
            "no watch list: every agent listed, none missing"
        );
    }

    #[test]
    fn a_watched_agent_that_leaves_is_gone_not_not_found() {
        let account = account(&["1", "99"]);
        let mut watched = WatchedAgents::default();
        let mut first = vec![listed("1")];
        add_not_listed(&account, &mut first);
        assert!(watched
            .settle(&mut first, Severity::Critical, 1000)
            .is_empty());
        assert_eq!(first.len(), 2, "99 stays not found");

        let mut second = Vec::new();
        add_not_listed(&account, &mut second);
        let gone = watched.settle(&mut second, Severity::Critical, 2000);
        assert_eq!(
            second.len(),
            1,
            "1 left: out of the snapshot, so it vanishes"
        );
        assert_eq!(second[0].agent_id, "99");
        assert_eq!(gone.len(), 1);
        assert_eq!(
            (gone[0].state.as_str(), gone[0].severity),
            (GONE_STATE, Severity::Critical)
        );
        assert_eq!(gone[0].time_in_state.as_ref().unwrap().entered_ms, 2000);

        let mut third = Vec::new();
        add_not_listed(&account, &mut third);
        let gone = watched.settle(&mut third, Severity::Critical, 3000);
        assert_eq!(
            gone[0].time_in_state.as_ref().unwrap().entered_ms,
            2000,
            "gone since it left"
        );

        let mut back = vec![listed("1")];
        add_not_listed(&account, &mut back);
        assert!(watched
            .settle(&mut back, Severity::Critical, 4000)
            .is_empty());
        assert_eq!(back.len(), 2);
    }
}
