//! Keeping the tray-only app small (Linux; elsewhere this does nothing). Figures in
//! BENCHMARKS.md ("Tray-only memory of the release app"). The allocator's settings for a
//! process that runs all day are core's (`agentwatch_core::allocator`), shared with `serve`.
//!
//! Once the dashboard is closed, the pages the app mapped for it (WebKitGTK's UI-process code,
//! JavaScriptCore, the GL driver WebKit loads, often LLVM) stay in its address space, clean and
//! unused until the next dashboard. [`release_unused_pages`] hands back the freed heap and asks
//! the kernel to reclaim the file pages only this process maps, as Android does for apps in the
//! background: what the tray still uses is read back on its next touch.

/// Set to keep the mapped file pages after the dashboard closes (to measure what releasing
/// them gains: `cargo xtask bench --memory`).
pub const KEEP_PAGES_VAR: &str = "AGENTWATCH_KEEP_MAPPED_PAGES";

/// Returns freed heap to the system and asks the kernel to reclaim the clean file pages that
/// only this process maps. Safe at any time (no content is lost: reclaimed pages are read back
/// when touched), but it costs page faults later, so it runs after the dashboard closed.
pub fn release_unused_pages() {
    agentwatch_core::allocator::return_freed_memory();
    #[cfg(target_os = "linux")]
    if std::env::var_os(KEEP_PAGES_VAR).is_none() {
        let Ok(maps) = std::fs::read_to_string("/proc/self/maps") else {
            return;
        };
        let mut pages_of_files = 0usize;
        for (start, end) in maps.lines().filter_map(reclaimable_file_mapping) {
            // SAFETY: MADV_PAGEOUT is only advice to reclaim; the mapping and its contents
            // stay as they are (dirty pages are written back or left alone, never dropped).
            // An older kernel without it answers EINVAL, which changes nothing.
            let done = unsafe {
                libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_PAGEOUT)
            };
            if done == 0 {
                pages_of_files += (end - start) / 4096;
            }
        }
        tracing::debug!("asked the kernel to reclaim up to {pages_of_files} pages of mapped files");
    }
}

/// The address range of a /proc/self/maps line that maps a regular file (a library, the
/// program, a font...); None for anonymous memory, stacks, devices and shared memory.
#[cfg(target_os = "linux")]
fn reclaimable_file_mapping(line: &str) -> Option<(usize, usize)> {
    let mut fields = line.split_whitespace();
    let range = fields.next()?;
    let path = fields.nth(4)?;
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
    (end > start).then_some((start, end))
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn only_regular_file_mappings_are_reclaimed() {
        let lib = "7f0000000000-7f0000004000 r-xp 00000000 fe:01 1234   /usr/lib/x86_64-linux-gnu/libLLVM-15.so.1";
        assert_eq!(
            reclaimable_file_mapping(lib),
            Some((0x7f00_0000_0000, 0x7f00_0000_4000))
        );
        for other in [
            "7f0000000000-7f0004000000 rw-p 00000000 00:00 0 ",
            "7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0   [stack]",
            "55d000000000-55d000021000 rw-p 00000000 00:00 0   [heap]",
            "7f0000000000-7f0000004000 rw-s 00000000 00:06 5    /dev/dri/card0",
            "7f0000000000-7f0000360000 rw-s 00000000 00:01 7    /SYSV00000000 (deleted)",
            "7f0000000000-7f0000001000 rw-s 00000000 00:01 8    /memfd:wayland-cursor (deleted)",
            "garbage",
        ] {
            assert_eq!(reclaimable_file_mapping(other), None, "{other}");
        }
    }

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
        assert_eq!(heap.iter().sum::<u64>(), 99_999 * 100_000 / 2);
    }
}
