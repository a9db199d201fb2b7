//! The command lines of both AgentWatch programs, in one small crate with no engine in it, so
//! that the man pages and shell completions (crates/docgen) are generated from the very
//! definitions the binaries parse with, without building the app.

pub mod cli;
pub mod desktop;
