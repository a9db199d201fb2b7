//! `cargo xtask package --rpm`: an RPM from the same staged tree as the .deb, with rpmbuild
//! (Debian's `rpm` package). rpmbuild finds the ELF dependencies itself (`libc.so.6()(64bit)`…);
//! what it cannot see is named by hand, with Fedora's package names.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Loaded with dlopen by the tray (see the .deb's `RUNTIME_DEPENDS`), as Fedora names it.
const RUNTIME_REQUIRES: &str = "libayatana-appindicator-gtk3";

pub fn build(out: &Path, tree: &Path, version: &str) -> Result<PathBuf, String> {
    let top = out.join("rpmbuild");
    if top.exists() {
        fs::remove_dir_all(&top).map_err(|e| format!("cannot clear {}: {e}", top.display()))?;
    }
    fs::create_dir_all(&top).map_err(|e| e.to_string())?;
    let spec = top.join("agentwatch.spec");
    fs::write(&spec, spec_text(tree, version)?).map_err(|e| e.to_string())?;
    crate::run(
        Command::new("rpmbuild")
            .arg("-bb")
            .arg("--quiet")
            .arg("--define")
            .arg(format!("_topdir {}", top.display()))
            .arg("--define")
            .arg(format!("_rpmdir {}", top.join("out").display()))
            // One file per package, no architecture folder.
            .args([
                "--define",
                "_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm",
            ])
            .arg(&spec),
    )?;
    let built = fs::read_dir(top.join("out"))
        .map_err(|e| e.to_string())?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "rpm"))
        .ok_or("rpmbuild wrote no .rpm")?;
    let rpm = out.join(built.file_name().expect("a file name"));
    fs::rename(&built, &rpm).map_err(|e| e.to_string())?;
    Ok(rpm)
}

fn spec_text(tree: &Path, version: &str) -> Result<String, String> {
    let files: Vec<String> = super::stage::staged_files(tree)?
        .iter()
        .map(|f| format!("/{}", f.display()))
        .collect();
    Ok(format!(
        "Name: {name}\n\
         Version: {version}\n\
         Release: 1\n\
         Summary: Watch contact-centre, AI and connector agents from the tray\n\
         License: MIT\n\
         URL: https://agentwatch.example.org/\n\
         Requires: {RUNTIME_REQUIRES}\n\
         Recommends: gnome-keyring\n\
         \n\
         # The tree is built, stripped and compressed already.\n\
         %global debug_package %{{nil}}\n\
         %global __os_install_post %{{nil}}\n\
         %global _build_id_links none\n\
         \n\
         %description\n\
         AgentWatch watches the agents behind Huawei CC-Gateway, Agora Conversational AI and\n\
         Segura Network Connector accounts, shows their health in the tray and raises desktop\n\
         notifications when one changes state. Credentials stay in the desktop keyring.\n\
         \n\
         %install\n\
         cp -a {tree}/usr %{{buildroot}}/\n\
         \n\
         %files\n\
         %dir /usr/share/doc/{name}\n\
         {files}\n",
        name = super::PACKAGE,
        tree = tree.display(),
        files = files.join("\n"),
    ))
}
