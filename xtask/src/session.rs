//! The inside of `cargo xtask test`: runs within `dbus-run-session`, starts gnome-keyring with a
//! fresh, unlocked keyring in a throw-away home, then runs the tests against it. The real Secret
//! Service is used; nothing of the developer's own keyring is touched.

use std::io::Write;
use std::process::{Command, Stdio};

const KEYRING_PASSWORD: &str = "agentwatch-test-keyring";

pub fn inner(cargo_test_args: &[String]) -> Result<(), String> {
    let home = std::env::temp_dir().join(format!("agentwatch-keyring-{}", std::process::id()));
    std::fs::create_dir_all(&home).map_err(|e| format!("cannot create {}: {e}", home.display()))?;
    let result = start_keyring(&home).and_then(|env| {
        let mut cmd = crate::cargo();
        cmd.arg("test");
        // `-p NAME` narrows the run; cargo refuses it together with --workspace.
        if !cargo_test_args
            .iter()
            .any(|a| a == "-p" || a.starts_with("--package"))
        {
            cmd.arg("--workspace");
        }
        cmd.args(cargo_test_args)
            .env("AGENTWATCH_TEST_KEYRING", "1")
            // The keyring tests lock it and unlock it again, as a login does.
            .env("AGENTWATCH_TEST_KEYRING_PASSWORD", KEYRING_PASSWORD)
            .envs(env);
        crate::run(&mut cmd)
    });
    let _ = std::fs::remove_dir_all(&home);
    result
}

/// Starts an unlocked gnome-keyring (Secret Service only) and returns the variables it exports.
fn start_keyring(home: &std::path::Path) -> Result<Vec<(String, String)>, String> {
    let mut child = Command::new("gnome-keyring-daemon")
        .args(["--unlock", "--components=secrets"])
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start gnome-keyring-daemon: {e}"))?;
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(KEYRING_PASSWORD.as_bytes())
        .map_err(|e| format!("cannot unlock the keyring: {e}"))?;
    let output = child
        .wait_with_output()
        .map_err(|e| format!("gnome-keyring-daemon failed: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "gnome-keyring-daemon exited with {}",
            output.status
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect())
}
