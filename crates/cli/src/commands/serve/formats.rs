//! The two exposition formats `/metrics` answers in, chosen from the request's `Accept` as
//! the Prometheus client libraries choose: OpenMetrics 1.0 when the scraper asks for it
//! (Prometheus itself does), else the Prometheus text format 0.0.4 (`curl`, older scrapers,
//! `promtool check metrics`).
//!
//! The exposition is encoded once, in OpenMetrics; the text format is derived from it line by
//! line: counters' families take their `_total` name, `# UNIT` and `# EOF` are left out, and
//! `HELP` keeps only the escapes the text format knows.

/// OpenMetrics 1.0's content type.
pub const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
/// The Prometheus text format's content type.
pub const PROMETHEUS_TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Whether a request with this `Accept` header gets OpenMetrics: its most preferred media
/// type this server has (ties go to the first listed) is `application/openmetrics-text`.
pub fn wants_openmetrics(accept: Option<&str>) -> bool {
    let Some(accept) = accept else {
        return false;
    };
    let mut offers: Vec<(f32, bool)> = accept
        .split(',')
        .filter_map(|entry| {
            let mut parts = entry.split(';').map(str::trim);
            let media = parts.next()?.to_ascii_lowercase();
            let q = parts
                .filter_map(|p| p.split_once('='))
                .find(|(name, _)| name.trim().eq_ignore_ascii_case("q"))
                .and_then(|(_, value)| value.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let openmetrics = media == "application/openmetrics-text";
            let text = matches!(media.as_str(), "text/plain" | "text/*" | "*/*");
            (q > 0.0 && (openmetrics || text)).then_some((q, openmetrics))
        })
        .collect();
    // A stable sort keeps the order of the header among equal preferences.
    offers.sort_by(|a, b| b.0.total_cmp(&a.0));
    offers.first().is_some_and(|(_, openmetrics)| *openmetrics)
}

/// The Prometheus text format 0.0.4 of an OpenMetrics exposition.
pub fn prometheus_text(openmetrics: &str) -> String {
    let mut out = String::with_capacity(openmetrics.len());
    // A family's HELP comes before its TYPE, which says whether the family is renamed.
    let mut help: Option<(&str, &str)> = None;
    let mut counters: Vec<&str> = Vec::new();
    for line in openmetrics.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            help = rest.split_once(' ');
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (family, kind) = rest.split_once(' ').unwrap_or((rest, "unknown"));
            let name = match kind {
                "counter" => {
                    counters.push(family);
                    format!("{family}_total")
                }
                _ => family.to_string(),
            };
            let kind = if kind == "unknown" { "untyped" } else { kind };
            if let Some((_, text)) = help.take().filter(|(f, _)| *f == family) {
                out.push_str(&format!("# HELP {name} {}\n", help_escapes(text)));
            }
            out.push_str(&format!("# TYPE {name} {kind}\n"));
            continue;
        }
        if line.starts_with("# ") {
            // `# UNIT` and `# EOF` are OpenMetrics only.
            continue;
        }
        // A counter's `_created` sample has no place in the text format.
        let sample = line.split(['{', ' ']).next().unwrap_or("");
        if counters
            .iter()
            .any(|c| sample.strip_prefix(c) == Some("_created"))
        {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// OpenMetrics escapes `\`, a line break and `"` in HELP; the text format knows only the
/// first two.
fn help_escapes(text: &str) -> String {
    text.replace("\\\"", "\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openmetrics_only_when_asked_for_first() {
        let prometheus = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
        assert!(wants_openmetrics(Some(prometheus)));
        assert!(!wants_openmetrics(Some("text/plain;version=0.0.4")));
        assert!(!wants_openmetrics(Some("*/*")));
        assert!(!wants_openmetrics(None));
        assert!(!wants_openmetrics(Some(
            "text/plain;version=0.0.4;q=0.9,application/openmetrics-text;q=0.5"
        )));
        assert!(wants_openmetrics(Some(
            "text/plain;q=0.3, application/openmetrics-text"
        )));
        assert!(!wants_openmetrics(Some("application/openmetrics-text;q=0")));
    }

    #[test]
    fn counters_take_their_total_name_and_openmetrics_lines_go() {
        let om = "# HELP polls Polls \\\"ok\\\" or not.\n# TYPE polls counter\npolls_total{a=\"x\"} 2\npolls_created{a=\"x\"} 1.5\n# HELP d How long.\n# TYPE d_seconds histogram\n# UNIT d_seconds seconds\nd_seconds_bucket{le=\"+Inf\"} 1\n# HELP up Up.\n# TYPE up gauge\nup 1\n# EOF\n";
        let text = prometheus_text(om);
        assert_eq!(
            text,
            "# HELP polls_total Polls \"ok\" or not.\n# TYPE polls_total counter\npolls_total{a=\"x\"} 2\n# TYPE d_seconds histogram\nd_seconds_bucket{le=\"+Inf\"} 1\n# HELP up Up.\n# TYPE up gauge\nup 1\n"
        );
    }
}
