//! A harness for crash-safety tests: the test binary runs one of its own tests as
//! a child process that works in a loop on a database, kills it with SIGKILL at
//! random moments, and lets the parent check the database after each kill.
//!
//! A test file using it has two tests: a child test that returns at once unless
//! [`child_db`] says this process is a child, and the parent test that calls
//! [`kill_repeatedly`] with the child test's full name ([`test_name`]). No extra
//! binary is built: the child is the test binary itself
//! (`std::env::current_exe`), running that one test alone.
//!
//! The seed of the kill schedule is printed; set `FAPIAO_CRASH_SEED` to replay it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Set in a child's environment: the database it works on.
pub const DB_ENV: &str = "FAPIAO_CRASH_CHILD_DB";
/// Replays a kill schedule.
pub const SEED_ENV: &str = "FAPIAO_CRASH_SEED";

/// The database to work on when this process is a crash child; `None` in a normal
/// test run.
pub fn child_db() -> Option<PathBuf> {
    std::env::var_os(DB_ENV).map(PathBuf::from)
}

/// The full name under which the test harness knows test `test` of the module
/// whose `module_path!()` is `module`: the module path without the crate name.
pub fn test_name(module: &str, test: &str) -> String {
    match module.split_once("::") {
        Some((_crate, path)) => format!("{path}::{test}"),
        None => test.to_owned(),
    }
}

/// A small deterministic generator (SplitMix64) for kill times.
pub struct Rng(u64);

impl Rng {
    /// From a seed.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next number.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `low..=high`.
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.next_u64() % (high - low + 1)
    }
}

/// The seed: `FAPIAO_CRASH_SEED` or the clock.
pub fn seed() -> u64 {
    std::env::var(SEED_ENV)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
        })
}

/// How a round ended.
#[derive(Debug)]
pub struct Round {
    /// Zero-based round number.
    pub index: u32,
    /// How long the child ran before the kill.
    pub ran_for: Duration,
}

/// Runs `child_test` (the full name of a test in this binary, [`test_name`]) as a child process
/// working on `db`, `rounds` times, each time killing it with SIGKILL after a
/// random `window_ms` interval, and calls `after_kill` once the child is dead.
/// A child that exits by itself fails the test, showing its output.
pub fn kill_repeatedly(
    child_test: &str,
    db: &Path,
    rounds: u32,
    window_ms: (u64, u64),
    mut after_kill: impl FnMut(&Round),
) {
    let seed = seed();
    eprintln!("crash schedule seed: {seed} (set {SEED_ENV} to replay)");
    let mut rng = Rng::new(seed);
    let log = db.with_extension("child.log");
    let exe = std::env::current_exe().expect("the test binary's path");
    for index in 0..rounds {
        let wait = Duration::from_millis(rng.between(window_ms.0, window_ms.1));
        let log_file = std::fs::File::create(&log).expect("the child's log");
        let started = Instant::now();
        let mut child = Command::new(&exe)
            .args([child_test, "--exact", "--nocapture", "--test-threads=1"])
            .env(DB_ENV, db)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .expect("the child starts");
        std::thread::sleep(wait);
        if let Some(status) = child.try_wait().expect("the child's status") {
            let output = std::fs::read_to_string(&log).unwrap_or_default();
            panic!("round {index}: the child exited by itself ({status}):\n{output}");
        }
        child.kill().expect("SIGKILL the child");
        child.wait().expect("reap the child");
        after_kill(&Round {
            index,
            ran_for: started.elapsed(),
        });
    }
}
