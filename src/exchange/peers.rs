//! The peer directory: which platforms we exchanged certificates with, pinned by
//! the SHA-256 of their SubjectPublicKeyInfo.
//!
//! A party may hold several pinned certificates at once: a rotation adds the new
//! one through a fresh exchange and the old one stays valid until it expires or is
//! retired. Records persist through a [`PeerStore`]; [`MemoryPeerStore`] keeps
//! them in memory and the embedded database provides a durable one.

use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use crate::error::{Error, PartyRole, PeerError};
use crate::pki::{Certificate, SpkiFingerprint};

/// Whether a pinned certificate may be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeerStatus {
    /// In use.
    Active,
    /// Replaced by a newer certificate and taken out of use by an operator.
    Retired,
    /// Revoked: refused from now on.
    Revoked,
}

/// One pinned certificate of one party.
#[derive(Clone, Debug)]
pub struct PeerRecord {
    /// The party's id (for a platform, the id agreed out of band; for an
    /// enterprise front end, its unified social credit code).
    pub party_id: String,
    /// The party's role.
    pub role: PartyRole,
    /// The pinned leaf certificate.
    pub certificate: Certificate,
    /// SHA-256 of its SubjectPublicKeyInfo.
    pub fingerprint: SpkiFingerprint,
    /// The certificate's notAfter (UNIX seconds).
    pub not_after: u64,
    /// Whether it may be used.
    pub status: PeerStatus,
    /// When the exchange that pinned it completed (UNIX seconds).
    pub pinned_at: u64,
    /// The party's encryption certificate when it holds two (双证书: the
    /// exchange proved possession of its key); `None` when `certificate`
    /// does both.
    pub encryption_certificate: Option<Certificate>,
}

impl PeerRecord {
    /// A new active record for `certificate`, pinned at `now`.
    pub fn new(party_id: &str, role: PartyRole, certificate: Certificate, now: u64) -> Self {
        Self {
            party_id: party_id.to_owned(),
            role,
            fingerprint: certificate.spki_fingerprint(),
            not_after: certificate.not_after(),
            certificate,
            status: PeerStatus::Active,
            pinned_at: now,
            encryption_certificate: None,
        }
    }

    /// The same record with `certificate` as the party's encryption
    /// certificate; the record is usable until the earlier of the two
    /// certificates' notAfter.
    pub fn with_encryption_certificate(mut self, certificate: Certificate) -> Self {
        self.not_after = self.not_after.min(certificate.not_after());
        self.encryption_certificate = Some(certificate);
        self
    }

    /// The certificate to encrypt to: the encryption certificate of a party
    /// with two, else the one certificate.
    pub fn recipient_certificate(&self) -> &Certificate {
        self.encryption_certificate
            .as_ref()
            .unwrap_or(&self.certificate)
    }
}

/// Where peer records live. Implementations make each call atomic.
pub trait PeerStore: Send + Sync {
    /// Inserts the record, or replaces the one with the same fingerprint.
    fn put(&self, record: &PeerRecord) -> Result<(), Error>;
    /// Every record of `party_id`.
    fn by_party(&self, party_id: &str) -> Result<Vec<PeerRecord>, Error>;
    /// The record pinned with `fingerprint`, if any.
    fn by_fingerprint(&self, fingerprint: &SpkiFingerprint) -> Result<Option<PeerRecord>, Error>;
}

/// An in-memory [`PeerStore`].
#[derive(Default)]
pub struct MemoryPeerStore {
    records: Mutex<Vec<PeerRecord>>,
}

impl MemoryPeerStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl PeerStore for MemoryPeerStore {
    fn put(&self, record: &PeerRecord) -> Result<(), Error> {
        let mut records = self.records.lock().unwrap_or_else(|p| p.into_inner());
        match records
            .iter_mut()
            .find(|r| r.fingerprint == record.fingerprint)
        {
            Some(existing) => *existing = record.clone(),
            None => records.push(record.clone()),
        }
        Ok(())
    }

    fn by_party(&self, party_id: &str) -> Result<Vec<PeerRecord>, Error> {
        let records = self.records.lock().unwrap_or_else(|p| p.into_inner());
        Ok(records
            .iter()
            .filter(|r| r.party_id == party_id)
            .cloned()
            .collect())
    }

    fn by_fingerprint(&self, fingerprint: &SpkiFingerprint) -> Result<Option<PeerRecord>, Error> {
        let records = self.records.lock().unwrap_or_else(|p| p.into_inner());
        Ok(records
            .iter()
            .find(|r| r.fingerprint == *fingerprint)
            .cloned())
    }
}

/// The directory of pinned peers.
#[derive(Clone)]
pub struct PeerDirectory {
    store: Arc<dyn PeerStore>,
}

impl core::fmt::Debug for PeerDirectory {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PeerDirectory").finish_non_exhaustive()
    }
}

impl Default for PeerDirectory {
    fn default() -> Self {
        Self::new(Arc::new(MemoryPeerStore::new()))
    }
}

impl PeerDirectory {
    /// A directory over `store`.
    pub fn new(store: Arc<dyn PeerStore>) -> Self {
        Self { store }
    }

    /// Pins `record` unconditionally as to rotation: an operator's out-of-band
    /// decision (the exchange uses [`pin_exchanged`](Self::pin_exchanged)). A
    /// party already known keeps its other certificates. A certificate pinned
    /// for another party or role is refused, and so is re-pinning a revoked one.
    pub fn pin(&self, record: PeerRecord) -> Result<(), Error> {
        if let Some(existing) = self.store.by_fingerprint(&record.fingerprint)? {
            if existing.party_id != record.party_id || existing.role != record.role {
                return Err(PeerError::FingerprintBelongsToAnotherParty {
                    fingerprint: record.fingerprint.to_hex(),
                    party_id: existing.party_id,
                }
                .into());
            }
            if existing.status == PeerStatus::Revoked {
                return Err(PeerError::Revoked {
                    party_id: existing.party_id,
                    fingerprint: record.fingerprint.to_hex(),
                }
                .into());
            }
        }
        for other in self.store.by_party(&record.party_id)? {
            if other.role != record.role {
                return Err(PeerError::RoleMismatch {
                    party_id: record.party_id,
                    expected: other.role,
                    found: record.role,
                }
                .into());
            }
        }
        self.store.put(&record)
    }

    /// Pins `record` as the certificate exchange does: like [`pin`](Self::pin),
    /// and when the party already has a usable certificate at `now` and this
    /// one is new, only if `endorser` (the other key that signed the exchange)
    /// is one of the party's usable pinned keys. Without that endorsement a
    /// rotation is refused with [`PeerError::RotationNotEndorsed`]; an operator
    /// who checked the new certificate out of band calls `pin`.
    pub fn pin_exchanged(
        &self,
        record: PeerRecord,
        endorser: Option<&SpkiFingerprint>,
        now: u64,
    ) -> Result<(), Error> {
        let usable_keys: Vec<SpkiFingerprint> = self
            .store
            .by_party(&record.party_id)?
            .into_iter()
            .filter_map(|r| usable(r, now).ok())
            .map(|r| r.fingerprint)
            .collect();
        let known = usable_keys.contains(&record.fingerprint);
        let endorsed = endorser.is_some_and(|e| usable_keys.contains(e));
        if !usable_keys.is_empty() && !known && !endorsed {
            return Err(PeerError::RotationNotEndorsed {
                party_id: record.party_id,
                fingerprint: record.fingerprint.to_hex(),
            }
            .into());
        }
        self.pin(record)
    }

    /// The usable record pinned with `fingerprint` at `now`: refused when unknown,
    /// expired, retired or revoked.
    pub fn lookup_fingerprint(
        &self,
        fingerprint: &SpkiFingerprint,
        now: u64,
    ) -> Result<PeerRecord, Error> {
        let record = self
            .store
            .by_fingerprint(fingerprint)?
            .ok_or_else(|| PeerError::Unknown {
                what: format!("fingerprint {fingerprint}"),
            })?;
        usable(record, now)
    }

    /// Every usable certificate of `party_id` at `now` (several during a
    /// rotation); refused when none is.
    pub fn lookup_party(&self, party_id: &str, now: u64) -> Result<Vec<PeerRecord>, Error> {
        let records = self.store.by_party(party_id)?;
        if records.is_empty() {
            return Err(PeerError::Unknown {
                what: format!("party {party_id}"),
            }
            .into());
        }
        let mut last_err = None;
        let mut usable_records = Vec::new();
        for record in records {
            match usable(record, now) {
                Ok(r) => usable_records.push(r),
                Err(e) => last_err = Some(e),
            }
        }
        match (usable_records.is_empty(), last_err) {
            (false, _) => {
                // Newest certificate first: senders encrypt to it.
                usable_records.sort_by_key(|r| core::cmp::Reverse(r.not_after));
                Ok(usable_records)
            }
            (true, Some(e)) => Err(e),
            (true, None) => Err(PeerError::Unknown {
                what: format!("party {party_id}"),
            }
            .into()),
        }
    }

    /// Checks that `certificate` is pinned, usable at `now`, and belongs to
    /// `party_id` in `role`.
    pub fn check(
        &self,
        party_id: &str,
        role: PartyRole,
        certificate: &Certificate,
        now: u64,
    ) -> Result<PeerRecord, Error> {
        let record = self.lookup_fingerprint(&certificate.spki_fingerprint(), now)?;
        if record.party_id != party_id {
            return Err(PeerError::FingerprintBelongsToAnotherParty {
                fingerprint: record.fingerprint.to_hex(),
                party_id: record.party_id,
            }
            .into());
        }
        if record.role != role {
            return Err(PeerError::RoleMismatch {
                party_id: record.party_id,
                expected: role,
                found: record.role,
            }
            .into());
        }
        Ok(record)
    }

    /// Takes an old certificate out of use after a rotation.
    pub fn retire(&self, fingerprint: &SpkiFingerprint) -> Result<(), Error> {
        self.set_status(fingerprint, PeerStatus::Retired)
    }

    /// Refuses a certificate from now on.
    pub fn revoke(&self, fingerprint: &SpkiFingerprint) -> Result<(), Error> {
        self.set_status(fingerprint, PeerStatus::Revoked)
    }

    fn set_status(&self, fingerprint: &SpkiFingerprint, status: PeerStatus) -> Result<(), Error> {
        let mut record =
            self.store
                .by_fingerprint(fingerprint)?
                .ok_or_else(|| PeerError::Unknown {
                    what: format!("fingerprint {fingerprint}"),
                })?;
        record.status = status;
        self.store.put(&record)
    }
}

fn usable(record: PeerRecord, now: u64) -> Result<PeerRecord, Error> {
    match record.status {
        PeerStatus::Active if now <= record.not_after => Ok(record),
        PeerStatus::Revoked => Err(PeerError::Revoked {
            fingerprint: record.fingerprint.to_hex(),
            party_id: record.party_id,
        }
        .into()),
        PeerStatus::Retired => Err(PeerError::Retired {
            fingerprint: record.fingerprint.to_hex(),
            party_id: record.party_id,
        }
        .into()),
        PeerStatus::Active => Err(PeerError::Expired {
            fingerprint: record.fingerprint.to_hex(),
            party_id: record.party_id,
            not_after: record.not_after,
        }
        .into()),
    }
}
