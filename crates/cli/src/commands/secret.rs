//! `agentwatch secret set|delete|status ACCOUNT [--proxy]`: the keyring entry of an account's
//! secret, or (`--proxy`) of its proxy user's password. Neither is ever printed, echoed or logged.

use crate::terminal;
use agentwatch_core::config::{Config, ConfigFile};
use agentwatch_core::routing::{secret_name, validate_webhook_url};
use agentwatch_core::secrets::{SecretSlot, SecretSourceKind, SecretStore};
use secrecy::{ExposeSecret, SecretString};
use std::io::{BufRead, IsTerminal};

const EXIT_FAILED: u8 = 1;

/// The configuration, read only to say when the secret is for nothing configured yet: a file
/// that cannot be read is a note (the secret is stored anyway), but one named by `--config` or
/// `$AGENTWATCH_CONFIG` must exist.
fn configured(file: &ConfigFile) -> Result<Option<Config>, u8> {
    match file.load() {
        Ok(config) => Ok(Some(config)),
        Err(e) if !file.is_default() && !file.path.exists() => {
            terminal::warn(format_args!("agentwatch: {e}"));
            Err(super::EXIT_USAGE)
        }
        Err(e) => {
            terminal::warn(format_args!("note: {e}"));
            Ok(None)
        }
    }
}

pub async fn set(
    config_file: &ConfigFile,
    account: &str,
    from_stdin: bool,
    slot: SecretSlot,
) -> u8 {
    if let Some(webhook) = account.strip_prefix("webhook:") {
        return set_webhook_url(config_file, webhook, from_stdin).await;
    }
    let config = match configured(config_file) {
        Ok(config) => config,
        Err(code) => return code,
    };
    if let Some(config) = config {
        match config.account(account) {
            None => terminal::warn(format_args!(
                "note: {} has no account {account:?} yet; the {} is stored anyway",
                config_file.path.display(),
                slot.noun()
            )),
            Some(a) if slot == SecretSlot::Proxy && proxy_user(a).is_none() => {
                terminal::warn(format_args!(
                    "note: the proxy of {account} names no user; the password is used once its \
                 `proxy` URL does (http://USER@host:port)"
                ))
            }
            Some(_) => {}
        }
    }
    let secret = match read_secret(account, slot, from_stdin || !std::io::stdin().is_terminal()) {
        Ok(s) => s,
        Err(message) => {
            terminal::warn(format_args!("agentwatch: {message}"));
            return EXIT_FAILED;
        }
    };
    match SecretStore::default().set_in(slot, account, &secret).await {
        Ok(()) => {
            terminal::say(format_args!(
                "stored the {} of {account} in the keyring",
                slot.noun()
            ));
            0
        }
        Err(e) => {
            terminal::warn(format_args!("agentwatch: {e}"));
            EXIT_FAILED
        }
    }
}

/// `secret set webhook:<id>`: the URL of a webhook, checked (https unless loopback) before it
/// is stored; never echoed.
async fn set_webhook_url(config_file: &ConfigFile, webhook: &str, from_stdin: bool) -> u8 {
    let name = secret_name(webhook);
    let config = match configured(config_file) {
        Ok(config) => config,
        Err(code) => return code,
    };
    if let Some(config) = config {
        if !config.webhooks.iter().any(|w| w.id == webhook) {
            terminal::warn(format_args!(
                "note: {} has no [[webhooks]] with id {webhook:?} yet; the URL is stored anyway",
                config_file.path.display()
            ));
        }
    }
    let from_stdin = from_stdin || !std::io::stdin().is_terminal();
    let url = match read_secret(&name, SecretSlot::Vendor, from_stdin) {
        Ok(s) => s,
        Err(message) => {
            terminal::warn(format_args!("agentwatch: {message}"));
            return EXIT_FAILED;
        }
    };
    let url = SecretString::from(url.expose_secret().trim().to_string());
    if let Err(why) = validate_webhook_url(url.expose_secret()) {
        terminal::warn(format_args!("agentwatch: not stored: the URL {why}"));
        return EXIT_FAILED;
    }
    match SecretStore::default().set(&name, &url).await {
        Ok(()) => {
            terminal::say(format_args!(
                "stored the URL of webhook {webhook} in the keyring"
            ));
            0
        }
        Err(e) => {
            terminal::warn(format_args!("agentwatch: {e}"));
            EXIT_FAILED
        }
    }
}

fn proxy_user(account: &agentwatch_core::config::AccountConfig) -> Option<String> {
    account.proxy_setting().ok().and_then(|p| p.user())
}

fn read_secret(account: &str, slot: SecretSlot, from_stdin: bool) -> Result<SecretString, String> {
    let raw = if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        line.trim_end_matches(['\r', '\n']).to_string()
    } else {
        let prompt = match slot {
            SecretSlot::Vendor => format!("Secret for {account} (not shown): "),
            SecretSlot::Proxy => format!("Proxy password for {account} (not shown): "),
        };
        rpassword::prompt_password(prompt)
            .map_err(|e| format!("cannot read from the terminal: {e}"))?
    };
    let secret = SecretString::from(raw);
    if secret.expose_secret().is_empty() {
        return Err(format!("the {} is empty; nothing stored", slot.noun()));
    }
    Ok(secret)
}

pub async fn delete(account: &str, slot: SecretSlot) -> u8 {
    let noun = slot.noun();
    match SecretStore::default().delete_in(slot, account).await {
        Ok(true) => {
            terminal::say(format_args!(
                "deleted the {noun} of {account} from the keyring"
            ));
            0
        }
        Ok(false) => {
            terminal::say(format_args!("the keyring holds no {noun} for {account}"));
            0
        }
        Err(e) => {
            terminal::warn(format_args!("agentwatch: {e}"));
            EXIT_FAILED
        }
    }
}

pub async fn status(account: &str, slot: SecretSlot) -> u8 {
    let noun = slot.noun();
    match SecretStore::default().status_in(slot, account).await {
        Ok(SecretSourceKind::Environment) => {
            terminal::say(format_args!(
                "{account}: {noun} from the environment ({})",
                slot.env_var(account)
            ));
            0
        }
        Ok(SecretSourceKind::Keyring) => {
            terminal::say(format_args!("{account}: {noun} stored in the keyring"));
            0
        }
        Ok(SecretSourceKind::Missing) => {
            let flag = if slot == SecretSlot::Proxy {
                " --proxy"
            } else {
                ""
            };
            terminal::say(format_args!(
                "{account}: no {noun} (run `agentwatch secret set {account}{flag}`)"
            ));
            EXIT_FAILED
        }
        Err(e) => {
            terminal::warn(format_args!("agentwatch: {e}"));
            EXIT_FAILED
        }
    }
}
