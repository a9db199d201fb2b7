//! One version for the whole product: the workspace's `[workspace.package] version` is the
//! truth; tauri.conf.json, CHANGELOG.md's newest entry and the AppStream metainfo's newest
//! `<release>` must say the same, or the package would contradict itself.

use std::path::Path;

/// The workspace version, after checking that every other place agrees with it.
pub fn checked_version(root: &Path) -> Result<String, String> {
    let version = workspace_version(&read(&root.join("Cargo.toml"))?)
        .ok_or("Cargo.toml has no [workspace.package] version")?;
    let others = [
        (
            "tauri.conf.json \"version\"",
            tauri_version(&read(&root.join("tauri.conf.json"))?),
        ),
        (
            "CHANGELOG.md's newest entry",
            newest_changelog_entry(&read(&root.join("CHANGELOG.md"))?).map(|e| e.version),
        ),
        (
            "the metainfo's newest <release>",
            metainfo_version(&read(&root.join(super::METAINFO))?),
        ),
    ];
    for (place, found) in others {
        match found {
            Some(v) if v == version => {}
            Some(v) => {
                return Err(format!(
                    "{place} is {v} but the workspace version is {version}: make them equal"
                ))
            }
            None => return Err(format!("{place}: no version found")),
        }
    }
    Ok(version)
}

pub fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn quoted_after<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let rest = line.trim().strip_prefix(key)?.trim_start();
    let rest = rest.strip_prefix('=').or_else(|| rest.strip_prefix(':'))?;
    let rest = rest.trim().strip_prefix('"')?;
    rest.split('"').next()
}

fn workspace_version(cargo_toml: &str) -> Option<String> {
    let mut in_section = false;
    for line in cargo_toml.lines() {
        let t = line.trim();
        if t.starts_with('[') {
            in_section = t == "[workspace.package]";
        } else if in_section {
            if let Some(v) = quoted_after(t, "version") {
                return Some(v.to_string());
            }
        }
    }
    None
}

/// The top-level `"version"` of tauri.conf.json (indented by two spaces, as the file is).
fn tauri_version(json: &str) -> Option<String> {
    json.lines()
        .filter(|l| l.starts_with("  \"") && !l.starts_with("   "))
        .find_map(|l| quoted_after(l, "\"version\""))
        .map(str::to_string)
}

fn metainfo_version(xml: &str) -> Option<String> {
    let at = xml.find("<release ")?;
    let tag = &xml[at..at + xml[at..].find('>')?];
    let v = tag.split("version=\"").nth(1)?;
    Some(v.split('"').next()?.to_string())
}

/// One released entry of a Keep a Changelog file.
#[derive(Debug, PartialEq)]
pub struct ChangelogEntry {
    pub version: String,
    /// `YYYY-MM-DD`
    pub date: String,
    /// (section such as "Added", its bullet points)
    pub sections: Vec<(String, Vec<String>)>,
}

/// The newest released entry: the first `## [x.y.z] - date` heading (not `[Unreleased]`).
pub fn newest_changelog_entry(markdown: &str) -> Option<ChangelogEntry> {
    let mut entry: Option<ChangelogEntry> = None;
    for line in markdown.lines() {
        if let Some(heading) = line.strip_prefix("## ") {
            if entry.is_some() {
                break;
            }
            if heading.trim().eq_ignore_ascii_case("[unreleased]") {
                continue;
            }
            let (version, date) = heading.split_once(" - ")?;
            let version = version.trim().trim_start_matches('[').trim_end_matches(']');
            entry = Some(ChangelogEntry {
                version: version.to_string(),
                date: date.trim().to_string(),
                sections: Vec::new(),
            });
        } else if let Some(e) = entry.as_mut() {
            if let Some(section) = line.strip_prefix("### ") {
                e.sections.push((section.trim().to_string(), Vec::new()));
            } else if let Some(item) = line.strip_prefix("- ") {
                if let Some((_, items)) = e.sections.last_mut() {
                    items.push(item.trim().to_string());
                }
            } else if line.starts_with("  ") && !line.trim().is_empty() {
                // A bullet point continued on the next line.
                if let Some(last) = e.sections.last_mut().and_then(|(_, i)| i.last_mut()) {
                    last.push(' ');
                    last.push_str(line.trim());
                }
            }
        }
    }
    entry
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_repository_has_one_version_everywhere() {
        let root = crate::workspace_root();
        let version = checked_version(&root).unwrap();
        // The binaries print the crate version, which every crate inherits from the workspace.
        assert_eq!(version, env!("CARGO_PKG_VERSION"));
    }

    #[test]
    fn a_disagreeing_place_is_named() {
        let dir = std::env::temp_dir().join(format!("xtask-versions-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("packaging")).unwrap();
        let root = crate::workspace_root();
        for f in ["Cargo.toml", "CHANGELOG.md", super::super::METAINFO] {
            std::fs::copy(root.join(f), dir.join(f)).unwrap();
        }
        let conf = read(&root.join("tauri.conf.json")).unwrap().replacen(
            &format!("\"version\": \"{}\"", env!("CARGO_PKG_VERSION")),
            "\"version\": \"9.9.9\"",
            1,
        );
        std::fs::write(dir.join("tauri.conf.json"), conf).unwrap();
        let err = checked_version(&dir).unwrap_err();
        let _ = std::fs::remove_dir_all(&dir);
        assert!(
            err.contains("tauri.conf.json") && err.contains("9.9.9"),
            "{err}"
        );
    }

    #[test]
    fn the_newest_released_entry_is_read_with_its_sections() {
        let md = "# Changelog\n\n## [Unreleased]\n- not this\n\n## [1.2.0] - 2026-01-02\n\n### Added\n- one\n  more\n- two\n### Fixed\n- three\n\n## [1.1.0] - 2025-12-01\n### Added\n- old\n";
        let e = newest_changelog_entry(md).unwrap();
        assert_eq!(e.version, "1.2.0");
        assert_eq!(e.date, "2026-01-02");
        assert_eq!(
            e.sections,
            vec![
                (
                    "Added".to_string(),
                    vec!["one more".to_string(), "two".to_string()]
                ),
                ("Fixed".to_string(), vec!["three".to_string()]),
            ]
        );
    }
}
