//! The Chinese national (GM, 国密) algorithms in pure Rust: SM3 hashing, SM2
//! signatures and public-key encryption, SM4 in CBC and GCM modes, and SM2 key
//! loading. Built with the `gm` feature (on by default) under either crypto
//! provider: neither aws-lc-rs nor ring implements them.
//!
//! docs/gm-algorithms.md says which crates do the work, why, and how constant
//! time was checked.

mod keys;
mod signing_key;
mod sm2_encrypt;
mod sm2_sign;
mod sm3;
mod sm4;
mod sm4_modes;
mod sm4_sbox;

pub use keys::{Sm2PrivateKey, Sm2PublicKey};
pub use signing_key::Sm2SigningKey;
pub use sm2_sign::DEFAULT_SM2_ID;
pub use sm3::{SM3_OUTPUT_LEN, Sm3, sm3};
pub use sm4::{SM4_BLOCK_LEN, SM4_KEY_LEN, Sm4};
pub use sm4_modes::{SM4_GCM_NONCE_LEN, SM4_GCM_TAG_LEN};
