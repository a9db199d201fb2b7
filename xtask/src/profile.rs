//! The two cargo profiles xtask builds shipped programs in: the Linux package's and the Windows
//! programs' builds take one of them.

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// Quick to build: what the tests run, and what `cargo xtask test`'s packages wrap (a
    /// release build, fat LTO and one codegen unit, takes about ten minutes from cold and would
    /// be the test run's slowest step; the release binaries are measured by the benchmarks).
    Dev,
    /// What ships: `cargo xtask package` (and `--windows`).
    Release,
}

impl Profile {
    /// Its folder under the target directory (and the target triple's folder).
    pub fn folder(self) -> &'static str {
        match self {
            Profile::Dev => "debug",
            Profile::Release => "release",
        }
    }

    /// What `cargo build` needs to build in it.
    pub fn cargo_flags(self) -> &'static [&'static str] {
        match self {
            Profile::Dev => &[],
            Profile::Release => &["--release"],
        }
    }
}
