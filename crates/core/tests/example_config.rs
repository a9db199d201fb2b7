//! The complete configuration example the package installs (and `man agentwatch` shows) loads
//! with the real loader, and really is complete: every vendor, every table.

use agentwatch_core::config::Config;
use agentwatch_core::Vendor;
use std::path::Path;

const EXAMPLE: &str = "../../docs/config.example.toml";

#[test]
fn the_installed_example_config_loads_and_shows_every_table() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(EXAMPLE);
    let config = Config::load(&path).unwrap_or_else(|e| panic!("{e}"));
    for vendor in Vendor::all() {
        assert!(
            config.accounts.iter().any(|a| a.vendor == vendor),
            "no {vendor} account in the example"
        );
    }
    let text = std::fs::read_to_string(&path).unwrap();
    for table in [
        "[notifications]",
        "[notifications.sounds]",
        "[alerts]",
        "[alerts.confirm_polls]",
        "[alerts.quiet_hours]",
        "[alerts.accounts.",
        "[history]",
        "[accounts.labels]",
        "[accounts.severity]",
        "[accounts.time_limits]",
        "[[accounts.maintenance]]",
        "[accounts.fields]",
        "[accounts.states]",
        "[[actions]]",
        "[[webhooks]]",
    ] {
        assert!(text.contains(table), "the example has no {table}");
    }
    assert!(!config.actions.is_empty() && !config.webhooks.is_empty());
    // Every account validates as the app would poll it (its vendor's own keys included).
    for account in &config.accounts {
        account
            .validate()
            .unwrap_or_else(|(key, message)| panic!("{}.{key}: {message}", account.id));
    }
}
