//! The PostgreSQL schema, as ordered migration steps. Each step runs once, in
//! its own transaction, holding a transaction-scoped advisory lock on the
//! schema's name (nodes that start together wait for each other and migrate
//! once), and records its version in `schema_version`. Never edit a step that
//! has shipped: add the next one.
//!
//! The first step is the SQLite store's schema at its version 12, in
//! PostgreSQL's types: `BIGINT` integers, `BYTEA` blobs, identity columns where
//! SQLite orders by `rowid`.

use super::Client;

use super::codec::{During, get};
use crate::error::StoreError;
use crate::store::schema::{self, Migration, check_supported};

/// Every step, oldest first.
const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "the whole store: issuing, outbox, cloud platform, replay guard, peers, qualification",
    sql: r#"
CREATE TABLE number_segments (
    segment_id   TEXT PRIMARY KEY,
    device_id    TEXT NOT NULL,
    invoice_kind TEXT NOT NULL,
    format       TEXT NOT NULL CHECK (format IN ('DIGITAL', 'LEGACY')),
    prefix       TEXT NOT NULL,
    first        BIGINT NOT NULL,
    last         BIGINT NOT NULL,
    next         BIGINT NOT NULL,
    space        TEXT NOT NULL,
    span_first   TEXT NOT NULL,
    span_last    TEXT NOT NULL,
    position     BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    CHECK (first <= last AND first <= next AND next <= last + 1)
);
CREATE INDEX number_segments_by_kind ON number_segments (device_id, invoice_kind, position);
CREATE INDEX number_segments_by_space ON number_segments (space, span_first);

CREATE TABLE device_journal (
    device_id      TEXT NOT NULL,
    command_id     TEXT NOT NULL,
    command_digest BYTEA NOT NULL,
    segment_id     TEXT NOT NULL REFERENCES number_segments (segment_id),
    sequence       BIGINT NOT NULL,
    invoice_number TEXT NOT NULL UNIQUE,
    invoice_json   TEXT NOT NULL,
    PRIMARY KEY (device_id, command_id),
    UNIQUE (segment_id, sequence)
);

CREATE TABLE requests (
    seller_tax_id       TEXT NOT NULL,
    serial_number       TEXT NOT NULL,
    digest              BYTEA NOT NULL,
    state               TEXT NOT NULL CHECK (state IN ('ISSUED', 'REFUSED', 'ACCEPTED', 'FAILED')),
    response_json       BYTEA NOT NULL,
    invoice_number      TEXT UNIQUE,
    ticket              TEXT UNIQUE,
    reverses            TEXT,
    reversal_total_fen  BIGINT,
    reversal_amount_fen BIGINT,
    PRIMARY KEY (seller_tax_id, serial_number)
);
CREATE INDEX requests_by_original ON requests (reverses, state) WHERE reverses IS NOT NULL;

CREATE TABLE invoices (
    invoice_number TEXT PRIMARY KEY,
    seller_tax_id  TEXT NOT NULL,
    serial_number  TEXT NOT NULL,
    invoice_json   TEXT NOT NULL,
    uploaded_at    BIGINT,
    UNIQUE (seller_tax_id, serial_number),
    FOREIGN KEY (seller_tax_id, serial_number) REFERENCES requests (seller_tax_id, serial_number)
        DEFERRABLE INITIALLY DEFERRED
);
ALTER TABLE requests ADD FOREIGN KEY (invoice_number) REFERENCES invoices (invoice_number)
    DEFERRABLE INITIALLY DEFERRED;

CREATE TABLE commands (
    command_id           TEXT PRIMARY KEY,
    seller_tax_id        TEXT NOT NULL,
    serial_number        TEXT NOT NULL,
    ticket               TEXT NOT NULL UNIQUE,
    command_bytes        BYTEA NOT NULL,
    state                TEXT NOT NULL CHECK (state IN ('QUEUED', 'ISSUED', 'FAILED')),
    quota_reservation_id BIGINT,
    quota_month          TEXT,
    quota_fen            BIGINT,
    deadline             BIGINT NOT NULL DEFAULT 0,
    platform             TEXT,
    queued               BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    UNIQUE (seller_tax_id, serial_number),
    FOREIGN KEY (seller_tax_id, serial_number) REFERENCES requests (seller_tax_id, serial_number)
        DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX commands_queued ON commands (seller_tax_id, state, queued);
CREATE INDEX commands_by_deadline ON commands (state, deadline);

CREATE TABLE outbox (
    invoice_number  TEXT PRIMARY KEY REFERENCES invoices (invoice_number) DEFERRABLE INITIALLY DEFERRED,
    state           TEXT NOT NULL CHECK (state IN ('PENDING', 'UPLOADED', 'PARKED')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL DEFAULT 0,
    last_error      TEXT,
    receipt_json    TEXT,
    updated_at      BIGINT,
    added           BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
CREATE INDEX outbox_uploaded ON outbox (updated_at) WHERE state = 'UPLOADED';

CREATE TABLE cloud_invoices (
    seller_tax_id  TEXT NOT NULL,
    serial_number  TEXT NOT NULL,
    invoice_number TEXT NOT NULL UNIQUE,
    invoice_json   TEXT NOT NULL,
    response_json  BYTEA NOT NULL,
    PRIMARY KEY (seller_tax_id, serial_number)
);

CREATE TABLE cloud_tickets (
    ticket        TEXT PRIMARY KEY,
    seller_tax_id TEXT NOT NULL,
    serial_number TEXT NOT NULL,
    recorded_at   BIGINT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('OUTSTANDING', 'ISSUED', 'FAILED')),
    response_json BYTEA,
    added         BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE
);
CREATE INDEX cloud_tickets_outstanding ON cloud_tickets (state, recorded_at);
CREATE INDEX cloud_tickets_by_serial ON cloud_tickets (serial_number, state);

CREATE TABLE cloud_submissions (
    position      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    seller_tax_id TEXT NOT NULL,
    serial_number TEXT NOT NULL,
    order_der     BYTEA,
    submitted_at  BIGINT NOT NULL,
    last_sent_at  BIGINT NOT NULL,
    attempts      BIGINT NOT NULL DEFAULT 1,
    state         TEXT NOT NULL
        CHECK (state IN ('OUTSTANDING', 'ISSUED', 'ACCEPTED', 'REFUSED', 'FAILED')),
    closed_at     BIGINT,
    UNIQUE (seller_tax_id, serial_number),
    CHECK (state != 'OUTSTANDING' OR order_der IS NOT NULL)
);
CREATE INDEX cloud_submissions_outstanding ON cloud_submissions (state, position);
CREATE INDEX cloud_submissions_by_serial ON cloud_submissions (serial_number, state);
CREATE INDEX cloud_submissions_closed ON cloud_submissions (closed_at)
    WHERE order_der IS NOT NULL AND state != 'OUTSTANDING';

CREATE TABLE replay_guard (
    message_id BYTEA PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE INDEX replay_guard_expiry ON replay_guard (expires_at);

CREATE TABLE peers (
    fingerprint            BYTEA PRIMARY KEY,
    party_id               TEXT NOT NULL,
    role                   TEXT NOT NULL,
    certificate_der        BYTEA NOT NULL,
    not_after              BIGINT NOT NULL,
    status                 TEXT NOT NULL,
    pinned_at              BIGINT NOT NULL,
    encryption_certificate BYTEA,
    added                  BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE
);
CREATE INDEX peers_by_party ON peers (party_id);

CREATE TABLE enterprises (
    tax_id      TEXT PRIMARY KEY,
    record_json TEXT NOT NULL
);

CREATE TABLE quota_usage (
    tax_id       TEXT NOT NULL,
    month        TEXT NOT NULL,
    used_fen     BIGINT NOT NULL DEFAULT 0,
    reserved_fen BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (tax_id, month)
);

CREATE TABLE quota_reservations (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tax_id     TEXT NOT NULL,
    month      TEXT NOT NULL,
    amount_fen BIGINT NOT NULL
);
"#,
}];

/// The newest schema version this library knows.
pub(super) fn latest() -> i64 {
    schema::latest(MIGRATIONS)
}

/// Brings `schema` to the latest version, one step per transaction, creating
/// it first if needed.
pub(super) fn migrate(client: &mut Client, schema: &str) -> Result<i64, StoreError> {
    const OP: &str = "migrate the schema";
    let lock_key = format!("fapiao schema {schema}");
    let mut current = 0;
    // Step 0 makes the schema and its version table; then one per migration.
    for index in 0..=MIGRATIONS.len() {
        let mut tx = client.transaction().during(OP)?;
        tx.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
            &[&lock_key],
        )
        .during(OP)?;
        // The schema name is checked to be a plain identifier on open.
        tx.batch_execute(&format!(
            "CREATE SCHEMA IF NOT EXISTS {schema};
             SET LOCAL search_path TO {schema};
             CREATE TABLE IF NOT EXISTS schema_version (
                 version    BIGINT PRIMARY KEY,
                 name       TEXT NOT NULL,
                 applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
             );"
        ))
        .during(OP)?;
        let found = version_in(&mut tx)?;
        check_supported(found, MIGRATIONS)?;
        current = found;
        if let Some(step) = index.checked_sub(1).and_then(|i| MIGRATIONS.get(i)) {
            // Another node may have applied it meanwhile.
            if step.version > found {
                tx.batch_execute(step.sql).during(OP)?;
                tx.execute(
                    "INSERT INTO schema_version (version, name) VALUES ($1, $2)",
                    &[&step.version, &step.name],
                )
                .during(OP)?;
                current = step.version;
            }
        }
        tx.commit().during(OP)?;
    }
    Ok(current)
}

fn version_in(client: &mut impl postgres::GenericClient) -> Result<i64, StoreError> {
    const OP: &str = "read the schema version";
    let row = client
        .query_one("SELECT COALESCE(MAX(version), 0) FROM schema_version", &[])
        .during(OP)?;
    get(&row, 0, OP)
}

/// The schema version recorded in the database (0 for a new one).
pub(super) fn current_version(client: &mut Client) -> Result<i64, StoreError> {
    version_in(client.raw())
}
