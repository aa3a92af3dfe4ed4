//! Two service-platform nodes on one PostgreSQL database
//! (`service_platform_node --db postgres://…`), the main example (its cloud
//! platform and front end on the same database) sending to both, and one
//! node SIGKILLed in the middle of the run: the other answers the rest, and
//! every order gets exactly one invoice.

use crate::example_support::{
    Prefix, assert_each_order_invoiced_once, issued_and_refused, main_example, spawn, succeeded,
    wait_for_invoices,
};
use crate::node_process::Node;
use crate::support::url;

#[test]
fn two_nodes_on_one_database_one_killed_every_order_invoiced_once() {
    let _server = crate::support::server_shared();
    let prefix = Prefix::fresh("cluster");
    let url = url();
    let node = |id: &str| Node::start(&url, &["--schema-prefix", &prefix.name, "--node-id", id]);
    let (a, b) = (node("eisp-a"), node("eisp-b"));
    assert!(
        a.stdout.lock().unwrap()[0].starts_with("listening on http://"),
        "the node serves"
    );

    let mut run = spawn(main_example(&prefix, 120, &[&a.url, &b.url]));
    wait_for_invoices(&prefix, 30, &mut run);
    // Dropping a node kills it (SIGKILL): whatever it was answering is lost
    // on the way back, and the client sends it again, resealed, to the other.
    drop(a);
    let stdout = succeeded(&run.wait_with_output().unwrap());
    // 120 platform-hosted, the enterprise-hosted one (its front end pulled
    // through the nodes), the red-letter one; one refused.
    assert_eq!(issued_and_refused(&stdout), (122, 1), "{stdout}");
    assert!(
        stdout.contains("enterprise-hosted: invoice 2635"),
        "{stdout}"
    );
    assert_eq!(assert_each_order_invoiced_once(&prefix), 122);

    let (status, stderr) = b.terminate();
    assert!(status.success(), "{status}: {stderr:?}");
}
