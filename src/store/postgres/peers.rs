//! [`PeerStore`] on PostgreSQL: the `peers` table.

use postgres::Row;

use super::PostgresStore;
use super::codec::{During, get};
use crate::error::Error;
use crate::error::StoreError;
use crate::exchange::{PeerRecord, PeerStore};
use crate::pki::{Certificate, SpkiFingerprint};
use crate::store::columns::int;
use crate::store::peer_records::{peer_record, peers_where, pinned_certificate};
use crate::store::state_keys::{role_key, status_key};

impl PostgresStore {
    /// The record in `row` (the columns of [`peers_where!`]).
    fn to_record(&self, row: &Row, op: &'static str) -> Result<PeerRecord, StoreError> {
        let certificate = pinned_certificate(&self.certificates, get(row, 2, op)?)?;
        let encryption_certificate = get::<Option<&[u8]>>(row, 6, op)?
            .map(|der| pinned_certificate(&self.certificates, der))
            .transpose()?;
        peer_record(
            get(row, 0, op)?,
            get(row, 1, op)?,
            (certificate, encryption_certificate),
            get(row, 3, op)?,
            get(row, 4, op)?,
            get(row, 5, op)?,
        )
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
                .query(peers_where!("party_id = $1", "added"), &[&party_id])
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
                .query_opt(peers_where!("fingerprint = $1", "added"), &[&key])
                .during(OP)?
                .map(|row| self.to_record(&row, OP))
                .transpose()
        })?)
    }
}
