//! The C API: `include/fapiao.h`, generated from this module by cbindgen.
//!
//! Its conventions (handles and `_free`, result codes and the last error,
//! out-parameters, inputs, time, panics, threads) are written once, in the
//! header's preamble (`header` in `cbindgen.toml`): read them at the top of
//! `include/fapiao.h`. Fallible functions return a [`fapiao_result`], described
//! by [`fapiao_result_message`] and, for the last failure on the calling
//! thread, [`fapiao_last_error_detail`].
//!
//! What is covered: credentials, trust stores, signed messages and envelopes
//! (the ERP's side), the platform roles with their store and software device
//! (for C/C++ platform hosts), and request validation.
//!
//! Rust code should use the Rust API; these functions are public so that they
//! can be tested from Rust (`tests/ffi/ffi.rs`).
#![deny(clippy::undocumented_unsafe_blocks)]
#![allow(non_camel_case_types)]

mod batch;
mod boundary;
mod bytes;
mod callback_device;
mod classify;
mod credentials;
mod device;
mod envelope;
mod exchange;
mod front_end;
mod handle;
mod last_error;
mod maintenance;
mod opened;
mod platform;
mod platform_policy;
mod response;
mod result;
mod signed_message;
mod store;
mod store_engine;
mod tax;
mod token;
mod trust;
mod validation;
mod version;

pub use batch::{
    FAPIAO_MAX_BATCH, fapiao_cloud_platform_open_responses, fapiao_message,
    fapiao_service_platform_handle_batch,
};
pub use bytes::{fapiao_bytes, fapiao_bytes_data, fapiao_bytes_free, fapiao_bytes_len};
pub use callback_device::{
    fapiao_callback_device, fapiao_callback_device_free, fapiao_callback_device_new,
    fapiao_device_answer, fapiao_device_status, fapiao_issue_fn,
};
pub use credentials::{
    fapiao_credentials, fapiao_credentials_certificate, fapiao_credentials_encryption_certificate,
    fapiao_credentials_free, fapiao_credentials_new, fapiao_credentials_subject,
    fapiao_credentials_subject_serial_number, fapiao_credentials_with_encryption,
    fapiao_credentials_with_sm2_id,
};
pub use device::{
    fapiao_software_device, fapiao_software_device_add_segment, fapiao_software_device_free,
    fapiao_software_device_new,
};
pub use envelope::{
    fapiao_inspect, fapiao_opener, fapiao_opener_allow_legacy_cbc, fapiao_opener_free,
    fapiao_opener_new, fapiao_opener_open, fapiao_opener_set_clock_skew, fapiao_opener_set_sm2_id,
    fapiao_opener_sm4_gcm, fapiao_seal, fapiao_seal_sm4_gcm,
};
pub use exchange::{
    fapiao_certificate_match, fapiao_exchange, fapiao_exchange_answer, fapiao_exchange_bind,
    fapiao_exchange_complete, fapiao_exchange_confirm, fapiao_exchange_done,
    fapiao_exchange_endorse, fapiao_exchange_finish, fapiao_exchange_free, fapiao_exchange_new,
    fapiao_exchange_offer,
};
pub use front_end::{
    fapiao_front_end, fapiao_front_end_free, fapiao_front_end_new,
    fapiao_front_end_new_with_callback_device, fapiao_front_end_pull, fapiao_front_end_read_ack,
    fapiao_front_end_report, fapiao_front_end_run_commands,
};
pub use last_error::{fapiao_batch_error_detail, fapiao_last_error_detail};
pub use maintenance::{
    fapiao_cloud_platform_maintain, fapiao_maintenance_report, fapiao_service_platform_maintain,
    fapiao_service_platform_set_outbox_retention,
};
pub use opened::{
    fapiao_opened, fapiao_opened_free, fapiao_opened_message_id, fapiao_opened_payload,
    fapiao_opened_signer_count, fapiao_opened_signer_fingerprint,
    fapiao_opened_signer_serial_number, fapiao_opened_signer_signing_time,
    fapiao_opened_signer_subject,
};
pub use platform::{
    fapiao_cloud_platform, fapiao_cloud_platform_allow_legacy_cbc, fapiao_cloud_platform_free,
    fapiao_cloud_platform_hold_enterprise_credentials, fapiao_cloud_platform_new,
    fapiao_cloud_platform_open_response, fapiao_cloud_platform_query_ticket,
    fapiao_cloud_platform_resend_next, fapiao_cloud_platform_submit,
    fapiao_cloud_platform_submit_unsigned, fapiao_service_platform,
    fapiao_service_platform_allow_legacy_cbc, fapiao_service_platform_expire_commands,
    fapiao_service_platform_free, fapiao_service_platform_handle, fapiao_service_platform_new,
    fapiao_service_platform_new_with_callback_device,
};
pub use platform_policy::{
    fapiao_cloud_platform_require_addressing, fapiao_service_platform_require_addressing,
};
pub use response::{
    fapiao_issue_outcome, fapiao_issue_response, fapiao_issue_response_check_code,
    fapiao_issue_response_failure_code, fapiao_issue_response_free,
    fapiao_issue_response_invoice_number, fapiao_issue_response_json,
    fapiao_issue_response_outcome, fapiao_issue_response_serial_number,
    fapiao_issue_response_ticket, fapiao_issue_response_total_fen,
};
pub use result::{fapiao_result, fapiao_result_message};
pub use signed_message::{
    fapiao_signed_message, fapiao_signed_message_add_signer,
    fapiao_signed_message_add_signer_addressed, fapiao_signed_message_der,
    fapiao_signed_message_encrypt, fapiao_signed_message_free, fapiao_signed_message_from_der,
    fapiao_signed_message_sign, fapiao_signed_message_verify,
};
pub use store::{
    fapiao_party_role, fapiao_store, fapiao_store_add_enterprise, fapiao_store_add_number_segment,
    fapiao_store_free, fapiao_store_open, fapiao_store_open_postgres, fapiao_store_pin_peer,
};
pub use tax::{
    fapiao_drain_report, fapiao_retry_policy, fapiao_retry_policy_default,
    fapiao_service_platform_drain_outbox, fapiao_service_platform_drain_outbox_with_policy,
    fapiao_tax_upload_fn, fapiao_upload_answer, fapiao_upload_status,
};
pub use token::fapiao_credentials_from_token;
pub use trust::{
    fapiao_purpose, fapiao_trust_store, fapiao_trust_store_add_crls, fapiao_trust_store_free,
    fapiao_trust_store_new, fapiao_trust_store_verify,
};
pub use validation::{fapiao_request_validate, fapiao_validate_flags};
pub use version::{fapiao_crypto_provider_name, fapiao_time_parse, fapiao_version};

/// Every handle may be shared between threads (the header says which functions
/// change one): checked at compile time.
const _: () = {
    const fn shareable<T: Send + Sync>() {}
    shareable::<fapiao_bytes>();
    shareable::<fapiao_credentials>();
    shareable::<fapiao_trust_store>();
    shareable::<fapiao_signed_message>();
    shareable::<fapiao_opener>();
    shareable::<fapiao_opened>();
    shareable::<fapiao_store>();
    shareable::<fapiao_software_device>();
    shareable::<fapiao_service_platform>();
    shareable::<fapiao_cloud_platform>();
    shareable::<fapiao_front_end>();
    shareable::<fapiao_exchange>();
    shareable::<fapiao_callback_device>();
    shareable::<fapiao_issue_response>();
};
