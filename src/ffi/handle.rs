//! Opaque handles and the registry of live ones.
//!
//! A handle is a `Box<T>` leaked to C. Every handle this library hands out is
//! recorded, with its type, in a process-wide registry until its `_free`; a
//! pointer is dereferenced only after the registry says it is a live handle of
//! the expected type. So a double free, a use after free, a pointer of another
//! handle type or a pointer that never came from fapiao is refused with
//! `FAPIAO_INVALID_HANDLE` instead of corrupting memory. (The one case it cannot
//! tell: a freed address the allocator has reused for a new handle of the same
//! type is taken as that new handle.)

use core::any::TypeId;
use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use super::boundary::Failure;
use super::result::fapiao_result::FAPIAO_INVALID_HANDLE;

/// A type handed to C behind an opaque pointer.
pub(crate) trait Handle: Sized + 'static {
    /// The C type name, for error details.
    const NAME: &'static str;
}

static LIVE: Mutex<BTreeMap<usize, TypeId>> = Mutex::new(BTreeMap::new());

fn live() -> MutexGuard<'static, BTreeMap<usize, TypeId>> {
    // The map stays consistent even if a thread panicked while holding the lock
    // (every operation on it is a single insert, lookup or remove).
    LIVE.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn not_live<T: Handle>(name: &str) -> Failure {
    Failure::new(
        FAPIAO_INVALID_HANDLE,
        format!(
            "argument `{name}` is not a live {}: already freed, not made by fapiao, or a handle of another type",
            T::NAME
        ),
    )
}

fn check_live<T: Handle>(address: usize, name: &str) -> Result<(), Failure> {
    match live().get(&address) {
        Some(kind) if *kind == TypeId::of::<T>() => Ok(()),
        _ => Err(not_live::<T>(name)),
    }
}

/// Moves `value` to the heap and registers it; the pointer goes to C.
pub(crate) fn into_handle<T: Handle>(value: T) -> *mut T {
    let ptr = Box::into_raw(Box::new(value));
    live().insert(ptr as usize, TypeId::of::<T>());
    ptr
}

/// Borrows the handle `ptr` (argument `name`).
///
/// # Safety
///
/// No other thread may free or mutate the handle while the borrow lives.
pub(crate) unsafe fn borrow<'a, T: Handle>(ptr: *const T, name: &str) -> Result<&'a T, Failure> {
    if ptr.is_null() {
        return Err(Failure::null(name));
    }
    check_live::<T>(ptr as usize, name)?;
    // SAFETY: the registry holds exactly the addresses of the boxes `into_handle`
    // leaked and no `free` has reclaimed, with their types: `ptr` points at a
    // live, initialized T. The caller guarantees no concurrent free or mutation.
    Ok(unsafe { &*ptr })
}

/// Borrows the handle `ptr` (argument `name`) mutably.
///
/// # Safety
///
/// No other thread, and no other argument of the same call, may use the handle
/// while the borrow lives.
pub(crate) unsafe fn borrow_mut<'a, T: Handle>(
    ptr: *mut T,
    name: &str,
) -> Result<&'a mut T, Failure> {
    if ptr.is_null() {
        return Err(Failure::null(name));
    }
    check_live::<T>(ptr as usize, name)?;
    // SAFETY: as in `borrow`, `ptr` points at a live T; the caller guarantees the
    // borrow is exclusive.
    Ok(unsafe { &mut *ptr })
}

/// Unregisters and drops the handle `ptr`; NULL does nothing.
///
/// # Safety
///
/// No other thread may use the handle during or after this call.
pub(crate) unsafe fn free<T: Handle>(ptr: *mut T, name: &str) -> Result<(), Failure> {
    if ptr.is_null() {
        return Ok(());
    }
    {
        let mut live = live();
        match live.get(&(ptr as usize)) {
            Some(kind) if *kind == TypeId::of::<T>() => {
                live.remove(&(ptr as usize));
            }
            _ => return Err(not_live::<T>(name)),
        }
    }
    // SAFETY: the address was registered by `into_handle` as a Box<T> and has
    // just been unregistered, so this is the one and only reclaim of that box.
    drop(unsafe { Box::from_raw(ptr) });
    Ok(())
}
