//! What `agentwatch serve` exposes at `/metrics`, encoded in OpenMetrics text
//! (prometheus-client; `formats` derives the Prometheus text format from it).
//!
//! Two kinds of figures. What the board shows now (each agent's severity, state and since when,
//! each account up or down) is rebuilt from the latest status at every scrape, so an agent that
//! vanished, or an account no longer configured, leaves the exposition at once and no stale
//! series lingers. What accumulates (polls, their durations, notifications) lives in counters
//! and a histogram fed by the engine as it goes, kept across config reloads.
//!
//! Labels are the vendor id, the account id, the agent id, its name and its state: no times,
//! no messages, so the number of series follows the number of agents. Vendor text is untrusted:
//! control characters are blanked and long values cut before they become labels (the encoder
//! escapes quotes, backslashes and line breaks).

use agentwatch_core::items::{Figures, QueueFigures};
use agentwatch_core::policy::Decision;
use agentwatch_core::poller::PollRecord;
use agentwatch_core::status::{AccountHealth, AgentStatus, Status};
use agentwatch_core::Severity;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::text::{encode_eof, encode_registry};
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::{Registry, Unit};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::{Arc, Mutex};

/// Longest label value taken from a vendor, in characters.
const MAX_LABEL_CHARS: usize = 128;
/// Poll durations, in seconds: from a quick local answer to the engine's own time limits.
const POLL_BUCKETS: [f64; 11] = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

#[derive(Clone, Debug, Hash, PartialEq, Eq, PartialOrd, Ord, EncodeLabelSet)]
struct AccountLabels {
    vendor: String,
    account: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, PartialOrd, Ord, EncodeLabelSet)]
struct PollLabels {
    vendor: String,
    account: String,
    /// "ok", or the kind of failure ("timeout", "auth", "connect"...): a fixed, short list.
    result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SeverityLabels {
    severity: String,
}

fn new_poll_histogram() -> Histogram {
    Histogram::new(POLL_BUCKETS)
}

/// The figures kept between scrapes, and the exposition built from them and a status.
pub struct Metrics {
    registry: Registry,
    polls: Family<PollLabels, Counter>,
    poll_durations: Family<AccountLabels, Histogram, fn() -> Histogram>,
    notifications: Family<SeverityLabels, Counter>,
    reload_ok: Gauge,
    /// The poll series created so far, to drop an account's when it leaves the config.
    poll_series: Mutex<BTreeSet<PollLabels>>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::default();
        let polls = Family::<PollLabels, Counter>::default();
        registry.register(
            "agentwatch_polls",
            "Polls of each account, by result: ok or the kind of failure",
            polls.clone(),
        );
        let poll_durations =
            Family::<AccountLabels, Histogram, fn() -> Histogram>::new_with_constructor(
                new_poll_histogram,
            );
        registry.register_with_unit(
            "agentwatch_account_poll_duration",
            "How long each poll of the account took, answered or not",
            Unit::Seconds,
            poll_durations.clone(),
        );
        let notifications = Family::<SeverityLabels, Counter>::default();
        for severity in Severity::ALL {
            // Every severity from the start, so that rate() sees the first one.
            let _ = notifications.get_or_create(&SeverityLabels {
                severity: severity.to_string(),
            });
        }
        registry.register(
            "agentwatch_notifications",
            "Notifications the alert policy decided to send, by severity",
            notifications.clone(),
        );
        let reload_ok = Gauge::default();
        reload_ok.set(1);
        registry.register(
            "agentwatch_config_last_reload_successful",
            "1 when the last configuration load (start or SIGHUP) succeeded, 0 when the file was refused and the previous configuration kept",
            reload_ok.clone(),
        );
        Metrics {
            registry,
            polls,
            poll_durations,
            notifications,
            reload_ok,
            poll_series: Mutex::new(BTreeSet::new()),
        }
    }

    pub fn record_poll(&self, record: &PollRecord) {
        let account = AccountLabels {
            vendor: record.vendor.to_string(),
            account: record.account_id.clone(),
        };
        self.poll_durations
            .get_or_create(&account)
            .observe(record.duration.as_secs_f64());
        let labels = PollLabels {
            vendor: account.vendor,
            account: account.account,
            result: match record.error {
                None => "ok".to_string(),
                Some(kind) => kind.as_str().to_string(),
            },
        };
        self.polls.get_or_create(&labels).inc();
        self.poll_series.lock().unwrap().insert(labels);
    }

    /// Counts the decisions that send a notification.
    pub fn record_decision(&self, decision: &Decision) {
        if decision.notification().is_some() {
            self.notifications
                .get_or_create(&SeverityLabels {
                    severity: decision.severity.to_string(),
                })
                .inc();
        }
    }

    pub fn config_loaded(&self, ok: bool) {
        self.reload_ok.set(i64::from(ok));
    }

    /// Drops the poll counters and durations of accounts no longer configured (after a reload).
    pub fn keep_accounts(&self, account_ids: &HashSet<String>) {
        let mut series = self.poll_series.lock().unwrap();
        series.retain(|labels| {
            if account_ids.contains(&labels.account) {
                return true;
            }
            self.polls.remove(labels);
            self.poll_durations.remove(&AccountLabels {
                vendor: labels.vendor.clone(),
                account: labels.account.clone(),
            });
            false
        });
    }

    /// The whole exposition: the kept figures, then the board's as `status` shows them now.
    pub fn render(&self, status: Arc<Status>) -> String {
        let mut board = Registry::default();
        board.register_collector(Box::new(BoardFamilies(status)));
        let mut out = String::new();
        // Writing to a String cannot fail, nor can the families' encoders.
        encode_registry(&mut out, &self.registry).expect("encoding to a String");
        encode_registry(&mut out, &board).expect("encoding to a String");
        encode_eof(&mut out).expect("encoding to a String");
        out
    }
}

/// The value of `agentwatch_agent_severity`.
pub fn severity_value(severity: Severity) -> i64 {
    match severity {
        Severity::Ok => 0,
        Severity::Info => 1,
        Severity::Warning => 2,
        Severity::Critical => 3,
        Severity::Unknown => 4,
    }
}

/// A vendor's text made fit for a label value: control characters blanked, at most
/// `MAX_LABEL_CHARS` characters.
fn label_text(text: &str) -> Cow<'_, str> {
    let fits = text.chars().count() <= MAX_LABEL_CHARS;
    if fits && !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let mut clean: String = text
        .chars()
        .take(MAX_LABEL_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if !fits {
        clean.pop();
        clean.push('…');
    }
    Cow::Owned(clean)
}

/// The status board's families, encoded from one status at one scrape.
#[derive(Debug)]
struct BoardFamilies(Arc<Status>);

impl Collector for BoardFamilies {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let status = &self.0;
        // Queues and team counts have families of their own: as agents, their words (which
        // change with every figure) would make a new series each poll.
        let only_agents: Vec<&AgentStatus> = status
            .agents
            .iter()
            .filter(|a| !a.observation.is_item())
            .collect();
        encode_agents(&mut encoder, &only_agents)?;
        encode_queues(&mut encoder, status)?;
        encode_team(&mut encoder, &only_agents)?;
        encode_accounts(&mut encoder, status)
    }
}

fn encode_agents(
    encoder: &mut DescriptorEncoder,
    agents_of: &[&AgentStatus],
) -> Result<(), std::fmt::Error> {
    let agents: Vec<AgentLabels> = agents_of.iter().map(|a| AgentLabels::of(a)).collect();
    {
        let mut family = encoder.encode_descriptor(
                "agentwatch_agent_severity",
                "Each agent's severity: 0 ok, 1 info, 2 warning, 3 critical, 4 unknown (also while its account is unreachable)",
                None,
                MetricType::Gauge,
            )?;
        for (agent, labels) in agents_of.iter().zip(&agents) {
            let set = [
                ("vendor", labels.vendor.as_str()),
                ("account", agent.account_id.as_str()),
                ("agent", &*labels.agent),
                ("name", &*labels.name),
            ];
            family
                .encode_family(&set)?
                .encode_gauge(&severity_value(agent.effective_severity()))?;
        }
    }
    {
        let mut family = encoder.encode_descriptor(
            "agentwatch_agent_state",
            "1 for each agent's current state as the vendor names it",
            None,
            MetricType::Gauge,
        )?;
        for (agent, labels) in agents_of.iter().zip(&agents) {
            let set = [
                ("vendor", labels.vendor.as_str()),
                ("account", agent.account_id.as_str()),
                ("agent", &*labels.agent),
                ("state", &*labels.state),
            ];
            family.encode_family(&set)?.encode_gauge(&1i64)?;
        }
    }
    {
        let mut family = encoder.encode_descriptor(
            "agentwatch_agent_state_since_seconds",
            "Unix time the agent's current state was first seen",
            None,
            MetricType::Gauge,
        )?;
        for (agent, labels) in agents_of.iter().zip(&agents) {
            let set = [
                ("vendor", labels.vendor.as_str()),
                ("account", agent.account_id.as_str()),
                ("agent", &*labels.agent),
            ];
            family
                .encode_family(&set)?
                .encode_gauge(&(agent.since_ms as f64 / 1000.0))?;
        }
    }
    Ok(())
}

/// One figure of a queue, `None` when the vendor did not report it.
type QueueFigure = fn(&QueueFigures) -> Option<u64>;

/// The figures of every skill queue read: calls waiting, the longest wait, agents free and
/// signed in (a figure the vendor did not report has no sample; a stale queue neither).
fn encode_queues(encoder: &mut DescriptorEncoder, status: &Status) -> Result<(), std::fmt::Error> {
    let queues: Vec<(&AgentStatus, &QueueFigures, Cow<'_, str>)> = status
        .agents
        .iter()
        .filter(|a| !a.stale)
        .filter_map(|a| match a.observation.figures.as_deref() {
            Some(Figures::Queue(q)) => Some((
                a,
                q,
                label_text(a.observation.name.as_deref().unwrap_or("")),
            )),
            _ => None,
        })
        .collect();
    let families: [(&str, &str, QueueFigure); 4] = [
        (
            "agentwatch_queue_calls_waiting",
            "Calls waiting in each skill queue",
            |q| q.waiting,
        ),
        (
            "agentwatch_queue_longest_wait_seconds",
            "How long the longest-waiting call of each skill queue has waited, in seconds",
            |q| q.longest_wait_secs,
        ),
        (
            "agentwatch_queue_agents_available",
            "Agents of each skill queue free to take a call",
            |q| q.available,
        ),
        (
            "agentwatch_queue_agents_logged_on",
            "Agents signed in to each skill queue",
            |q| q.logged_on,
        ),
    ];
    for (name, help, figure) in families {
        let mut family = encoder.encode_descriptor(name, help, None, MetricType::Gauge)?;
        for (queue, figures, queue_name) in &queues {
            let Some(value) = figure(figures) else {
                continue;
            };
            let vendor = queue.vendor.to_string();
            let skill = label_text(&figures.skill_id);
            let set = [
                ("vendor", vendor.as_str()),
                ("account", queue.account_id.as_str()),
                ("skill", &*skill),
                ("name", &**queue_name),
            ];
            family
                .encode_family(&set)?
                .encode_gauge(&i64::try_from(value).unwrap_or(i64::MAX))?;
        }
    }
    Ok(())
}

/// How many of each account's agents are in each state: one sample per state with agents in it.
fn encode_team(
    encoder: &mut DescriptorEncoder,
    agents: &[&AgentStatus],
) -> Result<(), std::fmt::Error> {
    let mut counts: BTreeMap<(String, &str, Cow<'_, str>), i64> = BTreeMap::new();
    for agent in agents.iter().filter(|a| !a.stale) {
        let key = (
            agent.vendor.to_string(),
            agent.account_id.as_str(),
            label_text(&agent.observation.state),
        );
        *counts.entry(key).or_insert(0) += 1;
    }
    let mut family = encoder.encode_descriptor(
        "agentwatch_team_agents",
        "How many of the account's watched agents are in each state (states with agents only)",
        None,
        MetricType::Gauge,
    )?;
    for ((vendor, account, state), count) in &counts {
        let set = [
            ("vendor", vendor.as_str()),
            ("account", *account),
            ("state", &**state),
        ];
        family.encode_family(&set)?.encode_gauge(count)?;
    }
    Ok(())
}

fn encode_accounts(
    encoder: &mut DescriptorEncoder,
    status: &Status,
) -> Result<(), std::fmt::Error> {
    let mut family = encoder.encode_descriptor(
            "agentwatch_account_up",
            "1 when the account's last poll got an answer, 0 when it failed (absent until the first poll ends)",
            None,
            MetricType::Gauge,
        )?;
    for account in &status.accounts {
        let up = match account.health {
            AccountHealth::Ok => 1i64,
            AccountHealth::Unreachable => 0,
            AccountHealth::Pending => continue,
        };
        let vendor = account.vendor.to_string();
        let set = [
            ("vendor", vendor.as_str()),
            ("account", account.id.as_str()),
        ];
        family.encode_family(&set)?.encode_gauge(&up)?;
    }
    Ok(())
}

/// One agent's label values, cleaned once per scrape.
struct AgentLabels<'a> {
    vendor: String,
    agent: Cow<'a, str>,
    name: Cow<'a, str>,
    state: Cow<'a, str>,
}

impl<'a> AgentLabels<'a> {
    fn of(agent: &'a AgentStatus) -> Self {
        let obs = &agent.observation;
        AgentLabels {
            vendor: agent.vendor.to_string(),
            agent: label_text(&obs.agent_id),
            name: label_text(obs.name.as_deref().unwrap_or("")),
            state: label_text(&obs.state),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentwatch_core::status::AccountStatus;
    use agentwatch_core::{ErrorKind, Observation, Vendor};
    use std::time::Duration;

    fn agent(id: &str, name: Option<&str>, state: &str, severity: Severity) -> AgentStatus {
        AgentStatus {
            account_id: "ai".into(),
            account_name: "AI".into(),
            vendor: Vendor::Agora,
            observation: Observation {
                agent_id: id.into(),
                name: name.map(str::to_string),
                state: state.into(),
                native: state.into(),
                severity,
                identity: None,
                detail: None,
                time_in_state: None,
                finding: None,
                figures: None,
            },
            since_ms: 1_700_000_000_500,
            stale: false,
        }
    }

    fn status(agents: Vec<AgentStatus>, health: AccountHealth) -> Arc<Status> {
        Arc::new(Status {
            accounts: vec![AccountStatus {
                health,
                ..AccountStatus::pending("ai", "AI", Vendor::Agora)
            }],
            agents,
            updated_ms: 0,
            condition: None,
        })
    }

    /// The sample lines of one metric.
    fn samples<'a>(text: &'a str, metric: &str) -> Vec<&'a str> {
        text.lines()
            .filter(|l| {
                l.starts_with(&format!("{metric}{{")) || l.starts_with(&format!("{metric} "))
            })
            .collect()
    }

    #[test]
    fn the_board_is_exposed_as_it_is_now_and_a_vanished_agent_leaves() {
        let metrics = Metrics::new();
        let both = status(
            vec![
                agent("a1", Some("Sales bot"), "FAILED", Severity::Critical),
                agent("a2", None, "RUNNING", Severity::Ok),
            ],
            AccountHealth::Ok,
        );
        let text = metrics.render(both);
        assert!(text.ends_with("# EOF\n"), "{text}");
        assert_eq!(
            samples(&text, "agentwatch_agent_severity"),
            [
                r#"agentwatch_agent_severity{vendor="agora",account="ai",agent="a1",name="Sales bot"} 3"#,
                r#"agentwatch_agent_severity{vendor="agora",account="ai",agent="a2",name=""} 0"#,
            ]
        );
        assert_eq!(
            samples(&text, "agentwatch_agent_state"),
            [
                r#"agentwatch_agent_state{vendor="agora",account="ai",agent="a1",state="FAILED"} 1"#,
                r#"agentwatch_agent_state{vendor="agora",account="ai",agent="a2",state="RUNNING"} 1"#,
            ]
        );
        assert!(text.contains(
            r#"agentwatch_agent_state_since_seconds{vendor="agora",account="ai",agent="a1"} 1700000000.5"#
        ), "{text}");
        assert_eq!(
            samples(&text, "agentwatch_account_up"),
            [r#"agentwatch_account_up{vendor="agora",account="ai"} 1"#]
        );

        let one_left = metrics.render(status(
            vec![agent("a1", Some("Sales bot"), "FAILED", Severity::Critical)],
            AccountHealth::Ok,
        ));
        assert!(!one_left.contains(r#"agent="a2""#), "{one_left}");
        assert_eq!(samples(&one_left, "agentwatch_agent_severity").len(), 1);
    }

    #[test]
    fn queues_and_team_counts_have_their_own_families_and_no_agent_series() {
        let settings = agentwatch_core::queues::QueueSettings::default();
        let queue = |skill: &str, name: &str, waiting| AgentStatus {
            observation: settings.observe(agentwatch_core::queues::SkillStats {
                skill_id: skill.into(),
                name: Some(name.into()),
                waiting,
                longest_wait_secs: Some(200),
                available: Some(0),
                logged_on: None,
            }),
            ..agent("x", None, "x", Severity::Ok)
        };
        let mut agents = vec![
            agent("a1", None, "RUNNING", Severity::Ok),
            agent("a2", None, "RUNNING", Severity::Ok),
            agent("a3", None, "FAILED", Severity::Critical),
            queue("3", "vip", Some(4)),
            queue("4", "sales", None),
        ];
        agents.push(AgentStatus {
            observation: agentwatch_core::items::unreadable_queue("5", None, "refused"),
            ..agent("x", None, "x", Severity::Ok)
        });
        let text = Metrics::new().render(status(agents, AccountHealth::Ok));
        assert_eq!(
            samples(&text, "agentwatch_queue_calls_waiting"),
            [
                r#"agentwatch_queue_calls_waiting{vendor="agora",account="ai",skill="3",name="vip"} 4"#
            ],
            "a figure not reported has no sample"
        );
        assert_eq!(
            samples(&text, "agentwatch_queue_longest_wait_seconds").len(),
            2,
            "{text}"
        );
        assert!(text.contains(
            r#"agentwatch_queue_agents_available{vendor="agora",account="ai",skill="4",name="sales"} 0"#
        ), "{text}");
        assert!(samples(&text, "agentwatch_queue_agents_logged_on").is_empty());
        assert_eq!(
            samples(&text, "agentwatch_team_agents"),
            [
                r#"agentwatch_team_agents{vendor="agora",account="ai",state="FAILED"} 1"#,
                r#"agentwatch_team_agents{vendor="agora",account="ai",state="RUNNING"} 2"#,
            ]
        );
        assert_eq!(
            samples(&text, "agentwatch_agent_severity").len(),
            3,
            "{text}"
        );
        assert!(!text.contains("queue:"), "{text}");
    }

    #[test]
    fn an_unreachable_account_is_down_and_its_agents_unknown() {
        let mut stale = agent("a1", None, "RUNNING", Severity::Ok);
        stale.stale = true;
        let text = Metrics::new().render(status(vec![stale], AccountHealth::Unreachable));
        assert_eq!(
            samples(&text, "agentwatch_account_up"),
            [r#"agentwatch_account_up{vendor="agora",account="ai"} 0"#]
        );
        assert!(text.contains(r#"agent="a1",name=""} 4"#), "{text}");
        let pending = Metrics::new().render(status(vec![], AccountHealth::Pending));
        assert!(
            samples(&pending, "agentwatch_account_up").is_empty(),
            "{pending}"
        );
    }

    #[test]
    fn hostile_vendor_text_cannot_break_the_exposition() {
        let text = Metrics::new().render(status(
            vec![agent(
                "x\"} 9\nevil 1",
                Some("a\\b\u{7}"),
                "S\"",
                Severity::Ok,
            )],
            AccountHealth::Ok,
        ));
        let lines = samples(&text, "agentwatch_agent_severity");
        assert_eq!(lines.len(), 1, "{text}");
        assert_eq!(
            lines[0],
            r#"agentwatch_agent_severity{vendor="agora",account="ai",agent="x\"} 9 evil 1",name="a\\b "} 0"#
        );
        assert!(!text.lines().any(|l| l.starts_with("evil")), "{text}");
    }

    #[test]
    fn polls_are_counted_by_result_and_forgotten_with_their_account() {
        let metrics = Metrics::new();
        let poll = |account: &str, error| PollRecord {
            vendor: Vendor::Huawei,
            account_id: account.into(),
            duration: Duration::from_millis(30),
            error,
        };
        metrics.record_poll(&poll("cc", None));
        metrics.record_poll(&poll("cc", None));
        metrics.record_poll(&poll("cc", Some(ErrorKind::Timeout)));
        metrics.record_poll(&poll("old", None));
        let text = metrics.render(Arc::new(Status::default()));
        assert!(
            text.contains(r#"agentwatch_polls_total{vendor="huawei",account="cc",result="ok"} 2"#),
            "{text}"
        );
        assert!(
            text.contains(
                r#"agentwatch_polls_total{vendor="huawei",account="cc",result="timeout"} 1"#
            ),
            "{text}"
        );
        assert!(text.contains(
            r#"agentwatch_account_poll_duration_seconds_bucket{le="0.05",vendor="huawei",account="cc"} 3"#
        ), "{text}");
        metrics.keep_accounts(&HashSet::from(["cc".to_string()]));
        let text = metrics.render(Arc::new(Status::default()));
        assert!(!text.contains(r#"account="old""#), "{text}");
        assert!(text.contains(r#"account="cc""#), "{text}");
    }

    #[test]
    fn label_text_blanks_control_characters_and_cuts_long_values() {
        assert!(matches!(
            label_text("Ana Souza"),
            Cow::Borrowed("Ana Souza")
        ));
        assert_eq!(label_text("a\u{1b}[31mb\r"), "a [31mb ");
        let long = "é".repeat(500);
        let cut = label_text(&long);
        assert_eq!(cut.chars().count(), MAX_LABEL_CHARS);
        assert!(cut.ends_with('…'));
    }
}
