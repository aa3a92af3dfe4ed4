//! The rules of the peer directory's storage (`PeerStore`), whichever engine
//! keeps it: which columns a pinned peer is read from, how its certificates
//! are parsed (once per distinct DER), and how its record is made from them.

use super::columns::uint;
use super::parsed::ParsedCache;
use super::state_keys::{role_from_key, status_from_key};
use crate::error::{CorruptValue, StoreError};
use crate::exchange::PeerRecord;
use crate::pki::Certificate;

/// The peers matching `$filter` (a literal naming one column), oldest pin
/// first, then by `$added`, the engine's column of the order rows were added
/// in.
macro_rules! peers_where {
    ($filter:literal, $added:literal) => {
        concat!(
            "SELECT party_id, role, certificate_der, not_after, status, pinned_at,
                    encryption_certificate
             FROM peers WHERE ",
            $filter,
            " ORDER BY pinned_at, ",
            $added
        )
    };
}
pub(in crate::store) use peers_where;

/// The pinned certificate `der`, parsed once ([`ParsedCache`]): the row's
/// status and dates are read afresh every time.
pub(in crate::store) fn pinned_certificate(
    certificates: &ParsedCache<Certificate>,
    der: &[u8],
) -> Result<Certificate, StoreError> {
    certificates.get_or_parse(der, |der| {
        Certificate::parse_der(der).map_err(|e| StoreError::Corrupt {
            what: "pinned certificate",
            source: CorruptValue::Certificate(e),
        })
    })
}

/// A peer's record from its row's columns of [`peers_where!`], its
/// certificate and encryption certificate already parsed.
pub(in crate::store) fn peer_record(
    party_id: String,
    role: &str,
    (certificate, encryption_certificate): (Certificate, Option<Certificate>),
    not_after: i64,
    status: &str,
    pinned_at: i64,
) -> Result<PeerRecord, StoreError> {
    Ok(PeerRecord {
        party_id,
        role: role_from_key(role)?,
        fingerprint: certificate.spki_fingerprint(),
        certificate,
        not_after: uint(not_after),
        status: status_from_key(status)?,
        pinned_at: uint(pinned_at),
        encryption_certificate,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_certificate_that_does_not_parse_is_corrupt_and_not_kept() {
        let certificates = ParsedCache::new();
        for _ in 0..2 {
            let error = pinned_certificate(&certificates, b"not DER").unwrap_err();
            assert!(
                matches!(
                    error,
                    StoreError::Corrupt {
                        what: "pinned certificate",
                        ..
                    }
                ),
                "{error}"
            );
        }
    }

    #[test]
    fn the_query_orders_by_pin_then_by_addition() {
        let sql = peers_where!("party_id = ?1", "rowid");
        assert!(sql.contains("FROM peers WHERE party_id = ?1 ORDER BY pinned_at, rowid"));
    }
}
