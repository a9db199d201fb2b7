//! Routing: where a notification goes besides the desktop. Programs (`[[actions]]`) and
//! webhooks (`[[webhooks]]`) take every decision of the alert policy that notifies, so they
//! follow its confirmation, snoozes, quiet hours and storm summaries (one run or post each).
//!
//! The router hangs off the engine's decisions: a dispatcher turns each notifying decision into
//! the payload and queues it on every route whose filters take it. Each route has its own
//! bounded queue and worker, so a hanging program or a dead webhook holds up only itself, never
//! polling, the desktop notification or another route. What became of each run or post goes
//! back to the alert task, which records it in the history and the Why list.

mod actions;
mod config;
mod delivery;
mod formats;
mod payload;
mod queue;

pub use actions::{run as run_action, ActionResult, ActionRun, OUTPUT_LIMIT};
pub use config::{
    secret_name, validate_webhook_url, ActionConfig, RouteError, RouteFilter, WebhookConfig,
    WebhookFormat, DEFAULT_ACTION_TIMEOUT_SECS, MAX_ACTION_TIMEOUT_SECS,
};
pub use delivery::{deliver, DeliveryResult, RetryPolicy};
pub use formats::{request as webhook_request, WebhookRequest};
pub use payload::RoutePayload;
pub use queue::{BoundedQueue, DEFAULT_QUEUE_LIMIT};

use crate::model::{Severity, Vendor};
use crate::policy::Decision;
use crate::secrets::SecretSource;
use secrecy::ExposeSecret;
use serde::Serialize;
use std::sync::Arc;
use tokio::sync::{broadcast, mpsc, Semaphore};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Runs of one program at the same time; more wait in its queue.
pub const ACTION_CONCURRENCY: usize = 4;

/// What became of one route for one notification, as the Why list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RouteReport {
    /// "action page-me" or "webhook team-chat": never a URL or an argument.
    pub route: String,
    pub ok: bool,
    pub outcome: String,
}

/// A route's report with the notification it was about, for the history and to find the
/// decision in the Why list.
#[derive(Debug, Clone)]
pub struct RouteOutcome {
    pub decision_at_ms: i64,
    pub vendor: Vendor,
    pub account_id: String,
    pub account_name: String,
    pub agent_id: Option<String>,
    pub agent_name: Option<String>,
    pub severity: Severity,
    /// The notification's title: with the time and subject, it tells which decision it was.
    pub summary: String,
    /// "action" or "webhook".
    pub route_kind: &'static str,
    pub report: RouteReport,
}

impl RouteOutcome {
    fn new(
        payload: &RoutePayload,
        vendor: Vendor,
        route_kind: &'static str,
        report: RouteReport,
    ) -> Self {
        RouteOutcome {
            decision_at_ms: payload.time_ms,
            vendor,
            account_id: payload.account_id.clone(),
            account_name: payload.account_name.clone(),
            agent_id: payload.agent_id.clone(),
            agent_name: payload.agent_name.clone(),
            severity: payload.severity,
            summary: payload.summary.clone(),
            route_kind,
            report,
        }
    }

    /// True when this is about that decision.
    pub fn concerns(&self, decision: &Decision) -> bool {
        decision.at_ms == self.decision_at_ms
            && decision.account_id == self.account_id
            && decision.agent_id == self.agent_id
            && decision
                .notification()
                .is_some_and(|n| n.summary == self.summary)
    }
}

/// One notification waiting on one route.
#[derive(Clone)]
struct Job {
    payload: Arc<RoutePayload>,
    vendor: Vendor,
}

/// Where a route's outcomes go.
type Outcomes = mpsc::UnboundedSender<RouteOutcome>;

struct ActionRoute {
    config: ActionConfig,
    label: String,
    queue: BoundedQueue<Job>,
}

struct WebhookRoute {
    config: WebhookConfig,
    label: String,
    queue: BoundedQueue<Job>,
}

/// The routes of one config, and how a webhook is retried.
pub struct Router {
    actions: Vec<Arc<ActionRoute>>,
    webhooks: Vec<Arc<WebhookRoute>>,
    retry: RetryPolicy,
    queue_limit: usize,
}

impl Router {
    pub fn new(actions: &[ActionConfig], webhooks: &[WebhookConfig]) -> Router {
        Router {
            actions: Vec::new(),
            webhooks: Vec::new(),
            retry: RetryPolicy::default(),
            queue_limit: DEFAULT_QUEUE_LIMIT,
        }
        .with_routes(actions, webhooks)
    }

    fn with_routes(mut self, actions: &[ActionConfig], webhooks: &[WebhookConfig]) -> Router {
        self.actions = actions
            .iter()
            .map(|a| {
                Arc::new(ActionRoute {
                    label: a.label(),
                    config: a.clone(),
                    queue: BoundedQueue::new(self.queue_limit),
                })
            })
            .collect();
        self.webhooks = webhooks
            .iter()
            .map(|w| {
                Arc::new(WebhookRoute {
                    label: w.label(),
                    config: w.clone(),
                    queue: BoundedQueue::new(self.queue_limit),
                })
            })
            .collect();
        self
    }

    /// Other retries and queue sizes (tests, and users who want them).
    pub fn with_limits(self, retry: RetryPolicy, queue_limit: usize) -> Router {
        let (actions, webhooks): (Vec<_>, Vec<_>) = (
            self.actions.iter().map(|a| a.config.clone()).collect(),
            self.webhooks.iter().map(|w| w.config.clone()).collect(),
        );
        Router {
            retry,
            queue_limit,
            ..self
        }
        .with_routes(&actions, &webhooks)
    }

    pub fn is_empty(&self) -> bool {
        self.actions.is_empty() && self.webhooks.is_empty()
    }

    /// Starts the dispatcher and one worker per route. Every task ends when `cancel` fires
    /// (runs already started finish under their own time limits).
    pub fn spawn(
        self,
        decisions: broadcast::Receiver<Decision>,
        secrets: Arc<dyn SecretSource>,
        outcomes: Outcomes,
        cancel: CancellationToken,
    ) -> Vec<JoinHandle<()>> {
        let mut tasks = Vec::new();
        for route in &self.actions {
            tasks.push(tokio::spawn(run_actions(
                route.clone(),
                outcomes.clone(),
                cancel.clone(),
            )));
        }
        let client = delivery::client(self.retry.timeout);
        for route in &self.webhooks {
            tasks.push(tokio::spawn(post_webhooks(
                route.clone(),
                client.clone(),
                self.retry,
                secrets.clone(),
                outcomes.clone(),
                cancel.clone(),
            )));
        }
        tasks.push(tokio::spawn(dispatch(self, decisions, outcomes, cancel)));
        tasks
    }
}

/// Queues each notifying decision on the routes that take it.
async fn dispatch(
    router: Router,
    mut decisions: broadcast::Receiver<Decision>,
    outcomes: Outcomes,
    cancel: CancellationToken,
) {
    loop {
        let decision = tokio::select! {
            received = decisions.recv() => match received {
                Ok(d) => d,
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!("routing fell behind: {n} decisions were not routed");
                    continue;
                }
                Err(broadcast::error::RecvError::Closed) => break,
            },
            _ = cancel.cancelled() => break,
        };
        let Some(payload) = RoutePayload::from_decision(&decision) else {
            continue;
        };
        let job = Job {
            payload: Arc::new(payload),
            vendor: decision.vendor,
        };
        let (severity, account) = (decision.severity, decision.account_id.as_str());
        for route in &router.actions {
            if route.config.accepts(severity, account) {
                enqueue(&route.queue, &route.label, "action", job.clone(), &outcomes);
            }
        }
        for route in &router.webhooks {
            if route.config.accepts(severity, account) {
                enqueue(
                    &route.queue,
                    &route.label,
                    "webhook",
                    job.clone(),
                    &outcomes,
                );
            }
        }
    }
}

fn enqueue(
    queue: &BoundedQueue<Job>,
    label: &str,
    route_kind: &'static str,
    job: Job,
    outcomes: &Outcomes,
) {
    if let Some(old) = queue.push(job) {
        let dropped = queue.dropped();
        tracing::warn!(
            "{label}: queue full, the oldest waiting notification was dropped \
             ({dropped} dropped since the start)"
        );
        let report = RouteReport {
            route: label.to_string(),
            ok: false,
            outcome: format!("dropped: the queue was full ({dropped} dropped since the start)"),
        };
        let _ = outcomes.send(RouteOutcome::new(
            &old.payload,
            old.vendor,
            route_kind,
            report,
        ));
    }
}

async fn run_actions(route: Arc<ActionRoute>, outcomes: Outcomes, cancel: CancellationToken) {
    let slots = Arc::new(Semaphore::new(ACTION_CONCURRENCY));
    loop {
        let job = tokio::select! {
            job = route.queue.pop() => job,
            _ = cancel.cancelled() => break,
        };
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
            _ = cancel.cancelled() => break,
        };
        let (route, outcomes) = (route.clone(), outcomes.clone());
        tokio::spawn(async move {
            let run = actions::run(&route.config, &job.payload).await;
            drop(slot);
            log_run(&route.label, &run);
            let report = RouteReport {
                route: route.label.clone(),
                ok: run.result.ok(),
                outcome: run.result.to_string(),
            };
            let _ = outcomes.send(RouteOutcome::new(
                &job.payload,
                job.vendor,
                "action",
                report,
            ));
        });
    }
}

/// The program's output goes to the log (it is the user's own program: its words, not ours).
fn log_run(label: &str, run: &ActionRun) {
    let took = run.took.as_millis();
    if run.result.ok() {
        tracing::info!("{label}: {} in {took} ms", run.result);
    } else {
        tracing::warn!("{label}: {} after {took} ms", run.result);
    }
    for (stream, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        if !text.trim().is_empty() {
            tracing::info!("{label} {stream}: {}", text.trim_end());
        }
    }
}

async fn post_webhooks(
    route: Arc<WebhookRoute>,
    client: reqwest::Client,
    retry: RetryPolicy,
    secrets: Arc<dyn SecretSource>,
    outcomes: Outcomes,
    cancel: CancellationToken,
) {
    loop {
        let job = tokio::select! {
            job = route.queue.pop() => job,
            _ = cancel.cancelled() => break,
        };
        let outcome = tokio::select! {
            outcome = post_one(&route.config, &client, &retry, secrets.as_ref(), &job.payload) => outcome,
            _ = cancel.cancelled() => break,
        };
        let (ok, outcome) = match outcome {
            Ok(result) => (result.ok(), result.to_string()),
            Err(why) => (false, why),
        };
        if ok {
            tracing::info!("{}: {outcome}", route.label);
        } else {
            tracing::warn!("{}: {outcome}", route.label);
        }
        let report = RouteReport {
            route: route.label.clone(),
            ok,
            outcome,
        };
        let _ = outcomes.send(RouteOutcome::new(
            &job.payload,
            job.vendor,
            "webhook",
            report,
        ));
    }
}

/// Finds the URL (config, else keyring or environment) and posts. Errors never hold the URL.
async fn post_one(
    webhook: &WebhookConfig,
    client: &reqwest::Client,
    retry: &RetryPolicy,
    secrets: &dyn SecretSource,
    payload: &RoutePayload,
) -> Result<DeliveryResult, String> {
    let url = match &webhook.url {
        Some(url) => validate_webhook_url(url),
        None => {
            let name = webhook.secret_name();
            let stored = secrets.secret(&name).await.map_err(|e| match e.kind() {
                crate::ErrorKind::MissingSecret => format!(
                    "not sent: no URL in the config, the keyring or {} (store it with \
                     `agentwatch secret set {name}`)",
                    crate::secrets::env_var_name(&name)
                ),
                _ => format!("not sent: cannot read its URL: {e}"),
            })?;
            validate_webhook_url(stored.expose_secret().trim())
        }
    }
    .map_err(|why| format!("not sent: the URL {why}"))?;
    let request = formats::request(webhook.format, payload);
    Ok(delivery::deliver(client, &url, &request, retry).await)
}
