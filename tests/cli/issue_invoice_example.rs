//! The main job, `examples/issue_invoice.rs` (the README's first command), run
//! as a test: in memory, and twice on kept databases (`--db`), where the
//! second run must go on where the first ended.

#[path = "../../examples/issue_invoice.rs"]
#[allow(dead_code)]
mod issue_invoice;

use std::path::PathBuf;

use issue_invoice::{Options, Summary, run};

fn scratch_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("issue_invoice_example")
        .join(format!("{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The invoice numbers' serial parts (after the five-digit prefix of the
/// device's segment), of the numbers that start with `prefix`.
fn serials(summary: &Summary, prefix: &str) -> Vec<u64> {
    summary
        .numbers
        .iter()
        .filter(|n| n.starts_with(prefix))
        .map(|n| n[prefix.len()..].parse().unwrap())
        .collect()
}

#[test]
fn the_main_job_runs_in_memory() {
    let summary = run(&Options::parse(&["--count".into(), "3".into()]).unwrap()).unwrap();
    // Three platform-hosted, one enterprise-hosted, one red-letter; one refused.
    assert_eq!(summary.issued, 5);
    assert_eq!(summary.refused, 1);
    assert_eq!(summary.uploaded, 5);
    assert_eq!(serials(&summary, "26440"), [1, 2, 3, 4]);
    assert_eq!(serials(&summary, "26350"), [1]);
}

#[cfg(feature = "gm")]
#[test]
fn the_main_job_runs_on_sm2_dual_certificates() {
    let args: Vec<String> = ["--gm", "--count", "2"].map(String::from).to_vec();
    let options = Options::parse(&args).unwrap();
    assert!(options.gm);
    let summary = run(&options).unwrap();
    // Two platform-hosted, one enterprise-hosted, one red-letter; one refused.
    assert_eq!(summary.issued, 4);
    assert_eq!(summary.refused, 1);
    assert_eq!(summary.uploaded, 4);
    assert_eq!(serials(&summary, "26440"), [1, 2, 3]);
    assert_eq!(serials(&summary, "26350"), [1]);
}

#[test]
fn a_run_on_kept_databases_goes_on_where_the_last_one_ended() {
    let db = scratch_dir("kept").join("eisp.db");
    let args = |batch: &str| {
        let db = db.to_str().unwrap().to_owned();
        Options::parse(&[
            "--count".into(),
            "4".into(),
            "--batch".into(),
            batch.into(),
            "--db".into(),
            db,
        ])
        .unwrap()
    };
    let first = run(&args("1")).unwrap();
    let second = run(&args("2")).unwrap();
    for (run, summary) in [("first", &first), ("second", &second)] {
        assert_eq!(summary.issued, 6, "{run}");
        assert_eq!(summary.refused, 1, "{run}");
        // Each run uploads what it issued: the first run's are already done.
        assert_eq!(summary.uploaded, 6, "{run}");
    }
    // Each party keeps its own database.
    for suffix in ["", "-cloud", "-front-end"] {
        let mut file = db.as_os_str().to_owned();
        file.push(suffix);
        assert!(PathBuf::from(file).is_file(), "eisp.db{suffix}");
    }
    // Both devices' numbers continue, strictly sequential, never reused.
    assert_eq!(serials(&first, "26440"), [1, 2, 3, 4, 5]);
    assert_eq!(serials(&second, "26440"), [6, 7, 8, 9, 10]);
    assert_eq!(serials(&first, "26350"), [1]);
    assert_eq!(serials(&second, "26350"), [2]);
}

/// A run killed between the service platform's commit and the cloud
/// platform's leaves the order outstanding in the cloud platform's journal,
/// without its invoice: the next run re-sends it first and stores the invoice
/// the service platform had issued.
#[test]
fn the_next_run_recovers_an_order_whose_answer_was_lost() {
    let db = scratch_dir("recover").join("eisp.db");
    let args = Options::parse(&["--db".into(), db.to_str().unwrap().to_owned()]).unwrap();
    let first = run(&args).unwrap();
    assert_eq!(first.recovered, 0);
    let mut cloud_db = db.as_os_str().to_owned();
    cloud_db.push("-cloud");
    let cloud = rusqlite::Connection::open(PathBuf::from(cloud_db)).unwrap();
    // The state a kill after the service platform's commit leaves.
    let (seller, serial, number): (String, String, String) = cloud
        .query_row(
            "SELECT seller_tax_id, serial_number, invoice_number FROM cloud_invoices
             WHERE serial_number LIKE 'P-%'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    cloud
        .execute_batch(&format!(
            "DELETE FROM cloud_invoices WHERE serial_number = '{serial}';
             UPDATE cloud_submissions SET state = 'OUTSTANDING' WHERE serial_number = '{serial}';"
        ))
        .unwrap();

    let second = run(&args).unwrap();
    assert_eq!(second.recovered, 1);
    let (state, recovered): (String, String) = cloud
        .query_row(
            "SELECT s.state, i.invoice_number FROM cloud_submissions s
             JOIN cloud_invoices i USING (seller_tax_id, serial_number)
             WHERE seller_tax_id = ?1 AND serial_number = ?2",
            [&seller, &serial],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(state, "ISSUED");
    assert_eq!(recovered, number, "the invoice issued the first time");
    // Nothing was issued twice: the second run's own three invoices only.
    assert_eq!(second.issued, 3);
    assert_eq!(serials(&second, "26440"), [3, 4]);
}

#[test]
fn bad_arguments_give_the_usage_line() {
    for args in [
        &["--count"][..],
        &["--count", "many"],
        &["--batch", "0"],
        &["--batch", "1025"],
        &["--verbose", "1"],
    ] {
        let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        let err = Options::parse(&args).err().expect("refused");
        assert!(
            err.contains("usage") || err.contains("needs a number"),
            "{args:?}: {err}"
        );
    }
}
