//! `agentwatch serve` as a team runs it: the real `agentwatch` binary polling the simulators,
//! scraped every second by a real Prometheus (Debian's `prometheus`, installed by
//! `cargo xtask setup`), everything on loopback. Also the deploy/ folder checked by the tools it
//! is written for: promtool for the rules and the scrape config, systemd-analyze for the unit.
//!
//! The `agentwatch` binary is the one cargo built in this target dir (`cargo xtask test` builds
//! the workspace first; alone: `cargo build -p agentwatch-cli`), or `AGENTWATCH_BIN`.
// Signals, systemd and Debian's Prometheus: Unix only.
#![cfg(unix)]

use agentwatch_sim::demo::{DemoSims, HUAWEI_ACCOUNT};
use agentwatch_sim::huawei::{SimQueue, DEFAULT_WORKNO};
use agentwatch_tests::{agentwatch_binary, wait_for};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

const START_LIMIT: Duration = Duration::from_secs(30);
/// Prometheus scrapes every second: a value is in its database within a few.
const SCRAPE_LIMIT: Duration = Duration::from_secs(30);

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is in the workspace")
        .to_path_buf()
}

fn deploy(file: &str) -> PathBuf {
    workspace().join("deploy").join(file)
}

/// A tool this test needs, with what to do when it is missing.
fn tool(name: &str) -> Command {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        found,
        "{name} is not installed: run `cargo xtask setup` (Debian package prometheus)"
    );
    Command::new(name)
}

/// A port free on loopback now (the OS picks it; the listener is closed at once).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

/// A child process ended when dropped (a failed test leaves nothing running).
struct Running {
    child: Child,
    log: PathBuf,
}

impl Running {
    fn pid(&self) -> libc::pid_t {
        self.child.id() as libc::pid_t
    }

    fn signal(&self, signal: libc::c_int) {
        // SAFETY: kill(2) on our own child's pid.
        let sent = unsafe { libc::kill(self.pid(), signal) };
        assert_eq!(sent, 0, "kill({}, {signal})", self.pid());
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().expect("child status")
    }

    async fn wait_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        wait_for(limit, || std::future::ready(self.exited())).await
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn spawn(mut cmd: Command, log: PathBuf) -> Running {
    let out = std::fs::File::create(&log).expect("log file");
    let child = cmd
        .stdin(Stdio::null())
        .stdout(out.try_clone().expect("log file"))
        .stderr(out)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {:?}: {e}", cmd.get_program()));
    Running { child, log }
}

/// `agentwatch serve` on `listen` with the demo simulators' secrets in the environment, its
/// history (and alert memory) in `dir`, its control socket in `dir/runtime` (never the user's
/// own, where a running AgentWatch may answer).
fn agentwatch_serve(dir: &Path, config: &Path, listen: &str) -> Command {
    use std::os::unix::fs::PermissionsExt;
    let runtime = dir.join("runtime");
    std::fs::create_dir_all(&runtime).expect("runtime folder");
    std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700))
        .expect("runtime folder mode");
    let mut cmd = Command::new(agentwatch_binary());
    cmd.arg("serve")
        .arg("--listen")
        .arg(listen)
        .arg("--config")
        .arg(config)
        .arg("--history-db")
        .arg(dir.join("history.sqlite3"))
        .args(["--log-format", "json"])
        .env_remove("AGENTWATCH_METRICS_TOKEN")
        .env_remove("CREDENTIALS_DIRECTORY")
        .env("XDG_RUNTIME_DIR", &runtime)
        .env("AGENTWATCH_LOG", "info");
    for (id, secret) in DemoSims::secrets() {
        cmd.env(agentwatch_core::secrets::env_var_name(id), secret);
    }
    cmd
}

/// `agentwatch serve` of `config` on a free loopback port, once ready (every account polled
/// once): the process and the address it listens on.
async fn serve_ready(dir: &Path, config: &Path) -> (Running, String) {
    let listen = format!("127.0.0.1:{}", free_port());
    let serve = spawn(
        agentwatch_serve(dir, config, &listen),
        dir.join("serve.log"),
    );
    let ready = wait_for(START_LIMIT, || async {
        get(&format!("http://{listen}/readyz"))
            .await
            .filter(|(code, _)| *code == 200)
    })
    .await;
    assert!(ready.is_some(), "never ready; log:\n{}", serve.log());
    (serve, listen)
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

async fn get(url: &str) -> Option<(u16, String)> {
    let answer = http().get(url).send().await.ok()?;
    let code = answer.status().as_u16();
    Some((code, answer.text().await.ok()?))
}

/// Prometheus's query API: the result vector of an instant query, or `None` while it fails.
async fn query(prometheus: &str, promql: &str) -> Option<Vec<Value>> {
    let answer: Value = http()
        .get(format!("{prometheus}/api/v1/query"))
        .query(&[("query", promql)])
        .send()
        .await
        .ok()?
        .json()
        .await
        .ok()?;
    if answer["status"] != "success" {
        return None;
    }
    answer["data"]["result"].as_array().cloned()
}

async fn api(prometheus: &str, path: &str) -> Option<Value> {
    let answer: Value = http()
        .get(format!("{prometheus}{path}"))
        .send()
        .await
        .ok()?
        .json()
        .await
        .ok()?;
    (answer["status"] == "success").then(|| answer["data"].clone())
}

/// The first sample value of an instant query.
fn value_of(result: &[Value]) -> Option<&str> {
    result.first()?["value"][1].as_str()
}

fn prometheus_config(target: &str) -> String {
    format!(
        r#"global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - {rules:?}
scrape_configs:
  - job_name: agentwatch
    scrape_interval: 1s
    scrape_timeout: 1s
    static_configs:
      - targets: ["{target}"]
"#,
        rules = deploy("alerts.yml").display().to_string()
    )
}

/// Every `agentwatch_*` name written in a file of deploy/.
fn metric_names_in(text: &str) -> Vec<String> {
    let mut names: Vec<String> = text
        .match_indices("agentwatch_")
        .map(|(at, _)| {
            text[at..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect()
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_scrapes_serve_sees_a_failure_and_serve_reloads_and_stops_cleanly() {
    let sims = DemoSims::start(None, None).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, sims.config_toml(1, None)).unwrap();

    // 1. serve starts and is ready once every account has been polled.
    let (mut serve, listen) = serve_ready(dir.path(), &config).await;
    let metrics_url = format!("http://{listen}/metrics");
    let (code, _) = get(&format!("http://{listen}/healthz")).await.unwrap();
    assert_eq!(code, 200);
    assert!(
        sims.huawei.is_signed_in(DEFAULT_WORKNO),
        "the seat signed in"
    );

    // 2. A real Prometheus scrapes it every second, with deploy/alerts.yml loaded.
    let prom_port = free_port();
    let prom_config = dir.path().join("prometheus.yml");
    std::fs::write(&prom_config, prometheus_config(&listen)).unwrap();
    let mut prom_cmd = tool("prometheus");
    prom_cmd
        .arg(format!("--config.file={}", prom_config.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.path().join("tsdb").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{prom_port}"));
    let prom = spawn(prom_cmd, dir.path().join("prometheus.log"));
    let prometheus = format!("http://127.0.0.1:{prom_port}");
    let up = wait_for(START_LIMIT, || async {
        get(&format!("{prometheus}/-/ready"))
            .await
            .filter(|(code, _)| *code == 200)
    })
    .await;
    assert!(up.is_some(), "Prometheus never ready:\n{}", prom.log());

    // 3. An Agora agent fails in the simulator; Prometheus reads severity 3 for it.
    let running = sims
        .agora
        .agents()
        .into_iter()
        .find(|a| a.status == "RUNNING")
        .expect("a running demo agent");
    let agent = running.agent_id.clone();
    assert!(sims.agora.set_status(&agent, "FAILED"));
    let severity = format!(r#"agentwatch_agent_severity{{vendor="agora",agent="{agent}"}}"#);
    let critical = wait_for(SCRAPE_LIMIT, || async {
        let result = query(&prometheus, &severity).await?;
        (value_of(&result) == Some("3")).then_some(())
    })
    .await;
    assert!(
        critical.is_some(),
        "Prometheus never saw severity 3 for {agent}: {:?}\nserve log:\n{}",
        query(&prometheus, &severity).await,
        serve.log()
    );
    let state = query(
        &prometheus,
        &format!(r#"agentwatch_agent_state{{agent="{agent}"}}"#),
    )
    .await
    .unwrap();
    assert_eq!(state.len(), 1, "one state series per agent: {state:?}");
    assert_eq!(state[0]["metric"]["state"], "FAILED", "{state:?}");

    // 4. The target is healthy, with no scrape error (the exposition parses as OpenMetrics).
    let targets = api(&prometheus, "/api/v1/targets").await.unwrap();
    let target = targets["activeTargets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["labels"]["job"] == "agentwatch")
        .cloned()
        .expect("the agentwatch target");
    assert_eq!(target["health"], "up", "{target}");
    assert_eq!(target["lastError"], "", "{target}");

    // 5. The shipped rules load and evaluate; the failed agent's alert is pending (for: 2m).
    let rules_ok = wait_for(SCRAPE_LIMIT, || async {
        let rules = api(&prometheus, "/api/v1/rules").await?;
        let group = rules["groups"]
            .as_array()?
            .iter()
            .find(|g| g["name"] == "agentwatch")?
            .clone();
        let all_ok = group["rules"]
            .as_array()?
            .iter()
            .all(|r| r["health"] == "ok" && r["lastError"].as_str().unwrap_or("").is_empty());
        all_ok.then_some(group)
    })
    .await;
    assert!(
        rules_ok.is_some(),
        "{:?}",
        api(&prometheus, "/api/v1/rules").await
    );
    let pending = wait_for(SCRAPE_LIMIT, || async {
        let alerts = api(&prometheus, "/api/v1/alerts").await?;
        alerts["alerts"]
            .as_array()?
            .iter()
            .find(|a| {
                a["labels"]["alertname"] == "AgentWatchAgentCritical"
                    && a["labels"]["agent"] == agent.as_str()
            })
            .cloned()
    })
    .await
    .expect("AgentWatchAgentCritical pending for the failed agent");
    assert_eq!(pending["state"], "pending", "{pending}");

    // 5b. A skill queue fills up with nobody free: Prometheus reads its gauges, the team's
    // counts by state, and the queue's alert is pending (for: 1m).
    sims.huawei.set_queue(2, SimQueue::new("vip", 4, 200, 0, 3));
    let waiting = r#"agentwatch_queue_calls_waiting{vendor="huawei",skill="2",name="vip"}"#;
    let filled = wait_for(SCRAPE_LIMIT, || async {
        let result = query(&prometheus, waiting).await?;
        (value_of(&result) == Some("4")).then_some(())
    })
    .await;
    assert!(
        filled.is_some(),
        "Prometheus never saw 4 calls waiting: {:?}
serve log:
{}",
        query(&prometheus, waiting).await,
        serve.log()
    );
    for (series, expected) in [
        (r#"agentwatch_queue_longest_wait_seconds{skill="2"}"#, "200"),
        (r#"agentwatch_queue_agents_available{skill="2"}"#, "0"),
        (r#"agentwatch_queue_agents_logged_on{skill="2"}"#, "3"),
        (
            r#"agentwatch_team_agents{vendor="huawei",state="idle"}"#,
            "3",
        ),
    ] {
        let result = query(&prometheus, series).await.unwrap();
        assert_eq!(value_of(&result), Some(expected), "{series}: {result:?}");
    }
    let queue_alert = wait_for(SCRAPE_LIMIT, || async {
        let alerts = api(&prometheus, "/api/v1/alerts").await?;
        alerts["alerts"]
            .as_array()?
            .iter()
            .find(|a| {
                a["labels"]["alertname"] == "AgentWatchQueueNoAgentFree"
                    && a["labels"]["skill"] == "2"
            })
            .cloned()
    })
    .await
    .expect("AgentWatchQueueNoAgentFree pending for the vip queue");
    assert_eq!(queue_alert["state"], "pending", "{queue_alert}");
    assert_eq!(queue_alert["labels"]["name"], "vip", "{queue_alert}");

    // 6. What deploy/ refers to exists: every metric name the rules and the dashboard use is
    // exposed, and every dashboard query runs in Prometheus.
    let (_, exposition) = get(&metrics_url).await.unwrap();
    let rules = std::fs::read_to_string(deploy("alerts.yml")).unwrap();
    let dashboard_text = std::fs::read_to_string(deploy("grafana-dashboard.json")).unwrap();
    for name in metric_names_in(&rules)
        .into_iter()
        .chain(metric_names_in(&dashboard_text))
    {
        assert!(
            exposition.lines().any(|l| l.starts_with(&name)),
            "deploy/ uses {name}, which /metrics does not expose"
        );
    }
    let dashboard: Value = serde_json::from_str(&dashboard_text).unwrap();
    let mut queries = 0;
    for panel in dashboard["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().unwrap() {
            let expr = target["expr"]
                .as_str()
                .unwrap()
                .replace("$vendor", ".*")
                .replace("$account", ".*");
            let result = query(&prometheus, &expr).await;
            assert!(result.is_some(), "panel {:?}: {expr} fails", panel["title"]);
            queries += 1;
        }
    }
    assert!(queries >= 10, "{queries} dashboard queries");
    let critical_count = query(
        &prometheus,
        r#"count(agentwatch_agent_severity{vendor=~".*",account=~".*"} == 3) or vector(0)"#,
    )
    .await
    .unwrap();
    assert_ne!(value_of(&critical_count), Some("0"), "{critical_count:?}");

    // 7. SIGHUP with a changed config: the Segura account leaves, and its agents leave the
    // exposition with it.
    assert!(exposition.contains(r#"vendor="segura""#));
    let without_segura: String = sims
        .config_toml(1, None)
        .split("[[accounts]]")
        .filter(|part| !part.contains(r#"vendor = "segura""#))
        .collect::<Vec<_>>()
        .join("[[accounts]]");
    std::fs::write(&config, without_segura).unwrap();
    serve.signal(libc::SIGHUP);
    let reloaded = wait_for(SCRAPE_LIMIT, || async {
        let (_, text) = get(&metrics_url).await?;
        let gone = !text
            .lines()
            .any(|l| l.starts_with("agentwatch_agent") && l.contains(r#"vendor="segura""#));
        (gone && text.contains(&format!(r#"agent="{agent}""#))).then_some(text)
    })
    .await;
    assert!(
        reloaded.is_some(),
        "the reload did not apply; log:\n{}",
        serve.log()
    );

    // 8. SIGHUP with a broken config: refused, said so, the running config kept.
    std::fs::write(&config, "poll_interval_secs = [not toml\n").unwrap();
    serve.signal(libc::SIGHUP);
    let refused = wait_for(SCRAPE_LIMIT, || async {
        let (_, text) = get(&metrics_url).await?;
        text.contains("agentwatch_config_last_reload_successful 0")
            .then_some(text)
    })
    .await
    .unwrap_or_else(|| panic!("the broken config was not reported; log:\n{}", serve.log()));
    assert!(
        refused.contains(&format!(r#"agent="{agent}""#)),
        "{refused}"
    );
    assert!(serve.exited().is_none(), "serve exited on a broken config");
    let log = serve.log();
    let refusal = log
        .lines()
        .find(|l| l.contains("refused"))
        .unwrap_or_else(|| panic!("no refusal logged:\n{log}"));
    let line: Value = serde_json::from_str(refusal).expect("JSON log line");
    assert_eq!(line["level"], "ERROR", "{refusal}");
    assert!(
        refusal.contains("config.toml"),
        "the file is named: {refusal}"
    );
    let polls_before = query(&prometheus, r#"sum(agentwatch_polls_total{result="ok"})"#)
        .await
        .and_then(|r| value_of(&r).and_then(|v| v.parse::<f64>().ok()))
        .expect("polls counted");
    let still_polling = wait_for(SCRAPE_LIMIT, || async {
        let now = query(&prometheus, r#"sum(agentwatch_polls_total{result="ok"})"#)
            .await
            .and_then(|r| value_of(&r).and_then(|v| v.parse::<f64>().ok()))?;
        (now > polls_before).then_some(())
    })
    .await;
    assert!(
        still_polling.is_some(),
        "polling stopped after the refused config"
    );

    // 9. SIGTERM: exit 0, the Huawei seat signed out.
    assert!(sims.huawei.is_signed_in(DEFAULT_WORKNO));
    serve.signal(libc::SIGTERM);
    let status = serve
        .wait_exit(Duration::from_secs(20))
        .await
        .unwrap_or_else(|| panic!("serve did not stop on SIGTERM; log:\n{}", serve.log()));
    assert_eq!(status.code(), Some(0), "log:\n{}", serve.log());
    assert!(
        !sims.huawei.is_signed_in(DEFAULT_WORKNO),
        "the seat of {HUAWEI_ACCOUNT} is still signed in"
    );
    // No secret in what serve logged.
    let log = serve.log();
    for (_, secret) in DemoSims::secrets() {
        assert!(!log.contains(&secret), "a secret was logged:\n{log}");
    }
    drop(prom);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_refuses_a_non_loopback_address_without_a_token_and_checks_the_token_it_has() {
    let sims = DemoSims::start(None, None).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, sims.config_toml(1, None)).unwrap();

    // Refused before anything listens: no traffic leaves loopback.
    let mut open = spawn(
        agentwatch_serve(dir.path(), &config, "0.0.0.0:0"),
        dir.path().join("open.log"),
    );
    let status = open
        .wait_exit(Duration::from_secs(10))
        .await
        .expect("serve refuses at once");
    assert_eq!(status.code(), Some(64), "log:\n{}", open.log());
    assert!(open.log().contains("bearer token"), "{}", open.log());

    // On loopback with a token, requests without it are refused.
    let token = "a-test-token-of-sufficient-length";
    let listen = format!("127.0.0.1:{}", free_port());
    let mut cmd = agentwatch_serve(dir.path(), &config, &listen);
    cmd.env("AGENTWATCH_METRICS_TOKEN", token);
    let serve = spawn(cmd, dir.path().join("token.log"));
    let url = format!("http://{listen}/metrics");
    let refused = wait_for(START_LIMIT, || async {
        let answer = http().get(&url).send().await.ok()?;
        Some(answer.status().as_u16())
    })
    .await;
    assert_eq!(refused, Some(401), "log:\n{}", serve.log());
    let wrong = http()
        .get(&url)
        .bearer_auth("a-test-token-of-sufficient-lengtX")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status().as_u16(), 401);
    let right = http()
        .get(&url)
        .bearer_auth(token)
        .header("Accept", OPENMETRICS_ACCEPT)
        .send()
        .await
        .unwrap();
    assert_eq!(right.status().as_u16(), 200);
    let text = right.text().await.unwrap();
    assert!(text.ends_with("# EOF\n"), "{text}");
    assert!(!serve.log().contains(token), "the token was logged");
}

/// What Prometheus 2.x sends when it scrapes.
const OPENMETRICS_ACCEPT: &str = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

/// `/metrics` asked with `accept` (none when `None`): its content type and body.
async fn metrics_as(url: &str, accept: Option<&str>) -> (String, String) {
    let mut request = http().get(url);
    if let Some(accept) = accept {
        request = request.header("Accept", accept);
    }
    let answer = request.send().await.unwrap();
    assert_eq!(answer.status().as_u16(), 200);
    let content_type = answer.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string();
    (content_type, answer.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_come_in_the_format_asked_for_and_the_text_one_passes_promtool() {
    let sims = DemoSims::start(None, None).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, sims.config_toml(1, None)).unwrap();
    let (_serve, listen) = serve_ready(dir.path(), &config).await;

    // `/` says where things are.
    let (code, index) = get(&format!("http://{listen}/")).await.unwrap();
    assert_eq!(code, 200);
    for endpoint in ["/metrics", "/healthz", "/readyz"] {
        assert!(index.contains(endpoint), "{index}");
    }

    // The Prometheus text format for `curl` and for a client asking for it.
    let url = format!("http://{listen}/metrics");
    for accept in [None, Some("text/plain;version=0.0.4"), Some("*/*")] {
        let (content_type, text) = metrics_as(&url, accept).await;
        assert_eq!(
            content_type, "text/plain; version=0.0.4; charset=utf-8",
            "{accept:?}"
        );
        assert!(
            !text.contains("# EOF") && !text.contains("# UNIT"),
            "{text}"
        );
        assert!(
            text.contains("# TYPE agentwatch_polls_total counter"),
            "{text}"
        );
        for family in text.lines().filter_map(|l| l.strip_prefix("# TYPE ")) {
            let name = family.split(' ').next().unwrap();
            assert!(
                text.contains(&format!("# HELP {name} ")),
                "{name} has no HELP:\n{text}"
            );
        }
        assert!(text.contains("agentwatch_agent_severity{"), "{text}");
    }
    let (_, text) = metrics_as(&url, None).await;
    let exposition = dir.path().join("metrics.txt");
    std::fs::write(&exposition, &text).unwrap();
    let out = tool("promtool")
        .args(["check", "metrics"])
        .stdin(std::fs::File::open(&exposition).unwrap())
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "promtool check metrics:\n{said}\n{text}"
    );
    assert!(said.trim().is_empty(), "promtool's lint:\n{said}");

    // OpenMetrics for Prometheus, which asks for it first.
    let (content_type, text) = metrics_as(&url, Some(OPENMETRICS_ACCEPT)).await;
    assert_eq!(
        content_type,
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
    assert!(text.ends_with("# EOF\n"), "{text}");
    assert!(text.contains("# TYPE agentwatch_polls counter"), "{text}");
}

#[test]
fn the_deploy_files_pass_their_tools() {
    let run = |mut cmd: Command| {
        let out = cmd.output().expect("tool runs");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{cmd:?}:\n{text}");
        text
    };
    let mut check_rules = tool("promtool");
    check_rules
        .args(["check", "rules"])
        .arg(deploy("alerts.yml"));
    assert!(run(check_rules).contains("SUCCESS: 7 rules found"));
    let mut test_rules = tool("promtool");
    test_rules
        .args(["test", "rules"])
        .arg(deploy("alerts.test.yml"));
    assert!(run(test_rules).contains("SUCCESS"));
    let mut check_config = tool("promtool");
    check_config
        .args(["check", "config"])
        .arg(deploy("prometheus.yml"));
    run(check_config);

    // The unit as systemd reads it, with the binary where this build put it.
    let dir = tempfile::tempdir().unwrap();
    let unit = dir.path().join("agentwatch.service");
    let text = std::fs::read_to_string(deploy("agentwatch.service")).unwrap();
    std::fs::write(
        &unit,
        text.replace(
            "/usr/bin/agentwatch",
            &agentwatch_binary().display().to_string(),
        ),
    )
    .unwrap();
    for needed in [
        "DynamicUser=yes",
        "ProtectSystem=strict",
        "StateDirectory=agentwatch",
        "LoadCredential=",
        "Restart=on-failure",
    ] {
        assert!(text.contains(needed), "the unit lacks {needed}");
    }
    let mut verify = tool("systemd-analyze");
    verify.args(["verify", "--man=no"]).arg(&unit);
    run(verify);
    // systemd's own exposure score, 0 (locked down) to 10 (exposed); the unit scores 1.2.
    let mut security = tool("systemd-analyze");
    security
        .args(["security", "--offline=true", "--threshold=20"])
        .arg(&unit);
    run(security);
}
