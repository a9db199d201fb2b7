//! agentwatch-sim: real HTTP servers on loopback that behave like the three vendor APIs
//! (wire shapes, authentication, sessions, paging, error bodies), for tests, the demo and
//! benchmarks. The parts only tests drive are cargo features (see Cargo.toml): `control` (the
//! `/_sim/` routes and faults on demand), `tls` and `proxy`; the desktop app's demo mode builds
//! without them.

pub mod agora;
#[cfg(feature = "control")]
pub mod control;
pub mod demo;
#[cfg(feature = "control")]
pub mod faults;
pub mod http_json;
pub mod huawei;
#[cfg(feature = "control")]
mod oversized;
#[cfg(feature = "proxy")]
pub mod proxy;
pub mod segura;
pub mod server;
#[cfg(feature = "tls")]
pub mod tls;

#[cfg(feature = "control")]
pub use faults::{Fault, FaultRule, FaultSwitch};
pub use server::SimServer;
#[cfg(not(feature = "tls"))]
pub use server::TestCa;
#[cfg(feature = "tls")]
pub use tls::TestCa;
