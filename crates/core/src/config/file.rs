//! Which configuration file a front end reads: the one named on its command line, else the one
//! `$AGENTWATCH_CONFIG` names, else the default path. A file the user named must exist (a typo
//! in a path must not look like an empty configuration); only the default one may be absent,
//! which is a first start with nothing configured yet.

use super::{default_config_path, Config};
use crate::error::{Error, Result};
use std::ffi::OsString;
use std::path::PathBuf;

/// The environment variable naming the configuration file, for every front end.
pub const CONFIG_ENV: &str = "AGENTWATCH_CONFIG";

/// Who named the configuration file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigOrigin {
    /// `--config FILE`.
    Flag,
    /// `$AGENTWATCH_CONFIG`.
    Environment,
    /// Nobody: the platform's default path.
    Default,
}

/// The configuration file of one run, and who named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigFile {
    pub path: PathBuf,
    pub origin: ConfigOrigin,
}

impl ConfigFile {
    /// `--config FILE` (`flag`), else `$AGENTWATCH_CONFIG` when set and not empty, else the
    /// default path.
    pub fn resolve(flag: Option<PathBuf>) -> ConfigFile {
        Self::resolve_with(flag, std::env::var_os(CONFIG_ENV))
    }

    /// [`ConfigFile::resolve`] with the variable's value given.
    pub fn resolve_with(flag: Option<PathBuf>, env: Option<OsString>) -> ConfigFile {
        match (flag, env.filter(|v| !v.is_empty())) {
            (Some(path), _) => ConfigFile {
                path,
                origin: ConfigOrigin::Flag,
            },
            (None, Some(path)) => ConfigFile {
                path: PathBuf::from(path),
                origin: ConfigOrigin::Environment,
            },
            (None, None) => ConfigFile {
                path: default_config_path(),
                origin: ConfigOrigin::Default,
            },
        }
    }

    /// True when nobody named a file: the default path, which may not exist yet.
    pub fn is_default(&self) -> bool {
        self.origin == ConfigOrigin::Default
    }

    /// Reads and checks the file. A named file that does not exist is an error; the default
    /// one missing is an empty configuration (see [`ConfigFile::how_to_create`]).
    pub fn load(&self) -> Result<Config> {
        if !self.is_default() && !self.path.exists() {
            return Err(self.missing());
        }
        Config::load(&self.path)
    }

    /// The error for a named file that is not there, saying who named it.
    fn missing(&self) -> Error {
        let named_by = match self.origin {
            ConfigOrigin::Flag => "--config",
            ConfigOrigin::Environment => "$AGENTWATCH_CONFIG",
            ConfigOrigin::Default => "the default path",
        };
        Error::Config {
            file: self.path.clone(),
            line: 0,
            key: String::new(),
            message: format!(
                "the configuration file does not exist (named by {named_by}); check the path, \
                 or leave {named_by} out to use {}",
                default_config_path().display()
            ),
        }
    }

    /// What to tell a user whose configuration names no account: where the file is (or would
    /// be) and where to find a complete example.
    pub fn how_to_create(&self) -> String {
        // Points at what the package installs: the man page and the complete example.
        let example = format!(
            "{}; `agentwatch sim` prints one for the built-in simulators",
            crate::docs::where_to_learn_the_configuration()
        );
        if self.path.exists() {
            format!(
                "no accounts in {}: add an [[accounts]] table; {example}",
                self.path.display()
            )
        } else {
            format!(
                "no configuration file yet: create {} with your accounts; {example}",
                self.path.display()
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_wins_then_the_variable_then_the_default() {
        let flag = ConfigFile::resolve_with(Some("a.toml".into()), Some("b.toml".into()));
        assert_eq!(
            (flag.path.to_str(), flag.origin),
            (Some("a.toml"), ConfigOrigin::Flag)
        );
        let env = ConfigFile::resolve_with(None, Some("b.toml".into()));
        assert_eq!(
            (env.path.to_str(), env.origin),
            (Some("b.toml"), ConfigOrigin::Environment)
        );
        let empty = ConfigFile::resolve_with(None, Some("".into()));
        assert_eq!(empty.origin, ConfigOrigin::Default);
        assert_eq!(empty.path, default_config_path());
    }

    #[test]
    fn a_named_file_must_exist_and_the_default_may_be_absent() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.toml");
        let named = ConfigFile::resolve_with(None, Some(missing.clone().into()));
        let err = named.load().unwrap_err().to_string();
        assert!(
            err.starts_with(&format!(
                "{}: the configuration file does not exist",
                missing.display()
            )),
            "{err}"
        );
        assert!(err.contains("$AGENTWATCH_CONFIG"), "{err}");
        let default = ConfigFile {
            path: missing,
            origin: ConfigOrigin::Default,
        };
        assert!(default.load().unwrap().accounts.is_empty());
        assert!(default
            .how_to_create()
            .contains("no configuration file yet"));
    }
}
