//! [`QualificationRegistry`] on PostgreSQL: `enterprises`, `quota_usage` and
//! `quota_reservations`.
//!
//! A month's quota is shared by every node: a reservation locks the month's
//! usage row before it reads what is left, and a charge is one conditional
//! upsert, so two nodes never both take the last of a quota.

use super::Client;

use super::PostgresStore;
use super::codec::{During, get};
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

/// An enterprise's record (`FOR UPDATE` when `lock`); its JSON is parsed once
/// per distinct text.
fn load_record(
    store: &PostgresStore,
    client: &mut Client,
    op: &'static str,
    tax_id: &UnifiedSocialCreditCode,
    lock: bool,
) -> Result<Option<QualificationRecord>, StoreError> {
    let sql = if lock {
        "SELECT record_json FROM enterprises WHERE tax_id = $1 FOR UPDATE"
    } else {
        "SELECT record_json FROM enterprises WHERE tax_id = $1"
    };
    let row = client.query_opt(sql, &[&tax_id.as_str()]).during(op)?;
    row.map(|row| parse_record(&store.records, get(&row, 0, op)?))
        .transpose()
}

/// The month's usage (`FOR UPDATE` when `lock`, after making sure the row is
/// there so that it can be locked).
fn load_usage(
    client: &mut Client,
    op: &'static str,
    tax_id: &UnifiedSocialCreditCode,
    month: YearMonth,
    lock: bool,
) -> Result<MonthlyUsage, StoreError> {
    let month_key = month.to_string();
    let sql = if lock {
        client
            .execute(
                "INSERT INTO quota_usage (tax_id, month) VALUES ($1, $2)
                 ON CONFLICT (tax_id, month) DO NOTHING",
                &[&tax_id.as_str(), &month_key],
            )
            .during(op)?;
        "SELECT used_fen, reserved_fen FROM quota_usage WHERE tax_id = $1 AND month = $2 FOR UPDATE"
    } else {
        "SELECT used_fen, reserved_fen FROM quota_usage WHERE tax_id = $1 AND month = $2"
    };
    let row = client
        .query_opt(sql, &[&tax_id.as_str(), &month_key])
        .during(op)?;
    let row = match row {
        Some(row) => Some((get(&row, 0, op)?, get(&row, 1, op)?)),
        None => None,
    };
    Ok(quota::usage(month, row))
}

fn store_record(
    client: &mut Client,
    op: &'static str,
    record: &QualificationRecord,
) -> Result<(), StoreError> {
    client
        .execute(
            "INSERT INTO enterprises (tax_id, record_json) VALUES ($1, $2)
             ON CONFLICT (tax_id) DO UPDATE SET record_json = excluded.record_json",
            &[
                &record.tax_id.as_str(),
                &to_json("qualification record", record)?,
            ],
        )
        .during(op)?;
    Ok(())
}

/// Runs `sql` on the month's usage row of `reservation`, bound as `$1` tax id,
/// `$2` month, `$3` amount; returns the rows changed.
fn on_usage(
    client: &mut Client,
    op: &'static str,
    sql: &str,
    reservation: &QuotaReservation,
) -> Result<u64, StoreError> {
    client
        .execute(
            sql,
            &[
                &reservation.tax_id().as_str(),
                &reservation.month().to_string(),
                &reservation.amount_fen(),
            ],
        )
        .during(op)
}

/// Takes a reservation out of the table, checking it is the one this store
/// made (a row with every field equal is deleted, or nothing is).
fn delete_reservation(
    client: &mut Client,
    op: &'static str,
    reservation: &QuotaReservation,
) -> Result<(), Error> {
    let id = reservation_key(reservation);
    let deleted = client
        .execute(
            "DELETE FROM quota_reservations
             WHERE id = $1 AND tax_id = $2 AND month = $3 AND amount_fen = $4",
            &[
                &id,
                &reservation.tax_id().as_str(),
                &reservation.month().to_string(),
                &reservation.amount_fen(),
            ],
        )
        .during(op)?;
    Ok(quota::taken(deleted, reservation)?)
}

impl PostgresStore {
    /// Adds or replaces an enterprise's qualification record (its usage is kept);
    /// returns the record it replaced.
    pub fn upsert_enterprise(
        &self,
        record: &QualificationRecord,
    ) -> Result<Option<QualificationRecord>, Error> {
        const OP: &str = "register an enterprise";
        record.check()?;
        self.write(OP, |tx| {
            // A device is one enterprise's: checked across rows, so one
            // registration at a time.
            tx.batch_execute("LOCK TABLE enterprises IN SHARE ROW EXCLUSIVE MODE")
                .during(OP)?;
            for device in &record.devices {
                let other = tx
                    .query_opt(
                        "SELECT e.tax_id FROM enterprises e,
                             jsonb_array_elements(COALESCE(e.record_json::jsonb -> 'devices',
                                                           '[]'::jsonb)) d
                         WHERE e.tax_id <> $1 AND d ->> 'device_id' = $2 LIMIT 1",
                        &[&record.tax_id.as_str(), &device.device_id],
                    )
                    .during(OP)?;
                if other.is_some() {
                    return Err(device_of_another(record).into());
                }
            }
            let old = load_record(self, tx, OP, &record.tax_id, true)?;
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
            let mut record = existing(load_record(self, tx, OP, tax_id, true)?, tax_id)?;
            record.status = status;
            store_record(tx, OP, &record)?;
            Ok(())
        })
    }

    /// Every enterprise's record, ordered by tax id.
    pub fn enterprises(&self) -> Result<Vec<QualificationRecord>, StoreError> {
        const OP: &str = "list enterprises";
        self.read_statement(|client| {
            client
                .query("SELECT record_json FROM enterprises ORDER BY tax_id", &[])
                .during(OP)?
                .iter()
                .map(|row| from_json("qualification record", get(row, 0, OP)?))
                .collect()
        })
    }

    /// Every quota reservation in flight (after a crash, an operator may release
    /// those whose invoices will never be issued).
    pub fn quota_reservations(&self) -> Result<Vec<QuotaReservation>, StoreError> {
        const OP: &str = "list quota reservations";
        self.read_statement(|client| {
            client
                .query(
                    "SELECT id, tax_id, month, amount_fen FROM quota_reservations ORDER BY id",
                    &[],
                )
                .during(OP)?
                .iter()
                .map(|row| {
                    reservation_from_row(
                        get(row, 0, OP)?,
                        get(row, 1, OP)?,
                        get(row, 2, OP)?,
                        get(row, 3, OP)?,
                    )
                })
                .collect()
        })
    }
}

impl QualificationRegistry for PostgresStore {
    fn record(
        &self,
        tax_id: &UnifiedSocialCreditCode,
    ) -> Result<Option<QualificationRecord>, Error> {
        const OP: &str = "read a qualification record";
        Ok(self.read_statement(|client| load_record(self, client, OP, tax_id, false))?)
    }

    fn usage(
        &self,
        tax_id: &UnifiedSocialCreditCode,
        month: YearMonth,
    ) -> Result<MonthlyUsage, Error> {
        const OP: &str = "read quota usage";
        Ok(self.read_statement(|client| load_usage(client, OP, tax_id, month, false))?)
    }

    fn reserve_quota(
        &self,
        tax_id: &UnifiedSocialCreditCode,
        month: YearMonth,
        amount_fen: i64,
    ) -> Result<QuotaReservation, Error> {
        const OP: &str = "reserve quota";
        let amount_fen = requested(amount_fen);
        self.write(OP, |tx| {
            let record = registered(load_record(self, tx, OP, tax_id, false)?, tax_id)?;
            // Locked: what is left is read and taken by one node at a time.
            let usage = load_usage(tx, OP, tax_id, month, true)?;
            check_fits(record.monthly_quota_fen, &usage, amount_fen)?;
            let month_key = month.to_string();
            tx.execute(
                "UPDATE quota_usage SET reserved_fen = reserved_fen + $3
                 WHERE tax_id = $1 AND month = $2",
                &[&tax_id.as_str(), &month_key, &amount_fen],
            )
            .during(OP)?;
            let row = tx
                .query_one(
                    "INSERT INTO quota_reservations (tax_id, month, amount_fen)
                     VALUES ($1, $2, $3) RETURNING id",
                    &[&tax_id.as_str(), &month_key, &amount_fen],
                )
                .during(OP)?;
            let id: i64 = get(&row, 0, OP)?;
            Ok(QuotaReservation::new(
                u64::try_from(id).unwrap_or(0),
                tax_id.clone(),
                month,
                amount_fen,
            ))
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
            // One statement moves both totals; the row is made if an operator
            // removed it under the reservation (the usage is still counted).
            on_usage(
                tx,
                OP,
                "INSERT INTO quota_usage (tax_id, month, used_fen, reserved_fen)
                 VALUES ($1, $2, $3, 0)
                 ON CONFLICT (tax_id, month) DO UPDATE
                 SET reserved_fen = GREATEST(quota_usage.reserved_fen - $3, 0),
                     used_fen = quota_usage.used_fen + $3",
                &reservation,
            )?;
            Ok(())
        })
    }

    fn release_quota(&self, reservation: QuotaReservation) -> Result<(), Error> {
        const OP: &str = "release quota";
        self.write(OP, |tx| {
            if reservation.is_charged() {
                // Taken back off the used total it went to.
                on_usage(
                    tx,
                    OP,
                    "UPDATE quota_usage SET used_fen = GREATEST(used_fen - $3, 0)
                     WHERE tax_id = $1 AND month = $2",
                    &reservation,
                )?;
                return Ok(());
            }
            delete_reservation(tx, OP, &reservation)?;
            on_usage(
                tx,
                OP,
                "UPDATE quota_usage SET reserved_fen = GREATEST(reserved_fen - $3, 0)
                 WHERE tax_id = $1 AND month = $2",
                &reservation,
            )?;
            Ok(())
        })
    }

    /// Inside this thread's unit of work on this store, one conditional upsert
    /// instead of a reservation: the amount goes straight to the month's used
    /// total when used + reserved + amount stays within the quota (the row is
    /// locked by the upsert until the unit ends). Outside one, a reservation.
    fn charge_quota(
        &self,
        tax_id: &UnifiedSocialCreditCode,
        month: YearMonth,
        amount_fen: i64,
    ) -> Result<QuotaReservation, Error> {
        const OP: &str = "charge quota";
        if !self.in_unit() {
            return self.reserve_quota(tax_id, month, amount_fen);
        }
        let amount_fen = requested(amount_fen);
        self.write(OP, |tx| {
            let record = registered(load_record(self, tx, OP, tax_id, false)?, tax_id)?;
            let quota_fen = record.monthly_quota_fen;
            let month_key = month.to_string();
            let changed = if may_charge(quota_fen, amount_fen) {
                tx.execute(
                    "INSERT INTO quota_usage (tax_id, month, used_fen, reserved_fen)
                     VALUES ($1, $2, $3, 0)
                     ON CONFLICT (tax_id, month) DO UPDATE
                     SET used_fen = quota_usage.used_fen + excluded.used_fen
                     WHERE quota_usage.used_fen + quota_usage.reserved_fen
                           <= $4 - excluded.used_fen",
                    &[&tax_id.as_str(), &month_key, &amount_fen, &quota_fen],
                )
                .during(OP)?
            } else {
                0
            };
            if changed == 0 {
                let usage = load_usage(tx, OP, tax_id, month, false)?;
                return Err(exceeded(quota_fen, &usage, amount_fen).into());
            }
            Ok(QuotaReservation::charged(tax_id.clone(), month, amount_fen))
        })
    }
}

impl crate::qualification::RegistryAdmin for PostgresStore {
    fn upsert_enterprise(
        &self,
        record: &QualificationRecord,
    ) -> Result<Option<QualificationRecord>, Error> {
        PostgresStore::upsert_enterprise(self, record)
    }

    fn set_enterprise_status(
        &self,
        tax_id: &UnifiedSocialCreditCode,
        status: EnterpriseStatus,
    ) -> Result<(), Error> {
        PostgresStore::set_enterprise_status(self, tax_id, status)
    }
}
