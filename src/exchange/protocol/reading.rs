//! Reading one incoming exchange message: size, signatures and chains,
//! version, kind and the fields it may carry, freshness, nonces, addressee,
//! the party's claim, replay; what it establishes about the peer.

use super::ExchangeParty;
use super::body::{
    Addressee, EXCHANGE_VERSIONS, ExchangeBody, MAX_EXCHANGE_MESSAGE, NONCE_LEN, parse_nonce,
};
use crate::envelope::SignedMessage;
use crate::error::{Error, ExchangeError, ExchangeKind, PartyRole};
use crate::exchange::binding::PartyBinder;
use crate::exchange::dual::accept_chain;
use crate::exchange::peer_trust::ExchangeSigners;
use crate::exchange::peers::PeerRecord;
use crate::pki::{Certificate, SpkiFingerprint};

/// What one incoming message established.
pub(super) struct Read {
    pub(super) peer: PeerRecord,
    pub(super) nonce: [u8; NONCE_LEN],
    /// The pinned key of the same party that also signed (a rotation).
    pub(super) endorser: Option<SpkiFingerprint>,
    pub(super) offer_nonce: Option<[u8; NONCE_LEN]>,
    /// The challenge sealed to our encryption certificate, if any.
    pub(super) challenge: Option<String>,
    /// The response to our challenge, if any.
    pub(super) challenge_response: Option<String>,
}

impl ExchangeParty<'_> {
    /// Whether some binder lets `certificate` claim `party_id` in `role`, and the
    /// role's extendedKeyUsage policy holds.
    fn check_claim(
        &self,
        certificate: &Certificate,
        party_id: &str,
        role: PartyRole,
    ) -> Result<(), Error> {
        let mut bound = false;
        if let Some(bindings) = self.bindings {
            bindings.check_role_eku(certificate, role)?;
            bound = bindings.binds(certificate, party_id, role)?;
        }
        for binder in &self.binders {
            if bound {
                break;
            }
            bound = binder.binds(certificate, party_id, role)?;
        }
        if !bound {
            return Err(ExchangeError::ClaimNotBound {
                party_id: party_id.to_owned(),
                role,
                subject: certificate.subject(),
            }
            .into());
        }
        Ok(())
    }

    /// Checks that a message naming its addressee names this side.
    fn check_addressee(&self, to: Option<&Addressee>, required: bool) -> Result<(), Error> {
        match to {
            None if !required => Ok(()),
            None => Err(ExchangeError::NotForUs {
                addressee: "nobody".to_owned(),
            }
            .into()),
            Some(to) => {
                if to.role == self.role
                    && to.party_id == self.party_id
                    && to.key.eq_ignore_ascii_case(&self.own_key().to_hex())
                {
                    Ok(())
                } else {
                    Err(ExchangeError::NotForUs {
                        addressee: format!("{} as {:?}", to.party_id, to.role),
                    }
                    .into())
                }
            }
        }
    }

    /// Reads and checks one incoming message.
    pub(super) fn read(
        &self,
        bytes: &[u8],
        expected: ExchangeKind,
        our_nonce: Option<&[u8; NONCE_LEN]>,
        now: u64,
    ) -> Result<Read, Error> {
        if bytes.len() > MAX_EXCHANGE_MESSAGE {
            return Err(ExchangeError::TooLarge {
                size: bytes.len(),
                max: MAX_EXCHANGE_MESSAGE,
            }
            .into());
        }
        let signed = SignedMessage::from_der_within(bytes.to_vec(), &self.policy)?;
        // Whether the sender offers a separate encryption certificate decides
        // the purposes its signing certificate must serve; the body is read
        // again once verified.
        let dual = serde_json::from_slice::<ExchangeBody>(&signed.content()?)
            .is_ok_and(|b| b.encryption_chain.is_some());
        let (payload, signers) = signed.verify(
            &ExchangeSigners {
                validator: self.validator,
                dual,
            },
            &self.policy,
            now,
            self.provider,
        )?;
        if !(1..=2).contains(&signers.len()) {
            return Err(ExchangeError::SignerCount {
                found: signers.len(),
            }
            .into());
        }
        let body: ExchangeBody =
            serde_json::from_slice(&payload).map_err(|e| ExchangeError::MalformedBody {
                reason: e.to_string(),
            })?;
        if !EXCHANGE_VERSIONS.contains(&body.version) {
            return Err(ExchangeError::UnsupportedVersion {
                found: body.version,
                supported: EXCHANGE_VERSIONS.to_vec(),
            }
            .into());
        }
        if body.version < 3 && body.has_v3_fields() {
            return Err(ExchangeError::MalformedBody {
                reason: "version 3 fields in a version 2 body".to_owned(),
            }
            .into());
        }
        if body.encryption_chain.is_some() != dual {
            return Err(ExchangeError::MalformedBody {
                reason: "the body changed between readings".to_owned(),
            }
            .into());
        }
        if body.kind != expected {
            return Err(ExchangeError::WrongKind {
                expected,
                found: body.kind,
            }
            .into());
        }
        if !self.accepted_roles.contains(&body.role) {
            return Err(ExchangeError::RoleNotAccepted { role: body.role }.into());
        }
        if body.party_id.is_empty() || body.party_id.len() > 64 {
            return Err(ExchangeError::BadPartyId.into());
        }
        // The signer whose key the body claims, and the other one, if any.
        let Some(signer) = signers
            .iter()
            .find(|s| s.spki_fingerprint.to_hex().eq_ignore_ascii_case(&body.key))
        else {
            return Err(ExchangeError::KeyNotSigner.into());
        };
        let endorser = match signers.as_slice() {
            [_] => None,
            [a, b] if a.spki_fingerprint == b.spki_fingerprint => {
                return Err(ExchangeError::SignerCount { found: 2 }.into());
            }
            [a, b] => Some(if a.spki_fingerprint == signer.spki_fingerprint {
                b.spki_fingerprint
            } else {
                a.spki_fingerprint
            }),
            _ => unreachable!("one or two signers, checked above"),
        };
        if body.timestamp.abs_diff(signer.signing_time) > self.policy.clock_skew
            || body.timestamp.abs_diff(now) > self.policy.clock_skew
        {
            return Err(ExchangeError::Stale {
                timestamp: body.timestamp,
                now,
            }
            .into());
        }
        let nonce = parse_nonce(&body.nonce, "nonce")?;
        match (our_nonce, &body.peer_nonce) {
            (None, None) => {}
            (Some(ours), Some(echo)) => {
                if parse_nonce(echo, "peer_nonce")? != *ours {
                    return Err(ExchangeError::NonceMismatch.into());
                }
            }
            (None, Some(_)) | (Some(_), None) => {
                return Err(ExchangeError::BadNonce {
                    field: "peer_nonce",
                }
                .into());
            }
        }
        body.check_kind_fields()?;
        let offer_nonce = body
            .offer_nonce
            .as_deref()
            .map(|n| parse_nonce(n, "offer_nonce"))
            .transpose()?;
        self.check_addressee(body.to.as_ref(), expected != ExchangeKind::Offer)?;
        self.check_claim(&signer.certificate, &body.party_id, body.role)?;
        let expires = now.saturating_add(self.policy.clock_skew.saturating_mul(2));
        self.replay.check_and_record(&nonce, now, expires)?;
        let mut peer = PeerRecord::new(&body.party_id, body.role, signer.certificate.clone(), now);
        if let Some(chain) = &body.encryption_chain {
            let encryption = accept_chain(chain, &signer.certificate, self.validator, now)?;
            peer = peer.with_encryption_certificate(encryption);
        }
        Ok(Read {
            peer,
            nonce,
            endorser,
            offer_nonce,
            challenge: body.challenge,
            challenge_response: body.challenge_response,
        })
    }
}
