//! Conditions that stop every account at once — the network is down, the keyring is locked —
//! and are told as one thing rather than as one outage per account. The same rule serves the
//! status (tray face and summary) and the alert policy (one notification).

use crate::error::ErrorKind;
use crate::notifier::{Notification, Urgency};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    /// Every account fails at connection level (no route, refused, DNS, TLS handshake).
    NetworkUnavailable,
    /// The keyring holding the secrets is locked: polling waits for the user to unlock it.
    KeyringLocked,
}

/// With one account a refused connection says nothing about the network: its server may be
/// down. Two or more failing alike at once do.
const MIN_ACCOUNTS_FOR_NETWORK: usize = 2;

impl Condition {
    /// The condition the latest polls show, from each account's latest poll: `None` for one
    /// that answered (or was not polled yet), the error's kind for one that failed.
    pub fn of(latest: impl IntoIterator<Item = Option<ErrorKind>>) -> Option<Condition> {
        let latest: Vec<Option<ErrorKind>> = latest.into_iter().collect();
        if latest.contains(&Some(ErrorKind::KeyringLocked)) {
            return Some(Condition::KeyringLocked);
        }
        let all_cut_off = latest.len() >= MIN_ACCOUNTS_FOR_NETWORK
            && latest
                .iter()
                .all(|kind| kind.is_some_and(ErrorKind::is_connection_level));
        all_cut_off.then_some(Condition::NetworkUnavailable)
    }

    /// Whether an account whose latest poll failed with `kind` is stopped by this condition.
    pub fn covers(self, kind: Option<ErrorKind>) -> bool {
        match self {
            Condition::NetworkUnavailable => kind.is_some_and(ErrorKind::is_connection_level),
            Condition::KeyringLocked => kind == Some(ErrorKind::KeyringLocked),
        }
    }

    /// What the tray summary and the dashboard lead with.
    pub fn headline(self) -> &'static str {
        match self {
            Condition::NetworkUnavailable => "Network unavailable",
            Condition::KeyringLocked => "Keyring locked — unlock it to resume polling",
        }
    }

    /// The one notification for the condition.
    pub fn notification(self, accounts: usize) -> Notification {
        let body = match self {
            Condition::NetworkUnavailable => format!(
                "None of the {accounts} accounts can be reached. AgentWatch keeps trying and \
                 says nothing more until the network is back."
            ),
            Condition::KeyringLocked => "The secrets of the accounts are in a locked keyring. \
                 Unlock it (from the dashboard or the tray menu) and polling resumes by itself."
                .to_string(),
        };
        Notification {
            summary: self.headline().to_string(),
            body,
            urgency: Urgency::Normal,
            sound: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ErrorKind::*;

    #[test]
    fn every_account_cut_off_is_the_network() {
        assert_eq!(
            Condition::of([Some(Connect), Some(Timeout), Some(Tls)]),
            Some(Condition::NetworkUnavailable)
        );
    }

    #[test]
    fn one_account_answering_or_failing_otherwise_is_not_the_network() {
        assert_eq!(Condition::of([Some(Connect), None]), None);
        assert_eq!(Condition::of([Some(Connect), Some(Auth)]), None);
        assert_eq!(Condition::of([Some(Connect)]), None, "a lone account");
        assert_eq!(Condition::of([]), None);
    }

    #[test]
    fn a_locked_keyring_is_its_own_condition() {
        assert_eq!(
            Condition::of([Some(KeyringLocked), None]),
            Some(Condition::KeyringLocked)
        );
        assert_eq!(
            Condition::of([Some(KeyringLocked), Some(Connect)]),
            Some(Condition::KeyringLocked)
        );
    }
}
