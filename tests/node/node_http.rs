//! The node's HTTP answers: health, and a typed refusal with a message for
//! every kind of bad request; its command line's refusals.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

use crate::node_process::{Node, examples, scratch_dir};

fn agent() -> ureq::Agent {
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build();
    ureq::Agent::new_with_config(config)
}

/// Status, one header's value, and the body as text.
fn answer(response: ureq::http::Response<ureq::Body>, header: &str) -> (u16, String, String) {
    let status = response.status().as_u16();
    let value = response
        .headers()
        .get(header)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = response.into_body().read_to_string().unwrap();
    (status, value, body)
}

fn post(url: &str, content_type: &str, body: &[u8]) -> (u16, String, String) {
    let response = agent()
        .post(format!("{url}/v1/envelope"))
        .header("Content-Type", content_type)
        .send(body)
        .unwrap();
    answer(response, "content-type")
}

/// One raw request written on a fresh connection, and the whole answer read.
fn raw(url: &str, request: &str) -> String {
    let address = url.strip_prefix("http://").unwrap();
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    // Up to the end of the first answer's body (the node keeps the connection).
    loop {
        let n = stream.read(&mut buffer).unwrap_or(0);
        answer.extend_from_slice(&buffer[..n]);
        let text = String::from_utf8_lossy(&answer);
        let done = text.split_once("\r\n\r\n").is_some_and(|(head, body)| {
            head.lines()
                .find_map(|l| l.strip_prefix("Content-Length: "))
                .and_then(|n| n.trim().parse::<usize>().ok())
                .is_some_and(|n| body.len() >= n)
        });
        if n == 0 || done {
            return text.into_owned();
        }
    }
}

#[test]
fn health_names_the_node_and_bad_requests_get_a_status_and_a_message() {
    let dir = scratch_dir("http");
    let db = dir.join("eisp.db");
    let node = Node::start(db.to_str().unwrap(), &["--node-id", "eisp-test-7"]);
    let url = node.url.as_str();

    let health = agent().get(format!("{url}/v1/health")).call().unwrap();
    assert_eq!(answer(health, "content-type").0, 200);
    let health = agent().get(format!("{url}/v1/health")).call().unwrap();
    assert_eq!(answer(health, "").2, "ok eisp-test-7\n");

    // The wrong method on each resource: 405 naming the right one.
    let (status, allow, body) = answer(
        agent().get(format!("{url}/v1/envelope")).call().unwrap(),
        "allow",
    );
    assert_eq!((status, allow.as_str()), (405, "POST"), "{body}");
    assert!(body.contains("use POST"), "{body}");
    let (status, allow, _) = answer(
        agent().delete(format!("{url}/v1/health")).call().unwrap(),
        "allow",
    );
    assert_eq!((status, allow.as_str()), (405, "GET"));
    // An unknown resource.
    let (status, _, body) = answer(agent().get(format!("{url}/v2/x")).call().unwrap(), "");
    assert_eq!(status, 404);
    assert!(body.contains("POST /v1/envelope"), "{body}");

    // Garbage, an empty body, the wrong content type.
    let (status, content_type, body) = post(url, "application/octet-stream", b"not an envelope");
    assert_eq!(status, 400, "{body}");
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    assert!(body.contains("malformed ContentInfo"), "{body}");
    let (status, _, body) = post(url, "application/octet-stream", b"");
    assert_eq!(status, 400);
    assert!(body.contains("empty body"), "{body}");
    let (status, _, body) = post(url, "application/json", b"{}");
    assert_eq!(status, 415);
    assert!(body.contains("application/octet-stream"), "{body}");

    // A well-formed envelope the service platform refuses: sealed to it by
    // an enterprise it has pinned as no peer (422, with the reason).
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let eisp = fapiao_testkit::creds("eisp-p256");
    let sealed = fapiao::envelope::seal(
        b"{}",
        &fapiao_testkit::creds("enterprise-rsa"),
        &[eisp.leaf()],
        now,
        fapiao_testkit::provider(),
    )
    .unwrap();
    let (status, _, body) = post(url, "application/octet-stream", &sealed);
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("pinned"), "{body}");

    // A body over the envelope policy's limit (16 MiB): refused by its
    // Content-Length, before any of it is read.
    let answer = raw(
        url,
        "POST /v1/envelope HTTP/1.1\r\nHost: node\r\nContent-Type: application/octet-stream\r\n\
         Content-Length: 20000000\r\n\r\n",
    );
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(
        answer.contains("exceeds the limit of 16777216 bytes"),
        "{answer}"
    );
    // The same in chunks, with no length announced: refused once past the limit.
    let big = vec![0x30u8; 16 * 1024 * 1024 + 10];
    let response = agent()
        .post(format!("{url}/v1/envelope"))
        .header("Content-Type", "application/octet-stream")
        .send(ureq::SendBody::from_reader(&mut big.as_slice()))
        .unwrap();
    let (status, _, body) = self::answer(response, "");
    assert_eq!(status, 413, "{body}");

    // The node still serves, and stops cleanly.
    let health = agent().get(format!("{url}/v1/health")).call().unwrap();
    assert_eq!(self::answer(health, "").0, 200);
    let (status, _) = node.terminate();
    assert!(status.success(), "{status}");
}

#[test]
fn the_command_line_refuses_what_the_node_cannot_serve() {
    let node = |args: &[&str]| Command::new(&examples().node).args(args).output().unwrap();
    let out = node(&["--db", "postgres://eisp:secret@db.example/eisp"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("PostgreSQL"), "{stderr}");
    assert!(
        !stderr.contains("secret"),
        "the URL's password is not repeated: {stderr}"
    );
    for args in [&["--workers", "0"][..], &["--verbose"], &["--listen"]] {
        let out = node(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
    let out = node(&["--listen", "127.0.0.1:notaport"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--listen 127.0.0.1:notaport"), "{stderr}");
}

#[test]
fn the_main_example_refuses_a_postgres_url_it_cannot_use() {
    let main = |args: &[&str]| Command::new(&examples().main).args(args).output().unwrap();
    let url = "postgres://fapiao:secret@db.example/fapiao";
    let out = main(&["--postgres", url]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if cfg!(feature = "postgres") {
        // With the feature: the stores on PostgreSQL or on SQLite files, not both.
        let out = main(&["--postgres", url, "--db", "/tmp/never.db"]);
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("--postgres and --db"), "{stderr}");
        let out = main(&["--postgres", url, "--schema-prefix", "Not-An-Identifier"]);
        assert_eq!(out.status.code(), Some(2));
    } else {
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("--features postgres"), "{stderr}");
    }
    assert!(
        !stderr.contains("secret"),
        "the URL is not repeated: {stderr}"
    );
}
