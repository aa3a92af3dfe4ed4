//! The `portable` provider: pure crates, no C toolchain beyond ring's own build.
//!
//! | primitive | crate |
//! | --- | --- |
//! | secure random | ring (`SystemRandom`, the operating system's generator) |
//! | SHA-256/384/512 | ring (`digest`) |
//! | RSA PKCS#1 v1.5 and PSS, ECDSA P-256/P-384, Ed25519: signing and verification | ring (RSA keys of sizes ring does not load, e.g. 2688 bits, sign with `rsa` 0.10) |
//! | RSA-OAEP-SHA256 encryption | `rsa` 0.10 with `sha2` 0.11 |
//! | RSA-OAEP-SHA256 decryption | `rsa` 0.10's blinded RSADP, EME-OAEP decoding here (ring has no RSA decryption; see `oaep.rs` for why the decoding is ours) |
//! | ECDH P-256, ephemeral (sender) and static (receiver) | `p256` 0.14 (ring has no static-key ECDH) |
//! | AES-256-GCM with a detached tag | `aes-gcm` 0.11 |
//! | AES key wrap (RFC 3394) | implemented here on the `aes` 0.9 block cipher |
//!
//! # Security note: RSA decryption
//!
//! The RustSec advisory database still lists **RUSTSEC-2023-0071** (Marvin: a timing
//! side channel in RSA decryption) against the `rsa` crate as unpatched. rsa 0.10's
//! changelog claims constant-time hardening (crypto-bigint modular exponentiation,
//! blinding, hardening after `draft-irtf-cfrg-rsa-guidance`). We always decrypt with
//! blinding and decode EME-OAEP in constant time, but until the advisory is
//! withdrawn, prefer the default `aws-lc` provider wherever an attacker can submit
//! ciphertexts and time RSA-OAEP decryptions.
//!
//! # Key material
//!
//! `rsa` and `p256` zeroize their private keys on drop, and so do the intermediate
//! buffers this module fills. ring's key pairs (used for signing) do not zeroize their
//! memory on drop: ring has no such facility. No key object prints key material in
//! its `Debug` output.

use crate::crypto::CryptoProvider;
use crate::error::{CryptoError, Error};

mod cipher;
mod ecdh;
mod hash;
mod key_wrap;
mod keys;
mod oaep;
mod rng;
mod rsa_key;
mod verify;

/// The portable provider (ring, rsa, p256, aes-gcm, aes).
pub static PROVIDER: CryptoProvider = CryptoProvider {
    name: "portable",
    random: &Portable,
    hasher: &Portable,
    verifier: &Portable,
    keys: &Portable,
    key_transport: &Portable,
    key_agreement: &Portable,
    content_cipher: &Portable,
    key_wrap: &Portable,
};

/// The portable implementation of every provider trait.
#[derive(Debug)]
struct Portable;

/// The error for a failure that the underlying crate does not explain.
fn failed(operation: &'static str) -> Error {
    CryptoError::ProviderFailed { operation }.into()
}

#[cfg(test)]
mod tests;
