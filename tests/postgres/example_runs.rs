//! The main example with every party on PostgreSQL (`issue_invoice
//! --postgres URL`): one run, a second run on the same schemas, and two runs
//! at once on one database, each one more node of every party.

use crate::example_support::{
    Prefix, assert_each_order_invoiced_once, issued_and_refused, main_example, spawn, succeeded,
};

#[test]
fn the_main_example_runs_on_postgres_and_a_second_run_goes_on() {
    let _server = crate::support::server_shared();
    let prefix = Prefix::fresh("example");
    let first = succeeded(&main_example(&prefix, 8, &[]).output().unwrap());
    // Eight platform-hosted, the enterprise-hosted one, the red-letter one.
    assert_eq!(issued_and_refused(&first), (10, 1), "{first}");
    assert!(first.contains("stores on PostgreSQL in schemas"), "{first}");
    assert!(first.contains("tax authority: 10 uploaded"), "{first}");
    assert_eq!(assert_each_order_invoiced_once(&prefix), 10);

    // The registry, the pins and the numbering are found as left.
    let second = succeeded(&main_example(&prefix, 3, &[]).output().unwrap());
    assert_eq!(issued_and_refused(&second), (5, 1), "{second}");
    assert!(
        second.contains("platform-hosted: invoice 26440000000000000010"),
        "the hosted device's numbers go on: {second}"
    );
    assert_eq!(assert_each_order_invoiced_once(&prefix), 15);
}

#[test]
fn two_main_examples_at_once_share_one_database() {
    let _server = crate::support::server_shared();
    // A fresh prefix: both processes create, migrate and set up the same
    // schemas at once.
    let prefix = Prefix::fresh("together");
    let runs: Vec<_> = (0..2)
        .map(|_| spawn(main_example(&prefix, 25, &[])))
        .collect();
    let mut issued = 0;
    for run in runs {
        let stdout = succeeded(&run.wait_with_output().unwrap());
        let (run_issued, refused) = issued_and_refused(&stdout);
        assert_eq!((run_issued, refused), (27, 1), "{stdout}");
        issued += run_issued;
    }
    // Every order of both runs invoiced once, under distinct numbers.
    assert_eq!(assert_each_order_invoiced_once(&prefix), issued);
}
