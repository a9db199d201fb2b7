//! The installed file tree of the package, laid out under a staging folder exactly as it lands
//! under `/`: stripped binaries, the menu entry, icons, metainfo, man pages, completions, the
//! documentation files Debian requires and the examples (configuration, systemd, Prometheus,
//! Grafana).

use super::versions::{newest_changelog_entry, read, ChangelogEntry};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The hicolor sizes the package ships, and where each comes from (relative to the workspace).
const ICONS: [(u32, &str); 5] = [
    (32, "src-tauri/icons/32x32.png"),
    (48, "packaging/icons/48x48.png"),
    (64, "packaging/icons/64x64.png"),
    (128, "src-tauri/icons/128x128.png"),
    (256, "src-tauri/icons/icon.png"),
];

/// The examples a user copies, and where they come from (relative to the workspace): the
/// complete configuration and deploy/ (systemd, Prometheus, Grafana). `man agentwatch` names
/// them under FILES, and the programs' messages point at them.
const EXAMPLES: [(&str, &str); 6] = [
    ("docs/config.example.toml", "config.toml"),
    ("deploy/agentwatch.service", "agentwatch.service"),
    ("deploy/prometheus.yml", "prometheus.yml"),
    ("deploy/alerts.yml", "alerts.yml"),
    ("deploy/alerts.test.yml", "alerts.test.yml"),
    ("deploy/grafana-dashboard.json", "grafana-dashboard.json"),
];

/// Stages the programs built in `binaries` (target/release or target/debug) with the rest.
pub fn stage(root: &Path, binaries: &Path, tree: &Path) -> Result<(), String> {
    if tree.exists() {
        fs::remove_dir_all(tree).map_err(|e| format!("cannot clear {}: {e}", tree.display()))?;
    }
    for name in super::BINARIES {
        let to = tree.join("usr/bin").join(name);
        copy(&binaries.join(name), &to, 0o755)?;
        // As dh_strip does: no symbols, no .comment/.note sections.
        crate::run(
            Command::new("strip")
                .args([
                    "--remove-section=.comment",
                    "--remove-section=.note",
                    "--strip-unneeded",
                ])
                .arg(&to),
        )?;
    }
    copy(
        &root.join(super::DESKTOP_FILE),
        &tree.join("usr/share/applications/agentwatch-desktop.desktop"),
        0o644,
    )?;
    for (size, source) in ICONS {
        copy(
            &root.join(source),
            &tree.join(format!(
                "usr/share/icons/hicolor/{size}x{size}/apps/agentwatch-desktop.png"
            )),
            0o644,
        )?;
    }
    copy(
        &root.join(super::METAINFO),
        &tree.join("usr/share/metainfo/io.agentwatch.desktop.metainfo.xml"),
        0o644,
    )?;
    let doc = tree.join("usr/share/doc").join(super::PACKAGE);
    copy(
        &root.join("packaging/copyright"),
        &doc.join("copyright"),
        0o644,
    )?;
    // Left uncompressed (unlike dh_compress would), so that they can be copied as they are.
    for (source, name) in EXAMPLES {
        copy(&root.join(source), &doc.join("examples").join(name), 0o644)?;
    }
    let entry = newest_changelog_entry(&read(&root.join("CHANGELOG.md"))?)
        .ok_or("CHANGELOG.md has no released entry")?;
    let changelog = debian_changelog(&entry, &rfc2822_date(&entry.date)?);
    fs::create_dir_all(&doc).map_err(|e| e.to_string())?;
    fs::write(doc.join("changelog.gz"), gzip(changelog.as_bytes())?)
        .map_err(|e| format!("cannot write the changelog: {e}"))?;
    // Man pages and completions, from the clap definitions the binaries parse with.
    crate::run(
        crate::cargo()
            .args(["run", "--quiet", "-p", "agentwatch-docgen", "--"])
            .arg(tree),
    )?;
    compress_man_pages(&tree.join("usr/share/man/man1"))?;
    normalise_modes(tree)
}

/// Every file of the staged tree, relative to it (`usr/bin/agentwatch`…), sorted; the package's
/// control folder `DEBIAN/` left out.
pub fn staged_files(tree: &Path) -> Result<Vec<PathBuf>, String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
        for entry in fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
            let path = entry.map_err(|e| e.to_string())?.path();
            let relative = path
                .strip_prefix(root)
                .expect("under the root")
                .to_path_buf();
            if relative.starts_with("DEBIAN") {
                continue;
            }
            if path.is_dir() {
                walk(root, &path, out)?;
            } else {
                out.push(relative);
            }
        }
        Ok(())
    }
    let mut files = Vec::new();
    walk(tree, tree, &mut files)?;
    files.sort();
    Ok(files)
}

/// Debian ships man pages gzipped (`name.1.gz`).
fn compress_man_pages(dir: &Path) -> Result<(), String> {
    for entry in fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let page = entry.map_err(|e| e.to_string())?.path();
        let mut gz = page.clone().into_os_string();
        gz.push(".gz");
        fs::write(&gz, gzip(&fs::read(&page).map_err(|e| e.to_string())?)?)
            .map_err(|e| e.to_string())?;
        fs::remove_file(&page).map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn copy(from: &Path, to: &Path, mode: u32) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    if let Some(dir) = to.parent() {
        fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    fs::copy(from, to).map_err(|e| format!("cannot copy {}: {e}", from.display()))?;
    fs::set_permissions(to, fs::Permissions::from_mode(mode)).map_err(|e| e.to_string())
}

/// 0755 for folders and programs, 0644 for the rest, whatever the umask was.
fn normalise_modes(dir: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o755)).map_err(|e| e.to_string())?;
    for entry in fs::read_dir(dir).map_err(|e| e.to_string())? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.is_dir() {
            normalise_modes(&path)?;
        } else {
            let executable = path.parent().is_some_and(|p| p.ends_with("usr/bin"));
            let mode = if executable { 0o755 } else { 0o644 };
            fs::set_permissions(&path, fs::Permissions::from_mode(mode))
                .map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

/// The changelog entry in Debian's format (what lintian and `apt changelog` read), the Keep a
/// Changelog sections kept as `[ Added ]` groups.
fn debian_changelog(entry: &ChangelogEntry, date: &str) -> String {
    let mut text = format!(
        "{} ({}) unstable; urgency=medium\n\n",
        super::PACKAGE,
        entry.version
    );
    for (section, items) in &entry.sections {
        text.push_str(&format!("  [ {section} ]\n"));
        for item in items {
            text.push_str(&wrap(item, "  * ", "    ", 78));
        }
        text.push('\n');
    }
    text.push_str(&format!(" -- {}  {date}\n", super::MAINTAINER));
    text
}

/// Wraps words into lines of at most `width` characters.
fn wrap(text: &str, first: &str, rest: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = first.to_string();
    let mut empty = true;
    for word in text.split_whitespace() {
        if !empty && line.len() + 1 + word.len() > width {
            out.push_str(&line);
            out.push('\n');
            line = rest.to_string();
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push_str(&line);
    out.push('\n');
    out
}

/// `2026-11-30` as `Mon, 30 Nov 2026 00:00:00 +0000` (date(1) knows the weekday).
fn rfc2822_date(day: &str) -> Result<String, String> {
    let out = Command::new("date")
        .args(["-u", "-R", "-d"])
        .arg(format!("{day} 00:00:00 UTC"))
        .output()
        .map_err(|e| format!("cannot run date: {e}"))?;
    if !out.status.success() {
        return Err(format!("CHANGELOG.md: {day:?} is not a date (YYYY-MM-DD)"));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// `gzip -9n`: Debian's compression for documentation, without name or time stamp inside.
pub fn gzip(bytes: &[u8]) -> Result<Vec<u8>, String> {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = Command::new("gzip")
        .args(["-9n", "-c"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run gzip: {e}"))?;
    let mut stdin = child.stdin.take().expect("piped stdin");
    let input = bytes.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child.wait_with_output().map_err(|e| format!("gzip: {e}"))?;
    writer
        .join()
        .map_err(|_| "gzip writer panicked".to_string())?
        .map_err(|e| format!("gzip: {e}"))?;
    if !output.status.success() {
        return Err(format!("gzip failed ({})", output.status));
    }
    Ok(output.stdout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_debian_changelog_has_the_entry_and_a_signature_line() {
        let entry = ChangelogEntry {
            version: "1.2.0".into(),
            date: "2026-01-02".into(),
            sections: vec![("Added".into(), vec!["word ".repeat(30).trim().to_string()])],
        };
        let text = debian_changelog(&entry, "Fri, 02 Jan 2026 00:00:00 +0000");
        assert!(text
            .starts_with("agentwatch (1.2.0) unstable; urgency=medium\n\n  [ Added ]\n  * word"));
        // Debian's limit for the entry's lines (the signature line is exempt).
        assert!(
            text.lines()
                .filter(|l| !l.starts_with(" -- "))
                .all(|l| l.len() <= 80),
            "{text}"
        );
        assert!(
            text.ends_with(">  Fri, 02 Jan 2026 00:00:00 +0000\n"),
            "{text}"
        );
    }

    #[test]
    fn dates_get_their_weekday() {
        assert_eq!(
            rfc2822_date("2026-11-30").unwrap(),
            "Mon, 30 Nov 2026 00:00:00 +0000"
        );
        assert!(rfc2822_date("30/11/2026x").is_err());
    }
}
