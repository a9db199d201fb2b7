//! Where the installed documentation is, for the messages that send a user to it: each path
//! here is a file the Debian package installs (tests/installed.rs checks that it is there).

/// The complete, commented configuration example (`docs/config.example.toml` in the source
/// tree, shown whole in `man agentwatch`, CONFIGURATION).
pub const EXAMPLE_CONFIG_PATH: &str = "/usr/share/doc/agentwatch/examples/config.toml";

/// How to read how the configuration is written: the man page and its section.
pub const CONFIGURATION_HELP: &str = "man agentwatch, CONFIGURATION";
