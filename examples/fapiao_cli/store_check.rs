//! `fapiao_cli store-check --db PATH_OR_URL [--schema S]`: checks a party's
//! store, a SQLite file or a PostgreSQL schema, against the invariants the
//! store promises, and prints one summary line then one line per broken
//! invariant.
//!
//! Exit codes: 0 every invariant holds, 1 at least one is broken, 2 usage error,
//! a file that is not there, or a server that cannot be reached.

use std::io::Write;

use fapiao::store::{IntegrityReport, SqliteStore, StoreError};

use crate::args::{Args, one_line};

/// The command's name.
pub const NAME: &str = "store-check";
/// One-line summary for the command list.
pub const SUMMARY: &str = "check a store's invariants (SQLite file or PostgreSQL schema)";

const HELP: &str = "\
usage: fapiao_cli store-check --db PATH_OR_URL [--schema SCHEMA]

Checks a party's store against the invariants it promises: every number given
out journaled once and recorded for one request, every issued request with its
invoice and every invoice with its request, every invoice in the tax outbox,
every accepted request with its queued command. Prints

  invoices=N duplicate_numbers=N problems=N

then one line per broken invariant (its name, then key=value fields).

The store is opened as a platform opens it (a schema older than the library's
is migrated first).

options:
  --db PATH_OR_URL   a SQLite database file, or a postgres:// or postgresql://
                     URL (builds with the `postgres` feature)
  --schema SCHEMA    the PostgreSQL schema of the party (required with a URL)
  -h, --help         this help

exit codes: 0 every invariant holds, 1 one or more broken, 2 usage error,
missing file or unreachable database";

/// Runs the command; returns the exit code.
pub fn run(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let args = match Args::parse(args, &["--db", "--schema"]) {
        Ok(args) => args,
        Err(e) => return usage_error(err, &e),
    };
    if args.help {
        let _ = writeln!(out, "{HELP}");
        return 0;
    }
    let (db, schema) = match (args.required("--db"), args.optional("--schema")) {
        (Ok(db), Ok(schema)) => (db, schema),
        (Err(e), _) | (_, Err(e)) => return usage_error(err, &e),
    };
    let report = if db.starts_with("postgres://") || db.starts_with("postgresql://") {
        let Some(schema) = schema else {
            return usage_error(err, "--schema is required with a PostgreSQL URL");
        };
        postgres_report(db, schema)
    } else {
        if schema.is_some() {
            return usage_error(err, "--schema applies to a PostgreSQL URL only");
        }
        if !std::path::Path::new(db).is_file() {
            return usage_error(err, &format!("no database file at {db}"));
        }
        SqliteStore::open(db).and_then(|store| store.integrity_report())
    };
    match report {
        Ok(report) => print(out, &report),
        Err(e) => {
            let _ = writeln!(err, "fapiao_cli store-check: {}", one_line(&e.to_string()));
            2
        }
    }
}

#[cfg(feature = "postgres")]
fn postgres_report(url: &str, schema: &str) -> Result<IntegrityReport, StoreError> {
    fapiao::store::PostgresStore::open(url, schema)?.integrity_report()
}

#[cfg(not(feature = "postgres"))]
fn postgres_report(_url: &str, _schema: &str) -> Result<IntegrityReport, StoreError> {
    Err(StoreError::InvalidSetting {
        setting: "--db",
        problem: "a PostgreSQL URL needs a build with the `postgres` feature".into(),
    })
}

/// Prints the report; returns 0 when every invariant holds, 1 otherwise.
fn print(out: &mut dyn Write, report: &IntegrityReport) -> u8 {
    let _ = writeln!(
        out,
        "invoices={} duplicate_numbers={} problems={}",
        report.invoices,
        report.duplicate_numbers,
        report.problems.len()
    );
    for problem in &report.problems {
        let _ = writeln!(out, "{problem}");
    }
    if report.holds() { 0 } else { 1 }
}

fn usage_error(err: &mut dyn Write, message: &str) -> u8 {
    let _ = writeln!(err, "fapiao_cli store-check: {message}\n\n{HELP}");
    2
}
