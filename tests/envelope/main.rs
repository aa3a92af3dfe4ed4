//! The envelope and exchange layers: sealing and opening (against OpenSSL too),
//! addressing, legacy CBC, the GM/T 0010 envelopes, the certificate exchange, the bad-input catalogue and
//! the size limits (with a counting allocator on the calling thread).

#[path = "../common/mod.rs"]
mod common;
#[path = "../ffi_support/mod.rs"]
mod ffi_support;
#[path = "../platform_support/mod.rs"]
mod platform_support;

mod addressing;
mod bad_inputs;
mod envelope;
mod envelope_legacy;
mod envelope_openssl;
mod exchange;
mod exchange_dual;
mod gm_envelope;
mod limits;
mod qualification_envelope;
