//! Posting one webhook request: a time limit per attempt, retries with exponential back-off on
//! what may pass (no connection, time-outs, 429 and 5xx), none on what will not (other 4xx).
//! The URL is a credential: no message made here names it (reqwest's errors do, so only their
//! class and the operating system's reason are kept).

use super::formats::WebhookRequest;
use std::time::Duration;

/// How a webhook is retried; the defaults suit a chat service's brief outages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first one included.
    pub attempts: u32,
    pub first_delay: Duration,
    pub max_delay: Duration,
    /// The time limit of one attempt.
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 4,
            first_delay: Duration::from_secs(2),
            max_delay: Duration::from_secs(60),
            timeout: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// The wait before attempt `n + 1` (n counted from 1): doubling from the first delay.
    pub fn delay_after(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        self.first_delay.saturating_mul(factor).min(self.max_delay)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryResult {
    Delivered { status: u16, attempts: u32 },
    Failed { reason: String, attempts: u32 },
}

impl DeliveryResult {
    pub fn ok(&self) -> bool {
        matches!(self, DeliveryResult::Delivered { .. })
    }
}

impl std::fmt::Display for DeliveryResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tries = |n: &u32| match n {
            1 => String::new(),
            n => format!(" after {n} attempts"),
        };
        match self {
            DeliveryResult::Delivered { status, attempts } => {
                write!(f, "delivered (HTTP {status}){}", tries(attempts))
            }
            DeliveryResult::Failed { reason, attempts } => {
                write!(f, "failed{}: {reason}", tries(attempts))
            }
        }
    }
}

/// The client for webhooks: rustls with the system's roots, no redirects (a redirect could take
/// the notification elsewhere), the environment's proxy.
pub fn client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .use_rustls_tls()
        .user_agent(crate::http::USER_AGENT)
        .connect_timeout(crate::http::CONNECT_TIMEOUT.min(timeout))
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("the webhook client builds (rustls with the system's roots)")
}

enum Attempt {
    Done(u16),
    Retry(String, Option<Duration>),
    GiveUp(String),
}

async fn attempt(client: &reqwest::Client, url: &url::Url, request: &WebhookRequest) -> Attempt {
    let mut builder = client
        .post(url.clone())
        .header(reqwest::header::CONTENT_TYPE, request.content_type)
        .body(request.body.clone());
    for (name, value) in &request.headers {
        builder = builder.header(*name, value);
    }
    match builder.send().await {
        Ok(answer) => {
            let status = answer.status();
            let wait = crate::http::retry_after(answer.headers());
            if status.is_success() {
                Attempt::Done(status.as_u16())
            } else if status.as_u16() == 429 || status.is_server_error() {
                Attempt::Retry(format!("HTTP {}", status.as_u16()), wait)
            } else {
                Attempt::GiveUp(format!("HTTP {} (not retried)", status.as_u16()))
            }
        }
        Err(e) => Attempt::Retry(transport_reason(&e), None),
    }
}

/// What went wrong on the way, without the URL reqwest's own message holds.
fn transport_reason(e: &reqwest::Error) -> String {
    let class = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    let mut source = std::error::Error::source(e);
    while let Some(inner) = source {
        if let Some(io) = inner.downcast_ref::<std::io::Error>() {
            return format!("{class} ({})", io.kind());
        }
        source = inner.source();
    }
    class.to_string()
}

/// Posts the request, retrying as the policy says.
pub async fn deliver(
    client: &reqwest::Client,
    url: &url::Url,
    request: &WebhookRequest,
    retry: &RetryPolicy,
) -> DeliveryResult {
    let mut attempts = 0;
    loop {
        attempts += 1;
        let (reason, wait) = match attempt(client, url, request).await {
            Attempt::Done(status) => return DeliveryResult::Delivered { status, attempts },
            Attempt::GiveUp(reason) => return DeliveryResult::Failed { reason, attempts },
            Attempt::Retry(reason, wait) => (reason, wait),
        };
        if attempts >= retry.attempts.max(1) {
            return DeliveryResult::Failed { reason, attempts };
        }
        let delay = wait
            .unwrap_or_else(|| retry.delay_after(attempts))
            .min(retry.max_delay);
        tracing::debug!("webhook attempt {attempts} failed ({reason}); retrying in {delay:?}");
        tokio::time::sleep(delay).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_up_to_the_cap() {
        let retry = RetryPolicy {
            attempts: 6,
            first_delay: Duration::from_secs(2),
            max_delay: Duration::from_secs(10),
            timeout: Duration::from_secs(1),
        };
        let delays: Vec<u64> = (1..=5).map(|n| retry.delay_after(n).as_secs()).collect();
        assert_eq!(delays, [2, 4, 8, 10, 10]);
    }
}
