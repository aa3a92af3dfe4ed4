//! The main example on PostgreSQL SIGKILLed in the middle of a run: the next
//! run re-sends the orders the cloud platform's journal holds as outstanding
//! first, and nothing ends up invoiced twice or lost.

use crate::example_support::{
    Prefix, assert_each_order_invoiced_once, count, issued_and_refused, main_example,
    service_invoices, spawn, succeeded, wait_for_invoices,
};

#[test]
fn a_main_example_killed_mid_run_is_taken_up_by_the_next() {
    let _server = crate::support::server_shared();
    let prefix = Prefix::fresh("killed");
    let mut run = spawn(main_example(&prefix, 100_000, &[]));
    wait_for_invoices(&prefix, 20, &mut run);
    run.kill().expect("SIGKILL the run");
    let status = run.wait().unwrap();
    assert!(!status.success(), "{status}");
    let before = service_invoices(&prefix);
    let outstanding = count(
        &prefix.schema("ecp"),
        "SELECT COUNT(*) FROM cloud_submissions WHERE state = 'OUTSTANDING'",
    );

    let rerun = succeeded(&main_example(&prefix, 3, &[]).output().unwrap());
    let (issued, refused) = issued_and_refused(&rerun);
    assert_eq!((issued, refused), (5, 1), "{rerun}");
    let recovered = rerun
        .lines()
        .filter(|l| l.starts_with("recovered order "))
        .count();
    assert_eq!(
        i64::try_from(recovered).unwrap(),
        outstanding,
        "the killed run's outstanding orders are re-sent first: {rerun}"
    );
    // What the killed run sent is answered (re-sent where its answer was not
    // stored), and the stores agree, every number once.
    let total = assert_each_order_invoiced_once(&prefix);
    assert!(total >= before + issued, "{total} < {before} + {issued}");
    assert!(
        total <= before + issued + 1,
        "{total}: one order in flight at most"
    );
}
