//! `fapiao_cli store-check` on SQLite, run in-process (the command module is
//! compiled into this test): a store whose invariants hold (exit 0), the same
//! store broken by hand (exit 1, each problem named), bad arguments and a
//! missing file (exit 2). tests/postgres runs it on a PostgreSQL schema.

#[path = "../../examples/fapiao_cli/store_check.rs"]
#[allow(dead_code)]
mod store_check;

use std::path::PathBuf;
use std::sync::Arc;

use fapiao::store::SqliteStore;

use crate::platform_support::*;

fn run(args: &[&str]) -> (u8, String, String) {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = store_check::run(&args, &mut out, &mut err);
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("cli_store_check")
        .join(format!("{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn store_check_counts_invoices_and_names_each_broken_invariant() {
    let dir = scratch("broken");
    let (service, cloud) = (dir.join("service.db"), dir.join("cloud.db"));
    {
        let open = |path: &PathBuf| Arc::new(SqliteStore::open(path).unwrap());
        let world = World::with_stores(open(&cloud), open(&service), open(&dir.join("front.db")));
        for n in 1..=3 {
            let serial = format!("C-{n}");
            world.issue(
                HOSTED_BY_PLATFORM,
                &World::request(HOSTED_BY_PLATFORM, &serial),
                NOW,
            );
        }
    }
    let (code, out, err) = run(&["--db", service.to_str().unwrap()]);
    assert_eq!(
        (code, out.as_str(), err.as_str()),
        (0, "invoices=3 duplicate_numbers=0 problems=0\n", "")
    );
    let (code, out, _) = run(&["--db", cloud.to_str().unwrap()]);
    assert_eq!(
        (code, out.as_str()),
        (0, "invoices=3 duplicate_numbers=0 problems=0\n")
    );

    // Broken by hand: one invoice's outbox entry deleted, one invoice's
    // journal entry claiming another command.
    let conn = rusqlite::Connection::open(&service).unwrap();
    let numbers: Vec<String> = conn
        .prepare("SELECT invoice_number FROM invoices ORDER BY invoice_number")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    conn.execute(
        "DELETE FROM outbox WHERE invoice_number = ?1",
        [&numbers[0]],
    )
    .unwrap();
    conn.execute(
        "UPDATE device_journal SET command_id = 'someone:else' WHERE invoice_number = ?1",
        [&numbers[1]],
    )
    .unwrap();
    drop(conn);
    let (code, out, _) = run(&["--db", service.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "invoices=3 duplicate_numbers=1 problems=2");
    assert!(
        lines.contains(&format!("invoice-not-in-outbox invoice={}", numbers[0]).as_str()),
        "{out}"
    );
    assert!(
        lines.contains(&format!("duplicate-number invoice={} requests=2", numbers[1]).as_str()),
        "{out}"
    );
}

#[test]
fn store_check_refuses_bad_arguments_and_missing_files() {
    let dir = scratch("usage");
    for args in [
        &[][..],
        &["--db"][..],
        &["--db", "x.db", "--unknown", "1"][..],
        &["--db", "postgres://localhost/db"][..],
        &["--db", "file.db", "--schema", "eisp"][..],
    ] {
        let (code, _, err) = run(args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains("usage: fapiao_cli store-check"), "{err}");
    }
    let missing = dir.join("missing.db");
    let (code, _, err) = run(&["--db", missing.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("no database file"), "{err}");
    assert!(!missing.exists(), "nothing created");
    let (code, out, _) = run(&["--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("duplicate_numbers"));
}
