//! agentwatch-sim: real HTTP servers on loopback that behave like the three vendor APIs
//! (wire shapes, authentication, sessions, paging, error bodies), with faults on demand and a
//! control API, for tests, the demo and benchmarks.

pub mod agora;
pub mod control;
pub mod demo;
pub mod faults;
pub mod http_json;
pub mod huawei;
mod oversized;
pub mod proxy;
pub mod segura;
pub mod server;
pub mod tls;

pub use faults::{Fault, FaultRule, FaultSwitch};
pub use server::SimServer;
pub use tls::TestCa;
