//! The main example (`issue_invoice --postgres URL`) and the service-platform
//! node (`service_platform_node --db postgres://…`) as processes on the test
//! server, each test's parties under a schema prefix of its own, and the
//! checks that every order was invoiced once.

use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use fapiao::store::PostgresStore;

use crate::node_process::examples;
use crate::support::{SchemaGuard, schema_name, url};

/// A prefix no other test uses, and the guards that drop its three schemas.
pub struct Prefix {
    /// The `--schema-prefix`.
    pub name: String,
    _guards: Vec<SchemaGuard>,
}

impl Prefix {
    /// A fresh prefix for `label`.
    pub fn fresh(label: &str) -> Self {
        let name = schema_name(label);
        let guards = ["ecp", "eisp", "front_end"]
            .iter()
            .map(|party| SchemaGuard(format!("{name}_{party}")))
            .collect();
        Self {
            name,
            _guards: guards,
        }
    }

    /// The schema of `party` (`ecp`, `eisp`, `front_end`).
    pub fn schema(&self, party: &str) -> String {
        format!("{}_{party}", self.name)
    }
}

/// The main example on the test server under `prefix`, issuing `count`
/// platform-hosted invoices, through `nodes` when given.
pub fn main_example(prefix: &Prefix, count: usize, nodes: &[&str]) -> Command {
    let mut command = Command::new(&examples().main);
    command
        .args(["--postgres", &url(), "--schema-prefix", &prefix.name])
        .args(["--count", &count.to_string()]);
    for node in nodes {
        command.args(["--service-platform", node]);
    }
    command
}

/// Starts the main example with its output piped.
pub fn spawn(mut command: Command) -> Child {
    command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start issue_invoice")
}

/// Asserts that a run succeeded and returns its stdout.
pub fn succeeded(output: &Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{}\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// A connection to the test server, in `schema`.
fn client(schema: &str) -> postgres::Client {
    let mut client =
        postgres::Client::connect(&url(), postgres::NoTls).expect("connect to the test server");
    client
        .batch_execute(&format!("SET search_path TO {schema}"))
        .expect("set the search path");
    client
}

/// One count from `schema`.
pub fn count(schema: &str, query: &str) -> i64 {
    client(schema)
        .query_one(query, &[])
        .and_then(|row| row.try_get(0))
        .unwrap_or_else(|e| panic!("{query} in {schema}: {e}"))
}

/// The invoices the service platform under `prefix` has recorded so far (0
/// before its schema exists).
pub fn service_invoices(prefix: &Prefix) -> i64 {
    let schema = prefix.schema("eisp");
    let mut client = client(&schema);
    let exists: bool = client
        .query_one("SELECT to_regclass('invoices') IS NOT NULL", &[])
        .and_then(|row| row.try_get(0))
        .unwrap_or(false);
    if !exists {
        return 0;
    }
    client
        .query_one("SELECT COUNT(*) FROM invoices", &[])
        .and_then(|row| row.try_get(0))
        .unwrap_or(0)
}

/// Waits until the service platform under `prefix` has recorded at least
/// `invoices` (at most 300 s), while `child` runs.
pub fn wait_for_invoices(prefix: &Prefix, invoices: i64, child: &mut Child) {
    let started = Instant::now();
    while service_invoices(prefix) < invoices {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the run ended ({status}) before {invoices} invoices");
        }
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "fewer than {invoices} invoices after 300 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Every party's store holds its invariants (`integrity_report`, as
/// `fapiao_cli store-check` prints it), the hosted device used its numbers
/// 1 to n once each, each for one invoice, the cloud platform holds one
/// invoice per invoice the service platform issued (one answer per order),
/// every number once, and no order is outstanding. Returns the invoices
/// issued.
pub fn assert_each_order_invoiced_once(prefix: &Prefix) -> i64 {
    for party in ["ecp", "eisp", "front_end"] {
        let schema = prefix.schema(party);
        let store = PostgresStore::open(&url(), &schema).expect("open the party's schema");
        let report = store.integrity_report().expect("the integrity report");
        assert!(report.holds(), "{schema}: {:?}", report.problems);
        assert_eq!(report.duplicate_numbers, 0, "{schema}");
    }
    let eisp = prefix.schema("eisp");
    let ecp = prefix.schema("ecp");
    let (numbers, first, last) = {
        let row = client(&eisp)
            .query_one(
                "SELECT COUNT(*), COALESCE(MIN(sequence), 0), COALESCE(MAX(sequence), 0)
                 FROM device_journal WHERE device_id = 'EISP-DEV-1'",
                &[],
            )
            .unwrap();
        (
            row.get::<_, i64>(0),
            row.get::<_, i64>(1),
            row.get::<_, i64>(2),
        )
    };
    assert_eq!(
        (first, last),
        (1, numbers),
        "the hosted device's numbers run on"
    );
    let hosted = count(
        &eisp,
        "SELECT COUNT(*) FROM invoices WHERE invoice_number LIKE '26440%'",
    );
    assert_eq!(hosted, numbers, "one invoice per number taken");
    let issued = count(&eisp, "SELECT COUNT(*) FROM invoices");
    let received = count(&ecp, "SELECT COUNT(*) FROM cloud_invoices");
    let distinct = count(
        &ecp,
        "SELECT COUNT(DISTINCT invoice_number) FROM cloud_invoices",
    );
    assert_eq!(
        (received, distinct),
        (issued, issued),
        "the cloud platform holds one invoice per order, each number once"
    );
    let outstanding = count(
        &ecp,
        "SELECT COUNT(*) FROM cloud_submissions WHERE state = 'OUTSTANDING'",
    );
    assert_eq!(outstanding, 0, "no order left unanswered");
    issued
}

/// What a main example's summary line says was issued and refused.
pub fn issued_and_refused(stdout: &str) -> (i64, i64) {
    let summary = stdout
        .lines()
        .find_map(|l| l.strip_prefix("summary: "))
        .unwrap_or_else(|| panic!("no summary line in:\n{stdout}"));
    let mut words = summary.split([' ', ',']).filter(|w| !w.is_empty());
    let issued = words.next().unwrap().parse().unwrap();
    assert_eq!(words.next(), Some("issued"));
    let refused = words.next().unwrap().parse().unwrap();
    (issued, refused)
}
