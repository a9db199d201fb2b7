//! `cargo xtask bench`: how long one poll cycle of N watched Huawei agents takes against the
//! simulator (one status call per agent, the whole team through the team listing in one call,
//! and that listing with 250 skill queues and the team's counts), and the peak memory of the
//! polling process.
//!
//! The simulator runs in a child process (this binary with `--serve N`) so that the figures are
//! the client's alone: the child's own peak memory is printed separately. Traffic stays on
//! loopback; every run is bounded (a fixed number of cycles, each under the engine's time limit).

use agentwatch_core::config::AccountConfig;
use agentwatch_core::poller::{connect, poll_with_overrides};
use agentwatch_core::secrets::StaticSecrets;
use agentwatch_core::Vendor;
use agentwatch_sim::huawei::{
    HuaweiSim, HuaweiSimConfig, SimQueue, DEFAULT_PASSWORD, DEFAULT_WORKNO,
};
use agentwatch_sim::SimServer;
use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Above the supervisor seat's work number (5001), which the listing leaves out: the team is
/// then exactly the N agents.
const FIRST_AGENT_ID: u32 = 10_001;
const TIMED_CYCLES: usize = 5;
/// Skill queues of the simulated VDN: three `queryacdstat` calls of at most 100 skills.
const SKILLS: u32 = 250;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--serve") {
        let count: u32 = args.get(1).and_then(|n| n.parse().ok()).expect("--serve N");
        serve(count);
        return;
    }
    let sizes: Vec<u32> = if args.is_empty() {
        vec![1_000, 10_000]
    } else {
        args.iter()
            .map(|a| a.parse().expect("agent counts"))
            .collect()
    };
    run(&sizes);
}

/// Child: a simulated gateway with `count` agents until stdin closes.
fn serve(count: u32) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let sim = HuaweiSim::new(HuaweiSimConfig::default());
        let id = |i: u32| (FIRST_AGENT_ID + i).to_string();
        sim.add_agents((0..count).map(|i| (id(i), [4, 7, 3, 5][i as usize % 4], i % 4 == 1)));
        // Names as long as real ones, for the listing.
        sim.set_names((0..count).map(|i| (id(i), format!("Agent number {}", id(i)))));
        sim.add_queues((1..=SKILLS).map(|skill| {
            let queue = SimQueue::new(
                &format!("skill queue {skill}"),
                u64::from(skill % 7),
                30,
                2,
                5,
            );
            (skill, queue)
        }));
        let server = SimServer::start(sim.router(), 0, None).await.expect("bind");
        println!("PORT {}", server.addr().port());
        // Exit when the parent closes our stdin (also when it dies).
        let _ = tokio::task::spawn_blocking(|| std::io::stdin().read_to_end(&mut Vec::new())).await;
    });
}

fn run(sizes: &[u32]) {
    let largest = *sizes.iter().max().expect("a size");
    let exe = std::env::current_exe().expect("own path");
    let mut child = Command::new(exe)
        .args(["--serve", &largest.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("simulator process");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("port line");
    let port: u16 = line
        .trim()
        .strip_prefix("PORT ")
        .and_then(|p| p.parse().ok())
        .expect("simulator port");

    let rt = tokio::runtime::Runtime::new().expect("runtime");
    println!(
        "poll cycle of N watched Huawei agents (agentstatus per agent), {} cores, {} build",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );
    println!(
        "{:>8}  {:>12}  {:>10}  {:>10}  {:>10}",
        "agents", "first (ms)", "min (ms)", "median", "max"
    );
    for &n in sizes {
        let timings = rt.block_on(measure(port, n, Way::PerAgent));
        print_row(n, &timings);
    }
    // The listing always names the simulator's whole team: measured at the largest size.
    println!(
        "the same, the whole team through the team listing (qualitycontrol/allagent, one call)"
    );
    let timings = rt.block_on(measure(port, largest, Way::Listing));
    print_row(largest, &timings);
    println!(
        "the same listing with {SKILLS} skill queues (agentvdnskill once, 3 queryacdstat calls) and team counts"
    );
    let timings = rt.block_on(measure(port, largest, Way::ListingWithQueues));
    print_row(largest, &timings);
    drop(rt);
    let client_peak = peak_rss_kib("self");
    let sim_peak = peak_rss_kib(&child.id().to_string());
    drop(child.stdin.take());
    let _ = child.wait();
    println!(
        "peak memory (VmHWM): polling process {} MiB; simulator process {} MiB",
        client_peak / 1024,
        sim_peak / 1024
    );
}

/// One line of the table: the first cycle, then min, median and max of the steady ones.
fn print_row(n: u32, timings: &[Duration]) {
    let first = timings[0];
    let mut rest = timings[1..].to_vec();
    rest.sort();
    println!(
        "{:>8}  {:>12.1}  {:>10.1}  {:>10.1}  {:>10.1}",
        n,
        ms(first),
        ms(rest[0]),
        ms(rest[rest.len() / 2]),
        ms(rest[rest.len() - 1])
    );
}

/// How the account reads its agents.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Way {
    /// A watch list of N agents on a gateway that refuses the listing: one call per agent.
    PerAgent,
    /// No watch list: the team listing, one call per poll.
    Listing,
    /// The listing, plus every skill queue of the seat's VDN (three statistics calls) and the
    /// team's counts against limits.
    ListingWithQueues,
}

/// The first cycle (sign-in, connections opening) and then TIMED_CYCLES steady ones.
async fn measure(port: u16, n: u32, way: Way) -> Vec<Duration> {
    let mut account = AccountConfig::new(
        "bench",
        Vendor::Huawei,
        Some(&format!("http://127.0.0.1:{port}")),
    );
    account.set_option("workno", DEFAULT_WORKNO);
    if way == Way::PerAgent {
        account.watch = (0..n).map(|i| (FIRST_AGENT_ID + i).to_string()).collect();
    }
    let mut items = 0;
    if way == Way::ListingWithQueues {
        let queues: toml::Value = toml::from_str(
            "skills = \"all\"\nwaiting = { warning = 2, critical = 5 }\nlongest_wait = { warning = \"60s\" }",
        )
        .expect("queues TOML");
        account.set_option("queues", queues);
        account.team = Some(
            toml::from_str(
                "min_in_state = { idle = { warning = 2, critical = 1 } }\n\
                 max_in_state = { talking = { warning = 4000 } }",
            )
            .expect("team TOML"),
        );
        account.validate().expect("a valid account");
        items = SKILLS as usize + 1;
    }
    set_listing(port, way).await;
    let secrets = StaticSecrets::new().with("bench", DEFAULT_PASSWORD);
    let client = connect(&account, &secrets).await.expect("client");
    let mut timings = Vec::new();
    for _ in 0..=TIMED_CYCLES {
        let started = Instant::now();
        let answer = poll_with_overrides(&account, client.as_ref())
            .await
            .expect("poll");
        timings.push(started.elapsed());
        assert_eq!(
            answer.observations.len(),
            n as usize + items,
            "every agent (and queue, and the team) observed"
        );
    }
    client.shutdown().await;
    timings
}

/// Refuses the listing (HTTP 404) for the per-agent figure, grants it for the listing's,
/// through the simulator's control route.
async fn set_listing(port: u16, way: Way) {
    let url = format!("http://127.0.0.1:{port}/_sim/listing/refusal");
    let http = reqwest::Client::new();
    let request = match way {
        Way::PerAgent => http
            .put(url)
            .json(&serde_json::json!({"kind": "not_found"})),
        Way::Listing | Way::ListingWithQueues => http.delete(url),
    };
    let answer = request.send().await.expect("control route answers");
    assert!(answer.status().is_success(), "{}", answer.status());
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn peak_rss_kib(pid: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}
