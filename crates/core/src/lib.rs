//! agentwatch-core: everything AgentWatch does that is not GUI. No Tauri here.
//!
//! Data flows one way: config + secrets -> per-account poller -> vendor client -> snapshot ->
//! change detector -> events -> notifier and the latest-status channel.

pub mod account_book;
pub mod agent_list;
pub mod alerts;
pub mod allocator;
mod board;
pub mod check;
pub mod clock;
pub mod condition;
pub mod config;
pub mod connection_test;
pub mod control;
pub mod count_limit;
pub mod desktop_services;
pub mod detector;
pub mod docs;
pub mod engine;
pub mod error;
pub mod events;
pub mod history;
mod history_writer;
pub mod host;
pub mod http;
pub mod items;
mod keyring_lock;
pub mod maintenance;
pub mod model;
pub mod names;
pub mod network;
pub mod notifier;
pub mod policy;
pub mod poller;
pub mod proxy;
pub mod queues;
pub mod routing;
pub mod running_accounts;
pub mod secrets;
pub mod settings_form;
pub mod sleep_watch;
pub mod sounds;
pub mod status;
pub mod team;
pub mod time_limits;
pub mod transport;
pub mod vendors;
pub mod watch_list;
pub mod watched;

pub use engine::{Engine, EngineOptions};
pub use error::{Error, ErrorKind, ErrorReport, Result};
pub use events::{Event, EventKind};
pub use model::{Observation, Severity, Snapshot, Vendor};
pub use status::Status;
