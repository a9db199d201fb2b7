//! What a supervisor can watch on a Network Connector agent. There is no online or last-seen
//! field: an agent is either registered or gone, and its port and fingerprint say whether it was
//! re-registered. The fingerprint connects the agent to the instance, so it is shown only as a
//! short one-way hash.

use super::wire::WireAgent;
use crate::model::{Observation, Severity};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

/// The state every listed agent is in.
pub(super) const REGISTERED: &str = "registered";
/// Hex digits of the fingerprint's SHA-256 kept: enough to notice a change, far too few to
/// recover or replay the fingerprint.
const SHORT_HASH_HEX_DIGITS: usize = 8;

pub(super) fn observe(agent: WireAgent) -> Observation {
    let port = agent
        .port
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty());
    let port_part = port.map_or_else(|| "no port".to_string(), |p| format!("port {p}"));
    let fingerprint_part = agent.fingerprint.as_ref().map_or_else(
        || "no fingerprint".to_string(),
        |fp| format!("fingerprint {}", short_hash(fp)),
    );
    Observation {
        agent_id: agent.id,
        name: agent.name.filter(|n| !n.trim().is_empty()),
        state: REGISTERED.to_string(),
        native: REGISTERED.to_string(),
        severity: Severity::Ok,
        identity: Some(format!("{port_part} · {fingerprint_part}")),
        detail: port.map(|p| format!("port {p}")),
        time_in_state: None,
        finding: None,
        figures: None,
    }
}

/// The first hex digits of the SHA-256 of the fingerprint.
pub(super) fn short_hash(fingerprint: &SecretString) -> String {
    let digest = Sha256::digest(fingerprint.expose_secret().as_bytes());
    let mut hex = String::with_capacity(SHORT_HASH_HEX_DIGITS);
    for byte in digest.iter().take(SHORT_HASH_HEX_DIGITS.div_ceil(2)) {
        hex.push_str(&format!("{byte:02x}"));
    }
    hex.truncate(SHORT_HASH_HEX_DIGITS);
    hex
}
