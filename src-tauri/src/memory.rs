//! Keeping the tray-only app small (Linux; elsewhere this does nothing). Figures in
//! BENCHMARKS.md ("Tray-only memory of the release app"). The allocator's settings for a
//! process that runs all day are core's (`agentwatch_core::allocator`), shared with `serve`.
//!
//! Once the dashboard is closed, the pages the app mapped for it (WebKitGTK's UI-process code,
//! JavaScriptCore, the GL driver WebKit loads, often LLVM) stay in its address space, clean and
//! unused until the next dashboard. [`release_unused_pages`] hands back the freed heap, asks
//! the kernel to reclaim the file pages only this process maps, as Android does for apps in the
//! background, and unmaps the read-only file pages it shares with other processes (LLVM's code,
//! which the X server maps too): what the tray still uses is read back on its next touch.

/// Set to keep the mapped file pages after the dashboard closes (to measure what releasing
/// them gains: `cargo xtask bench --memory`).
pub const KEEP_PAGES_VAR: &str = "AGENTWATCH_KEEP_MAPPED_PAGES";

/// Returns freed heap to the system, asks the kernel to reclaim the clean file pages that only
/// this process maps, and drops this process's view of the read-only file pages it shares
/// with others (LLVM's code, which the X server or compositor maps too, is the bulk of it after
/// a dashboard). Safe at any time (no content is lost: every page let go is read back from its
/// file when touched), but it costs page faults later, so it runs after the dashboard closed.
pub fn release_unused_pages() {
    agentwatch_core::allocator::return_freed_memory();
    #[cfg(target_os = "linux")]
    if std::env::var_os(KEEP_PAGES_VAR).is_none() {
        let Ok(smaps) = std::fs::read_to_string("/proc/self/smaps") else {
            return;
        };
        let mappings = file_mappings(&smaps);
        let mut reclaimed = 0usize;
        let mut dropped = 0usize;
        for mapping in &mappings {
            // SAFETY: MADV_PAGEOUT is only advice to reclaim; the mapping and its contents
            // stay as they are (dirty pages are written back or left alone, never dropped).
            // An older kernel without it answers EINVAL, which changes nothing.
            if unsafe { advise(mapping, libc::MADV_PAGEOUT) } {
                reclaimed += mapping.len() / 4096;
            }
        }
        for mapping in mappings.iter().filter(|m| m.holds_only_file_contents()) {
            // SAFETY: the mapping cannot be written (no write permission) and holds no private
            // copy of a page (no anonymous pages, so no relocation was written into it): every
            // page in it is the file's, and MADV_DONTNEED only unmaps them from this process;
            // the next touch maps them again from the page cache or the file. The libraries
            // mapped here (GTK, WebKit, Mesa, LLVM) are never unloaded, so the range cannot be
            // handed to another mapping meanwhile.
            if unsafe { advise(mapping, libc::MADV_DONTNEED) } {
                dropped += mapping.len() / 4096;
            }
        }
        tracing::debug!(
            "asked the kernel to reclaim up to {reclaimed} pages of mapped files; \
             let go of up to {dropped} read-only ones"
        );
    }
}

/// One mapping of a regular file (a library, the program, a font...) in /proc/self/smaps.
#[cfg(target_os = "linux")]
#[derive(Debug, PartialEq)]
struct FileMapping {
    start: usize,
    end: usize,
    writable: bool,
    /// Pages of it this process has its own copy of (written to: relocations, data).
    anonymous_kib: u64,
}

#[cfg(target_os = "linux")]
impl FileMapping {
    fn len(&self) -> usize {
        self.end - self.start
    }

    /// Every page in it is the file's own: nothing written, nothing writable.
    fn holds_only_file_contents(&self) -> bool {
        !self.writable && self.anonymous_kib == 0
    }
}

/// # Safety
/// `advice` must not lose data in `mapping` (see the callers).
#[cfg(target_os = "linux")]
unsafe fn advise(mapping: &FileMapping, advice: libc::c_int) -> bool {
    libc::madvise(mapping.start as *mut libc::c_void, mapping.len(), advice) == 0
}

/// The mappings of regular files in a /proc/PID/smaps text; anonymous memory, stacks, devices,
/// shared memory and deleted files are left out.
#[cfg(target_os = "linux")]
fn file_mappings(smaps: &str) -> Vec<FileMapping> {
    let mut mappings: Vec<FileMapping> = Vec::new();
    // Whether the last header line was a regular file's, so its fields belong to it.
    let mut in_file = false;
    for line in smaps.lines() {
        if is_mapping_header(line) {
            let mapping = file_mapping_header(line);
            in_file = mapping.is_some();
            mappings.extend(mapping);
        } else if let (true, Some(kib)) = (in_file, line.strip_prefix("Anonymous:")) {
            let kib = kib
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse()
                .unwrap_or(u64::MAX);
            if let Some(last) = mappings.last_mut() {
                last.anonymous_kib = kib;
            }
        }
    }
    mappings
}

/// A header line ("start-end perms offset dev inode [path]") starts with a hex range.
#[cfg(target_os = "linux")]
fn is_mapping_header(line: &str) -> bool {
    line.split_whitespace()
        .next()
        .and_then(|range| range.split_once('-'))
        .is_some_and(|(a, b)| {
            !a.is_empty() && a.chars().chain(b.chars()).all(|c| c.is_ascii_hexdigit())
        })
}

/// The mapping a header line (one `is_mapping_header` accepts) describes, when it maps a
/// regular file. Its anonymous pages are
/// unknown until the fields that follow are read: taken as "some" until then.
#[cfg(target_os = "linux")]
fn file_mapping_header(line: &str) -> Option<FileMapping> {
    let mut fields = line.split_whitespace();
    let range = fields.next()?;
    let perms = fields.next()?;
    let path = fields.nth(3)?;
    let regular_file = path.starts_with('/')
        && !path.starts_with("/dev/")
        && !path.starts_with("/SYSV")
        && !line.ends_with("(deleted)");
    if !regular_file {
        return None;
    }
    let (start, end) = range.split_once('-')?;
    let start = usize::from_str_radix(start, 16).ok()?;
    let end = usize::from_str_radix(end, 16).ok()?;
    (end > start).then_some(FileMapping {
        start,
        end,
        writable: perms.as_bytes().get(1) != Some(&b'-'),
        anonymous_kib: u64::MAX,
    })
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn only_regular_file_mappings_are_released() {
        let smaps = "\
7f0000000000-7f0000004000 r-xp 00000000 fe:01 1234   /usr/lib/x86_64-linux-gnu/libLLVM-15.so.1
Rss:                  16 kB
Anonymous:             0 kB
7f0000004000-7f0000008000 r--p 00004000 fe:01 1234   /usr/lib/x86_64-linux-gnu/libLLVM-15.so.1
Anonymous:             8 kB
7f0000008000-7f0000009000 rw-p 00008000 fe:01 1234   /usr/lib/x86_64-linux-gnu/libLLVM-15.so.1
Anonymous:             0 kB
7f0000000000-7f0004000000 rw-p 00000000 00:00 0 
Anonymous:         65536 kB
7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0   [stack]
55d000000000-55d000021000 rw-p 00000000 00:00 0   [heap]
7f0000000000-7f0000004000 rw-s 00000000 00:06 5    /dev/dri/card0
7f0000000000-7f0000360000 rw-s 00000000 00:01 7    /SYSV00000000 (deleted)
7f0000000000-7f0000001000 r--s 00000000 00:01 8    /memfd:wayland-cursor (deleted)
Anonymous:             0 kB
garbage
";
        let mappings = file_mappings(smaps);
        let ranges: Vec<(usize, usize)> = mappings.iter().map(|m| (m.start, m.end)).collect();
        assert_eq!(
            ranges,
            vec![
                (0x7f00_0000_0000, 0x7f00_0000_4000),
                (0x7f00_0000_4000, 0x7f00_0000_8000),
                (0x7f00_0000_8000, 0x7f00_0000_9000),
            ]
        );
        // Only the code, never written, is let go of; the relocated read-only part and the
        // writable data are only offered for reclaim, which keeps what was written.
        let let_go: Vec<bool> = mappings
            .iter()
            .map(FileMapping::holds_only_file_contents)
            .collect();
        assert_eq!(let_go, vec![true, false, false]);
    }

    #[test]
    fn a_mapping_whose_fields_are_missing_is_not_let_go_of() {
        let smaps = "7f0000000000-7f0000004000 r--p 00000000 fe:01 1234   /usr/lib/libx.so\n";
        let mappings = file_mappings(smaps);
        assert_eq!(mappings.len(), 1);
        assert!(!mappings[0].holds_only_file_contents());
    }

    /// A table of references in a read-only section: the loader writes the addresses into it
    /// when the program starts (a relocated, read-only page). Letting go of such a page would
    /// bring back the unrelocated bytes of the file.
    static RELOCATED: [&str; 3] = ["pageout", "dontneed", "relocated"];

    /// Lives in the program's data section: a private, writable mapping of the program file,
    /// which the release covers. Advice that dropped pages (MADV_DONTNEED) would bring back the
    /// file's initial value here.
    static WRITTEN: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0x5eed);

    #[test]
    fn releasing_pages_loses_nothing_written() {
        use std::sync::atomic::Ordering;
        WRITTEN.fetch_add(1, Ordering::SeqCst);
        let heap: Vec<u64> = (0..100_000).collect();
        release_unused_pages();
        assert_eq!(WRITTEN.load(Ordering::SeqCst), 0x5eee);
        let words: Vec<&str> = std::hint::black_box(&RELOCATED).to_vec();
        assert_eq!(words.concat(), "pageoutdontneedrelocated");
        assert_eq!(heap.iter().sum::<u64>(), 99_999 * 100_000 / 2);
    }
}
