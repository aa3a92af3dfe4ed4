//! Peak heap while opening a 1 MiB envelope (at most 4x the
//! payload), measured with a counting global allocator.
//!
//! What counts: every byte the Rust side allocates through the global allocator
//! between the start and the end of `Opener::open`, including the returned
//! payload, minus what was live before (the envelope itself, keys, the opener). A
//! `realloc` counts as "new block allocated, then old block freed", the worst
//! case of a copying reallocation. Allocations that aws-lc makes in C
//! (`OPENSSL_malloc`: small key and cipher contexts) are not seen; the buffers
//! that scale with the payload are all Rust `Vec`s.
//!
//! One test in this binary, so no other test allocates concurrently.
#![allow(unsafe_code)]

#[path = "../common/mod.rs"]
mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use common::*;
use fapiao::envelope::{self, MemoryReplayGuard, Opener};

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(bytes: usize) {
    let now = CURRENT.fetch_add(bytes, Ordering::SeqCst) + bytes;
    PEAK.fetch_max(now, Ordering::SeqCst);
}

fn shrank(bytes: usize) {
    CURRENT.fetch_sub(bytes, Ordering::SeqCst);
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged
// and only updates counters, so `System`'s guarantees carry over.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is; the caller upholds `alloc`'s contract.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is; the caller upholds `alloc_zeroed`'s contract.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded as is; `ptr` came from this allocator with `layout`.
        unsafe { System.dealloc(ptr, layout) };
        shrank(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // Counted as a copying realloc: the new block exists before the old one
        // is released.
        grew(new_size);
        // SAFETY: forwarded as is; the caller upholds `realloc`'s contract.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if new.is_null() {
            shrank(new_size);
        } else {
            shrank(layout.size());
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Bytes of peak heap above the live heap at the start of `f`.
fn peak_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let baseline = CURRENT.load(Ordering::SeqCst);
    PEAK.store(baseline, Ordering::SeqCst);
    let out = f();
    (out, PEAK.load(Ordering::SeqCst) - baseline)
}

#[test]
fn opening_a_1_mib_envelope_peaks_below_4x_the_payload() {
    const PAYLOAD: usize = 1024 * 1024;
    let payload: Vec<u8> = (0..PAYLOAD).map(|i| (i * 31 % 251) as u8).collect();
    let trust_anchor_check = |provider| IssuedByFixtureCa::new(provider);
    for provider in providers() {
        for (sender, receiver) in [("ecp-rsa", "eisp-rsa"), ("ecp-p256", "eisp-p256")] {
            let sender = credentials(sender, provider);
            let receiver_creds = credentials(receiver, provider);
            let sealed = envelope::seal(
                &payload,
                &sender,
                &[receiver_creds.leaf()],
                TEST_TIME,
                provider,
            )
            .unwrap();
            let trust = trust_anchor_check(provider);
            let replay = MemoryReplayGuard::new();
            let opener = Opener::new(&receiver_creds, &trust, &replay, provider);
            let (opened, peak) = peak_during(|| opener.open(&sealed, TEST_TIME).unwrap());
            assert_eq!(opened.payload, payload);
            let ratio = peak as f64 / PAYLOAD as f64;
            println!(
                "{} {receiver}: peak heap while opening a 1 MiB envelope: {peak} bytes = {ratio:.2}x the payload",
                provider.name
            );
            assert!(
                ratio <= 4.0,
                "{} {receiver}: peak {peak} bytes is {ratio:.2}x the payload (limit 4x)",
                provider.name
            );
        }
    }
}
