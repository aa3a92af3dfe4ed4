//! [`PeerStore`] on SQLite: the `peers` table.

use rusqlite::types::ValueRef;
use rusqlite::{Connection, Row, params};

use super::SqliteStore;
use super::codec::During;
use crate::error::Error;
use crate::error::StoreError;
use crate::exchange::{PeerRecord, PeerStore};
use crate::pki::{Certificate, SpkiFingerprint};
use crate::store::columns::{corrupt_column, int};
use crate::store::peer_records::{peer_record, peers_where, pinned_certificate};
use crate::store::state_keys::{role_key, status_key};

impl SqliteStore {
    /// The record in `row` (the columns of [`peers_where!`]), read from the
    /// row's own buffers: the certificate's bytes are only looked up in the
    /// parsed-certificate cache, not copied, when they were parsed before.
    fn to_record(&self, row: &Row<'_>, operation: &'static str) -> Result<PeerRecord, StoreError> {
        let wrong_type = |column: &'static str, value: ValueRef<'_>| {
            corrupt_column(column, &format!("{} value", value.data_type()))
        };
        let column = |index: usize| row.get_ref(index).during(operation);
        let text = |index: usize, name: &'static str| -> Result<&str, StoreError> {
            let value = column(index)?;
            value.as_str().map_err(|_| wrong_type(name, value))
        };
        let integer = |index: usize| row.get::<_, i64>(index).during(operation);
        let der = column(2)?;
        let der = der
            .as_blob()
            .map_err(|_| wrong_type("peers.certificate_der", der))?;
        let certificate = pinned_certificate(&self.certificates, der)?;
        let encryption = column(6)?;
        let encryption_certificate = match encryption {
            ValueRef::Null => None,
            ValueRef::Blob(der) => Some(pinned_certificate(&self.certificates, der)?),
            other => return Err(wrong_type("peers.encryption_certificate", other)),
        };
        peer_record(
            text(0, "peers.party_id")?.to_owned(),
            text(1, "peers.role")?,
            (certificate, encryption_certificate),
            integer(3)?,
            text(4, "peers.status")?,
            integer(5)?,
        )
    }
}

/// The peers matching `value` in `sql`'s one parameter; at most `limit` of them
/// (a lookup by the primary key stops at the first row instead of stepping
/// again to find the end).
fn select(
    store: &SqliteStore,
    conn: &Connection,
    operation: &'static str,
    sql: &'static str,
    value: &dyn rusqlite::ToSql,
    limit: usize,
) -> Result<Vec<PeerRecord>, StoreError> {
    let mut stmt = conn.prepare_cached(sql).during(operation)?;
    let mut rows = stmt.query([value]).during(operation)?;
    let mut records = Vec::new();
    while records.len() < limit {
        match rows.next().during(operation)? {
            Some(row) => records.push(store.to_record(row, operation)?),
            None => break,
        }
    }
    Ok(records)
}

impl PeerStore for SqliteStore {
    fn put(&self, record: &PeerRecord) -> Result<(), Error> {
        const OP: &str = "pin a peer";
        self.write(OP, |tx| {
            tx.prepare_cached(
                "INSERT INTO peers
                     (fingerprint, party_id, role, certificate_der, not_after, status, pinned_at,
                      encryption_certificate)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (fingerprint) DO UPDATE SET
                     party_id = excluded.party_id, role = excluded.role,
                     certificate_der = excluded.certificate_der, not_after = excluded.not_after,
                     status = excluded.status, pinned_at = excluded.pinned_at,
                     encryption_certificate = excluded.encryption_certificate",
            )
            .during(OP)?
            .execute(params![
                &record.fingerprint.0[..],
                record.party_id,
                role_key(record.role),
                record.certificate.der(),
                int(record.not_after),
                status_key(record.status),
                int(record.pinned_at),
                record.encryption_certificate.as_ref().map(Certificate::der),
            ])
            .during(OP)?;
            Ok::<_, Error>(())
        })
    }

    fn by_party(&self, party_id: &str) -> Result<Vec<PeerRecord>, Error> {
        const OP: &str = "look up a peer by party";
        Ok(self.read_statement(|conn| {
            select(
                self,
                conn,
                OP,
                peers_where!("party_id = ?1", "rowid"),
                &party_id,
                usize::MAX,
            )
        })?)
    }

    fn by_fingerprint(&self, fingerprint: &SpkiFingerprint) -> Result<Option<PeerRecord>, Error> {
        const OP: &str = "look up a peer by fingerprint";
        let key = &fingerprint.0[..];
        Ok(self
            .read_statement(|conn| {
                select(
                    self,
                    conn,
                    OP,
                    peers_where!("fingerprint = ?1", "rowid"),
                    &key,
                    1,
                )
            })?
            .pop())
    }
}
