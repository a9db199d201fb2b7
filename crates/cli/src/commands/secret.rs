//! `agentwatch secret set|delete|status ACCOUNT`: the keyring entry of an account. The secret is
//! never printed, echoed or logged.

use crate::terminal;
use agentwatch_core::config::Config;
use agentwatch_core::secrets::{env_var_name, SecretSourceKind, SecretStore};
use secrecy::{ExposeSecret, SecretString};
use std::io::{BufRead, IsTerminal};
use std::path::Path;

const EXIT_FAILED: u8 = 1;

pub async fn set(config_path: &Path, account: &str, from_stdin: bool) -> u8 {
    if let Ok(config) = Config::load(config_path) {
        if config.account(account).is_none() {
            terminal::warn(format_args!(
                "note: {} has no account {account:?} yet; the secret is stored anyway",
                config_path.display()
            ));
        }
    }
    let secret = match read_secret(account, from_stdin || !std::io::stdin().is_terminal()) {
        Ok(s) => s,
        Err(message) => {
            terminal::warn(format_args!("agentwatch: {message}"));
            return EXIT_FAILED;
        }
    };
    match SecretStore::default().set(account, &secret).await {
        Ok(()) => {
            terminal::say(format_args!(
                "stored the secret of {account} in the keyring"
            ));
            0
        }
        Err(e) => {
            terminal::warn(format_args!("agentwatch: {e}"));
            EXIT_FAILED
        }
    }
}

fn read_secret(account: &str, from_stdin: bool) -> Result<SecretString, String> {
    let raw = if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        line.trim_end_matches(['\r', '\n']).to_string()
    } else {
        rpassword::prompt_password(format!("Secret for {account} (not shown): "))
            .map_err(|e| format!("cannot read from the terminal: {e}"))?
    };
    let secret = SecretString::from(raw);
    if secret.expose_secret().is_empty() {
        return Err("the secret is empty; nothing stored".into());
    }
    Ok(secret)
}

pub async fn delete(account: &str) -> u8 {
    match SecretStore::default().delete(account).await {
        Ok(true) => {
            terminal::say(format_args!(
                "deleted the secret of {account} from the keyring"
            ));
            0
        }
        Ok(false) => {
            terminal::say(format_args!("the keyring holds no secret for {account}"));
            0
        }
        Err(e) => {
            terminal::warn(format_args!("agentwatch: {e}"));
            EXIT_FAILED
        }
    }
}

pub async fn status(account: &str) -> u8 {
    match SecretStore::default().status(account).await {
        Ok(SecretSourceKind::Environment) => {
            terminal::say(format_args!(
                "{account}: secret from the environment ({})",
                env_var_name(account)
            ));
            0
        }
        Ok(SecretSourceKind::Keyring) => {
            terminal::say(format_args!("{account}: secret stored in the keyring"));
            0
        }
        Ok(SecretSourceKind::Missing) => {
            terminal::say(format_args!(
                "{account}: no secret (run `agentwatch secret set {account}`)"
            ));
            EXIT_FAILED
        }
        Err(e) => {
            terminal::warn(format_args!("agentwatch: {e}"));
            EXIT_FAILED
        }
    }
}
