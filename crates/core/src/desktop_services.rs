//! Whether the desktop services AgentWatch leans on are there: a Secret Service (where the
//! accounts' secrets go) and a notification service (the pop-ups). Asked of the D-Bus session bus
//! at once, the way the dashboard's first-run view shows it: a name that has an owner runs now, a
//! name the bus can activate starts when first called; neither means it is missing, and the
//! answer says what to install.
//!
//! The whole check is time-limited: a bus that does not answer in time counts as no bus.

use serde::Serialize;
use std::time::Duration;

/// Long enough for a loaded session bus, short enough for a view that waits on it.
pub const CHECK_LIMIT: Duration = Duration::from_secs(3);

/// How a service was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    /// Its bus name has an owner now.
    Running,
    /// Not running, but the bus starts it on the first call (a D-Bus service file).
    Activatable,
    /// The bus answered: nobody owns the name and nothing can be started for it.
    Missing,
    /// No session bus to ask (none, unreachable, or no answer in time).
    NoBus,
    /// Part of the operating system (macOS, Windows): nothing to check.
    System,
}

/// One service's answer, as the first-run view shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceCheck {
    /// "secret_service" or "notifications".
    pub id: &'static str,
    /// The D-Bus name asked for.
    pub bus_name: &'static str,
    /// What a person calls it.
    pub label: &'static str,
    /// What it is for in AgentWatch.
    pub purpose: &'static str,
    pub found: bool,
    pub presence: Presence,
    /// "running", "starts when needed", or why it was not found.
    pub detail: String,
    /// What to install when it is missing.
    pub remedy: Option<&'static str>,
}

struct Service {
    id: &'static str,
    bus_name: &'static str,
    label: &'static str,
    purpose: &'static str,
    remedy: &'static str,
}

const SERVICES: [Service; 2] = [
    Service {
        id: "secret_service",
        bus_name: "org.freedesktop.secrets",
        label: "Secret Service (keyring)",
        purpose: "keeps the accounts' secrets",
        remedy:
            "Install a keyring such as gnome-keyring (sudo apt install gnome-keyring), or turn \
                 on KeePassXC's Secret Service integration, then log out and back in. Without it \
                 AgentWatch cannot store an account's secret.",
    },
    Service {
        id: "notifications",
        bus_name: "org.freedesktop.Notifications",
        label: "Notification service",
        purpose: "shows AgentWatch's pop-ups",
        remedy: "Install a notification service such as dunst (sudo apt install dunst), or use \
                 your desktop's own (GNOME, KDE and Xfce include one). Without it the tray icon \
                 still changes colour, but no pop-up appears.",
    },
];

/// What the bus said, for every service.
struct BusAnswer {
    /// `SERVICES[i]`'s name has an owner.
    owned: Vec<bool>,
    activatable: Vec<String>,
}

/// Checks the session bus (the one `DBUS_SESSION_BUS_ADDRESS` names).
pub fn check_desktop_services(limit: Duration) -> Vec<ServiceCheck> {
    check_bus(None, limit)
}

/// Checks the bus at `address`, or the session bus for `None`; never takes much longer than
/// `limit` (the asking runs on its own thread, which libdbus's own time limits end).
pub fn check_bus(address: Option<&str>, limit: Duration) -> Vec<ServiceCheck> {
    let answer = ask_within(address.map(str::to_owned), limit);
    SERVICES
        .iter()
        .enumerate()
        .map(|(i, s)| judge(s, i, &answer))
        .collect()
}

fn judge(s: &Service, index: usize, answer: &Result<BusAnswer, NoAnswer>) -> ServiceCheck {
    let (presence, detail) = match answer {
        Err(NoAnswer::System) => (Presence::System, "part of the system".to_string()),
        Err(NoAnswer::Bus(why)) => (Presence::NoBus, why.clone()),
        Ok(a) if a.owned.get(index).copied().unwrap_or(false) => {
            (Presence::Running, "running".to_string())
        }
        Ok(a) if a.activatable.iter().any(|n| n == s.bus_name) => (
            Presence::Activatable,
            "installed, starts when needed".to_string(),
        ),
        Ok(_) => (
            Presence::Missing,
            format!("nothing on the session bus provides {}", s.bus_name),
        ),
    };
    let found = matches!(
        presence,
        Presence::Running | Presence::Activatable | Presence::System
    );
    ServiceCheck {
        id: s.id,
        bus_name: s.bus_name,
        label: s.label,
        purpose: s.purpose,
        found,
        presence,
        detail,
        remedy: (!found).then_some(s.remedy),
    }
}

enum NoAnswer {
    /// No D-Bus to ask on this system.
    #[cfg_attr(target_os = "linux", allow(dead_code))]
    System,
    /// The bus could not be asked: why, in words.
    Bus(String),
}

/// Asks on a thread of its own and waits at most `limit` for it.
fn ask_within(address: Option<String>, limit: Duration) -> Result<BusAnswer, NoAnswer> {
    let (tx, rx) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("desktop-services".into())
        .spawn(move || {
            let _ = tx.send(ask(address.as_deref(), limit));
        });
    if let Err(e) = spawned {
        return Err(NoAnswer::Bus(format!("cannot ask the session bus: {e}")));
    }
    match rx.recv_timeout(limit) {
        Ok(answer) => answer,
        Err(_) => Err(NoAnswer::Bus(format!(
            "the session bus did not answer within {} s",
            limit.as_secs_f32()
        ))),
    }
}

#[cfg(target_os = "linux")]
fn ask(address: Option<&str>, limit: Duration) -> Result<BusAnswer, NoAnswer> {
    use dbus::blocking::Connection;
    let unreachable = |e: dbus::Error| {
        NoAnswer::Bus(format!(
            "no D-Bus session bus: {}",
            e.message().unwrap_or("cannot connect")
        ))
    };
    let connection = match address {
        Some(address) => {
            let mut channel = dbus::channel::Channel::open_private(address).map_err(unreachable)?;
            channel.register().map_err(unreachable)?;
            Connection::from(channel)
        }
        None => Connection::new_session().map_err(unreachable)?,
    };
    let bus = connection.with_proxy("org.freedesktop.DBus", "/org/freedesktop/DBus", limit);
    let failed = |e: dbus::Error| {
        NoAnswer::Bus(format!(
            "the session bus did not answer: {}",
            e.message().unwrap_or("no reason given")
        ))
    };
    let (activatable,): (Vec<String>,) = bus
        .method_call("org.freedesktop.DBus", "ListActivatableNames", ())
        .map_err(failed)?;
    let mut owned = Vec::with_capacity(SERVICES.len());
    for s in &SERVICES {
        let (has_owner,): (bool,) = bus
            .method_call("org.freedesktop.DBus", "NameHasOwner", (s.bus_name,))
            .map_err(failed)?;
        owned.push(has_owner);
    }
    Ok(BusAnswer { owned, activatable })
}

#[cfg(not(target_os = "linux"))]
fn ask(_address: Option<&str>, _limit: Duration) -> Result<BusAnswer, NoAnswer> {
    // macOS and Windows bring their own keychain and notification centre.
    Err(NoAnswer::System)
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    //! Against a private dbus-daemon started here (a real bus, not the test session's), so that
    //! the names are there or not because this test says so.
    use super::*;
    use std::io::{BufRead, BufReader};
    use std::process::{Child, Command, Stdio};
    use std::time::Instant;

    struct PrivateBus {
        daemon: Child,
        address: String,
        _dir: tempfile::TempDir,
    }

    impl Drop for PrivateBus {
        fn drop(&mut self) {
            let _ = self.daemon.kill();
            let _ = self.daemon.wait();
        }
    }

    /// A dbus-daemon whose only activatable services are the `.service` files named here.
    fn private_bus(activatable: &[&str]) -> Option<PrivateBus> {
        let dir = tempfile::tempdir().unwrap();
        let services = dir.path().join("services");
        std::fs::create_dir_all(&services).unwrap();
        for name in activatable {
            std::fs::write(
                services.join(format!("{name}.service")),
                format!("[D-BUS Service]\nName={name}\nExec=/bin/false\n"),
            )
            .unwrap();
        }
        let config = dir.path().join("bus.conf");
        std::fs::write(
            &config,
            format!(
                "<busconfig><type>session</type><listen>unix:dir={}</listen>\
                 <servicedir>{}</servicedir>\
                 <policy context=\"default\"><allow send_destination=\"*\" eavesdrop=\"true\"/>\
                 <allow eavesdrop=\"true\"/><allow own=\"*\"/></policy></busconfig>",
                dir.path().display(),
                services.display()
            ),
        )
        .unwrap();
        let mut daemon = match Command::new("dbus-daemon")
            .arg(format!("--config-file={}", config.display()))
            .args(["--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
        {
            Ok(d) => d,
            Err(e) => {
                eprintln!("skipped: dbus-daemon cannot start here: {e}");
                return None;
            }
        };
        let mut line = String::new();
        BufReader::new(daemon.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let address = line.trim().to_string();
        assert!(address.starts_with("unix:"), "dbus-daemon said {line:?}");
        Some(PrivateBus {
            daemon,
            address,
            _dir: dir,
        })
    }

    fn by_id<'a>(checks: &'a [ServiceCheck], id: &str) -> &'a ServiceCheck {
        checks.iter().find(|c| c.id == id).unwrap()
    }

    #[test]
    fn a_bus_without_the_services_says_what_to_install() {
        let Some(bus) = private_bus(&[]) else { return };
        let checks = check_bus(Some(&bus.address), CHECK_LIMIT);
        let secrets = by_id(&checks, "secret_service");
        assert!(!secrets.found);
        assert_eq!(secrets.presence, Presence::Missing);
        assert!(secrets.detail.contains("org.freedesktop.secrets"));
        assert!(secrets.remedy.unwrap().contains("gnome-keyring"));
        let notifications = by_id(&checks, "notifications");
        assert!(!notifications.found);
        assert_eq!(notifications.presence, Presence::Missing);
        assert!(notifications.remedy.unwrap().contains("dunst"));
    }

    #[test]
    fn a_running_owner_and_an_activatable_service_are_found() {
        let Some(bus) = private_bus(&["org.freedesktop.secrets"]) else {
            return;
        };
        // A notification service of our own: a second connection owning the name.
        let mut channel = dbus::channel::Channel::open_private(&bus.address).unwrap();
        channel.register().unwrap();
        let owner = dbus::blocking::Connection::from(channel);
        owner
            .request_name("org.freedesktop.Notifications", false, false, true)
            .unwrap();

        let checks = check_bus(Some(&bus.address), CHECK_LIMIT);
        let notifications = by_id(&checks, "notifications");
        assert_eq!(notifications.presence, Presence::Running);
        assert!(notifications.found && notifications.remedy.is_none());
        let secrets = by_id(&checks, "secret_service");
        assert_eq!(secrets.presence, Presence::Activatable);
        assert!(secrets.found && secrets.remedy.is_none());

        // The owner goes away: the next check says so.
        drop(owner);
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let again = check_bus(Some(&bus.address), CHECK_LIMIT);
            if !by_id(&again, "notifications").found {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the name stayed owned after its owner left"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    #[test]
    fn no_bus_at_the_address_is_no_bus() {
        let dir = tempfile::tempdir().unwrap();
        let address = format!("unix:path={}", dir.path().join("nobody").display());
        let checks = check_bus(Some(&address), CHECK_LIMIT);
        for c in &checks {
            assert_eq!(c.presence, Presence::NoBus, "{c:?}");
            assert!(!c.found && c.remedy.is_some());
            assert!(c.detail.contains("no D-Bus session bus"), "{}", c.detail);
        }
    }

    #[test]
    fn a_bus_that_never_answers_is_given_up_on_in_time() {
        // A socket that accepts and then says nothing: the D-Bus handshake never completes.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("silent");
        let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
        let held = std::thread::spawn(move || listener.accept().map(|(s, _)| s));
        let limit = Duration::from_millis(700);
        let started = Instant::now();
        let checks = check_bus(Some(&format!("unix:path={}", path.display())), limit);
        let took = started.elapsed();
        assert!(took < limit + Duration::from_millis(500), "took {took:?}");
        for c in &checks {
            assert_eq!(c.presence, Presence::NoBus, "{c:?}");
            assert!(c.detail.contains("did not answer"), "{}", c.detail);
        }
        drop(held);
    }
}
