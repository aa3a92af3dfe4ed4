//! The schema, as ordered migration steps. Each step runs once, in its own
//! transaction, and records its version in `schema_version`. Never edit a step
//! that has shipped: add the next one.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

use crate::error::StoreError;
use crate::store::schema::{self, Migration, check_supported, pending};

/// Every step, oldest first.
const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "issuing: number segments, device journal, requests, invoices, command queue, tax outbox",
        sql: r#"
CREATE TABLE number_segments (
    segment_id   TEXT PRIMARY KEY,
    device_id    TEXT NOT NULL,
    invoice_kind TEXT NOT NULL,
    format       TEXT NOT NULL CHECK (format IN ('DIGITAL', 'LEGACY')),
    prefix       TEXT NOT NULL,            -- digital prefix, or legacy invoice code
    first        INTEGER NOT NULL,
    last         INTEGER NOT NULL,
    next         INTEGER NOT NULL,
    space        TEXT NOT NULL,            -- numbering space, for overlap checks
    span_first   TEXT NOT NULL,
    span_last    TEXT NOT NULL,
    position     INTEGER NOT NULL,         -- order added: segments are used in it
    CHECK (first <= last AND first <= next AND next <= last + 1)
);
CREATE INDEX number_segments_by_kind ON number_segments (device_id, invoice_kind, position);
CREATE INDEX number_segments_by_space ON number_segments (space, span_first);

CREATE TABLE device_journal (
    device_id      TEXT NOT NULL,
    command_id     TEXT NOT NULL,
    command_digest BLOB NOT NULL,
    segment_id     TEXT NOT NULL REFERENCES number_segments (segment_id),
    sequence       INTEGER NOT NULL,
    invoice_number TEXT NOT NULL UNIQUE,
    invoice_json   TEXT NOT NULL,
    PRIMARY KEY (device_id, command_id),
    UNIQUE (segment_id, sequence)
);

CREATE TABLE requests (
    seller_tax_id  TEXT NOT NULL,
    serial_number  TEXT NOT NULL,
    digest         BLOB NOT NULL,
    state          TEXT NOT NULL CHECK (state IN ('ISSUED', 'REFUSED', 'ACCEPTED', 'FAILED')),
    response_json  BLOB NOT NULL,
    invoice_number TEXT UNIQUE REFERENCES invoices (invoice_number) DEFERRABLE INITIALLY DEFERRED,
    ticket         TEXT UNIQUE,
    PRIMARY KEY (seller_tax_id, serial_number)
);

CREATE TABLE invoices (
    invoice_number TEXT PRIMARY KEY,
    seller_tax_id  TEXT NOT NULL,
    serial_number  TEXT NOT NULL,
    invoice_json   TEXT NOT NULL,
    UNIQUE (seller_tax_id, serial_number),
    FOREIGN KEY (seller_tax_id, serial_number) REFERENCES requests (seller_tax_id, serial_number)
        DEFERRABLE INITIALLY DEFERRED
);

CREATE TABLE commands (
    command_id    TEXT PRIMARY KEY,
    seller_tax_id TEXT NOT NULL,
    serial_number TEXT NOT NULL,
    ticket        TEXT NOT NULL UNIQUE,
    command_bytes BLOB NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('QUEUED', 'ISSUED', 'FAILED')),
    UNIQUE (seller_tax_id, serial_number),
    FOREIGN KEY (seller_tax_id, serial_number) REFERENCES requests (seller_tax_id, serial_number)
        DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX commands_queued ON commands (seller_tax_id, state);

CREATE TABLE outbox (
    invoice_number  TEXT PRIMARY KEY REFERENCES invoices (invoice_number) DEFERRABLE INITIALLY DEFERRED,
    state           TEXT NOT NULL CHECK (state IN ('PENDING', 'UPLOADED', 'PARKED')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    receipt_json    TEXT,
    updated_at      INTEGER
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
"#,
    },
    Migration {
        version: 2,
        name: "cloud platform: received invoices and polled tickets",
        sql: r#"
CREATE TABLE cloud_invoices (
    seller_tax_id  TEXT NOT NULL,
    serial_number  TEXT NOT NULL,
    invoice_number TEXT NOT NULL UNIQUE,
    invoice_json   TEXT NOT NULL,
    response_json  BLOB NOT NULL,
    PRIMARY KEY (seller_tax_id, serial_number)
);

CREATE TABLE cloud_tickets (
    ticket        TEXT PRIMARY KEY,
    seller_tax_id TEXT NOT NULL,
    serial_number TEXT NOT NULL,
    recorded_at   INTEGER NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('OUTSTANDING', 'ISSUED', 'FAILED')),
    response_json BLOB
);
CREATE INDEX cloud_tickets_outstanding ON cloud_tickets (state, recorded_at);
"#,
    },
    Migration {
        version: 3,
        name: "replay guard, peer directory, qualification registry",
        sql: r#"
CREATE TABLE replay_guard (
    message_id BLOB PRIMARY KEY,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX replay_guard_expiry ON replay_guard (expires_at);

CREATE TABLE peers (
    fingerprint     BLOB PRIMARY KEY,
    party_id        TEXT NOT NULL,
    role            TEXT NOT NULL,
    certificate_der BLOB NOT NULL,
    not_after       INTEGER NOT NULL,
    status          TEXT NOT NULL,
    pinned_at       INTEGER NOT NULL
);
CREATE INDEX peers_by_party ON peers (party_id);

CREATE TABLE enterprises (
    tax_id      TEXT PRIMARY KEY,
    record_json TEXT NOT NULL
);

CREATE TABLE quota_usage (
    tax_id       TEXT NOT NULL,
    month        TEXT NOT NULL,
    used_fen     INTEGER NOT NULL DEFAULT 0,
    reserved_fen INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tax_id, month)
);

CREATE TABLE quota_reservations (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    tax_id     TEXT NOT NULL,
    month      TEXT NOT NULL,
    amount_fen INTEGER NOT NULL
);
"#,
    },
    Migration {
        version: 4,
        name: "cloud tickets by request serial number",
        sql: r#"
CREATE INDEX cloud_tickets_by_serial ON cloud_tickets (serial_number, state);
"#,
    },
    Migration {
        version: 5,
        name: "quota held by queued commands",
        sql: r#"
ALTER TABLE commands ADD COLUMN quota_reservation_id INTEGER;
ALTER TABLE commands ADD COLUMN quota_month TEXT;
ALTER TABLE commands ADD COLUMN quota_fen INTEGER;
"#,
    },
    Migration {
        version: 6,
        name: "what red-letter requests reverse",
        sql: r#"
ALTER TABLE requests ADD COLUMN reverses TEXT;             -- the original's invoice number key
ALTER TABLE requests ADD COLUMN reversal_total_fen INTEGER;  -- positive fen, with tax
ALTER TABLE requests ADD COLUMN reversal_amount_fen INTEGER; -- positive fen, without tax
CREATE INDEX requests_by_original ON requests (reverses, state) WHERE reverses IS NOT NULL;
"#,
    },
    Migration {
        version: 7,
        name: "queued commands' deadlines",
        sql: r#"
ALTER TABLE commands ADD COLUMN deadline INTEGER NOT NULL DEFAULT 0; -- 0: read it from command_bytes
UPDATE commands
   SET deadline = json_extract(CAST(command_bytes AS TEXT), '$.deadline_unix')
 WHERE json_valid(CAST(command_bytes AS TEXT))
   AND json_type(CAST(command_bytes AS TEXT), '$.deadline_unix') = 'integer'
   AND json_extract(CAST(command_bytes AS TEXT), '$.deadline_unix') > 0;
CREATE INDEX commands_by_deadline ON commands (state, deadline);
"#,
    },
    Migration {
        version: 8,
        name: "the cloud platform that submitted each queued command",
        sql: r#"
ALTER TABLE commands ADD COLUMN platform TEXT; -- NULL: queued before it was recorded
"#,
    },
    Migration {
        version: 9,
        name: "compacting uploaded outbox entries",
        sql: r#"
ALTER TABLE invoices ADD COLUMN uploaded_at INTEGER; -- set when its uploaded outbox entry is compacted
CREATE INDEX outbox_uploaded ON outbox (updated_at) WHERE state = 'UPLOADED';
"#,
    },
    Migration {
        version: 10,
        name: "cloud platform: journal of the orders sent",
        sql: r#"
CREATE TABLE cloud_submissions (
    position      INTEGER PRIMARY KEY,  -- journal order (kept by a re-send)
    seller_tax_id TEXT NOT NULL,
    serial_number TEXT NOT NULL,
    order_der     BLOB NOT NULL,    -- the enterprise-signed SignedData
    sealed        BLOB NOT NULL,    -- the envelope last sent
    submitted_at  INTEGER NOT NULL,
    last_sent_at  INTEGER NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 1,
    state         TEXT NOT NULL
        CHECK (state IN ('OUTSTANDING', 'ISSUED', 'ACCEPTED', 'REFUSED', 'FAILED')),
    closed_at     INTEGER,
    UNIQUE (seller_tax_id, serial_number)
);
CREATE INDEX cloud_submissions_outstanding ON cloud_submissions (state, position);
CREATE INDEX cloud_submissions_by_serial ON cloud_submissions (serial_number, state);
"#,
    },
    Migration {
        version: 11,
        name: "cloud platform: the journal keeps no envelope, and an order until compacted",
        sql: r#"
CREATE TABLE cloud_submissions_kept (
    position      INTEGER PRIMARY KEY,  -- journal order (kept by a re-send)
    seller_tax_id TEXT NOT NULL,
    serial_number TEXT NOT NULL,
    order_der     BLOB,             -- the enterprise-signed SignedData; NULL once compacted
    submitted_at  INTEGER NOT NULL,
    last_sent_at  INTEGER NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 1,
    state         TEXT NOT NULL
        CHECK (state IN ('OUTSTANDING', 'ISSUED', 'ACCEPTED', 'REFUSED', 'FAILED')),
    closed_at     INTEGER,
    UNIQUE (seller_tax_id, serial_number),
    CHECK (state != 'OUTSTANDING' OR order_der IS NOT NULL)
);
INSERT INTO cloud_submissions_kept
    SELECT position, seller_tax_id, serial_number,
           order_der,
           submitted_at, last_sent_at, attempts, state, closed_at
    FROM cloud_submissions;
DROP TABLE cloud_submissions;
ALTER TABLE cloud_submissions_kept RENAME TO cloud_submissions;
CREATE INDEX cloud_submissions_outstanding ON cloud_submissions (state, position);
CREATE INDEX cloud_submissions_by_serial ON cloud_submissions (serial_number, state);
CREATE INDEX cloud_submissions_closed ON cloud_submissions (closed_at)
    WHERE order_der IS NOT NULL AND state != 'OUTSTANDING';
"#,
    },
    Migration {
        version: 12,
        name: "peers: the encryption certificate of a party with two certificates",
        sql: r#"
ALTER TABLE peers ADD COLUMN encryption_certificate BLOB;
"#,
    },
];

/// The newest schema version this library knows.
pub(crate) fn latest() -> i64 {
    schema::latest(MIGRATIONS)
}

/// Brings the database to the latest schema, one step per transaction.
pub(crate) fn migrate(conn: &mut Connection) -> Result<i64, StoreError> {
    const OP: &str = "migrate the schema";
    let db = StoreError::db;
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_version (
             version    INTEGER PRIMARY KEY,
             name       TEXT NOT NULL
         );",
    )
    .map_err(db(OP))?;
    let found = current_version(conn)?;
    check_supported(found, MIGRATIONS)?;
    let mut current = found;
    for step in pending(found, MIGRATIONS) {
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db(OP))?;
        // Another process may have applied it meanwhile.
        let again: Option<i64> = tx
            .query_row(
                "SELECT version FROM schema_version WHERE version = ?1",
                [step.version],
                |row| row.get(0),
            )
            .optional()
            .map_err(db(OP))?;
        if again.is_none() {
            tx.execute_batch(step.sql).map_err(db(OP))?;
            tx.execute(
                "INSERT INTO schema_version (version, name) VALUES (?1, ?2)",
                (step.version, step.name),
            )
            .map_err(db(OP))?;
        }
        tx.commit().map_err(db(OP))?;
        current = step.version;
    }
    Ok(current)
}

/// The schema version recorded in the database (0 for a new one).
pub(crate) fn current_version(conn: &Connection) -> Result<i64, StoreError> {
    conn.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_version",
        [],
        |row| row.get(0),
    )
    .map_err(StoreError::db("read the schema version"))
}
