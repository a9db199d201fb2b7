//! `[[actions]]` and `[[webhooks]]`: where a notification goes besides the desktop, and the
//! checks a hand-written file gets. A webhook URL that carries a token is refused here: it is a
//! credential and belongs in the keyring (`agentwatch secret set webhook:<id>`).

use crate::model::Severity;
use crate::network::is_loopback_host;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How long a program may run before its process group is killed, unless its table says.
pub const DEFAULT_ACTION_TIMEOUT_SECS: u64 = 10;
/// The longest time limit a table may ask for: a program is a hook, not a service.
pub const MAX_ACTION_TIMEOUT_SECS: u64 = 600;

/// One program run for each notification that passes its filters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionConfig {
    /// The program and its arguments, run directly (no shell, so nothing is interpreted).
    pub command: Vec<String>,
    /// Only notifications at least this severe; every notification when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_severity: Option<Severity>,
    /// Only notifications about these accounts; every account when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accounts: Vec<String>,
    /// The run's time limit in seconds (default 10); then the program's process group is killed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_secs: Option<u64>,
}

/// The services whose documented payloads a webhook can post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WebhookFormat {
    /// The routing payload itself, as JSON.
    Json,
    /// A Slack incoming webhook (`text` with Block Kit `blocks`).
    Slack,
    /// A Microsoft Teams Workflows webhook (a message with an Adaptive Card).
    Teams,
    /// An ntfy topic URL (message body with Title, Priority and Tags headers).
    Ntfy,
}

/// One webhook. Its URL is in the config when it holds no token, else in the keyring.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// Names the webhook in the history and the keyring entry `webhook:<id>`.
    pub id: String,
    pub format: WebhookFormat,
    /// Left out = read from the keyring (`agentwatch secret set webhook:<id>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_severity: Option<Severity>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accounts: Vec<String>,
}

/// Which notifications a route takes: at least a severity, from some accounts.
pub trait RouteFilter {
    fn min_severity(&self) -> Option<Severity>;
    fn accounts(&self) -> &[String];

    /// True when a notification of this severity about this account goes this way. An
    /// unknown severity ranks between info and warning (`Severity::rank`).
    fn accepts(&self, severity: Severity, account_id: &str) -> bool {
        let severe_enough = self
            .min_severity()
            .is_none_or(|min| severity.rank() >= min.rank());
        let account_ok =
            self.accounts().is_empty() || self.accounts().iter().any(|a| a == account_id);
        severe_enough && account_ok
    }
}

impl RouteFilter for ActionConfig {
    fn min_severity(&self) -> Option<Severity> {
        self.min_severity
    }
    fn accounts(&self) -> &[String] {
        &self.accounts
    }
}

impl RouteFilter for WebhookConfig {
    fn min_severity(&self) -> Option<Severity> {
        self.min_severity
    }
    fn accounts(&self) -> &[String] {
        &self.accounts
    }
}

/// A config key and what is wrong with it.
pub type RouteError = (String, String);

impl ActionConfig {
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_secs.unwrap_or(DEFAULT_ACTION_TIMEOUT_SECS))
    }

    /// The program's name for logs, the history and the Why list, with its script's name when
    /// it is an interpreter given a script path (`sh page.sh`); never its other arguments,
    /// which a user may have given a token to.
    pub fn label(&self) -> String {
        let file_name = |arg: &str| {
            std::path::Path::new(arg)
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or(arg)
                .to_string()
        };
        let program = self.command.first().map(String::as_str).unwrap_or("");
        match self.command.get(1) {
            Some(script) if script.contains('/') && !script.starts_with('-') => {
                format!("action {} {}", file_name(program), file_name(script))
            }
            _ => format!("action {}", file_name(program)),
        }
    }

    pub fn validate(&self, known_accounts: &[&str]) -> Result<(), RouteError> {
        match self.command.first() {
            None => return Err(("command".into(), "needs at least the program".into())),
            Some(p) if p.trim().is_empty() => {
                return Err(("command".into(), "the program is empty".into()))
            }
            Some(_) => {}
        }
        if self.command.iter().any(|a| a.contains('\0')) {
            return Err(("command".into(), "an argument holds a NUL byte".into()));
        }
        if let Some(secs) = self.timeout_secs {
            if !(1..=MAX_ACTION_TIMEOUT_SECS).contains(&secs) {
                return Err((
                    "timeout_secs".into(),
                    format!("must be between 1 and {MAX_ACTION_TIMEOUT_SECS}"),
                ));
            }
        }
        check_accounts(&self.accounts, known_accounts)
    }
}

impl WebhookConfig {
    /// The keyring entry (and `AGENTWATCH_SECRET_WEBHOOK_<ID>` variable) holding the URL.
    pub fn secret_name(&self) -> String {
        secret_name(&self.id)
    }

    pub fn label(&self) -> String {
        format!("webhook {}", self.id)
    }

    pub fn validate(&self, known_accounts: &[&str]) -> Result<(), RouteError> {
        if self.id.is_empty()
            || !self
                .id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            return Err((
                "id".into(),
                format!(
                    "{:?} must be non-empty and use only letters, digits, '-', '_' or '.'",
                    self.id
                ),
            ));
        }
        if let Some(url) = &self.url {
            validate_config_url(url, &self.id).map_err(|m| ("url".to_string(), m))?;
        }
        check_accounts(&self.accounts, known_accounts)
    }
}

/// `webhook:<id>`: the keyring user name of a webhook's URL. Account ids never hold ':', so it
/// can never meet an account's entry.
pub fn secret_name(webhook_id: &str) -> String {
    format!("webhook:{webhook_id}")
}

fn check_accounts(accounts: &[String], known: &[&str]) -> Result<(), RouteError> {
    match accounts.iter().position(|a| !known.contains(&a.as_str())) {
        Some(i) => Err((
            format!("accounts[{i}]"),
            format!("{:?} is not the id of a configured account", accounts[i]),
        )),
        None => Ok(()),
    }
}

/// Any webhook URL, wherever it is kept: `https`, or `http` on loopback (a local relay, the
/// tests); no user name or password in it. Messages never repeat the URL (it may be secret).
pub fn validate_webhook_url(raw: &str) -> Result<url::Url, String> {
    let url = url::Url::parse(raw).map_err(|e| format!("is not a URL ({e})"))?;
    let host = url.host_str().ok_or("has no host")?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not carry a user name or password".into());
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback_host(host) => Ok(url),
        "http" => Err("must use https (plain http is allowed only for loopback addresses)".into()),
        other => Err(format!("has an unsupported scheme {other:?}")),
    }
}

/// Hosts whose webhook URLs are credentials by design (whoever has the URL can post).
const TOKEN_HOSTS: &[&str] = &[
    "hooks.slack.com",
    "webhook.office.com",
    "logic.azure.com",
    "powerautomate.com",
    "discord.com",
    "discordapp.com",
    "chat.googleapis.com",
];

/// A URL written in the config file: the rules above, and no token. A query, a known chat
/// service's webhook, or a path segment that looks generated (long, letters and digits mixed)
/// is refused with the command that stores it in the keyring instead.
fn validate_config_url(raw: &str, webhook_id: &str) -> Result<(), String> {
    let url = validate_webhook_url(raw)?;
    let to_keyring = format!(
        "looks like it holds a token: leave `url` out and store it in the keyring with \
         `agentwatch secret set {}`",
        secret_name(webhook_id)
    );
    let host = url.host_str().unwrap_or("").to_ascii_lowercase();
    let token_host = TOKEN_HOSTS
        .iter()
        .any(|h| host == *h || host.ends_with(&format!(".{h}")));
    let generated_segment = url
        .path_segments()
        .into_iter()
        .flatten()
        .any(looks_generated);
    if url.query().is_some() || url.fragment().is_some() || token_host || generated_segment {
        return Err(to_keyring);
    }
    Ok(())
}

/// 20 or more characters with both letters and digits: a token, not a topic someone chose.
fn looks_generated(segment: &str) -> bool {
    segment.len() >= 20
        && segment.chars().any(|c| c.is_ascii_digit())
        && segment.chars().any(|c| c.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn webhook(url: &str) -> WebhookConfig {
        WebhookConfig {
            id: "chat".into(),
            format: WebhookFormat::Slack,
            url: Some(url.into()),
            min_severity: None,
            accounts: vec![],
        }
    }

    #[test]
    fn a_url_with_a_token_is_refused_with_the_keyring_command() {
        for url in [
            "https://hooks.slack.com/services/T000/B000/XXXXXXXX",
            "https://prod-01.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=s3cr3t",
            "https://ntfy.example.org/alerts?auth=abc",
            "https://relay.example.org/hook/9f8e7d6c5b4a39281706f5e4",
        ] {
            let (key, message) = webhook(url).validate(&[]).unwrap_err();
            assert_eq!(key, "url");
            assert!(
                message.contains("agentwatch secret set webhook:chat"),
                "{message}"
            );
            assert!(!message.contains("XXXXXXXX") && !message.contains("s3cr3t"));
        }
    }

    #[test]
    fn plain_topic_urls_are_accepted_and_http_only_on_loopback() {
        assert!(webhook("https://ntfy.example.org/cc-alerts")
            .validate(&[])
            .is_ok());
        assert!(webhook("http://127.0.0.1:8080/hook").validate(&[]).is_ok());
        let (_, message) = webhook("http://ntfy.example.org/cc-alerts")
            .validate(&[])
            .unwrap_err();
        assert!(message.contains("https"), "{message}");
        let (_, message) = webhook("https://user:pw@example.org/x")
            .validate(&[])
            .unwrap_err();
        assert!(!message.contains("pw@"), "{message}");
    }

    #[test]
    fn filters_go_by_severity_rank_and_account() {
        let mut action = ActionConfig {
            command: vec!["/bin/true".into()],
            min_severity: Some(Severity::Warning),
            accounts: vec!["cc".into()],
            timeout_secs: None,
        };
        assert!(action.accepts(Severity::Critical, "cc"));
        assert!(action.accepts(Severity::Warning, "cc"));
        assert!(!action.accepts(Severity::Info, "cc"));
        assert!(!action.accepts(Severity::Critical, "other"));
        action.accounts.clear();
        action.min_severity = None;
        assert!(action.accepts(Severity::Ok, "other"));
    }

    fn parse(text: &str) -> crate::Result<crate::config::Config> {
        crate::config::Config::parse(text, std::path::Path::new("c.toml"))
    }

    #[test]
    fn the_config_file_points_at_the_faulty_route() {
        let text = "[[webhooks]]\nid = \"a\"\nformat = \"ntfy\"\nurl = \"https://ntfy.sh/x\"\n\n\
                    [[webhooks]]\nid = \"chat\"\nformat = \"slack\"\n\
                    url = \"https://hooks.slack.com/services/T1/B2/abc\"\n";
        match parse(text).unwrap_err() {
            crate::Error::Config {
                line, key, message, ..
            } => {
                assert_eq!((line, key.as_str()), (9, "webhooks[chat].url"));
                assert!(message.contains("secret set webhook:chat"), "{message}");
                assert!(!message.contains("abc"), "{message}");
            }
            other => panic!("{other}"),
        }
        let duplicate = "[[webhooks]]\nid = \"a\"\nformat = \"json\"\n\
                         [[webhooks]]\nid = \"a\"\nformat = \"teams\"\n";
        assert!(parse(duplicate)
            .unwrap_err()
            .to_string()
            .contains("duplicate webhook id"));
        let unknown = "[[actions]]\ncommand = [\"/bin/true\"]\naccounts = [\"nope\"]\n";
        assert!(parse(unknown).unwrap_err().to_string().contains("\"nope\""));
        let typo = "[[actions]]\ncommand = [\"/bin/true\"]\nmin_severty = \"critical\"\n";
        assert!(parse(typo).unwrap_err().to_string().contains("min_severty"));
        let fine = "[[actions]]\ncommand = [\"/bin/true\"]\n[[webhooks]]\nid = \"k\"\nformat = \"teams\"\n";
        let config = parse(fine).unwrap();
        assert_eq!(parse(&config.to_toml()).unwrap(), config);
    }

    #[test]
    fn actions_need_a_program_known_accounts_and_a_sane_limit() {
        let mut action = ActionConfig {
            command: vec![],
            min_severity: None,
            accounts: vec![],
            timeout_secs: None,
        };
        assert_eq!(action.validate(&[]).unwrap_err().0, "command");
        action.command = vec!["/usr/local/bin/page-me".into(), "--token".into()];
        assert_eq!(action.label(), "action page-me");
        action.command = vec!["/bin/sh".into(), "/opt/hooks/page.sh".into(), "tok".into()];
        assert_eq!(action.label(), "action sh page.sh");
        action.command = vec!["/usr/local/bin/page-me".into()];
        action.accounts = vec!["nope".into()];
        assert_eq!(action.validate(&["cc"]).unwrap_err().0, "accounts[0]");
        action.accounts = vec!["cc".into()];
        action.timeout_secs = Some(0);
        assert_eq!(action.validate(&["cc"]).unwrap_err().0, "timeout_secs");
        action.timeout_secs = Some(3);
        assert!(action.validate(&["cc"]).is_ok());
        assert_eq!(action.timeout(), Duration::from_secs(3));
    }
}
