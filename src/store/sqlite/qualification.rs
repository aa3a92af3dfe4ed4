//! [`QualificationRegistry`] on SQLite: `enterprises`, `quota_usage` and
//! `quota_reservations`. Unlike the in-memory registry, reservations are durable:
//! quota held for an enterprise-hosted invoice survives a restart until the
//! front end's result commits or releases it.

use rusqlite::{Connection, OptionalExtension, params};

use super::SqliteStore;
use super::codec::During;
use crate::error::{Error, StoreError};
use crate::invoice::{UnifiedSocialCreditCode, YearMonth};
use crate::qualification::{
    EnterpriseStatus, MonthlyUsage, QualificationRecord, QualificationRegistry, QuotaReservation,
};
use crate::store::columns::{from_json, to_json};
use crate::store::quota::{
    self, check_fits, device_of_another, exceeded, existing, may_charge, parse_record, registered,
    requested, reservation_from_row, reservation_key,
};

/// An enterprise's record; its JSON is parsed once per distinct text
/// (`SqliteStore::records`).
fn load_record(
    store: &SqliteStore,
    conn: &Connection,
    operation: &'static str,
    tax_id: &UnifiedSocialCreditCode,
) -> Result<Option<QualificationRecord>, StoreError> {
    let json: Option<String> = conn
        .prepare_cached("SELECT record_json FROM enterprises WHERE tax_id = ?1")
        .during(operation)?
        .query_row([tax_id.as_str()], |row| row.get(0))
        .optional()
        .during(operation)?;
    json.map(|json| parse_record(&store.records, &json))
        .transpose()
}

fn load_usage(
    conn: &Connection,
    operation: &'static str,
    tax_id: &UnifiedSocialCreditCode,
    month: YearMonth,
) -> Result<MonthlyUsage, StoreError> {
    let row: Option<(i64, i64)> = conn
        .prepare_cached(
            "SELECT used_fen, reserved_fen FROM quota_usage WHERE tax_id = ?1 AND month = ?2",
        )
        .during(operation)?
        .query_row([tax_id.as_str(), &month.to_string()], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()
        .during(operation)?;
    Ok(quota::usage(month, row))
}

fn store_record(
    conn: &Connection,
    operation: &'static str,
    record: &QualificationRecord,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO enterprises (tax_id, record_json) VALUES (?1, ?2)
         ON CONFLICT (tax_id) DO UPDATE SET record_json = excluded.record_json",
    )
    .during(operation)?
    .execute([
        record.tax_id.as_str(),
        &to_json("qualification record", record)?,
    ])
    .during(operation)?;
    Ok(())
}

/// Takes a reservation out of the table, checking it is the one this store made
/// (one statement: a row with every field equal is deleted, or nothing is).
fn delete_reservation(
    conn: &Connection,
    operation: &'static str,
    reservation: &QuotaReservation,
) -> Result<(), Error> {
    let id = reservation_key(reservation);
    let deleted = conn
        .prepare_cached(
            "DELETE FROM quota_reservations
             WHERE id = ?1 AND tax_id = ?2 AND month = ?3 AND amount_fen = ?4",
        )
        .during(operation)?
        .execute(params![
            id,
            reservation.tax_id().as_str(),
            reservation.month().to_string(),
            reservation.amount_fen()
        ])
        .during(operation)?;
    Ok(quota::taken(deleted as u64, reservation)?)
}

/// Runs `sql` on the month's usage row of `reservation`, bound as `?1` tax id,
/// `?2` month, `?3` amount; returns the rows changed.
fn on_usage(
    conn: &Connection,
    operation: &'static str,
    sql: &'static str,
    reservation: &QuotaReservation,
) -> Result<usize, StoreError> {
    conn.prepare_cached(sql)
        .during(operation)?
        .execute(params![
            reservation.tax_id().as_str(),
            reservation.month().to_string(),
            reservation.amount_fen()
        ])
        .during(operation)
}

/// Takes a reservation out of the table, then its amount off the month's
/// reserved total.
fn take_reservation(
    conn: &Connection,
    operation: &'static str,
    reservation: &QuotaReservation,
) -> Result<(), Error> {
    delete_reservation(conn, operation, reservation)?;
    on_usage(
        conn,
        operation,
        "UPDATE quota_usage SET reserved_fen = MAX(reserved_fen - ?3, 0)
         WHERE tax_id = ?1 AND month = ?2",
        reservation,
    )?;
    Ok(())
}

impl SqliteStore {
    /// Adds or replaces an enterprise's qualification record (its usage is kept);
    /// returns the record it replaced.
    pub fn upsert_enterprise(
        &self,
        record: &QualificationRecord,
    ) -> Result<Option<QualificationRecord>, Error> {
        const OP: &str = "register an enterprise";
        record.check()?;
        self.write(OP, |tx| {
            // A device is one enterprise's: its numbers and seal are its own.
            for device in &record.devices {
                let other: Option<String> = tx
                    .prepare_cached(
                        "SELECT e.tax_id FROM enterprises e, json_each(e.record_json, '$.devices') d
                         WHERE e.tax_id <> ?1 AND json_extract(d.value, '$.device_id') = ?2
                         LIMIT 1",
                    )
                    .during(OP)?
                    .query_row([record.tax_id.as_str(), &device.device_id], |row| {
                        row.get(0)
                    })
                    .optional()
                    .during(OP)?;
                if other.is_some() {
                    return Err(device_of_another(record).into());
                }
            }
            let old = load_record(self, tx, OP, &record.tax_id)?;
            store_record(tx, OP, record)?;
            Ok(old)
        })
    }

    /// Changes an enterprise's status (suspend, revoke, reinstate).
    pub fn set_enterprise_status(
        &self,
        tax_id: &UnifiedSocialCreditCode,
        status: EnterpriseStatus,
    ) -> Result<(), Error> {
        const OP: &str = "change an enterprise's status";
        self.write(OP, |tx| {
            let mut record = existing(load_record(self, tx, OP, tax_id)?, tax_id)?;
            record.status = status;
            store_record(tx, OP, &record)?;
            Ok(())
        })
    }

    /// Every enterprise's record, ordered by tax id.
    pub fn enterprises(&self) -> Result<Vec<QualificationRecord>, StoreError> {
        const OP: &str = "list enterprises";
        self.read(OP, |conn| {
            let mut stmt = conn
                .prepare_cached("SELECT record_json FROM enterprises ORDER BY tax_id")
                .during(OP)?;
            let rows = stmt
                .query_map([], |row| row.get::<_, String>(0))
                .during(OP)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .during(OP)?;
            rows.iter()
                .map(|json| from_json("qualification record", json))
                .collect()
        })
    }

    /// Every quota reservation in flight (after a crash, an operator may release
    /// those whose invoices will never be issued).
    pub fn quota_reservations(&self) -> Result<Vec<QuotaReservation>, StoreError> {
        const OP: &str = "list quota reservations";
        self.read(OP, |conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT id, tax_id, month, amount_fen FROM quota_reservations ORDER BY id",
                )
                .during(OP)?;
            let rows = stmt
                .query_map([], |row| {
                    Ok((
                        row.get::<_, i64>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, i64>(3)?,
                    ))
                })
                .during(OP)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .during(OP)?;
            rows.into_iter()
                .map(|(id, tax_id, month, amount)| {
                    reservation_from_row(id, &tax_id, &month, amount)
                })
                .collect()
        })
    }
}

impl QualificationRegistry for SqliteStore {
    fn record(
        &self,
        tax_id: &UnifiedSocialCreditCode,
    ) -> Result<Option<QualificationRecord>, Error> {
        const OP: &str = "read a qualification record";
        Ok(self.read_statement(|conn| load_record(self, conn, OP, tax_id))?)
    }

    fn usage(
        &self,
        tax_id: &UnifiedSocialCreditCode,
        month: YearMonth,
    ) -> Result<MonthlyUsage, Error> {
        const OP: &str = "read quota usage";
        Ok(self.read_statement(|conn| load_usage(conn, OP, tax_id, month))?)
    }

    fn reserve_quota(
        &self,
        tax_id: &UnifiedSocialCreditCode,
        month: YearMonth,
        amount_fen: i64,
    ) -> Result<QuotaReservation, Error> {
        const OP: &str = "reserve quota";
        let amount_fen = requested(amount_fen);
        // Two writing statements after a read that decides them: one
        // transaction (or savepoint), never `write_statement`.
        self.write(OP, |tx| {
            let record = registered(load_record(self, tx, OP, tax_id)?, tax_id)?;
            let usage = load_usage(tx, OP, tax_id, month)?;
            check_fits(record.monthly_quota_fen, &usage, amount_fen)?;
            let month_key = month.to_string();
            tx.prepare_cached(
                "INSERT INTO quota_usage (tax_id, month, used_fen, reserved_fen) VALUES (?1, ?2, 0, ?3)
                 ON CONFLICT (tax_id, month) DO UPDATE SET reserved_fen = reserved_fen + excluded.reserved_fen",
            )
            .during(OP)?
            .execute(params![tax_id.as_str(), month_key, amount_fen])
            .during(OP)?;
            tx.prepare_cached(
                "INSERT INTO quota_reservations (tax_id, month, amount_fen) VALUES (?1, ?2, ?3)",
            )
            .during(OP)?
            .execute(params![tax_id.as_str(), month_key, amount_fen])
            .during(OP)?;
            let id = u64::try_from(tx.last_insert_rowid()).unwrap_or(0);
            Ok(QuotaReservation::new(id, tax_id.clone(), month, amount_fen))
        })
    }

    fn commit_quota(&self, reservation: QuotaReservation) -> Result<(), Error> {
        const OP: &str = "commit quota";
        if reservation.is_charged() {
            // Counted as used when charged.
            return Ok(());
        }
        self.write(OP, |tx| {
            delete_reservation(tx, OP, &reservation)?;
            // The month's row exists: reserving made it. Both totals move in one
            // statement.
            let updated = on_usage(
                tx,
                OP,
                "UPDATE quota_usage
                 SET reserved_fen = MAX(reserved_fen - ?3, 0), used_fen = used_fen + ?3
                 WHERE tax_id = ?1 AND month = ?2",
                &reservation,
            )?;
            if updated == 0 {
                // Only when the row went away under the reservation (an operator
                // edited the table): the usage is still counted.
                on_usage(
                    tx,
                    OP,
                    "INSERT INTO quota_usage (tax_id, month, used_fen, reserved_fen)
                     VALUES (?1, ?2, ?3, 0)",
                    &reservation,
                )?;
            }
            Ok(())
        })
    }

    fn release_quota(&self, reservation: QuotaReservation) -> Result<(), Error> {
        const OP: &str = "release quota";
        if reservation.is_charged() {
            // Taken back off the used total it went to.
            return self.write(OP, |tx| {
                on_usage(
                    tx,
                    OP,
                    "UPDATE quota_usage SET used_fen = MAX(used_fen - ?3, 0)
                     WHERE tax_id = ?1 AND month = ?2",
                    &reservation,
                )?;
                Ok(())
            });
        }
        self.write(OP, |tx| take_reservation(tx, OP, &reservation))
    }

    /// Inside this thread's unit of work on this store, one writing statement
    /// instead of a reservation's four (two to reserve, two to commit): the
    /// amount goes straight to the month's used total
    /// when used + reserved + amount stays within the quota, and no row of
    /// `quota_reservations` is written (the unit's commit or rollback settles it
    /// all). Outside one, a reservation.
    fn charge_quota(
        &self,
        tax_id: &UnifiedSocialCreditCode,
        month: YearMonth,
        amount_fen: i64,
    ) -> Result<QuotaReservation, Error> {
        const OP: &str = "charge quota";
        if !self.in_unit() {
            // Outside this store's unit of work the charge would commit on its
            // own, and a crash before the invoice is recorded would count it as
            // used with nothing to show for it: reserve instead.
            return self.reserve_quota(tax_id, month, amount_fen);
        }
        let amount_fen = requested(amount_fen);
        // One writing statement (the upsert), inside this thread's unit.
        self.write_statement(|tx| {
            let record = registered(load_record(self, tx, OP, tax_id)?, tax_id)?;
            let quota_fen = record.monthly_quota_fen;
            let month_key = month.to_string();
            let changed = if may_charge(quota_fen, amount_fen) {
                tx.prepare_cached(
                    "INSERT INTO quota_usage (tax_id, month, used_fen, reserved_fen)
                     VALUES (?1, ?2, ?3, 0)
                     ON CONFLICT (tax_id, month) DO UPDATE
                     SET used_fen = used_fen + excluded.used_fen
                     WHERE used_fen + reserved_fen <= ?4 - excluded.used_fen",
                )
                .during(OP)?
                .execute(params![tax_id.as_str(), month_key, amount_fen, quota_fen])
                .during(OP)?
            } else {
                0
            };
            if changed == 0 {
                let usage = load_usage(tx, OP, tax_id, month)?;
                return Err(exceeded(quota_fen, &usage, amount_fen).into());
            }
            Ok(QuotaReservation::charged(tax_id.clone(), month, amount_fen))
        })
    }
}

impl crate::qualification::RegistryAdmin for SqliteStore {
    fn upsert_enterprise(
        &self,
        record: &QualificationRecord,
    ) -> Result<Option<QualificationRecord>, Error> {
        SqliteStore::upsert_enterprise(self, record)
    }

    fn set_enterprise_status(
        &self,
        tax_id: &UnifiedSocialCreditCode,
        status: EnterpriseStatus,
    ) -> Result<(), Error> {
        SqliteStore::set_enterprise_status(self, tax_id, status)
    }
}
