//! The man pages' own sections, beyond what clap knows: how the configuration is written (with
//! the complete example the package installs), where secrets come from, exit statuses, the
//! environment and the files. What they name is what the package installs and the programs do.

use agentwatch_core::docs::EXAMPLE_CONFIG_PATH;
use agentwatch_core::Vendor;

/// The complete, commented example: shown in CONFIGURATION and installed as
/// `EXAMPLE_CONFIG_PATH` (a test loads it with the real loader).
pub const EXAMPLE_CONFIG: &str = include_str!("../../../docs/config.example.toml");

pub struct Section {
    pub title: &'static str,
    pub blocks: Vec<Block>,
}

pub enum Block {
    /// A paragraph.
    Para(String),
    /// A tagged paragraph: the tag in bold, its text under it.
    Item(String, String),
    /// Lines shown as they are (no filling), indented.
    Example(&'static str),
}

fn para(text: impl Into<String>) -> Block {
    Block::Para(text.into())
}

fn item(tag: impl Into<String>, text: impl Into<String>) -> Block {
    Block::Item(tag.into(), text.into())
}

/// Where the package puts the examples (the example config, the systemd unit, Prometheus and
/// Grafana files): the folder of `EXAMPLE_CONFIG_PATH`.
fn examples_dir() -> &'static str {
    EXAMPLE_CONFIG_PATH
        .rsplit_once('/')
        .map_or(EXAMPLE_CONFIG_PATH, |(dir, _)| dir)
}

/// The sections of a program's own page.
pub fn of_program(program: &str) -> Vec<Section> {
    match program {
        "agentwatch" => vec![
            configuration(),
            secrets(),
            exit_status(),
            environment(true),
            files(true),
            see_also(&["agentwatch-desktop"]),
        ],
        _ => vec![environment(false), files(false), see_also(&["agentwatch"])],
    }
}

/// The sections of a subcommand's page: the rest is on the program's page.
pub fn of_subcommand(program: &str) -> Vec<Section> {
    vec![Section {
        title: "SEE ALSO",
        blocks: vec![para(format!(
            "{program}(1) for the configuration file, secrets, exit statuses, the environment and the files."
        ))],
    }]
}

fn configuration() -> Section {
    let vendors = Vendor::all()
        .into_iter()
        .map(|v| format!("{} ({})", v.as_str(), v.label()))
        .collect::<Vec<_>>()
        .join(", ");
    Section {
        title: "CONFIGURATION",
        blocks: vec![
            para(
                "A TOML file: the one given with --config, else $AGENTWATCH_CONFIG, else \
                 ~/.config/agentwatch/config.toml. agentwatch-desktop reads the same file. It holds \
                 no secrets (see SECRETS). An error names the file, the line and the key, and a file \
                 that does not load is never written over.",
            ),
            para(format!(
                "Each watched account is an [[accounts]] table with a stable id (it names the \
                 account's secret), a vendor and the vendor's own keys. The vendors: {vendors}. \
                 Severities are ok, info, warning, critical and unknown."
            )),
            para(format!(
                "A complete example follows, with every table commented; the package installs it \
                 as {EXAMPLE_CONFIG_PATH}. Copy it and keep the accounts you have."
            )),
            Block::Example(EXAMPLE_CONFIG),
        ],
    }
}

fn secrets() -> Section {
    Section {
        title: "SECRETS",
        blocks: vec![
            para(
                "An account's secret (password, Guid, customer secret, client secret or token) \
                 never goes in the configuration file, the logs, the history or an error message. \
                 It is looked up, in this order:",
            ),
            item(
                "systemd credentials",
                "$CREDENTIALS_DIRECTORY/<account id> (<account id>+proxy for its proxy password, \
                 webhook+<id> for a webhook URL), for watch, check and serve run as a service with \
                 LoadCredential= (see the example unit in FILES).",
            ),
            item(
                "the environment",
                "AGENTWATCH_SECRET_<ID>, the account id upper-cased with every character other \
                 than a letter or digit as _ (cc-main: AGENTWATCH_SECRET_CC_MAIN); \
                 AGENTWATCH_PROXY_SECRET_<ID> for the proxy password; AGENTWATCH_SECRET_WEBHOOK_<ID> \
                 for a webhook URL. This is how to give a secret where there is no keyring: an SSH \
                 session, a server, a container.",
            ),
            item(
                "the keyring",
                "the desktop's Secret Service (gnome-keyring, KDE Wallet, KeePassXC), service \
                 agentwatch, user the account id (<account id>:proxy, webhook:<id>). agentwatch \
                 secret set ACCOUNT stores it (typed without echo, or --stdin); the desktop \
                 app's account form does too.",
            ),
            para(
                "A keyring that is locked or unavailable is reported as such; AgentWatch never \
                 falls back to a file.",
            ),
        ],
    }
}

fn exit_status() -> Section {
    Section {
        title: "EXIT STATUS",
        blocks: vec![
            item(
                "check",
                "0 every agent ok (or info), 1 a warning, 2 a critical agent, 3 unknown: an \
                 account that cannot be polled, an unknown state, no accounts, or a usage error \
                 (the Nagios plugin convention). 64: the configuration file does not load.",
            ),
            item(
                "watch, serve, history, secret, demo, sim",
                "0 done; 1 failed (the history cannot be read, the keyring refused, the \
                 simulators cannot start); 64 a usage error or a configuration that cannot be \
                 used (it does not load; watch and serve: no accounts; serve: an address beyond \
                 loopback without a bearer token).",
            ),
            item(
                "snooze, ack, pause, maintenance",
                agentwatch_args::cli::CONTROL_EXIT_CODES,
            ),
        ],
    }
}

/// `section` as a page names it: itself on agentwatch(1), else with the page.
fn on_main_page(section: &str, cli: bool) -> String {
    if cli {
        section.to_string()
    } else {
        format!("{section} in agentwatch(1)")
    }
}

fn environment(cli: bool) -> Section {
    let mut blocks = vec![
        item(
            "AGENTWATCH_CONFIG",
            "The configuration file when --config is not given.",
        ),
        item(
            "AGENTWATCH_SECRET_<ID>, AGENTWATCH_PROXY_SECRET_<ID>",
            format!(
                "An account's secret, its proxy password (see {}).",
                on_main_page("SECRETS", cli)
            ),
        ),
        item(
            "AGENTWATCH_LOG",
            "What is logged to standard error: error (info for serve and the desktop app), \
             info, debug, or an env-filter such as agentwatch_core=debug.",
        ),
        item(
            "HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY",
            "The proxy of accounts with proxy = \"system\" (the default), upper or lower case.",
        ),
    ];
    if cli {
        blocks.extend([
            item(
                "AGENTWATCH_METRICS_TOKEN",
                "The bearer token serve requires, when --bearer-token-file is not given.",
            ),
            item(
                "CREDENTIALS_DIRECTORY",
                "Set by systemd: the folder of the service's credentials (see SECRETS).",
            ),
            item(
                "STATE_DIRECTORY",
                "Set by systemd: serve keeps its history there (history.sqlite3) unless \
                 --history-db says otherwise.",
            ),
            item(
                "XDG_RUNTIME_DIR",
                "Holds the control socket that snooze, ack, pause and maintenance talk to.",
            ),
            item(
                "AGENTWATCH_KIND, AGENTWATCH_SEVERITY, AGENTWATCH_VENDOR, AGENTWATCH_ACCOUNT_ID, \
                 AGENTWATCH_AGENT_ID, AGENTWATCH_OLD_STATE, AGENTWATCH_NEW_STATE, \
                 AGENTWATCH_SUMMARY, AGENTWATCH_TIME",
                "Set for the programs of [[actions]], with the notification's JSON on their \
                 standard input. No other AGENTWATCH_ variable reaches them.",
            ),
        ]);
    }
    Section {
        title: "ENVIRONMENT",
        blocks,
    }
}

fn files(cli: bool) -> Section {
    let dir = examples_dir();
    let mut blocks = vec![
        item(
            "~/.config/agentwatch/config.toml",
            format!(
                "The configuration (see {}).",
                on_main_page("CONFIGURATION", cli)
            ),
        ),
        item(
            "~/.local/share/agentwatch/history.sqlite3",
            "The history: confirmed changes, outages and notifications sent (agentwatch history \
             reads it). Beside it, the desktop app's alert-memory.json keeps its snoozes and \
             pause across restarts.",
        ),
        item(
            EXAMPLE_CONFIG_PATH,
            format!(
                "The complete configuration example shown in {}.",
                on_main_page("CONFIGURATION", cli)
            ),
        ),
    ];
    if cli {
        blocks.extend([
            item(
                "$XDG_RUNTIME_DIR/agentwatch/control.sock",
                "The control socket of the running AgentWatch (/tmp/agentwatch-<uid>/control.sock \
                 without XDG_RUNTIME_DIR).",
            ),
            item(
                format!("{dir}/agentwatch.service"),
                "A hardened systemd unit for serve: copy it to /etc/systemd/system/, put the \
                 configuration in /etc/agentwatch/config.toml and each secret in a credential; \
                 its comments say how.",
            ),
            item(
                format!("{dir}/prometheus.yml, {dir}/alerts.yml"),
                "A Prometheus configuration scraping serve, and its alerting rules \
                 (alerts.test.yml: their unit tests, for promtool test rules).",
            ),
            item(
                format!("{dir}/grafana-dashboard.json"),
                "A Grafana dashboard over the metrics of serve (Dashboards > New > Import).",
            ),
        ]);
    }
    Section {
        title: "FILES",
        blocks,
    }
}

fn see_also(pages: &[&str]) -> Section {
    Section {
        title: "SEE ALSO",
        blocks: vec![para(
            pages
                .iter()
                .map(|p| format!("{p}(1)"))
                .collect::<Vec<_>>()
                .join(", "),
        )],
    }
}
