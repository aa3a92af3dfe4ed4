//! Secure random numbers from ring's `SystemRandom`, and an adapter that lets the
//! RustCrypto crates (`rsa`) draw from the same generator.

use core::fmt;

use ring::rand::{SecureRandom as _, SystemRandom};
use rsa::rand_core::{TryCryptoRng, TryRng};

use super::Portable;
use crate::crypto::SecureRandom;
use crate::error::{CryptoError, Error};

impl SecureRandom for Portable {
    fn fill(&self, dest: &mut [u8]) -> Result<(), Error> {
        fill(dest)
    }
}

/// Fills `dest` from the operating system's generator (through ring).
pub(super) fn fill(dest: &mut [u8]) -> Result<(), Error> {
    SystemRandom::new()
        .fill(dest)
        .map_err(|_| CryptoError::RandomFailed.into())
}

/// ring's `SystemRandom` as a `rand_core` 0.10 generator, for the `rsa` crate's
/// OAEP padding and blinding. Keeps the dependency tree free of a second
/// `getrandom`.
#[derive(Debug, Default)]
pub(super) struct RingRng;

/// The generator failed (ring's `Unspecified`).
#[derive(Debug)]
pub(super) struct RngFailed;

impl fmt::Display for RngFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the system random number generator failed")
    }
}

impl core::error::Error for RngFailed {}

impl TryRng for RingRng {
    type Error = RngFailed;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        let mut bytes = [0u8; 4];
        self.try_fill_bytes(&mut bytes)?;
        Ok(u32::from_le_bytes(bytes))
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let mut bytes = [0u8; 8];
        self.try_fill_bytes(&mut bytes)?;
        Ok(u64::from_le_bytes(bytes))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        SystemRandom::new().fill(dst).map_err(|_| RngFailed)
    }
}

impl TryCryptoRng for RingRng {}
