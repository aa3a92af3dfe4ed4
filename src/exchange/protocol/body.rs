//! The body of an exchange message: the strict JSON each message signs, the
//! fields each kind may carry, and the nonce encoding.

use serde::{Deserialize, Serialize};

use crate::error::{Error, ExchangeError, ExchangeKind, PartyRole};

/// The exchange protocol versions we speak.
pub const EXCHANGE_VERSIONS: &[u32] = &[2, 3];
/// Nonce length in bytes.
pub const NONCE_LEN: usize = 32;
/// Largest exchange message accepted, in bytes.
pub const MAX_EXCHANGE_MESSAGE: usize = 64 * 1024;

/// Who a message is for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Addressee {
    pub(super) role: PartyRole,
    pub(super) party_id: String,
    pub(super) key: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ExchangeBody {
    pub(super) version: u32,
    pub(super) kind: ExchangeKind,
    pub(super) role: PartyRole,
    pub(super) party_id: String,
    pub(super) key: String,
    pub(super) nonce: String,
    pub(super) peer_nonce: Option<String>,
    pub(super) offer_nonce: Option<String>,
    pub(super) to: Option<Addressee>,
    pub(super) timestamp: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) encryption_chain: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) challenge: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) challenge_response: Option<String>,
}

impl ExchangeBody {
    /// Whether the body uses a field of version 3.
    pub(super) fn has_v3_fields(&self) -> bool {
        self.encryption_chain.is_some()
            || self.challenge.is_some()
            || self.challenge_response.is_some()
    }

    /// Checks that the body carries exactly the optional fields its kind
    /// allows: the offer's nonce only in a confirm, a challenge in an answer or
    /// a confirm, a response in a confirm or a finish.
    pub(super) fn check_kind_fields(&self) -> Result<(), Error> {
        use ExchangeKind::{Answer, Confirm, Finish};
        let offer_nonce = matches!(self.kind, Confirm);
        let challenge = matches!(self.kind, Answer | Confirm);
        let response = matches!(self.kind, Confirm | Finish);
        let misplaced = |field| Err(ExchangeError::BadNonce { field }.into());
        if self.offer_nonce.is_some() != offer_nonce {
            return misplaced("offer_nonce");
        }
        if self.challenge.is_some() && !challenge {
            return misplaced("challenge");
        }
        if self.challenge_response.is_some() && !response {
            return misplaced("challenge_response");
        }
        Ok(())
    }
}

/// Lower-case hex of `bytes`.
pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Parses a nonce written as 64 hex digits; `field` names it in the error.
pub(super) fn parse_nonce(text: &str, field: &'static str) -> Result<[u8; NONCE_LEN], Error> {
    let bad = || ExchangeError::BadNonce { field };
    if text.len() != NONCE_LEN * 2 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad().into());
    }
    let mut out = [0u8; NONCE_LEN];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
    }
    Ok(out)
}
