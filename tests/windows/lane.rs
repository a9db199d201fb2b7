//! What `cargo xtask test`'s Windows lane hands this test (xtask/src/windows/), and the ways
//! it looks into the Wine prefix: running a Windows program, the Windows desktop's windows
//! (through winprobe.exe, tests/windows/winprobe.c), the registry, the user's folders.

use crate::session::wait_for;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

pub const REQUIRE_VAR: &str = "AGENTWATCH_REQUIRE_WINDOWS_LANE";

/// The lane's programs, installer, helpers and fresh prefix.
pub struct Lane {
    pub wine: PathBuf,
    /// agentwatch.exe, agentwatch-desktop.exe and WebView2Loader.dll, as the installer wraps them.
    pub programs: PathBuf,
    pub installer: PathBuf,
    probe: PathBuf,
    pub prefix: PathBuf,
}

impl Lane {
    /// The lane, when `cargo xtask windows-lane` prepared one. Elsewhere the test says why it
    /// skips; inside `windows-lane` (`AGENTWATCH_REQUIRE_WINDOWS_LANE`) a missing lane fails it.
    pub fn from_env() -> Option<Lane> {
        let var = |name: &str| std::env::var_os(name).map(PathBuf::from);
        let lane = (|| {
            Some(Lane {
                wine: var("AGENTWATCH_WINE")?,
                programs: var("AGENTWATCH_WINDOWS_PROGRAMS")?,
                installer: var("AGENTWATCH_WINDOWS_INSTALLER")?,
                probe: var("AGENTWATCH_WINDOWS_PROBE")?,
                prefix: var("AGENTWATCH_WINDOWS_PREFIX")?,
            })
        })();
        let why = "the Windows lane is not prepared (AGENTWATCH_WINDOWS_* unset): run \
                   `cargo xtask windows-lane`, which builds the Windows programs and their installer \
                   and makes a fresh Wine prefix";
        match lane {
            Some(lane) => Some(lane),
            None if std::env::var_os(REQUIRE_VAR).is_some() => panic!("{why}"),
            None => {
                eprintln!("skipped: {why}");
                None
            }
        }
    }

    /// `exe` (a Windows program, by its Linux path) run by Wine in the lane's prefix, on
    /// `display` when given.
    pub fn command(&self, exe: &Path, display: Option<&str>) -> Command {
        let mut cmd = Command::new(&self.wine);
        cmd.arg(exe)
            .env("WINEPREFIX", &self.prefix)
            .env("WINEDEBUG", "-all")
            .env("WINEDLLOVERRIDES", "mscoree,mshtml=")
            .env_remove("WAYLAND_DISPLAY")
            .stdin(Stdio::null());
        match display {
            Some(display) => cmd.env("DISPLAY", display),
            None => cmd.env_remove("DISPLAY"),
        };
        cmd
    }

    /// The staged program `name` (the file the installer wraps).
    pub fn program(&self, name: &str) -> PathBuf {
        self.programs.join(name)
    }

    /// The Windows user's profile folder in the prefix (`C:\users\<user>`).
    pub fn profile(&self) -> PathBuf {
        let users = self.prefix.join("drive_c/users");
        std::fs::read_dir(&users)
            .unwrap_or_else(|e| panic!("{}: {e}", users.display()))
            .flatten()
            .map(|e| e.path())
            .find(|p| p.file_name().is_some_and(|n| n != "Public") && p.is_dir())
            .unwrap_or_else(|| panic!("no user profile in {}", users.display()))
    }

    /// `%APPDATA%`.
    pub fn appdata(&self) -> PathBuf {
        self.profile().join("AppData/Roaming")
    }

    /// `%LOCALAPPDATA%`.
    pub fn local_appdata(&self) -> PathBuf {
        self.profile().join("AppData/Local")
    }

    /// The user's Start menu programs folder.
    pub fn start_menu(&self) -> PathBuf {
        self.appdata().join("Microsoft/Windows/Start Menu/Programs")
    }

    /// Every window the Windows desktop has now (winprobe's view).
    pub fn windows(&self, display: &str) -> Vec<Window> {
        let out = finish(self.command(&self.probe, Some(display)).arg("windows"));
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(Window::parse)
            .collect()
    }

    /// Waits for a window that `pick` chooses; panics naming `what` with the windows there are.
    pub fn wait_window(
        &self,
        display: &str,
        what: &str,
        limit: Duration,
        pick: impl Fn(&Window) -> bool,
    ) -> Window {
        let mut last = Vec::new();
        let found = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            wait_for(what, limit, || {
                last = self.windows(display);
                last.iter().find(|w| pick(w)).cloned()
            })
        }));
        found.unwrap_or_else(|_| {
            panic!(
                "no {what} within {limit:?}; the visible windows were:\n{}",
                last.iter()
                    .filter(|w| w.visible)
                    .map(|w| format!("{w:?}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        })
    }

    /// Presses the button `id` of a dialog (IDOK 1, IDYES 6, IDNO 7), as a click does.
    pub fn press(&self, display: &str, dialog: &Window, id: u32) {
        let out = finish(self.command(&self.probe, Some(display)).args([
            "press",
            &dialog.hwnd,
            &id.to_string(),
        ]));
        assert!(
            out.status.success(),
            "cannot press button {id} of {dialog:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// `reg query KEY [/v VALUE]` in the prefix: its output, or `None` when the key is not there.
    pub fn reg_query(&self, key: &str, value: Option<&str>) -> Option<String> {
        let mut cmd = self.command(Path::new("reg"), None);
        cmd.args(["query", key]);
        if let Some(value) = value {
            cmd.args(["/v", value]);
        }
        let out = finish(&mut cmd);
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Runs a Windows program to its end.
    pub fn run(&self, exe: &Path, args: &[&str]) -> Output {
        finish(self.command(exe, None).args(args))
    }

    /// Ends every Wine process of the prefix (and of no other).
    pub fn stop_all(&self) {
        // The server beside the loader (Debian's libwine); `wineserver` on PATH otherwise.
        let beside = self.wine.with_file_name("wineserver");
        let server = if beside.is_file() {
            beside
        } else {
            PathBuf::from("wineserver")
        };
        for flag in ["-k", "-w"] {
            let _ = Command::new(&server)
                .arg(flag)
                .env("WINEPREFIX", &self.prefix)
                .status();
        }
    }
}

/// A program run to its end (within [`RUN_LIMIT`]), its output through files, not pipes: the
/// first Windows program of a prefix starts Wine's own processes (wineserver, services,
/// explorer), which keep the pipes they inherit open long after the program has ended.
pub fn finish(cmd: &mut Command) -> Output {
    finish_with_input(cmd, None)
}

/// [`finish`], with `input` on the program's standard input.
pub fn finish_with_input(cmd: &mut Command, input: Option<&str>) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let (out_file, err_file) = (dir.path().join("out"), dir.path().join("err"));
    let stdin = match input {
        Some(input) => {
            let file = dir.path().join("in");
            std::fs::write(&file, input).unwrap();
            Stdio::from(std::fs::File::open(file).unwrap())
        }
        None => Stdio::null(),
    };
    let mut child = cmd
        .stdin(stdin)
        .stdout(std::fs::File::create(&out_file).unwrap())
        .stderr(std::fs::File::create(&err_file).unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {:?}: {e}", cmd.get_args().next()));
    let ended = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        wait_for("a Windows program to end", RUN_LIMIT, || {
            child.try_wait().ok().flatten()
        })
    }));
    let status = ended.unwrap_or_else(|_| {
        let _ = child.kill();
        let _ = child.wait();
        panic!(
            "{:?} did not end within {RUN_LIMIT:?}; it printed:\n{}{}",
            cmd.get_args().collect::<Vec<_>>(),
            std::fs::read_to_string(&out_file).unwrap_or_default(),
            std::fs::read_to_string(&err_file).unwrap_or_default()
        )
    });
    Output {
        status,
        stdout: std::fs::read(&out_file).unwrap_or_default(),
        stderr: std::fs::read(&err_file).unwrap_or_default(),
    }
}

/// How long a Windows program that should end by itself may take under Wine.
const RUN_LIMIT: Duration = Duration::from_secs(120);

/// One window as winprobe lists it.
#[derive(Debug, Clone)]
pub struct Window {
    /// "top", or "child" (of Wine's tray window).
    pub kind: String,
    pub hwnd: String,
    pub class: String,
    pub visible: bool,
    pub style: u32,
    pub rect: (i32, i32, i32, i32),
    pub title: String,
    /// A dialog's texts, or a tooltip's text (" | " between pieces).
    pub text: String,
}

impl Window {
    fn parse(line: &str) -> Option<Window> {
        let f: Vec<&str> = line.split('\t').collect();
        let [kind, hwnd, _pid, class, visible, style, rect, title, text] = f.as_slice() else {
            return None;
        };
        let r: Vec<i32> = rect.split(',').filter_map(|n| n.parse().ok()).collect();
        Some(Window {
            kind: kind.to_string(),
            hwnd: hwnd.to_string(),
            class: class.to_string(),
            visible: *visible == "1",
            style: u32::from_str_radix(style, 16).ok()?,
            rect: (*r.first()?, *r.get(1)?, *r.get(2)?, *r.get(3)?),
            title: title.to_string(),
            text: text.to_string(),
        })
    }

    /// A message box or another dialog.
    pub fn is_dialog(&self) -> bool {
        self.class == "#32770"
    }

    /// A balloon (a tooltip of the balloon style), as Wine's tray shows for `NIF_INFO`.
    pub fn is_balloon(&self) -> bool {
        const TTS_BALLOON: u32 = 0x40;
        self.class == "tooltips_class32" && self.style & TTS_BALLOON != 0
    }

    /// Wine's stand-alone tray window, or explorer's taskbar.
    pub fn is_tray(&self) -> bool {
        matches!(
            self.class.as_str(),
            "__winex11_standalone_tray" | "Shell_TrayWnd"
        )
    }
}

/// A Windows program running in the background, its output in a file; stopped when dropped.
pub struct Background {
    child: Child,
    log: PathBuf,
}

impl Background {
    pub fn start(mut cmd: Command, log: PathBuf) -> Background {
        let out = std::fs::File::create(&log).unwrap();
        let child = cmd
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .expect("wine starts");
        Background { child, log }
    }

    pub fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits until the program has printed `what`; panics with what it printed.
    pub fn until_output(&self, what: &str, limit: Duration) {
        let found = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            wait_for(what, limit, || self.output().contains(what).then_some(()))
        }));
        assert!(
            found.is_ok(),
            "never printed {what:?}; printed:\n{}",
            self.output()
        );
    }

    /// The Linux process that is the Windows program (Wine runs it in the process it starts).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}
