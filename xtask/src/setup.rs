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
    /// Building, packaging, and the real desktop pieces the tests use (the installed-app test
    /// builds the package).
    Test,
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
    // The installed-app test: xprop (the window's WM_CLASS) and man (the man page renders).
    "x11-utils",
    "man-db",
];

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
    let mut wanted: Vec<&str> = if purpose == Purpose::Rpm {
        vec!["rpm"]
    } else {
        BUILD_PACKAGES.to_vec()
    };
    if purpose == Purpose::Package || purpose == Purpose::Test {
        wanted.extend_from_slice(PACKAGE_PACKAGES);
    }
    if purpose == Purpose::Test {
        wanted.extend_from_slice(TEST_PACKAGES);
    }
    let missing: Vec<&str> = wanted.into_iter().filter(|p| !installed(p)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    println!("xtask: installing missing packages: {}", missing.join(" "));
    apt(&["update", "-qq"])?;
    let mut args = vec!["install", "-y", "-qq"];
    args.extend(missing);
    apt(&args)
}
