//! glibc's malloc, set up for processes that run all day and mostly wait on the network (the
//! tray app, `watch`, `serve`). Figures in BENCHMARKS.md ("Tray-only memory of the release
//! app", "`agentwatch serve` with 11,500 agents"). Elsewhere (musl, macOS, Windows) these do
//! nothing: those allocators hand memory back on their own terms.
//!
//! - glibc gives each thread that allocates its own arena (up to 8 per core), and freed memory
//!   stays in the arena it came from; tokio's workers, the blocking pool and (in the desktop
//!   app) WebKit's and GTK's threads each got one. Each poll's data then lands in the arena of
//!   whichever worker ran it, and every arena grows to hold the peak: `serve` with 10,000
//!   agents measured 80-97 MiB with two arenas and about 60 with one. A process that waits on
//!   the network loses nothing by sharing one; the desktop app keeps two for its UI threads.
//! - glibc raises its mmap threshold to the size of each large block freed (up to 32 MiB), so
//!   after the first big vendor answer or `/metrics` text every later one comes from the heap
//!   and leaves holes there. A fixed threshold keeps such blocks in their own mappings, which
//!   go back to the system the moment they are freed.
//! - What is freed in the heap stays there until [`return_freed_memory`] hands it back.

/// Blocks this large or larger get their own mapping (glibc's starting value, kept fixed).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD_BYTES: libc::c_int = 128 * 1024;

/// Sets the allocator up for a long-running process with at most `max_arenas` malloc arenas.
/// Call first thing in `main`, before any thread starts. `MALLOC_ARENA_MAX` and
/// `MALLOC_MMAP_THRESHOLD_` in the environment still win, for measuring.
#[cfg_attr(
    not(all(target_os = "linux", target_env = "gnu")),
    allow(unused_variables)
)]
pub fn tune_for_long_running(max_arenas: u8) {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator settings; no other thread allocates yet.
    unsafe {
        if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
            libc::mallopt(libc::M_ARENA_MAX, libc::c_int::from(max_arenas.max(1)));
        }
        if std::env::var_os("MALLOC_MMAP_THRESHOLD_").is_none() {
            libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES);
        }
    }
}

/// Hands the memory freed inside malloc's arenas back to the system (whole free pages; what is
/// in use stays). It walks every arena, so it runs after a burst of work, not per allocation.
pub fn return_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free memory to the system.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_in_use_survives_the_return_of_freed_memory() {
        let kept: Vec<u64> = (0..200_000).collect();
        let freed: Vec<Vec<u8>> = (0..64).map(|i| vec![i as u8; 64 * 1024]).collect();
        drop(freed);
        return_freed_memory();
        assert_eq!(kept.iter().sum::<u64>(), 199_999 * 200_000 / 2);
    }
}
