//! Installs the Debian packages the project needs when they are missing, saying what it does.

use std::process::Command;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Building the workspace (the desktop app needs WebKitGTK and friends).
    Build,
    /// Building plus the Debian packaging tools (`cargo xtask package`).
    Package,
    /// rpmbuild alone, for `cargo xtask package --rpm` (on top of `Package`).
    Rpm,
    /// Building, packaging, the real desktop pieces the tests use (the installed-app test
    /// installs the package), and the Windows lane (its build, installer and Wine).
    Test,
    /// Cross-building for Windows and its installer (`package --windows`).
    Windows,
}

const BUILD_PACKAGES: &[&str] = &[
    "pkg-config",
    "libssl-dev",
    "libdbus-1-dev",
    "libwebkit2gtk-4.1-dev",
    "libgtk-3-dev",
    "libayatana-appindicator3-dev",
    "librsvg2-dev",
    "libxdo-dev",
];

const PACKAGE_PACKAGES: &[&str] = &[
    // dpkg-deb comes with dpkg itself; dpkg-shlibdeps with dpkg-dev.
    "dpkg-dev",
    // strip
    "binutils",
    "lintian",
    // desktop-file-validate
    "desktop-file-utils",
    // appstreamcli
    "appstream",
];

const TEST_PACKAGES: &[&str] = &[
    "dbus",
    // dbus-monitor: tests/sounds.rs reads the sound hints of the Notify calls off the bus.
    "dbus-bin",
    "dbus-x11",
    "gnome-keyring",
    "libsecret-tools",
    "xvfb",
    "xauth",
    "at-spi2-core",
    "dunst",
    "webkit2gtk-driver",
    // The tray hosts of the desktop tests: Xfce's panel speaks StatusNotifierItem (and XEmbed),
    // trayer only XEmbed.
    "xfce4-panel",
    "trayer",
    // busctl, to read the tray item's tooltip as the host does.
    "systemd",
    "xdotool",
    "imagemagick",
    // The real Prometheus (and promtool) that scrapes `agentwatch serve` in tests/serve.rs and
    // checks the alerting rules in deploy/.
    "prometheus",
    // The installed-app test: xprop (the window's WM_CLASS) and man (the man page renders).
    "x11-utils",
    "man-db",
];

/// The Windows build (xtask/src/windows/): MinGW-w64's C compiler and linker for the crates
/// with C inside (ring, SQLite), the final link and the lane's Wine helpers, and makensis for
/// the installer.
const WINDOWS_PACKAGES: &[&str] = &["gcc-mingw-w64-x86-64", "nsis"];

/// The Windows lane of the tests runs the Windows programs under Wine (64-bit only: the
/// programs and the installer are 64-bit).
const WINE_PACKAGES: &[&str] = &["wine64"];

fn installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        .unwrap_or(false)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn apt(args: &[&str]) -> Result<(), String> {
    let mut cmd = if is_root() {
        Command::new("apt-get")
    } else {
        let mut c = Command::new("sudo");
        c.arg("apt-get");
        c
    };
    cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
    crate::run(&mut cmd)
}

pub fn install_missing(purpose: Purpose) -> Result<(), String> {
    if !cfg!(target_os = "linux")
        || Command::new("dpkg-query")
            .arg("--version")
            .output()
            .is_err()
    {
        println!(
            "xtask: not a Debian-like system; install the packages listed in README.md yourself"
        );
        return Ok(());
    }
    let wanted: Vec<&str> = match purpose {
        Purpose::Build => BUILD_PACKAGES.to_vec(),
        Purpose::Package => [BUILD_PACKAGES, PACKAGE_PACKAGES].concat(),
        // rpmbuild alone: `package --rpm` has installed the rest through `Package` already.
        Purpose::Rpm => vec!["rpm"],
        Purpose::Test => [
            BUILD_PACKAGES,
            PACKAGE_PACKAGES,
            TEST_PACKAGES,
            WINDOWS_PACKAGES,
            WINE_PACKAGES,
        ]
        .concat(),
        Purpose::Windows => WINDOWS_PACKAGES.to_vec(),
    };
    let missing: Vec<&str> = wanted.into_iter().filter(|p| !installed(p)).collect();
    if !missing.is_empty() {
        println!("xtask: installing missing packages: {}", missing.join(" "));
        apt(&["update", "-qq"])?;
        let mut args = vec!["install", "-y", "-qq"];
        args.extend(missing);
        apt(&args)?;
    }
    Ok(())
}

/// Installs the Rust standard library for `target` through rustup when it is missing.
pub fn ensure_rust_target(target: &str) -> Result<(), String> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map_err(|e| {
            format!(
                "cannot run rustup ({e}): building for {target} needs its standard library \
                 (`rustup target add {target}`)"
            )
        })?;
    if String::from_utf8_lossy(&installed.stdout)
        .lines()
        .any(|line| line.trim() == target)
    {
        return Ok(());
    }
    println!("xtask: installing the Rust target {target}");
    crate::run(Command::new("rustup").args(["target", "add", target]))
}
