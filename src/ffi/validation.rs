//! Issue-request validation: [`fapiao_request_validate`].

use super::boundary::{Failure, Out, bytes_arg, guard};
use super::bytes::fapiao_bytes;
use super::result::fapiao_result::{self, FAPIAO_INTERNAL, FAPIAO_INVALID_ARGUMENT};
use crate::error::Error;
use crate::invoice::{IssueRequest, ValidationPolicy};

/// Flags for `fapiao_request_validate`, or-ed together into its `flags`.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum fapiao_validate_flags {
    /// Accept legacy 15-, 17- and 20-character buyer tax ids (sellers always need
    /// a unified social credit code).
    FAPIAO_VALIDATE_LENIENT_BUYER_TAX_IDS = 1,
}

const LENIENT: u32 = fapiao_validate_flags::FAPIAO_VALIDATE_LENIENT_BUYER_TAX_IDS as u32;

/// Reads an issue request (strict, versioned JSON) and checks every rule of the
/// interface protocol and of the order.
///
/// `FAPIAO_OK` means the request was read and checked: `*violation_count` is 0
/// when it is valid, and `*violations` receives a JSON array of every broken
/// rule (`[]` when valid), each `{"path": "lines[0].tax_amount_fen", "code":
/// "TAX_MISMATCH", "message": "expected 600.00 ±0.06, got 601.00"}`, to free with
/// `fapiao_bytes_free`. A request that cannot be read at all gives
/// `FAPIAO_INVOICE_JSON_INVALID` (unknown or missing field, wrong type, not
/// JSON) or `FAPIAO_INVOICE_UNSUPPORTED_VERSION`, with serde's line and column in
/// the last error detail; then nothing is written.
///
/// `flags` is 0 or `FAPIAO_VALIDATE_LENIENT_BUYER_TAX_IDS`; other bits give
/// `FAPIAO_INVALID_ARGUMENT`.
///
/// # Safety
///
/// `json` must be NULL or point at `json_len` readable bytes; `violations` and
/// `violation_count` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_request_validate(
    json: *const u8,
    json_len: usize,
    flags: u32,
    violations: *mut *mut fapiao_bytes,
    violation_count: *mut usize,
) -> fapiao_result {
    guard("fapiao_request_validate", || {
        // SAFETY: the caller guarantees the bytes and the outputs.
        let (json, violations, violation_count) = unsafe {
            (
                bytes_arg(json, json_len, "json")?,
                Out::new(violations, "violations")?,
                Out::new(violation_count, "violation_count")?,
            )
        };
        if flags & !LENIENT != 0 {
            return Err(Failure::new(
                FAPIAO_INVALID_ARGUMENT,
                format!("unknown validation flags {flags:#x}"),
            ));
        }
        let policy = ValidationPolicy::with_lenient_buyer_tax_ids(flags & LENIENT != 0);
        let request = IssueRequest::from_json(json).map_err(Error::from)?;
        let (json, count) = match request.validate(&policy) {
            Ok(_) => (b"[]".to_vec(), 0),
            Err(found) => (
                serde_json::to_vec(&found)
                    .map_err(|e| Failure::new(FAPIAO_INTERNAL, e.to_string()))?,
                found.len(),
            ),
        };
        violations.write(fapiao_bytes::into_handle(json));
        violation_count.write(count);
        Ok(())
    })
}
