//! Basic authentication and the project check of the Agora routes, shared by the agent
//! routes (`vendor`) and the turns route (`turns`).

use super::AgoraSim;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use base64::Engine;

/// 401 for missing or wrong Basic credentials, then 403 for an app id this simulator does not
/// serve (the one status chosen for "no such project"); `None` lets the request through.
pub(super) fn refusal(sim: &AgoraSim, appid: &str, headers: &HeaderMap) -> Option<Response> {
    let settings = sim.settings();
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(basic_credentials);
    let accepted = presented.is_some_and(|(id, secret)| {
        id == settings.customer_id && secret == settings.customer_secret
    });
    if !accepted {
        return Some(sim.error(
            StatusCode::UNAUTHORIZED,
            "Invalid authentication credentials",
            "Unauthorized",
        ));
    }
    if appid != settings.app_id {
        return Some(sim.error(
            StatusCode::FORBIDDEN,
            "No project with this app id is visible to these credentials",
            "InvalidAppId",
        ));
    }
    None
}

/// `Basic base64(id:secret)` -> (id, secret).
fn basic_credentials(value: &str) -> Option<(String, String)> {
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_string(), secret.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_decoded() {
        // base64("sim-customer:sim-secret")
        let header = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("sim-customer:sim-secret")
        );
        assert_eq!(
            basic_credentials(&header),
            Some(("sim-customer".into(), "sim-secret".into()))
        );
        assert_eq!(basic_credentials("Bearer abc"), None);
        assert_eq!(basic_credentials("Basic !!!"), None);
    }
}
