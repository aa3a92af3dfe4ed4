//! [`EmbeddedRegistry`]: the qualification registry in memory, loaded from and saved
//! to JSON.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard, PoisonError};

use serde::{Deserialize, Serialize};

use super::record::{DEVICE_OF_ANOTHER, EnterpriseStatus, MonthlyUsage, QualificationRecord};
use super::registry::{QualificationRegistry, QuotaReservation};
use crate::error::{Error, QualificationError, SUPPORTED_REGISTRY_VERSIONS};
use crate::invoice::Refusal;
use crate::invoice::{UnifiedSocialCreditCode, YearMonth};

/// The qualification registry in memory.
///
/// It is sans-IO: [`from_json`](Self::from_json) and [`to_json`](Self::to_json)
/// take and give bytes, the host reads and writes the file. The JSON holds the
/// records and each month's committed usage:
///
/// ```json
/// { "version": "1.0",
///   "enterprises": [ { "record": { "tax_id": "91350200776049653A", … },
///                      "usage": { "2026-11": 1250000 } } ] }
/// ```
///
/// Reservations in flight are not saved: after a restart their invoices are
/// unknown, and their quota is free again.
///
/// One mutex guards everything, so a quota check and its reservation are atomic.
/// A panic while it is held cannot leave a half-made change (every change is a
/// few assignments after all checks), so a poisoned lock is taken over.
#[derive(Debug, Default)]
pub struct EmbeddedRegistry {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    enterprises: BTreeMap<UnifiedSocialCreditCode, Entry>,
    reservations: HashMap<u64, Pending>,
    next_reservation: u64,
}

#[derive(Debug)]
struct Entry {
    record: QualificationRecord,
    used: BTreeMap<YearMonth, i64>,
    reserved: BTreeMap<YearMonth, i64>,
}

#[derive(Debug, PartialEq, Eq)]
struct Pending {
    tax_id: UnifiedSocialCreditCode,
    month: YearMonth,
    amount_fen: i64,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RegistryFile {
    version: String,
    enterprises: Vec<EntryFile>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryFile {
    record: QualificationRecord,
    #[serde(default)]
    usage: BTreeMap<YearMonth, i64>,
}

impl EmbeddedRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads a registry from its JSON (see the type's documentation): unknown fields
    /// and unknown versions are refused, and every record is checked.
    pub fn from_json(json: &[u8]) -> Result<Self, QualificationError> {
        #[derive(Deserialize)]
        struct VersionOnly<'a> {
            #[serde(borrow, default)]
            version: Option<Cow<'a, str>>,
        }
        let probe: VersionOnly<'_> =
            serde_json::from_slice(json).map_err(QualificationError::Json)?;
        match probe.version {
            None => return Err(QualificationError::MissingVersion),
            Some(found) if !SUPPORTED_REGISTRY_VERSIONS.contains(&found.as_ref()) => {
                return Err(QualificationError::UnsupportedVersion {
                    found: found.into_owned(),
                    supported: SUPPORTED_REGISTRY_VERSIONS,
                });
            }
            Some(_) => {}
        }
        let file: RegistryFile = serde_json::from_slice(json).map_err(QualificationError::Json)?;
        let mut state = State::default();
        for entry in file.enterprises {
            entry.record.check()?;
            let tax_id = entry.record.tax_id.clone();
            if entry.usage.values().any(|&used| used < 0) {
                return Err(QualificationError::InvalidRecord {
                    tax_id,
                    problem: "a month's usage is negative",
                });
            }
            if state.enterprises.contains_key(&tax_id) {
                return Err(QualificationError::DuplicateEnterprise { tax_id });
            }
            if state
                .enterprises
                .values()
                .any(|other| entry.record.shares_a_device_with(&other.record))
            {
                return Err(QualificationError::InvalidRecord {
                    tax_id,
                    problem: DEVICE_OF_ANOTHER,
                });
            }
            state.enterprises.insert(
                tax_id,
                Entry {
                    record: entry.record,
                    used: entry.usage,
                    reserved: BTreeMap::new(),
                },
            );
        }
        Ok(Self {
            state: Mutex::new(state),
        })
    }

    /// Writes the registry as pretty-printed JSON: records and committed usage.
    pub fn to_json(&self) -> Result<Vec<u8>, QualificationError> {
        let state = self.lock();
        let file = RegistryFile {
            version: SUPPORTED_REGISTRY_VERSIONS[SUPPORTED_REGISTRY_VERSIONS.len() - 1].to_owned(),
            enterprises: state
                .enterprises
                .values()
                .map(|entry| EntryFile {
                    record: entry.record.clone(),
                    usage: entry.used.clone(),
                })
                .collect(),
        };
        serde_json::to_vec_pretty(&file).map_err(QualificationError::Json)
    }

    /// Adds or replaces an enterprise's record (its usage is kept); returns the
    /// record it replaced.
    pub fn upsert(
        &self,
        record: QualificationRecord,
    ) -> Result<Option<QualificationRecord>, QualificationError> {
        record.check()?;
        let mut state = self.lock();
        if state
            .enterprises
            .values()
            .any(|other| record.shares_a_device_with(&other.record))
        {
            return Err(QualificationError::InvalidRecord {
                tax_id: record.tax_id.clone(),
                problem: DEVICE_OF_ANOTHER,
            });
        }
        match state.enterprises.get_mut(&record.tax_id) {
            Some(entry) => Ok(Some(core::mem::replace(&mut entry.record, record))),
            None => {
                state.enterprises.insert(
                    record.tax_id.clone(),
                    Entry {
                        record,
                        used: BTreeMap::new(),
                        reserved: BTreeMap::new(),
                    },
                );
                Ok(None)
            }
        }
    }

    /// Changes an enterprise's status (suspend, revoke, reinstate).
    pub fn set_status(
        &self,
        tax_id: &UnifiedSocialCreditCode,
        status: EnterpriseStatus,
    ) -> Result<(), QualificationError> {
        let mut state = self.lock();
        let entry = state.enterprises.get_mut(tax_id).ok_or_else(|| {
            QualificationError::NoSuchEnterprise {
                tax_id: tax_id.clone(),
            }
        })?;
        entry.record.status = status;
        Ok(())
    }

    /// Removes an enterprise with its usage; returns its record. Its reservations in
    /// flight are dropped.
    pub fn remove(&self, tax_id: &UnifiedSocialCreditCode) -> Option<QualificationRecord> {
        let mut state = self.lock();
        state
            .reservations
            .retain(|_, pending| pending.tax_id != *tax_id);
        state.enterprises.remove(tax_id).map(|entry| entry.record)
    }

    /// Every record, ordered by tax id.
    pub fn records(&self) -> Vec<QualificationRecord> {
        self.lock()
            .enterprises
            .values()
            .map(|entry| entry.record.clone())
            .collect()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl State {
    /// Removes a reservation, checking that the token is the one this registry made.
    fn take(&mut self, reservation: &QuotaReservation) -> Result<Pending, QualificationError> {
        let unknown = || QualificationError::UnknownReservation {
            id: reservation.id(),
        };
        let pending = self
            .reservations
            .get(&reservation.id())
            .ok_or_else(unknown)?;
        let matches = pending.tax_id == *reservation.tax_id()
            && pending.month == reservation.month()
            && pending.amount_fen == reservation.amount_fen();
        if !matches {
            return Err(unknown());
        }
        self.reservations
            .remove(&reservation.id())
            .ok_or_else(unknown)
    }

    fn unreserve(&mut self, pending: &Pending) -> Option<&mut Entry> {
        let entry = self.enterprises.get_mut(&pending.tax_id)?;
        if let Some(reserved) = entry.reserved.get_mut(&pending.month) {
            *reserved = reserved.saturating_sub(pending.amount_fen).max(0);
        }
        Some(entry)
    }
}

impl QualificationRegistry for EmbeddedRegistry {
    fn record(
        &self,
        tax_id: &UnifiedSocialCreditCode,
    ) -> Result<Option<QualificationRecord>, Error> {
        Ok(self
            .lock()
            .enterprises
            .get(tax_id)
            .map(|entry| entry.record.clone()))
    }

    fn usage(
        &self,
        tax_id: &UnifiedSocialCreditCode,
        month: YearMonth,
    ) -> Result<MonthlyUsage, Error> {
        let state = self.lock();
        let entry = state.enterprises.get(tax_id);
        let get = |map: Option<&BTreeMap<YearMonth, i64>>| {
            map.and_then(|m| m.get(&month)).copied().unwrap_or(0)
        };
        Ok(MonthlyUsage {
            month,
            used_fen: get(entry.map(|e| &e.used)),
            reserved_fen: get(entry.map(|e| &e.reserved)),
        })
    }

    fn reserve_quota(
        &self,
        tax_id: &UnifiedSocialCreditCode,
        month: YearMonth,
        amount_fen: i64,
    ) -> Result<QuotaReservation, Error> {
        let amount_fen = amount_fen.max(0);
        let mut state = self.lock();
        let entry =
            state
                .enterprises
                .get_mut(tax_id)
                .ok_or_else(|| Refusal::UnknownEnterprise {
                    tax_id: tax_id.clone(),
                })?;
        let quota_fen = entry.record.monthly_quota_fen;
        let used_fen = entry.used.get(&month).copied().unwrap_or(0);
        let reserved_fen = entry.reserved.get(&month).copied().unwrap_or(0);
        let fits = used_fen
            .checked_add(reserved_fen)
            .and_then(|taken| taken.checked_add(amount_fen))
            .is_some_and(|total| total <= quota_fen);
        if !fits {
            return Err(Refusal::MonthlyQuotaExceeded {
                month,
                quota_fen,
                used_fen,
                reserved_fen,
                requested_fen: amount_fen,
            }
            .into());
        }
        *entry.reserved.entry(month).or_insert(0) += amount_fen;
        let id = state.next_reservation;
        state.next_reservation += 1;
        let pending = Pending {
            tax_id: tax_id.clone(),
            month,
            amount_fen,
        };
        state.reservations.insert(id, pending);
        Ok(QuotaReservation::new(id, tax_id.clone(), month, amount_fen))
    }

    fn commit_quota(&self, reservation: QuotaReservation) -> Result<(), Error> {
        let mut state = self.lock();
        let pending = state.take(&reservation)?;
        if let Some(entry) = state.unreserve(&pending) {
            let used = entry.used.entry(pending.month).or_insert(0);
            *used = used.saturating_add(pending.amount_fen);
        }
        Ok(())
    }

    fn release_quota(&self, reservation: QuotaReservation) -> Result<(), Error> {
        let mut state = self.lock();
        let pending = state.take(&reservation)?;
        state.unreserve(&pending);
        Ok(())
    }
}
