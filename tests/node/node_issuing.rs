//! The main example against a node over HTTP, and a node stopped with
//! SIGTERM in the middle of a run. Slow: each test runs the example
//! processes end to end (seconds in a debug build).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::node_process::{
    Node, assert_each_order_invoiced_once, issued_and_refused, main_example, run_main_example,
    scratch_dir, with_suffix,
};

#[test]
fn the_main_example_issues_through_a_node_each_order_once() {
    let dir = scratch_dir("one-node");
    let service_db = dir.join("eisp.db");
    let main_db = dir.join("main.db");
    let node = Node::start(service_db.to_str().unwrap(), &[]);

    let output = run_main_example(&[&node.url], &main_db, 12);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // Twelve platform-hosted, the enterprise-hosted one (its front end
    // pulled from the node too), the red-letter one; one refused.
    assert_eq!(issued_and_refused(&output), (14, 1), "{stdout}");
    assert!(
        stdout.contains("enterprise-hosted: invoice 2635"),
        "{stdout}"
    );
    // In remote mode the main example keeps only its own parties' databases.
    assert!(with_suffix(&main_db, "-cloud").is_file());
    assert!(
        !main_db.exists(),
        "the service platform's database is the node's"
    );

    let node_stdout = node.stdout.clone();
    let (status, stderr) = node.terminate();
    assert!(status.success(), "{status}: {stderr:?}");
    // The node uploaded on its own: every invoice, as it reports on stdout,
    // and reconcile finds nothing left to upload.
    let uploaded: usize = node_stdout
        .lock()
        .unwrap()
        .iter()
        .filter_map(|l| l.strip_prefix("tax authority: ")?.strip_suffix(" uploaded"))
        .map(|n| n.parse::<usize>().unwrap())
        .sum();
    assert_eq!(uploaded, 14);
    let hosted = assert_each_order_invoiced_once(&service_db, &with_suffix(&main_db, "-cloud"));
    assert_eq!(hosted, 13, "twelve blue and one red on the hosted device");
}

/// A request whose body is still arriving when SIGTERM comes is answered
/// before the node exits (0).
#[test]
fn a_stopping_node_finishes_the_request_in_flight() {
    let dir = scratch_dir("in-flight");
    let node = Node::start(dir.join("eisp.db").to_str().unwrap(), &[]);
    let address = node.url.strip_prefix("http://").unwrap().to_owned();
    let mut stream = TcpStream::connect(&address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    // A body of 4 KiB, half of it sent: the node hands a request with a body
    // over 1 KiB to a worker once its head is in, and the worker reads on.
    let body = vec![0x30u8; 4096];
    let head = "POST /v1/envelope HTTP/1.1\r\nHost: node\r\n\
                Content-Type: application/octet-stream\r\nContent-Length: 4096\r\n\r\n";
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(&body[..2048]).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let stopping = std::thread::spawn(move || node.terminate());
    std::thread::sleep(Duration::from_millis(300));
    stream.write_all(&body[2048..]).unwrap();
    let mut answer = Vec::new();
    let mut buffer = [0u8; 1024];
    while let Ok(n @ 1..) = stream.read(&mut buffer) {
        answer.extend_from_slice(&buffer[..n]);
        if answer.ends_with(b"\n") && answer.windows(4).any(|w| w == b"\r\n\r\n") {
            break;
        }
    }
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 400"), "answered: {answer:?}");
    assert!(answer.contains("malformed"), "{answer}");
    let (status, stderr) = stopping.join().unwrap();
    assert!(status.success(), "{status}: {stderr:?}");
    assert!(stderr.iter().any(|l| l.contains("stopped")), "{stderr:?}");
}

/// SIGTERM in the middle of a run: the node exits 0, the run fails (no node
/// left), a node restarted on the same database serves on, and the next run
/// re-sends what was outstanding: no order is invoiced twice, none is lost.
#[test]
fn a_node_stopped_mid_run_restarts_on_its_database_and_the_rerun_completes() {
    let dir = scratch_dir("sigterm");
    let service_db = dir.join("eisp.db");
    let main_db = dir.join("main.db");
    let node = Node::start(service_db.to_str().unwrap(), &[]);

    // A run far longer than the test lets it go on.
    let mut run = main_example(&[&node.url], &main_db, 100_000)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let invoices = || -> i64 {
        rusqlite::Connection::open(&service_db)
            .and_then(|db| db.query_row("SELECT COUNT(*) FROM invoices", [], |r| r.get(0)))
            .unwrap_or(0)
    };
    let started = Instant::now();
    while invoices() < 5 {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no invoices issued"
        );
        assert!(run.try_wait().unwrap().is_none(), "the run ended early");
        std::thread::sleep(Duration::from_millis(50));
    }
    let (status, stderr) = node.terminate();
    assert!(
        status.success(),
        "the node exits 0 on SIGTERM: {status}: {stderr:?}"
    );
    let first = run.wait_with_output().unwrap();
    assert!(
        !first.status.success(),
        "the run cannot finish without a node"
    );
    let first_err = String::from_utf8_lossy(&first.stderr);
    assert!(
        first_err.contains("no service-platform node answered"),
        "{first_err}"
    );
    let before = invoices();

    // Restarted on the same database: its parties and pins are found.
    let node = Node::start(
        service_db.to_str().unwrap(),
        &["--node-id", "eisp-node-restarted"],
    );
    let health = ureq::get(format!("{}/v1/health", node.url)).call().unwrap();
    assert_eq!(
        health.into_body().read_to_string().unwrap(),
        "ok eisp-node-restarted\n"
    );
    let second = run_main_example(&[&node.url], &main_db, 3);
    let stdout = String::from_utf8_lossy(&second.stdout);
    assert!(
        second.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&second.stderr)
    );
    let (status, stderr) = node.terminate();
    assert!(status.success(), "{status}: {stderr:?}");

    let hosted = assert_each_order_invoiced_once(&service_db, &with_suffix(&main_db, "-cloud"));
    // The second run's three blue and one red, and at most the one order that
    // was in flight when the node stopped (recovered now), beyond the first's.
    let recovered = stdout.matches("recovered order").count() as i64;
    assert!(recovered <= 1, "{stdout}");
    assert_eq!(invoices(), before + 5 + recovered, "{stdout}");
    assert!(hosted >= 5 + 4);
}
