//! `fapiao_cli store-check` on a PostgreSQL schema (the command module
//! compiled into this test, with the `postgres` feature): invariants holding
//! (exit 0), a number recorded for two requests (exit 1), an unreachable
//! server (exit 2).

#[path = "../../examples/fapiao_cli/store_check.rs"]
#[allow(dead_code)]
mod store_check;

use fapiao::IssuingDevice;
use fapiao::platform::IssuingStore;

use crate::issuing_support::{NOW, SELLER, command, device, digest, response_for, segment};
use crate::support::{fresh, url};

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

#[test]
fn store_check_reads_a_postgres_schema() {
    let (store, guard) = fresh();
    let device = device(store.clone());
    device.add_segment(&segment("seg-a", 1, 100)).unwrap();
    for n in 1..=3 {
        let serial = format!("S-{n}");
        let issued = device.issue(&command(&serial), NOW).unwrap();
        store
            .record_issued(
                SELLER,
                &serial,
                &digest(&serial),
                &issued,
                &response_for(&issued),
                None,
            )
            .unwrap();
    }
    let url = url();
    let (code, out, err) = run(&["--db", &url, "--schema", &guard.0]);
    assert_eq!(
        (code, out.as_str(), err.as_str()),
        (0, "invoices=3 duplicate_numbers=0 problems=0\n", "")
    );
    // The device numbered for S-4; the number is recorded under S-9.
    let issued = device.issue(&command("S-4"), NOW).unwrap();
    store
        .record_issued(
            SELLER,
            "S-9",
            &digest("S-9"),
            &issued,
            &response_for(&issued),
            None,
        )
        .unwrap();
    let (code, out, _) = run(&["--db", &url, "--schema", &guard.0]);
    assert_eq!(code, 1, "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "invoices=4 duplicate_numbers=1 problems=1");
    assert_eq!(
        lines[1],
        format!(
            "duplicate-number invoice={} requests=2",
            issued.invoice_number
        )
    );
    let (code, _, err) = run(&[
        "--db",
        "postgres://postgres@127.0.0.1:1/postgres",
        "--schema",
        "eisp",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("unavailable"), "{err}");
}
