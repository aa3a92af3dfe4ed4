//! Every limit on a size an attacker controls (docs/limits.md lists them), tested
//! just past the limit: a typed error naming the limit, and, measured by a
//! counting allocator on the calling thread, no allocation in proportion to the
//! input before it (under [`SMALL`] bytes where the input is megabytes).
//!
//! The allocator and the hand-made DER are here; the tests, area by area, are in
//! tests/envelope/limits/.

use crate::common;

#[path = "limits/envelopes.rs"]
mod envelopes;
#[path = "limits/exchange.rs"]
mod exchange;
#[path = "limits/json.rs"]
mod json;
#[path = "limits/pki.rs"]
mod pki;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use common::*;
use der::asn1::ObjectIdentifier;

const NOW: u64 = TEST_TIME;

/// "No large allocation": well under the megabytes of the inputs below.
const SMALL: usize = 64 * 1024;

// ---- a counting allocator: bytes allocated by the current thread ----------

struct Counting;

thread_local! {
    static ALLOCATED: Cell<usize> = const { Cell::new(0) };
}

fn count(bytes: usize) {
    // `try_with`: the thread-local may already be gone while a thread exits.
    let _ = ALLOCATED.try_with(|a| a.set(a.get().saturating_add(bytes)));
}

// SAFETY: every method forwards to the system allocator with the caller's
// arguments unchanged; counting touches only a const-initialised thread-local
// `Cell<usize>`, which never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract for `layout`.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size);
        // SAFETY: `ptr` was allocated by this allocator (hence by `System`) with
        // `layout`, as the caller guarantees.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as for `realloc`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Runs `f` and returns its result with the bytes it allocated on this thread.
fn allocated_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = ALLOCATED.with(Cell::get);
    let out = f();
    (out, ALLOCATED.with(Cell::get) - before)
}

// ---- DER by hand ------------------------------------------------------------

fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = body.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(body);
    out
}

fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

fn oid(text: &str) -> Vec<u8> {
    tlv(0x06, ObjectIdentifier::new_unwrap(text).as_bytes())
}
