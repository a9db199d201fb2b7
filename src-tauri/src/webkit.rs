//! WebKitGTK's helper processes. The web process of a page exits with its webview, but the
//! network process lives as long as the web context, which Tauri keeps for the app's whole life
//! on Linux (tauri-apps/tauri#14626). A tray app that opens its dashboard now and then would
//! carry it all day, so once no webview is left we end it; WebKit starts a new one for the next
//! webview.

use std::time::{Duration, Instant};

const WEB_PROCESS: &str = "WebKitWebProces";
const NETWORK_PROCESS: &str = "WebKitNetworkP";

/// Waits, at most `limit`, until no WebKit web process of ours is left.
pub fn wait_for_web_processes_to_exit(limit: Duration) {
    let deadline = Instant::now() + limit;
    while !our_children_named(WEB_PROCESS).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Asks our WebKit network process to end. Call only when no webview exists.
pub fn end_network_process() {
    for pid in our_children_named(NETWORK_PROCESS) {
        tracing::info!("ending the idle WebKit network process (pid {pid})");
        // SAFETY: a plain signal to a child process of ours, found just now by its name.
        unsafe {
            libc::kill(pid as libc::pid_t, libc::SIGTERM);
        }
    }
}

/// Our child processes whose command name (at most 15 bytes) starts with `prefix`.
fn our_children_named(prefix: &str) -> Vec<u32> {
    let me = std::process::id();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
                parent_and_name(&stat)
                    .is_some_and(|(ppid, name)| ppid == me && name.starts_with(prefix))
            })
        })
        .collect()
}

/// (parent pid, command name) from a /proc/PID/stat line: "pid (comm) state ppid ...". The name
/// may hold spaces and parentheses, hence the last ')'.
fn parent_and_name(stat: &str) -> Option<(u32, &str)> {
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let ppid = stat
        .get(close + 2..)?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some((ppid, &stat[open + 1..close]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_parent_and_name_even_with_odd_names() {
        let stat = "4242 (WebKitNetworkP) S 4000 4242 4000 0 -1 4194560";
        assert_eq!(parent_and_name(stat), Some((4000, "WebKitNetworkP")));
        let odd = "7 (a) b (c)) R 1 7 7 0";
        assert_eq!(parent_and_name(odd), Some((1, "a) b (c)")));
        assert_eq!(parent_and_name("garbage"), None);
    }

    #[test]
    fn finds_a_child_of_ours_by_name() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        let found = our_children_named("sleep");
        let _ = child.kill();
        let _ = child.wait();
        assert!(found.contains(&child.id()), "{found:?}");
        assert!(our_children_named(NETWORK_PROCESS).is_empty());
    }
}
