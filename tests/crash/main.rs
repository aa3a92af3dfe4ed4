//! Crash safety: each parent test re-runs this binary as a child working on a
//! database (`crash_support`), kills it with SIGKILL and checks what survived.
//! In one binary of their own: the children run one test each by its full name.

#[path = "../crash_support/mod.rs"]
mod crash_support;
#[path = "../issuing_support/mod.rs"]
mod issuing_support;
#[path = "../platform_support/mod.rs"]
mod platform_support;

mod cloud_journal_crash;
mod crash_safety;
mod platform_crash;
