//! [`PeerStore`] on PostgreSQL: the `peers` table.

use postgres::Row;

use super::PostgresStore;
use super::codec::{During, get};
use crate::error::Error;
use crate::error::{CorruptValue, StoreError};
use crate::exchange::{PartyRole, PeerRecord, PeerStatus, PeerStore};
use crate::pki::{Certificate, SpkiFingerprint};
use crate::store::columns::{corrupt_column, int, uint};

fn role_key(role: PartyRole) -> &'static str {
    match role {
        PartyRole::CloudPlatform => "cloud_platform",
        PartyRole::ServicePlatform => "service_platform",
        PartyRole::EnterpriseFrontEnd => "enterprise_front_end",
    }
}

fn role_from_key(key: &str) -> Result<PartyRole, StoreError> {
    Ok(match key {
        "cloud_platform" => PartyRole::CloudPlatform,
        "service_platform" => PartyRole::ServicePlatform,
        "enterprise_front_end" => PartyRole::EnterpriseFrontEnd,
        other => return Err(corrupt_column("peers.role", other)),
    })
}

fn status_key(status: PeerStatus) -> &'static str {
    match status {
        PeerStatus::Active => "active",
        PeerStatus::Retired => "retired",
        PeerStatus::Revoked => "revoked",
    }
}

fn status_from_key(key: &str) -> Result<PeerStatus, StoreError> {
    Ok(match key {
        "active" => PeerStatus::Active,
        "retired" => PeerStatus::Retired,
        "revoked" => PeerStatus::Revoked,
        other => return Err(corrupt_column("peers.status", other)),
    })
}

/// The peers matching one column, oldest pin first.
macro_rules! peers_where {
    ($filter:literal) => {
        concat!(
            "SELECT party_id, role, certificate_der, not_after, status, pinned_at,
                    encryption_certificate
             FROM peers WHERE ",
            $filter,
            " ORDER BY pinned_at, added"
        )
    };
}

impl PostgresStore {
    /// The pinned certificate `der`, parsed once per distinct DER: the row's
    /// status and dates are read afresh every time.
    fn pinned_certificate(&self, der: &[u8]) -> Result<Certificate, StoreError> {
        self.certificates.get_or_parse(der, |der| {
            Certificate::parse_der(der).map_err(|e| StoreError::Corrupt {
                what: "pinned certificate",
                source: CorruptValue::Certificate(e),
            })
        })
    }

    fn to_record(&self, row: &Row, op: &'static str) -> Result<PeerRecord, StoreError> {
        let certificate = self.pinned_certificate(get::<&[u8]>(row, 2, op)?)?;
        let encryption_certificate = get::<Option<&[u8]>>(row, 6, op)?
            .map(|der| self.pinned_certificate(der))
            .transpose()?;
        Ok(PeerRecord {
            party_id: get(row, 0, op)?,
            role: role_from_key(get(row, 1, op)?)?,
            fingerprint: certificate.spki_fingerprint(),
            certificate,
            not_after: uint(get(row, 3, op)?),
            status: status_from_key(get(row, 4, op)?)?,
            pinned_at: uint(get(row, 5, op)?),
            encryption_certificate,
        })
    }
}

impl PeerStore for PostgresStore {
    fn put(&self, record: &PeerRecord) -> Result<(), Error> {
        const OP: &str = "pin a peer";
        self.read_statement(|client| {
            client
                .execute(
                    "INSERT INTO peers
                         (fingerprint, party_id, role, certificate_der, not_after, status,
                          pinned_at, encryption_certificate)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                     ON CONFLICT (fingerprint) DO UPDATE SET
                         party_id = excluded.party_id, role = excluded.role,
                         certificate_der = excluded.certificate_der,
                         not_after = excluded.not_after, status = excluded.status,
                         pinned_at = excluded.pinned_at,
                         encryption_certificate = excluded.encryption_certificate",
                    &[
                        &&record.fingerprint.0[..],
                        &record.party_id,
                        &role_key(record.role),
                        &record.certificate.der(),
                        &int(record.not_after),
                        &status_key(record.status),
                        &int(record.pinned_at),
                        &record.encryption_certificate.as_ref().map(Certificate::der),
                    ],
                )
                .during(OP)?;
            Ok::<_, Error>(())
        })
    }

    fn by_party(&self, party_id: &str) -> Result<Vec<PeerRecord>, Error> {
        const OP: &str = "look up a peer by party";
        Ok(self.read_statement(|client| {
            client
                .query(peers_where!("party_id = $1"), &[&party_id])
                .during(OP)?
                .iter()
                .map(|row| self.to_record(row, OP))
                .collect::<Result<Vec<_>, StoreError>>()
        })?)
    }

    fn by_fingerprint(&self, fingerprint: &SpkiFingerprint) -> Result<Option<PeerRecord>, Error> {
        const OP: &str = "look up a peer by fingerprint";
        let key = &fingerprint.0[..];
        Ok(self.read_statement(|client| {
            client
                .query_opt(peers_where!("fingerprint = $1"), &[&key])
                .during(OP)?
                .map(|row| self.to_record(&row, OP))
                .transpose()
        })?)
    }
}
