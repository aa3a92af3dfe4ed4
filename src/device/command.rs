//! [`ControlCommand`]: what the service platform sends an issuing device.

use serde::{Deserialize, Serialize};

use super::canonical;
use super::is_identifier;
use crate::crypto::{CryptoProvider, HashAlgorithm};
use crate::error::DeviceFailure;
use crate::invoice::{
    InvoiceError, IssueRequest, ProtocolVersion, UnifiedSocialCreditCode, ValidatedRequest,
    ValidationPolicy,
};

/// A control command (控制指令): issue the invoice a validated request describes,
/// before a deadline.
///
/// The command id is the device's idempotency key: the same command sent twice
/// gives the same invoice, never a second number. Derive it from what identifies
/// the request (e.g. the seller's tax id and the request serial number) so that a
/// retry after a crash finds the first attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ControlCommand {
    command_id: String,
    request: ValidatedRequest,
    deadline_unix: u64,
}

/// The command as it travels (to an enterprise's front-end service): strict,
/// versioned JSON; the request is validated again when read.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireCommand {
    version: ProtocolVersion,
    command_id: String,
    deadline_unix: u64,
    request: IssueRequest,
}

impl ControlCommand {
    /// What error messages call this message.
    pub const WHAT: &'static str = "control command";

    /// A command. The id is 1 to 128 of `A-Z a-z 0-9 _ - . :`.
    pub fn new(
        command_id: impl Into<String>,
        request: ValidatedRequest,
        deadline_unix: u64,
    ) -> Result<Self, DeviceFailure> {
        let command_id = command_id.into();
        if !is_identifier(&command_id, 128) {
            return Err(DeviceFailure::InvalidCommand {
                problem: "the command id must be 1 to 128 of A-Z a-z 0-9 _ - . :",
            });
        }
        Ok(Self {
            command_id,
            request,
            deadline_unix,
        })
    }

    /// The command id: the device's idempotency key.
    pub fn command_id(&self) -> &str {
        &self.command_id
    }

    /// The validated request to issue.
    pub fn request(&self) -> &ValidatedRequest {
        &self.request
    }

    /// The enterprise issuing: the request's seller.
    pub fn enterprise(&self) -> &UnifiedSocialCreditCode {
        self.request.seller_tax_id()
    }

    /// The time after which the device must not start issuing (UNIX seconds).
    pub fn deadline_unix(&self) -> u64 {
        self.deadline_unix
    }

    fn wire(&self) -> WireCommand {
        WireCommand {
            version: ProtocolVersion::default(),
            command_id: self.command_id.clone(),
            deadline_unix: self.deadline_unix,
            request: self.request.request().clone(),
        }
    }

    /// Writes the command as JSON, for sealing to a front-end service.
    pub fn to_json(&self) -> Result<Vec<u8>, crate::Error> {
        serde_json::to_vec(&self.wire()).map_err(|source| {
            InvoiceError::Json {
                what: Self::WHAT,
                source,
            }
            .into()
        })
    }

    /// Reads only the request a command's JSON carries, strictly but without
    /// validating it again: for the service platform, to hold what a front end
    /// reports against the command it queued.
    pub fn request_in(json: &[u8]) -> Result<IssueRequest, crate::Error> {
        Ok(Self::wire_from_json(json)?.request)
    }

    /// Reads only the deadline (UNIX seconds) a command's JSON carries, strictly
    /// but without validating its request again.
    pub fn deadline_in(json: &[u8]) -> Result<u64, crate::Error> {
        Ok(Self::wire_from_json(json)?.deadline_unix)
    }

    fn wire_from_json(json: &[u8]) -> Result<WireCommand, InvoiceError> {
        serde_json::from_slice(json).map_err(|source| InvoiceError::Json {
            what: Self::WHAT,
            source,
        })
    }

    /// Reads a command from JSON: unknown fields are refused and the request is
    /// validated again with `policy`.
    pub fn from_json(json: &[u8], policy: &ValidationPolicy) -> Result<Self, crate::Error> {
        let wire = Self::wire_from_json(json)?;
        let request = wire
            .request
            .validate(policy)
            .map_err(InvoiceError::Invalid)?;
        Ok(Self::new(wire.command_id, request, wire.deadline_unix)?)
    }

    /// SHA-256 of the canonical JSON of the command id and the request (not the
    /// deadline, which a retry may renew): what tells a retry of this command from
    /// another command that reuses its id.
    pub fn digest(&self, provider: &CryptoProvider) -> Result<[u8; 32], DeviceFailure> {
        let request = canonical::to_vec(self.request.request()).map_err(DeviceFailure::Encoding)?;
        self.digest_with(provider, &request)
    }

    /// [`digest`](Self::digest), given the request's canonical JSON
    /// (`canonical::to_vec(request)`), which a device also hashes for the check
    /// code: the request is encoded once.
    ///
    /// The hashed bytes are the canonical JSON of
    /// `{"command_id": <id>, "request": <request>}`: members in name order, no
    /// whitespace, so the request's own canonical bytes appear in it unchanged
    /// (the tests compare it with encoding the whole object).
    pub(crate) fn digest_with(
        &self,
        provider: &CryptoProvider,
        canonical_request: &[u8],
    ) -> Result<[u8; 32], DeviceFailure> {
        let id = canonical::to_vec(&self.command_id).map_err(DeviceFailure::Encoding)?;
        let mut hash = provider.hasher.start(HashAlgorithm::Sha256);
        hash.update(b"{\"command_id\":");
        hash.update(&id);
        hash.update(b",\"request\":");
        hash.update(canonical_request);
        hash.update(b"}");
        let mut out = [0u8; 32];
        out.copy_from_slice(hash.finish().as_ref());
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::invoice::ValidationPolicy;

    fn request() -> ValidatedRequest {
        let json = include_bytes!("../../examples/requests/valid-blue.json");
        IssueRequest::from_json(json)
            .unwrap()
            .validate(&ValidationPolicy::default())
            .unwrap()
    }

    /// The digest as first defined: the canonical JSON of the whole object.
    fn reference_digest(command: &ControlCommand, provider: &CryptoProvider) -> [u8; 32] {
        #[derive(Serialize)]
        struct Identity<'a> {
            command_id: &'a str,
            request: &'a IssueRequest,
        }
        let json = canonical::to_vec(&Identity {
            command_id: command.command_id(),
            request: command.request().request(),
        })
        .unwrap();
        let mut out = [0u8; 32];
        out.copy_from_slice(provider.hasher.hash(HashAlgorithm::Sha256, &json).as_ref());
        out
    }

    #[test]
    fn the_digest_from_the_request_bytes_is_the_digest_of_the_whole_object() {
        let provider = CryptoProvider::default_provider();
        for id in ["91440101MA5CJQ4N59:P-1", "a", "x.y_z-0:9"] {
            let command = ControlCommand::new(id, request(), 1_800_000_000).unwrap();
            let expected = reference_digest(&command, provider);
            assert_eq!(command.digest(provider).unwrap(), expected, "{id:?}");
            let bytes = canonical::to_vec(command.request().request()).unwrap();
            assert_eq!(command.digest_with(provider, &bytes).unwrap(), expected);
        }
    }
}
