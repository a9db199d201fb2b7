//! The .deb itself: the control file (Depends from dpkg-shlibdeps plus what is loaded at run
//! time), dpkg-deb, and the checks a Debian maintainer would run on the result.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Libraries opened with dlopen at run time, which no linker (so no dpkg-shlibdeps) sees: the
/// tray icon's AppIndicator library.
const RUNTIME_DEPENDS: &str = "libayatana-appindicator3-1";

/// A Secret Service for the keyring: GNOME's, KDE's kwalletd (Secret Service since KF 5.97) or
/// KeePassXC's (once enabled in its settings).
const RECOMMENDS: &str = "gnome-keyring | libkf5wallet-bin | keepassxc";

pub fn build(out: &Path, tree: &Path, version: &str) -> Result<PathBuf, String> {
    let arch = output_of(Command::new("dpkg").arg("--print-architecture"))?;
    let depends = format!("{}, {RUNTIME_DEPENDS}", shlib_depends(out, tree)?);
    let control = format!(
        "Package: {package}\n\
         Version: {version}\n\
         Architecture: {arch}\n\
         Maintainer: {maintainer}\n\
         Installed-Size: {size}\n\
         Depends: {depends}\n\
         Recommends: {RECOMMENDS}\n\
         Section: net\n\
         Priority: optional\n\
         Homepage: https://agentwatch.example.org/\n\
         Description: watch contact-centre, AI and connector agents from the tray\n\
         \x20AgentWatch watches the agents behind Huawei CC-Gateway, Agora Conversational\n\
         \x20AI and Segura Network Connector accounts. Its tray icon says at a glance\n\
         \x20whether every watched agent is fine, and a desktop notification tells when\n\
         \x20one changes state. A dashboard shows the live state, history and alerts.\n\
         \x20.\n\
         \x20Credentials are kept in the desktop keyring (Secret Service). The package\n\
         \x20also holds the agentwatch command for terminals and scripts, and a demo\n\
         \x20with simulated vendors that needs no account.\n",
        package = super::PACKAGE,
        maintainer = super::MAINTAINER,
        size = installed_size_kib(tree)?,
    );
    let debian = tree.join("DEBIAN");
    fs::create_dir_all(&debian).map_err(|e| e.to_string())?;
    fs::write(debian.join("control"), control).map_err(|e| e.to_string())?;
    fs::write(debian.join("md5sums"), md5sums(tree)?).map_err(|e| e.to_string())?;
    let deb = out.join(format!("{}_{version}_{arch}.deb", super::PACKAGE));
    crate::run(
        Command::new("dpkg-deb")
            .args(["--build", "--root-owner-group", "-Zxz"])
            .arg(tree)
            .arg(&deb),
    )?;
    Ok(deb)
}

/// `Depends` from the libraries the binaries link. dpkg-shlibdeps works as in a source package:
/// it wants `debian/control` in its working folder (`out`, given a minimal one here) and the
/// files in `debian/<package>/` (the staged tree).
fn shlib_depends(out: &Path, tree: &Path) -> Result<String, String> {
    fs::create_dir_all(out.join("debian")).map_err(|e| e.to_string())?;
    fs::write(
        out.join("debian/control"),
        format!(
            "Source: {0}\n\nPackage: {0}\nArchitecture: any\n",
            super::PACKAGE
        ),
    )
    .map_err(|e| e.to_string())?;
    let mut cmd = Command::new("dpkg-shlibdeps");
    cmd.current_dir(out).arg("-O");
    for name in super::BINARIES {
        cmd.arg(tree.join("usr/bin").join(name));
    }
    let line = output_of(&mut cmd)?;
    line.lines()
        .find_map(|l| l.strip_prefix("shlibs:Depends="))
        .map(str::to_string)
        .ok_or_else(|| format!("dpkg-shlibdeps printed no shlibs:Depends ({line:?})"))
}

/// `DEBIAN/md5sums` as dh_md5sums writes it (`debsums` and `dpkg --verify` read it).
fn md5sums(tree: &Path) -> Result<String, String> {
    let files = super::stage::staged_files(tree)?;
    let mut cmd = Command::new("md5sum");
    cmd.current_dir(tree).args(&files);
    Ok(output_of(&mut cmd)? + "\n")
}

/// As dpkg-gencontrol counts it: each file's size rounded up to KiB, plus 1 KiB per folder.
fn installed_size_kib(dir: &Path) -> Result<u64, String> {
    let mut kib = 1;
    for entry in fs::read_dir(dir).map_err(|e| e.to_string())? {
        let entry = entry.map_err(|e| e.to_string())?;
        if entry.file_name() == "DEBIAN" {
            continue;
        }
        let meta = entry.metadata().map_err(|e| e.to_string())?;
        kib += if meta.is_dir() {
            installed_size_kib(&entry.path())?
        } else {
            meta.len().div_ceil(1024)
        };
    }
    Ok(kib)
}

/// The menu entry and the metainfo validated, then lintian on the whole package: its errors
/// fail the build, its warnings are printed (README "Install" explains the ones left).
pub fn check(root: &Path, deb: &Path) -> Result<(), String> {
    crate::run(Command::new("desktop-file-validate").arg(root.join(super::DESKTOP_FILE)))?;
    crate::run(
        Command::new("appstreamcli")
            .args(["validate", "--no-net"])
            .arg(root.join(super::METAINFO)),
    )?;
    println!("xtask: lintian {}", deb.display());
    crate::run(
        Command::new("lintian")
            .args(["--fail-on", "error", "--tag-display-limit", "0"])
            .arg(deb),
    )
}

fn output_of(cmd: &mut Command) -> Result<String, String> {
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {:?}: {e}", cmd.get_program()))?;
    if !out.status.success() {
        return Err(format!(
            "{:?} failed ({}): {}",
            cmd.get_program(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}
