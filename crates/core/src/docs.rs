//! Where the installed documentation is, for the messages that send a user to it: each path
//! here is a file the Debian package installs (tests/installed.rs checks that it is there).

/// The complete, commented configuration example (`docs/config.example.toml` in the source
/// tree, shown whole in `man agentwatch`, CONFIGURATION).
pub const EXAMPLE_CONFIG_PATH: &str = "/usr/share/doc/agentwatch/examples/config.toml";

/// How to read how the configuration is written: the man page and its section.
pub const CONFIGURATION_HELP: &str = "man agentwatch, CONFIGURATION";

/// Where a user who has no configuration yet learns to write one, in the words of a message.
/// The Debian package installs the man page and the example; elsewhere (Windows) the README is
/// where it is written.
pub fn where_to_learn_the_configuration() -> String {
    if cfg!(target_os = "linux") {
        format!("see {CONFIGURATION_HELP} and a complete example in {EXAMPLE_CONFIG_PATH}")
    } else {
        "see the Configuration section of AgentWatch's README".to_string()
    }
}
