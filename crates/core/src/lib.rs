//! agentwatch-core: everything AgentWatch does that is not GUI. No Tauri here.
//!
//! Data flows one way: config + secrets -> per-account poller -> vendor client -> snapshot ->
//! change detector -> events -> notifier and the latest-status channel.

pub mod config;
pub mod error;
pub mod http;
pub mod model;
pub mod secrets;
pub mod vendors;

pub use error::{Error, ErrorKind, ErrorReport, Result};
pub use model::{Observation, Severity, Snapshot, Vendor};
