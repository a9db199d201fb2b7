//! `cargo xtask bench` (serve case): `agentwatch serve` watching 10,000 Huawei, 1,000 Agora and
//! 500 Segura agents of the simulators: how long a scrape of `/metrics` takes, how large the
//! exposition is, and the resident memory of the `serve` process.
//!
//! The simulators run in this process and `agentwatch serve` (the release binary) in its own,
//! so its memory is its own. Traffic stays on loopback; every wait has a deadline and the
//! number of scrapes is fixed.
//!
//! Usage: agentwatch-bench-serve [PATH-TO-agentwatch]   (default: target/release/agentwatch)

use agentwatch_sim::agora::{AgoraSim, AgoraSimConfig, SimAgent};
use agentwatch_sim::huawei::{HuaweiSim, HuaweiSimConfig, DEFAULT_PASSWORD, DEFAULT_WORKNO};
use agentwatch_sim::segura::{
    SeguraSim, SeguraSimConfig, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET,
};
use agentwatch_sim::SimServer;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const HUAWEI_AGENTS: u32 = 10_000;
const AGORA_AGENTS: u32 = 1_000;
const SEGURA_AGENTS: u32 = 500;
const FIRST_HUAWEI_ID: u32 = 101;
const POLL_INTERVAL_SECS: u64 = 10;
const SCRAPES: usize = 20;
/// Polls of every account after the first before memory is read (the steady state).
const POLL_ROUNDS: u32 = 3;
const READY_LIMIT: Duration = Duration::from_secs(180);

fn main() {
    let binary = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(default_binary);
    assert!(
        binary.exists(),
        "{} is missing (cargo build --release -p agentwatch-cli)",
        binary.display()
    );
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(run(binary));
}

fn default_binary() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target"))
        .join("release/agentwatch")
}

/// The serve process, stopped with SIGTERM (and waited for) when dropped.
struct Serve(Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg(self.0.id().to_string()).status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn run(binary: PathBuf) {
    let huawei = HuaweiSim::new(HuaweiSimConfig::default());
    huawei.add_agents((0..HUAWEI_AGENTS).map(|i| {
        (
            (FIRST_HUAWEI_ID + i).to_string(),
            [4, 7, 3, 5][i as usize % 4],
            i % 4 == 1,
        )
    }));
    let agora = AgoraSim::new(AgoraSimConfig::default());
    for i in 0..AGORA_AGENTS {
        let status = ["RUNNING", "IDLE", "FAILED", "RECOVERING"][i as usize % 4];
        agora.add_agent(SimAgent::new(&format!("AGENT{i:027}"), "bench", status));
    }
    let segura = SeguraSim::new(SeguraSimConfig::default());
    for i in 0..SEGURA_AGENTS {
        segura.add_agent(
            &(i + 1).to_string(),
            &format!("Site {i}"),
            30_000 + i as u16,
        );
    }
    let servers = [
        SimServer::start(huawei.router(), 0, None)
            .await
            .expect("bind"),
        SimServer::start(agora.router(), 0, None)
            .await
            .expect("bind"),
        SimServer::start(segura.router(), 0, None)
            .await
            .expect("bind"),
    ];

    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("config.toml");
    let watch: Vec<String> = (0..HUAWEI_AGENTS)
        .map(|i| format!("\"{}\"", FIRST_HUAWEI_ID + i))
        .collect();
    let agora_config = AgoraSimConfig::default();
    std::fs::write(
        &config,
        format!(
            r#"poll_interval_secs = {POLL_INTERVAL_SECS}

[[accounts]]
id = "bench-huawei"
vendor = "huawei"
base_url = "{huawei}"
auth = "signin"
workno = "{DEFAULT_WORKNO}"
phonenum = "40038"
watch = [{watch}]

[[accounts]]
id = "bench-agora"
vendor = "agora"
base_url = "{agora}"
app_id = "{app_id}"
customer_id = "{customer_id}"

[[accounts]]
id = "bench-segura"
vendor = "segura"
base_url = "{segura}"
client_id = "{DEFAULT_CLIENT_ID}"
"#,
            huawei = servers[0].base_url(),
            agora = servers[1].base_url(),
            segura = servers[2].base_url(),
            watch = watch.join(", "),
            app_id = agora_config.app_id,
            customer_id = agora_config.customer_id,
        ),
    )
    .expect("config");

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let listen = format!("127.0.0.1:{port}");
    let serve = Serve(
        Command::new(&binary)
            .args(["serve", "--listen", &listen, "--config"])
            .arg(&config)
            .arg("--history-db")
            .arg(dir.path().join("history.sqlite3"))
            .env("AGENTWATCH_SECRET_BENCH_HUAWEI", DEFAULT_PASSWORD)
            .env(
                "AGENTWATCH_SECRET_BENCH_AGORA",
                &agora_config.customer_secret,
            )
            .env("AGENTWATCH_SECRET_BENCH_SEGURA", DEFAULT_CLIENT_SECRET)
            .env("AGENTWATCH_LOG", "warn")
            .env_remove("AGENTWATCH_METRICS_TOKEN")
            .env_remove("CREDENTIALS_DIRECTORY")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .expect("agentwatch serve"),
    );
    let pid = serve.0.id();
    let client = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    let metrics_url = format!("http://{listen}/metrics");
    let total = (HUAWEI_AGENTS + AGORA_AGENTS + SEGURA_AGENTS) as usize;

    // Ready, and every agent on the board.
    let started = Instant::now();
    loop {
        assert!(
            started.elapsed() < READY_LIMIT,
            "serve not ready within {READY_LIMIT:?}"
        );
        if let Ok(answer) = client.get(&metrics_url).send().await {
            if let Ok(text) = answer.text().await {
                if severity_lines(&text) == total {
                    break;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let ready_after = started.elapsed();

    // Steady state: a few more polls of every account.
    let polled = |text: &str| -> u32 {
        text.lines()
            .filter(|l| l.starts_with("agentwatch_polls_total{"))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<u32>().ok())
            .min()
            .unwrap_or(0)
    };
    let steady_limit = Duration::from_secs(POLL_INTERVAL_SECS * (POLL_ROUNDS as u64 + 3) + 60);
    let steady_start = Instant::now();
    loop {
        assert!(steady_start.elapsed() < steady_limit, "polls did not go on");
        let text = client
            .get(&metrics_url)
            .send()
            .await
            .expect("scrape")
            .text()
            .await
            .expect("body");
        if polled(&text) > POLL_ROUNDS {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    let rss_before_scrapes = status_kib(pid, "VmRSS:");
    let mut timings = Vec::with_capacity(SCRAPES);
    let mut size = 0;
    for _ in 0..SCRAPES {
        let start = Instant::now();
        let body = client
            .get(&metrics_url)
            .send()
            .await
            .expect("scrape")
            .bytes()
            .await
            .expect("body");
        timings.push(start.elapsed());
        size = body.len();
        assert!(body.ends_with(b"# EOF\n"));
    }
    let (rss, hwm) = (status_kib(pid, "VmRSS:"), status_kib(pid, "VmHWM:"));
    timings.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "agentwatch serve: {HUAWEI_AGENTS} Huawei + {AGORA_AGENTS} Agora + {SEGURA_AGENTS} Segura agents, poll every {POLL_INTERVAL_SECS} s, {} cores",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
    );
    println!(
        "all {total} agents on /metrics after {:.1} s",
        ready_after.as_secs_f64()
    );
    println!(
        "scrape of /metrics ({SCRAPES} in a row): min {:.1} ms, median {:.1} ms, max {:.1} ms",
        ms(timings[0]),
        ms(timings[SCRAPES / 2]),
        ms(timings[SCRAPES - 1])
    );
    println!(
        "exposition: {:.2} MiB ({size} bytes)",
        size as f64 / 1048576.0
    );
    println!(
        "serve process resident memory after {POLL_ROUNDS}+ polls: {:.1} MiB; after the scrapes too: {:.1} MiB (peak {:.1} MiB)",
        rss_before_scrapes as f64 / 1024.0,
        rss as f64 / 1024.0,
        hwm as f64 / 1024.0
    );
    drop(serve);
}

fn severity_lines(text: &str) -> usize {
    text.lines()
        .filter(|l| l.starts_with("agentwatch_agent_severity{"))
        .count()
}

fn status_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}
