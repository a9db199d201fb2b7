//! Desktop notifications: what an event says to a person, and sending it with a time limit of
//! our own (notify-rust blocks for minutes when a notification service owns the bus name but
//! never answers).

use crate::error::{Error, ErrorKind, Result};
use crate::events::{Event, EventKind};
use crate::model::Severity;
use crate::sounds::Sound;
use async_trait::async_trait;
use serde::Serialize;
use std::time::Duration;

pub const APP_NAME: &str = "AgentWatch";
pub const DEFAULT_NOTIFY_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Urgency {
    Low,
    Normal,
    Critical,
}

impl Urgency {
    /// Critical things interrupt; good news stays low.
    pub fn for_severity(severity: Severity) -> Urgency {
        match severity {
            Severity::Critical => Urgency::Critical,
            Severity::Ok | Severity::Info => Urgency::Low,
            Severity::Warning | Severity::Unknown => Urgency::Normal,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notification {
    pub summary: String,
    pub body: String,
    pub urgency: Urgency,
    /// What the desktop is asked to play with it (`[notifications.sounds]`); the policy sets it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sound: Option<Sound>,
}

impl Notification {
    /// The notification for an event: title = agent and new state; body = vendor, account,
    /// previous state. Account outages are one notification for the account, not one per agent.
    pub fn for_event(event: &Event) -> Notification {
        let vendor = event.vendor.label();
        let account = &event.account_name;
        let subject = event.subject();
        let (summary, body) = match &event.kind {
            EventKind::Changed {
                agent_id,
                old_state,
                new_state,
                finding,
                ..
            } => (
                changed_summary(&subject, agent_id, new_state, finding.as_deref()),
                format!("{vendor} · {account} · was {old_state}"),
            ),
            EventKind::IdentityChanged {
                old_identity,
                new_identity,
                ..
            } => (
                format!("{subject} re-registered"),
                format!("{vendor} · {account} · {old_identity} → {new_identity}"),
            ),
            EventKind::OverLimit {
                state,
                for_secs,
                limit_secs,
                approximate,
                ..
            } => (
                format!(
                    "{subject}: {}",
                    crate::events::time_in_state_words(state, *for_secs, *approximate)
                ),
                format!(
                    "{vendor} · {account} · {}",
                    crate::events::limit_reason(state, *for_secs, *limit_secs, *approximate)
                ),
            ),
            EventKind::Appeared { state, .. } => (
                format!("{subject} appeared: {state}"),
                format!("{vendor} · {account}"),
            ),
            EventKind::Vanished { last_state, .. } => (
                format!("{subject} is gone"),
                format!("{vendor} · {account} · was {last_state}"),
            ),
            EventKind::AccountUnreachable {
                error,
                stale_agents,
            } => (
                format!("{account} is unreachable"),
                format!(
                    "{vendor} · {} · {stale_agents} agent(s) shown with their last known state",
                    error.message
                ),
            ),
            EventKind::AccountRecovered { down_for_secs } => (
                format!("{account} is reachable again"),
                format!(
                    "{vendor} · after {}",
                    crate::clock::human_duration(*down_for_secs)
                ),
            ),
        };
        Notification {
            summary,
            body,
            urgency: Urgency::for_severity(event.severity),
            sound: None,
        }
    }
}

/// The title of a change: the new state and what the poll found. For a queue or a team the
/// finding is the news ("Queue vip: 4 waiting for 3 min 20 s, no agent free"); for an agent
/// it follows the state ("support-bot (A1): STOPPED, ended with 3 LLM errors; p95 2.4 s").
fn changed_summary(subject: &str, id: &str, new_state: &str, finding: Option<&str>) -> String {
    match finding {
        Some(finding) if crate::items::is_item_id(id) => format!("{subject}: {finding}"),
        Some(finding) => format!("{subject}: {new_state}, {finding}"),
        None => format!("{subject}: {new_state}"),
    }
}

impl Notification {
    /// What "Play" in Settings sends: a notification carrying the sound, so that the user hears
    /// what the desktop's notification service does with it (and learns when it plays none).
    pub fn sound_check(sound: Sound) -> Notification {
        Notification {
            summary: format!("Sound check: {sound}"),
            body: "This is the sound of AgentWatch's alerts with this setting. Nothing is wrong."
                .to_string(),
            urgency: Urgency::Low,
            sound: Some(sound),
        }
    }
}

/// `text` safe inside the body of a desktop notification: the Freedesktop spec lets a server
/// render a body as markup (dunst and GNOME Shell do), so a vendor's `<b>` or `<a href>` in an
/// agent id would be rendered, and a lone `&` could make the server drop the markup or the text.
/// With `&`, `<` and `>` escaped the server shows exactly the text. The summary is plain text by
/// the spec and is sent as it is.
pub fn markup_escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
    out
}

impl Notification {
    /// The notification as the desktop's notification service receives it: the app's name, the
    /// summary, the body with its markup characters escaped, the urgency, the sound hint when
    /// there is a sound. Every sender builds on
    /// this, so none can send a body unescaped (`Notification::body` stays plain text for the
    /// history, the dashboard and routes).
    pub fn to_desktop(&self) -> notify_rust::Notification {
        let urgency = match self.urgency {
            Urgency::Low => notify_rust::Urgency::Low,
            Urgency::Normal => notify_rust::Urgency::Normal,
            Urgency::Critical => notify_rust::Urgency::Critical,
        };
        let mut desktop = notify_rust::Notification::new();
        desktop
            .appname(APP_NAME)
            .summary(&self.summary)
            .body(&markup_escaped(&self.body))
            .urgency(urgency);
        if let Some(sound) = &self.sound {
            sound.apply(&mut desktop);
        }
        desktop
    }
}

#[async_trait]
pub trait Notifier: Send + Sync {
    async fn notify(&self, notification: &Notification) -> Result<()>;
}

/// Sends through the desktop's notification service (D-Bus on Linux) with notify-rust.
pub struct DesktopNotifier {
    timeout: Duration,
}

impl Default for DesktopNotifier {
    fn default() -> Self {
        DesktopNotifier {
            timeout: DEFAULT_NOTIFY_TIMEOUT,
        }
    }
}

impl DesktopNotifier {
    pub fn with_timeout(timeout: Duration) -> Self {
        DesktopNotifier { timeout }
    }
}

#[async_trait]
impl Notifier for DesktopNotifier {
    async fn notify(&self, n: &Notification) -> Result<()> {
        let n = n.clone();
        // A blocked call keeps its thread until notify-rust gives up, but we stop waiting.
        let task = tokio::task::spawn_blocking(move || {
            n.to_desktop().show().map(|_| ()).map_err(|e| e.to_string())
        });
        match tokio::time::timeout(self.timeout, task).await {
            Err(_) => Err(Error::poll(
                ErrorKind::Timeout,
                format!(
                    "the notification service did not answer within {} s",
                    self.timeout.as_secs()
                ),
            )),
            Ok(Err(join)) => Err(Error::Io(format!("notification task failed: {join}"))),
            Ok(Ok(Err(e))) => Err(Error::Io(format!("cannot show a notification: {e}"))),
            Ok(Ok(Ok(()))) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorReport;
    use crate::Vendor;

    fn event(severity: Severity, kind: EventKind) -> Event {
        Event {
            at_ms: 0,
            vendor: Vendor::Agora,
            account_id: "ai".into(),
            account_name: "AI agents".into(),
            severity,
            kind,
        }
    }

    #[test]
    fn a_failure_names_the_agent_and_is_critical() {
        let n = Notification::for_event(&event(
            Severity::Critical,
            EventKind::Changed {
                agent_id: "A1".into(),
                name: Some("support-bot".into()),
                old_state: "RUNNING".into(),
                old_severity: Severity::Ok,
                new_state: "FAILED".into(),
                finding: None,
            },
        ));
        assert_eq!(n.summary, "support-bot (A1): FAILED");
        assert_eq!(n.body, "Agora Conversational AI · AI agents · was RUNNING");
        assert_eq!(n.urgency, Urgency::Critical);
    }

    #[test]
    fn a_queue_says_what_is_wrong_and_an_agent_its_state_then_its_finding() {
        let changed = |id: &str, name: &str, finding: &str| {
            Notification::for_event(&event(
                Severity::Critical,
                EventKind::Changed {
                    agent_id: id.into(),
                    name: Some(name.into()),
                    old_state: "0 waiting · 2 of 2 free".into(),
                    old_severity: Severity::Ok,
                    new_state: "4 waiting · longest 3 min 20 s · 0 of 2 free".into(),
                    finding: Some(finding.into()),
                },
            ))
        };
        let queue = changed("queue:3", "vip", "4 waiting for 3 min 20 s, no agent free");
        assert_eq!(
            queue.summary,
            "Queue vip: 4 waiting for 3 min 20 s, no agent free"
        );
        assert_eq!(
            queue.body,
            "Agora Conversational AI · AI agents · was 0 waiting · 2 of 2 free"
        );
        let team = changed("team", "ignored", "1 idle, fewer than 2");
        assert_eq!(team.summary, "Team: 1 idle, fewer than 2");
        let mut agent = event(
            Severity::Warning,
            EventKind::Changed {
                agent_id: "A1".into(),
                name: Some("support-bot".into()),
                old_state: "RUNNING".into(),
                old_severity: Severity::Ok,
                new_state: "STOPPED".into(),
                finding: Some("ended with 3 LLM errors; p95 2.4 s".into()),
            },
        );
        assert_eq!(
            Notification::for_event(&agent).summary,
            "support-bot (A1): STOPPED, ended with 3 LLM errors; p95 2.4 s"
        );
        agent.severity = Severity::Ok;
        assert!(
            agent
                .line()
                .ends_with("(ended with 3 LLM errors; p95 2.4 s)"),
            "{}",
            agent.line()
        );
    }

    #[test]
    fn an_outage_is_one_notification_for_the_account() {
        let n = Notification::for_event(&event(
            Severity::Unknown,
            EventKind::AccountUnreachable {
                error: ErrorReport {
                    kind: ErrorKind::Timeout,
                    message: "no answer within the time limit".into(),
                },
                stale_agents: 4,
            },
        ));
        assert_eq!(n.summary, "AI agents is unreachable");
        assert!(n.body.contains("4 agent(s)"));
    }

    #[test]
    fn vendor_markup_in_the_body_is_escaped_for_the_notification_server() {
        let n = Notification::for_event(&event(
            Severity::Critical,
            EventKind::AccountUnreachable {
                error: ErrorReport {
                    kind: ErrorKind::HttpStatus,
                    message: "HTTP 500: <b>x</b><a href=\"http://a\">y</a> & co".into(),
                },
                stale_agents: 1,
            },
        ));
        let sent = n.to_desktop();
        assert_eq!(
            sent.body,
            "Agora Conversational AI · HTTP 500: &lt;b&gt;x&lt;/b&gt;&lt;a href=\"http://a\"&gt;y&lt;/a&gt; \
             &amp; co · 1 agent(s) shown with their last known state"
        );
        // What is kept and shown elsewhere stays the plain text.
        assert!(n.body.contains("<b>x</b>"), "{}", n.body);
        assert_eq!(sent.summary, n.summary);
    }

    #[cfg(all(unix, not(target_os = "macos")))]
    #[test]
    fn a_sound_becomes_the_freedesktop_hint_and_no_sound_no_hint() {
        use crate::sounds::Sound;
        use notify_rust::Hint;
        let mut n = Notification::for_event(&event(
            Severity::Critical,
            EventKind::AccountRecovered { down_for_secs: 60 },
        ));
        let sound_hints = |n: &Notification| -> Vec<Hint> {
            n.to_desktop()
                .hints
                .into_iter()
                .filter(|h| {
                    matches!(
                        h,
                        Hint::SoundName(_) | Hint::SoundFile(_) | Hint::SuppressSound(_)
                    )
                })
                .collect()
        };
        assert_eq!(sound_hints(&n), vec![]);
        n.sound = Some(Sound::parse("alarm-clock-elapsed"));
        assert_eq!(
            sound_hints(&n),
            vec![Hint::SoundName("alarm-clock-elapsed".into())]
        );
        n.sound = Some(Sound::parse("/usr/share/sounds/x.oga"));
        assert_eq!(
            sound_hints(&n),
            vec![Hint::SoundFile("/usr/share/sounds/x.oga".into())]
        );
    }
}
