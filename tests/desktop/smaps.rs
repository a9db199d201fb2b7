//! Where a process's memory goes, from /proc/PID/smaps: its proportional set size (PSS) split by
//! what is mapped (the program itself, WebKit, the GTK stack, other libraries, other files, the
//! main heap, other anonymous memory), its anonymous memory and its threads.

use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The kinds of mapping the PSS is split into, in the order they are printed.
const KINDS: [&str; 7] = [
    "the program's own file pages",
    "WebKitGTK + JavaScriptCore libraries",
    "GTK / GLib / Pango / Cairo libraries",
    "other libraries",
    "other files (fonts, caches, locale)",
    "[heap] (main malloc arena)",
    "other anonymous (thread arenas, stacks, mmaps)",
];

#[derive(Debug, Clone)]
pub struct Breakdown {
    pub pss_mib: f64,
    pub anon_mib: f64,
    pub rss_mib: f64,
    pub threads: u32,
    /// Anonymous mappings of 32 MiB or more: glibc reserves 64 MiB per extra malloc arena.
    pub big_anon_regions: u32,
    pub by_kind: BTreeMap<&'static str, f64>,
    /// PSS by mapped file (libraries, the program, fonts...), MiB.
    pub by_file: BTreeMap<String, f64>,
    /// The anonymous part of each file's mappings (pages the process wrote: relocations,
    /// data), MiB: what no reclaim can drop.
    pub anon_by_file: BTreeMap<String, f64>,
}

impl Breakdown {
    pub fn of(pid: u32) -> Breakdown {
        let exe = std::fs::read_link(format!("/proc/{pid}/exe"))
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        let smaps = std::fs::read_to_string(format!("/proc/{pid}/smaps")).unwrap_or_default();
        let mut by_kind: BTreeMap<&'static str, f64> = BTreeMap::new();
        let mut by_file: BTreeMap<String, f64> = BTreeMap::new();
        let mut anon_by_file: BTreeMap<String, f64> = BTreeMap::new();
        let mut big_anon_regions = 0;
        let mut kind = KINDS[6];
        let mut file = String::new();
        for line in smaps.lines() {
            if let Some((range, name)) = mapping_header(line) {
                kind = kind_of(name, &exe);
                file = if name.starts_with('/') {
                    name.rsplit('/').next().unwrap_or(name).to_string()
                } else {
                    String::new()
                };
                let size_kib = range_kib(range);
                if name.is_empty() && size_kib >= 32 * 1024 {
                    big_anon_regions += 1;
                }
            } else if let Some(kib) = field_kib(line, "Pss:") {
                *by_kind.entry(kind).or_default() += kib / 1024.0;
                if !file.is_empty() {
                    *by_file.entry(file.clone()).or_default() += kib / 1024.0;
                }
            } else if let Some(kib) = field_kib(line, "Anonymous:") {
                if !file.is_empty() {
                    *anon_by_file.entry(file.clone()).or_default() += kib / 1024.0;
                }
            }
        }
        let rollup =
            std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let from = |text: &str, key: &str| {
            text.lines().find_map(|l| field_kib(l, key)).unwrap_or(0.0) / 1024.0
        };
        Breakdown {
            pss_mib: from(&rollup, "Pss:"),
            anon_mib: from(&rollup, "Anonymous:"),
            rss_mib: from(&rollup, "Rss:"),
            threads: status
                .lines()
                .find_map(|l| l.strip_prefix("Threads:"))
                .and_then(|n| n.trim().parse().ok())
                .unwrap_or(0),
            big_anon_regions,
            by_kind,
            by_file,
            anon_by_file,
        }
    }

    /// One line of figures, after a label.
    pub fn line(&self, label: &str) -> String {
        format!(
            "{label:<20} PSS {:6.1} MiB  anonymous {:5.1} MiB  RSS {:6.1} MiB  threads {:3}  64 MiB arena regions {}",
            self.pss_mib, self.anon_mib, self.rss_mib, self.threads, self.big_anon_regions
        )
    }

    /// The PSS by kind of mapping, `self` beside `later`, in MiB.
    pub fn table_against(&self, later: &Breakdown) -> String {
        let mut out = String::new();
        for kind in KINDS {
            let before = self.by_kind.get(kind).copied().unwrap_or(0.0);
            let after = later.by_kind.get(kind).copied().unwrap_or(0.0);
            let _ = writeln!(
                out,
                "  {kind:<48} {before:6.1} -> {after:6.1} MiB ({:+.1})",
                after - before
            );
        }
        out
    }

    /// The `count` mapped files whose PSS grew most from `self` to `later`.
    pub fn files_grown(&self, later: &Breakdown, count: usize) -> String {
        let mut grown: Vec<(&String, f64, f64)> = later
            .by_file
            .iter()
            .map(|(file, after)| {
                let before = self.by_file.get(file).copied().unwrap_or(0.0);
                (file, before, *after)
            })
            .collect();
        grown.sort_by(|a, b| (b.2 - b.1).total_cmp(&(a.2 - a.1)));
        let mut out = String::new();
        for (file, before, after) in grown.into_iter().take(count) {
            let anon = later.anon_by_file.get(file).copied().unwrap_or(0.0);
            let _ = writeln!(
                out,
                "  {file:<48} {before:6.1} -> {after:6.1} MiB ({:+.1}; anonymous {anon:.1})",
                after - before
            );
        }
        out
    }
}

/// "start-end perms offset dev inode [name]" -> (range, name); None for a field line.
fn mapping_header(line: &str) -> Option<(&str, &str)> {
    let mut parts = line.splitn(6, char::is_whitespace);
    let range = parts.next()?;
    if !range.contains('-') || !range.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-') {
        return None;
    }
    let name = parts.nth(4).unwrap_or("").trim();
    Some((range, name))
}

fn range_kib(range: &str) -> u64 {
    let (start, end) = range.split_once('-').unwrap_or(("0", "0"));
    let parse = |h: &str| u64::from_str_radix(h, 16).unwrap_or(0);
    parse(end).saturating_sub(parse(start)) / 1024
}

fn kind_of(name: &str, exe: &str) -> &'static str {
    const GTK_STACK: [&str; 10] = [
        "libgtk",
        "libgdk",
        "libglib",
        "libgio",
        "libgobject",
        "libpango",
        "libcairo",
        "libharfbuzz",
        "libatk",
        "libfreetype",
    ];
    let file = name.rsplit('/').next().unwrap_or(name);
    if name == "[heap]" {
        KINDS[5]
    } else if name.is_empty() || name.starts_with('[') {
        KINDS[6]
    } else if name == exe || name.strip_suffix(" (deleted)") == Some(exe) {
        KINDS[0]
    } else if file.starts_with("libwebkit2gtk") || file.starts_with("libjavascriptcore") {
        KINDS[1]
    } else if GTK_STACK.iter().any(|p| file.starts_with(p)) {
        KINDS[2]
    } else if file.contains(".so") {
        KINDS[3]
    } else {
        KINDS[4]
    }
}

/// "Key:   1234 kB" -> 1234.0
fn field_kib(line: &str, key: &str) -> Option<f64> {
    line.strip_prefix(key)?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_headers_and_sorts_mappings() {
        let h = "7f0000000000-7f0004000000 rw-p 00000000 00:00 0 ";
        assert_eq!(mapping_header(h), Some(("7f0000000000-7f0004000000", "")));
        assert_eq!(range_kib("7f0000000000-7f0004000000"), 64 * 1024);
        let lib = "7f1-7f2 r-xp 00000000 fe:01 123   /usr/lib/x86_64-linux-gnu/libwebkit2gtk-4.1.so.0.13.6";
        assert_eq!(kind_of(mapping_header(lib).unwrap().1, "/x"), KINDS[1]);
        assert_eq!(mapping_header("Pss:  12 kB"), None);
        assert_eq!(field_kib("Pss:   12 kB", "Pss:"), Some(12.0));
        assert_eq!(kind_of("/usr/bin/app", "/usr/bin/app"), KINDS[0]);
        assert_eq!(kind_of("[heap]", "/usr/bin/app"), KINDS[5]);
        assert_eq!(kind_of("[stack]", "/usr/bin/app"), KINDS[6]);
        assert_eq!(kind_of("/usr/lib/libgtk-3.so.0", "/x"), KINDS[2]);
        assert_eq!(kind_of("/usr/share/fonts/x.ttf", "/x"), KINDS[4]);
    }
}
