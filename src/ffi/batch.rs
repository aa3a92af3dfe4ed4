//! Group commit from C: a batch of envelopes handled (service platform) or
//! answers stored (cloud platform) with one commit, as
//! [`ServicePlatform::handle_batch`](crate::platform::ServicePlatform::handle_batch)
//! and [`CloudPlatform::open_responses`](crate::platform::CloudPlatform::open_responses).
//!
//! The batch comes in as an array of [`fapiao_message`]; each message's outcome
//! goes out in two parallel arrays the caller provides: its result code and,
//! on `FAPIAO_OK`, its handle (NULL otherwise).

use core::ptr;

use super::boundary::{Failure, bytes_arg, guard, resolve_now};
use super::bytes::fapiao_bytes;
use super::handle::{self, Handle};
use super::last_error;
use super::platform::{fapiao_cloud_platform, fapiao_service_platform};
use super::response::fapiao_issue_response;
use super::result::fapiao_result::{self, *};

/// The most messages one batch call takes (`FAPIAO_INVALID_ARGUMENT` beyond).
/// The header states the number in the functions' documentation (cbindgen
/// exports no constants).
pub const FAPIAO_MAX_BATCH: usize = 1024;

/// One message of a batch: `len` bytes at `data` (`data` may be NULL when `len`
/// is 0). The bytes are only read during the call.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct fapiao_message {
    /// The message's first byte.
    pub data: *const u8,
    /// Its length in bytes.
    pub len: usize,
}

/// Handles `count` envelopes (as `fapiao_service_platform_handle` does each)
/// with one commit: each message's state changes run in a savepoint of one
/// transaction, so a message that fails leaves nothing of itself and the others
/// go on, and the answers are sealed after the commit (none leaves before what
/// it says is durable). A host with many requests waiting hands them over
/// together and pays for one commit (one WAL sync) instead of `count`.
///
/// At most 1024 messages per call (`FAPIAO_INVALID_ARGUMENT` beyond, nothing
/// read or written). On `FAPIAO_OK` (the batch committed), for every `i`:
/// `results[i]` is the message's own result (`FAPIAO_OK`, or the code `fapiao_service_platform_handle`
/// would have returned, e.g. `FAPIAO_REPLAY` for the same envelope twice in the
/// batch; `fapiao_batch_error_detail(i, ...)` gives its full reason until this
/// thread's next batch call) and `answers[i]` its sealed answer (to
/// free with `fapiao_bytes_free`), NULL when it failed. On any other return
/// (bad arguments, or the commit failed and nothing of the batch was recorded:
/// every envelope may be handled again), `answers[i]` is NULL and `results[i]`
/// that code for every `i`, when the arrays can be written.
///
/// # Safety
///
/// `platform` must not be freed by another thread during the call; `messages`
/// must be NULL or point at `count` readable `fapiao_message`s whose `data`
/// point at `len` readable bytes each; `answers` and `results` NULL or pointing
/// at `count` writable elements each.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_service_platform_handle_batch(
    platform: *const fapiao_service_platform,
    messages: *const fapiao_message,
    count: usize,
    now: u64,
    answers: *mut *mut fapiao_bytes,
    results: *mut fapiao_result,
) -> fapiao_result {
    // SAFETY: forwarded from the caller.
    unsafe {
        run_batch(
            "fapiao_service_platform_handle_batch",
            platform,
            messages,
            count,
            answers,
            results,
            |platform, envelopes| {
                let answers = platform.inner.handle_batch(envelopes, resolve_now(now)?)?;
                Ok(answers
                    .into_iter()
                    .map(|answer| answer.map(fapiao_bytes::into_handle).map_err(Failure::from))
                    .collect())
            },
        )
    }
}

/// Opens and stores `count` answers of the service platform (as
/// `fapiao_cloud_platform_open_response` does each) with one commit: each in a
/// savepoint of one transaction, so one that fails leaves nothing of itself and
/// the others go on.
///
/// At most 1024 answers per call. On `FAPIAO_OK` (the batch committed), for
/// every `i`: `results[i]` is the answer's own result (its full reason:
/// `fapiao_batch_error_detail(i, ...)`) and `responses[i]` its response (read it with the
/// `fapiao_issue_response_*` functions, free it with
/// `fapiao_issue_response_free`), NULL when it failed. On any other return (bad
/// arguments, or the commit failed and nothing was stored), `responses[i]` is
/// NULL and `results[i]` that code for every `i`, when the arrays can be
/// written.
///
/// # Safety
///
/// As for `fapiao_service_platform_handle_batch`, with `responses` in place of
/// `answers`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_cloud_platform_open_responses(
    platform: *const fapiao_cloud_platform,
    messages: *const fapiao_message,
    count: usize,
    now: u64,
    responses: *mut *mut fapiao_issue_response,
    results: *mut fapiao_result,
) -> fapiao_result {
    // SAFETY: forwarded from the caller.
    unsafe {
        run_batch(
            "fapiao_cloud_platform_open_responses",
            platform,
            messages,
            count,
            responses,
            results,
            |platform, envelopes| {
                let opened = platform
                    .inner
                    .open_responses(envelopes, resolve_now(now)?)?;
                Ok(opened
                    .into_iter()
                    .map(|response| {
                        response
                            .map_err(Failure::from)
                            .and_then(fapiao_issue_response::into_handle)
                    })
                    .collect())
            },
        )
    }
}

/// What both batch calls do around their platform's batch function: check the
/// count and the output arrays, borrow the platform and the messages, run
/// `batch` (its `Err` fails the call), write each message's outcome in place,
/// and on a failed call fill the arrays with its code.
///
/// # Safety
///
/// As for the exports: `platform` a live handle for the call, `messages` NULL or
/// `count` readable messages (each pointing at its bytes), `handles` and
/// `results` NULL or `count` writable elements each.
unsafe fn run_batch<P: Handle, T>(
    function: &str,
    platform: *const P,
    messages: *const fapiao_message,
    count: usize,
    handles: *mut *mut T,
    results: *mut fapiao_result,
    batch: impl FnOnce(&P, &[&[u8]]) -> Result<Vec<Result<*mut T, Failure>>, Failure>,
) -> fapiao_result {
    // SAFETY: forwarded from the caller.
    let outputs = unsafe { Outputs::new(handles, results, count) };
    let mut details = Vec::new();
    let rc = guard(function, || {
        check_count(count)?;
        let outputs = outputs.as_ref().ok_or_else(missing_outputs)?;
        // SAFETY: the caller guarantees the handle and the messages.
        let (platform, envelopes) = unsafe {
            (
                handle::borrow(platform, "platform")?,
                messages_arg(messages, count)?,
            )
        };
        for (i, outcome) in batch(platform, &envelopes)?.into_iter().enumerate() {
            details.push(match &outcome {
                Ok(_) => String::new(),
                Err(failure) => format!("{function}: messages[{i}]: {}", failure.detail),
            });
            outputs.write(i, outcome.map_err(|failure| failure.code));
        }
        Ok(())
    });
    if rc != FAPIAO_OK {
        // Every message fails with the call: its code in each result, and its
        // detail for each (none when the arrays could not be written).
        details = Vec::new();
        if let Some(outputs) = outputs {
            outputs.fail_all(rc);
            details = vec![last_error::get(); count];
        }
    }
    last_error::set_batch(details);
    rc
}

fn missing_outputs() -> Failure {
    Failure::new(
        FAPIAO_NULL_ARGUMENT,
        "argument `answers`/`responses` or `results` is NULL",
    )
}

/// At most [`FAPIAO_MAX_BATCH`] messages.
fn check_count(count: usize) -> Result<(), Failure> {
    if count > FAPIAO_MAX_BATCH {
        return Err(Failure::new(
            FAPIAO_INVALID_ARGUMENT,
            format!("argument `count`: {count} messages, at most {FAPIAO_MAX_BATCH} per batch"),
        ));
    }
    Ok(())
}

/// The batch's messages as slices.
///
/// # Safety
///
/// `messages` NULL or pointing at `count` readable messages, each pointing at
/// its `len` readable bytes, valid for `'a`.
unsafe fn messages_arg<'a>(
    messages: *const fapiao_message,
    count: usize,
) -> Result<Vec<&'a [u8]>, Failure> {
    check_count(count)?;
    if count == 0 {
        return Ok(Vec::new());
    }
    if messages.is_null() {
        return Err(Failure::null("messages"));
    }
    // SAFETY: not NULL, and the caller guarantees `count` readable messages;
    // `count` is small, so the slice's size fits in isize.
    let messages = unsafe { core::slice::from_raw_parts(messages, count) };
    messages
        .iter()
        .enumerate()
        // SAFETY: the caller guarantees each message's bytes.
        .map(|(i, m)| unsafe { bytes_arg(m.data, m.len, &format!("messages[{i}]")) })
        .collect()
}

/// The two output arrays of a batch call: one handle and one result per message.
struct Outputs<T> {
    handles: *mut *mut T,
    results: *mut fapiao_result,
    count: usize,
}

impl<T> Outputs<T> {
    /// `None` when an array is NULL (with messages to report) or `count` is
    /// beyond [`FAPIAO_MAX_BATCH`]: then no element is ever written.
    ///
    /// # Safety
    ///
    /// Each pointer NULL or pointing at `count` writable elements for as long as
    /// the `Outputs` is used.
    unsafe fn new(handles: *mut *mut T, results: *mut fapiao_result, count: usize) -> Option<Self> {
        let usable = count == 0 || (!handles.is_null() && !results.is_null());
        (usable && count <= FAPIAO_MAX_BATCH).then_some(Self {
            handles,
            results,
            count,
        })
    }

    /// Writes message `i`'s outcome.
    fn write(&self, i: usize, outcome: Result<*mut T, fapiao_result>) {
        if i >= self.count {
            return;
        }
        let (handle, result) = match outcome {
            Ok(handle) => (handle, FAPIAO_OK),
            Err(code) => (ptr::null_mut(), code),
        };
        // SAFETY: `new`'s contract: both arrays hold `count` writable elements,
        // and `i < count`.
        unsafe {
            self.handles.add(i).write(handle);
            self.results.add(i).write(result);
        }
    }

    /// Writes `code` and NULL for every message, freeing nothing: called only
    /// when no handle was handed out.
    fn fail_all(&self, code: fapiao_result) {
        for i in 0..self.count {
            self.write(i, Err(code));
        }
    }
}
