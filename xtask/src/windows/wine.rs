//! Wine for the lane: the loader, two small Windows helpers built with MinGW (test scaffolding,
//! never shipped), and throw-away prefixes.
//!
//! - `bcryptprimitives.dll` (tests/windows/bcryptprimitives.c): Rust's standard library takes
//!   its random bytes from `ProcessPrng`, which Wine 8.0 (Debian 12) lacks; a program built by
//!   a current Rust exits at once without it. It goes into each prefix's system32.
//! - `winprobe.exe` (tests/windows/winprobe.c): reads what the Windows desktop shows (message
//!   boxes, Wine's tray, its tooltips and balloons) for tests/windows.rs.

use crate::{run, workspace_root};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Debian puts the 64-bit loader here and nothing on PATH for it (`wine` is the 32-bit one's).
const DEBIAN_WINE64: &str = "/usr/lib/wine/wine64";

pub struct Tools {
    pub wine: PathBuf,
    pub prng: PathBuf,
    pub probe: PathBuf,
}

impl Tools {
    /// Finds Wine and builds the helpers into `dir`.
    pub fn build(dir: &Path) -> Result<Tools, String> {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let sources = workspace_root().join("tests/windows");
        let prng = dir.join("bcryptprimitives.dll");
        run(mingw()
            .args(["-shared", "-O2", "-s", "-o"])
            .arg(&prng)
            .arg(sources.join("bcryptprimitives.c"))
            .arg("-ladvapi32"))?;
        let probe = dir.join("winprobe.exe");
        run(mingw()
            .args(["-O2", "-s", "-Wall", "-o"])
            .arg(&probe)
            .arg(sources.join("winprobe.c"))
            .arg("-lcomctl32"))?;
        Ok(Tools {
            wine: loader()?,
            prng,
            probe,
        })
    }
}

fn mingw() -> Command {
    Command::new("x86_64-w64-mingw32-gcc")
}

/// The 64-bit Wine loader.
fn loader() -> Result<PathBuf, String> {
    if Path::new(DEBIAN_WINE64).is_file() {
        return Ok(PathBuf::from(DEBIAN_WINE64));
    }
    ["wine64", "wine"]
        .into_iter()
        .find(|name| {
            Command::new(name)
                .arg("--version")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
        .map(PathBuf::from)
        .ok_or_else(|| {
            "Wine is missing: `cargo xtask setup` installs it (Debian's wine64)".to_string()
        })
}

/// The Wine server beside the 64-bit loader (Debian's libwine has it there; `wineserver` on PATH
/// comes with the `wine` package, which the lane does not need).
fn server() -> PathBuf {
    let beside = loader()
        .ok()
        .and_then(|wine| Some(wine.parent()?.join("wineserver")))
        .filter(|path| path.is_file());
    beside.unwrap_or_else(|| PathBuf::from("wineserver"))
}

/// A Wine prefix of our own: a throw-away Windows user profile and registry.
pub struct Prefix {
    pub path: PathBuf,
}

impl Prefix {
    /// Makes a fresh prefix at `path` (anything there before is removed) with the `ProcessPrng`
    /// stand-in in its system32.
    pub fn create(path: &Path, prng: &Path) -> Result<Prefix, String> {
        if path.exists() {
            let old = Prefix {
                path: path.to_path_buf(),
            };
            old.stop();
            std::fs::remove_dir_all(path)
                .map_err(|e| format!("cannot remove the old prefix {}: {e}", path.display()))?;
        }
        let prefix = Prefix {
            path: path.to_path_buf(),
        };
        // wineboot's chatter ("created the configuration directory", the 32-bit rundll32 a
        // 64-bit-only Wine lacks) goes to a file, shown only when it fails. A file, not a pipe:
        // the Wine processes it starts keep what they inherit open.
        let log = path.with_extension("wineboot.log");
        let out = std::fs::File::create(&log)
            .and_then(|out| Ok((out.try_clone()?, out)))
            .map_err(|e| format!("cannot create {}: {e}", log.display()))?;
        let booted = run(prefix
            .command(Path::new("wineboot"))
            .arg("--init")
            .stdout(out.0)
            .stderr(out.1));
        if let Err(e) = booted {
            let said = std::fs::read_to_string(&log).unwrap_or_default();
            return Err(format!("{e}; wineboot said:\n{said}"));
        }
        // wineboot returns before its last processes are done writing the registry.
        prefix.wait();
        let system32 = path.join("drive_c/windows/system32");
        std::fs::copy(prng, system32.join("bcryptprimitives.dll")).map_err(|e| {
            format!(
                "cannot put the ProcessPrng stand-in into {}: {e}",
                system32.display()
            )
        })?;
        Ok(prefix)
    }

    /// `program` run by Wine in this prefix, quietly, without a display (the suites need none;
    /// the end-to-end test brings its own Xvfb).
    pub fn command(&self, program: &Path) -> Command {
        let mut cmd = Command::new(loader().unwrap_or_else(|_| PathBuf::from(DEBIAN_WINE64)));
        cmd.arg(program);
        self.environment(&mut cmd);
        cmd
    }

    /// The variables every Wine process of this prefix gets.
    pub fn environment(&self, cmd: &mut Command) {
        cmd.env("WINEPREFIX", &self.path)
            .env("WINEDEBUG", "-all")
            // No Mono or Gecko: nothing here needs .NET or Internet Explorer's engine, and
            // wineboot would otherwise offer to download them.
            .env("WINEDLLOVERRIDES", "mscoree,mshtml=")
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY");
    }

    fn wineserver(&self, flag: &str) {
        let _ = Command::new(server())
            .arg(flag)
            .env("WINEPREFIX", &self.path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }

    /// Waits until every process of this prefix has ended.
    fn wait(&self) {
        self.wineserver("-w");
    }

    /// Ends every process of this prefix (and of no other).
    pub fn stop(&self) {
        self.wineserver("-k");
    }
}
