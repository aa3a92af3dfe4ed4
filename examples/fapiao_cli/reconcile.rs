//! `fapiao_cli reconcile --service-db PATH --cloud-db PATH`: compares the
//! service platform's database with the cloud platform's and lists what they
//! disagree on: invoices on one side only (or different on the two), orders the
//! cloud platform sent and never stored an answer to, and invoices the service
//! platform has not uploaded to the tax authority.
//!
//! Both databases are opened read-only; nothing is changed. It assumes the
//! service platform serves this one cloud platform (its invoices for other cloud
//! platforms would show as on the service side only).
//!
//! Exit codes: 0 both sides agree, 1 they do not (each difference on its own
//! line), 2 usage error or a database that cannot be read.

use std::collections::BTreeMap;
use std::io::Write;

use rusqlite::{Connection, OpenFlags};

use crate::args::{Args, one_line};

/// The command's name.
pub const NAME: &str = "reconcile";
/// One-line summary for the command list.
pub const SUMMARY: &str = "compare the service and cloud platforms' databases";

const HELP: &str = "\
usage: fapiao_cli reconcile --service-db PATH --cloud-db PATH

Compares the service platform's database with the cloud platform's (both
opened read-only) and prints one line per difference:

  service-only SELLER/SERIAL NUMBER   issued, never stored at the cloud platform
  cloud-only SELLER/SERIAL NUMBER     stored at the cloud platform, unknown to
                                      the service platform
  different SELLER/SERIAL NUMBER      not the same invoice on the two sides
  outstanding SELLER/SERIAL           sent by the cloud platform, answer never
                                      stored (re-send it)
  not-uploaded NUMBER STATE           not yet uploaded to the tax authority

then a summary line. The service database is taken to serve this one cloud
platform.

options:
  --service-db PATH    the service platform's SQLite database
  --cloud-db PATH      the cloud platform's SQLite database
  -h, --help           this help

exit codes: 0 the two agree, 1 they differ, 2 usage error or unreadable database";

/// An invoice by (seller, serial number): its number and JSON.
type Invoices = BTreeMap<(String, String), (String, serde_json::Value)>;

/// Runs the command; returns the exit code.
pub fn run(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let args = match Args::parse(args, &["--service-db", "--cloud-db"]) {
        Ok(args) => args,
        Err(e) => return usage_error(err, &e),
    };
    if args.help {
        let _ = writeln!(out, "{HELP}");
        return 0;
    }
    let paths = args
        .required("--service-db")
        .and_then(|service| Ok((service, args.required("--cloud-db")?)));
    let (service_path, cloud_path) = match paths {
        Ok(paths) => paths,
        Err(e) => return usage_error(err, &e),
    };
    match reconcile(service_path, cloud_path) {
        Ok(lines) => {
            let differences = lines.len() - 1;
            for line in &lines {
                let _ = writeln!(out, "{line}");
            }
            u8::from(differences > 0)
        }
        Err(e) => {
            let _ = writeln!(err, "fapiao_cli reconcile: {}", one_line(&e));
            2
        }
    }
}

fn usage_error(err: &mut dyn Write, message: &str) -> u8 {
    let _ = writeln!(
        err,
        "fapiao_cli reconcile: {message}\n(`fapiao_cli reconcile --help` for usage)"
    );
    2
}

/// Every difference, one line each, then the summary line.
fn reconcile(service_path: &str, cloud_path: &str) -> Result<Vec<String>, String> {
    let service = open(service_path, &["invoices", "outbox"])?;
    let cloud = open(cloud_path, &["cloud_invoices", "cloud_submissions"])?;
    // Every store has every table: refuse a database that holds the other
    // side's records and none of its own (the two paths swapped, or one file
    // given twice) rather than report two empty sides as agreeing.
    for (conn, path, own, other, role) in [
        (
            &service,
            service_path,
            "invoices",
            "cloud_invoices",
            "service",
        ),
        (&cloud, cloud_path, "cloud_invoices", "invoices", "cloud"),
    ] {
        if count(conn, path, own)? == 0 && count(conn, path, other)? > 0 {
            return Err(format!(
                "{path} holds {other} and no {own}: not the {role} platform's database"
            ));
        }
    }
    let issued = invoices(
        &service,
        service_path,
        "SELECT seller_tax_id, serial_number, invoice_number, invoice_json FROM invoices",
    )?;
    let stored = invoices(
        &cloud,
        cloud_path,
        "SELECT seller_tax_id, serial_number, invoice_number, invoice_json FROM cloud_invoices",
    )?;
    let mut lines = Vec::new();
    for ((seller, serial), (number, json)) in &issued {
        match stored.get(&(seller.clone(), serial.clone())) {
            None => lines.push(format!("service-only {seller}/{serial} {number}")),
            Some((_, other)) if other != json => {
                lines.push(format!("different {seller}/{serial} {number}"));
            }
            Some(_) => {}
        }
    }
    for ((seller, serial), (number, _)) in &stored {
        if !issued.contains_key(&(seller.clone(), serial.clone())) {
            lines.push(format!("cloud-only {seller}/{serial} {number}"));
        }
    }
    let outstanding = rows(
        &cloud,
        cloud_path,
        "SELECT seller_tax_id || '/' || serial_number FROM cloud_submissions
         WHERE state = 'OUTSTANDING' ORDER BY position",
    )?;
    lines.extend(outstanding.iter().map(|key| format!("outstanding {key}")));
    let not_uploaded = rows(
        &service,
        service_path,
        "SELECT invoice_number || ' ' || state FROM outbox
         WHERE state <> 'UPLOADED' ORDER BY invoice_number",
    )?;
    lines.extend(
        not_uploaded
            .iter()
            .map(|entry| format!("not-uploaded {entry}")),
    );
    lines.push(format!(
        "reconcile: {} invoices at the service platform, {} at the cloud platform, {} differences",
        issued.len(),
        stored.len(),
        lines.len()
    ));
    Ok(lines)
}

/// Opens `path` read-only and checks that it has `tables`.
fn open(path: &str, tables: &[&str]) -> Result<Connection, String> {
    if !std::path::Path::new(path).is_file() {
        return Err(format!("cannot read {path}: no such file"));
    }
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| format!("cannot open {path}: {e}"))?;
    for table in tables {
        let found: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
                [table],
                |row| row.get(0),
            )
            .map_err(|e| format!("cannot read {path}: {e}"))?;
        if found == 0 {
            return Err(format!(
                "{path} has no {table} table (not this platform's database, or an older schema)"
            ));
        }
    }
    Ok(conn)
}

/// The number of rows in `table` (one of the fixed names above).
fn count(conn: &Connection, path: &str, table: &str) -> Result<i64, String> {
    conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |row| {
        row.get(0)
    })
    .map_err(|e| format!("cannot read {path}: {e}"))
}

fn invoices(conn: &Connection, path: &str, sql: &str) -> Result<Invoices, String> {
    let unreadable = |e: rusqlite::Error| format!("cannot read {path}: {e}");
    let mut stmt = conn.prepare(sql).map_err(unreadable)?;
    let rows = stmt
        .query_map([], |row| {
            Ok((
                (row.get::<_, String>(0)?, row.get::<_, String>(1)?),
                (row.get::<_, String>(2)?, row.get::<_, String>(3)?),
            ))
        })
        .map_err(unreadable)?;
    let mut out = Invoices::new();
    for row in rows {
        let (key, (number, json)) = row.map_err(unreadable)?;
        let json = serde_json::from_str(&json)
            .map_err(|e| format!("{path}: invoice {number} is not JSON: {e}"))?;
        out.insert(key, (number, json));
    }
    Ok(out)
}

fn rows(conn: &Connection, path: &str, sql: &str) -> Result<Vec<String>, String> {
    let unreadable = |e: rusqlite::Error| format!("cannot read {path}: {e}");
    let mut stmt = conn.prepare(sql).map_err(unreadable)?;
    let rows = stmt
        .query_map([], |row| row.get::<_, String>(0))
        .map_err(unreadable)?;
    rows.collect::<Result<_, _>>().map_err(unreadable)
}
