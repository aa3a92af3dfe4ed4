//! The calling thread's CPU time, for the benches that report it next to wall
//! time (everything a measured iteration does runs on the bench thread).

use std::time::Duration;

/// CPU time (user and system) of the calling thread so far
/// (`CLOCK_THREAD_CPUTIME_ID`): what the work cost the core, without the time
/// spent waiting (for a disk's sync, say).
pub fn thread_cpu_now() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant that
    // Linux supports for the calling thread.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}
