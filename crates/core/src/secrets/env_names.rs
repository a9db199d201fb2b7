//! The environment variables that can hold an account's secrets instead of the keyring. Their
//! own module: the error messages name them too (`crate::error`), below which the rest of
//! `secrets` sits.

/// The name of the environment variable that can hold an account's secret:
/// `AGENTWATCH_SECRET_<ID>`, upper-cased, every non-alphanumeric as `_`.
pub fn env_var_name(account_id: &str) -> String {
    format!("AGENTWATCH_SECRET_{}", env_suffix(account_id))
}

/// The same for the account's proxy password: `AGENTWATCH_PROXY_SECRET_<ID>`.
pub fn proxy_env_var_name(account_id: &str) -> String {
    format!("AGENTWATCH_PROXY_SECRET_{}", env_suffix(account_id))
}

fn env_suffix(account_id: &str) -> String {
    account_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}
