//! Starting and stopping the examples as processes: the node, the main
//! example against a list of nodes, and the checks on their databases.
//!
//! A node is named by its `--db` argument, so a node on a server database
//! is one more [`Node::start`] with that database's URL, and several nodes
//! are several starts on it; [`run_main_example`] takes every node's URL.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

#[path = "../example_build/mod.rs"]
mod example_build;

/// The two example executables.
pub struct Examples {
    /// `service_platform_node`.
    pub node: PathBuf,
    /// `issue_invoice`.
    pub main: PathBuf,
}

/// Builds both examples (once per test binary) with the cargo that runs the
/// tests, the same features and profile.
pub fn examples() -> &'static Examples {
    static EXAMPLES: OnceLock<Examples> = OnceLock::new();
    EXAMPLES.get_or_init(|| {
        let [node, main]: [PathBuf; 2] =
            example_build::build_examples(&["service_platform_node", "issue_invoice"])
                .try_into()
                .expect("two executables");
        Examples { node, main }
    })
}

/// A fresh directory for one test's databases.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("service_platform_node")
        .join(format!("{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A running node. Dropped, it is killed (a test that failed half-way
/// leaves no process behind).
pub struct Node {
    child: Child,
    /// `http://127.0.0.1:PORT`, from the node's first line.
    pub url: String,
    /// Every line the node wrote to stdout, the first included.
    pub stdout: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<Vec<String>>>,
}

/// Collects `stream`'s lines into a shared list, on a thread of its own (so
/// the child never blocks on a full pipe).
fn collect_lines(stream: impl std::io::Read + Send + 'static) -> Arc<Mutex<Vec<String>>> {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            sink.lock().unwrap().push(line);
        }
    });
    lines
}

impl Node {
    /// Starts a node on a free port of 127.0.0.1 with `--db db` and `args`,
    /// and waits for its `listening on` line.
    pub fn start(db: &str, args: &[&str]) -> Node {
        let mut child = Command::new(&examples().node)
            .args(["--listen", "127.0.0.1:0", "--db", db])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start service_platform_node");
        let stdout = collect_lines(child.stdout.take().unwrap());
        let stderr = collect_lines(child.stderr.take().unwrap());
        let started = Instant::now();
        let url = loop {
            if let Some(first) = stdout.lock().unwrap().first() {
                let url = first.strip_prefix("listening on ").expect("the first line");
                break url.to_owned();
            }
            if let Some(status) = child.try_wait().unwrap() {
                panic!(
                    "the node exited with {status}: {:?}",
                    stderr.lock().unwrap()
                );
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the node did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        Node {
            child,
            url,
            stdout,
            stderr,
        }
    }

    /// Sends SIGTERM and waits (at most 60 s) for the node to exit.
    pub fn terminate(mut self) -> (ExitStatus, Vec<String>) {
        let pid = i32::try_from(self.child.id()).unwrap();
        // SAFETY: kill(2) on the pid of a child this test started and has not
        // reaped (so the pid is still that child's).
        assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
        let started = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the node did not stop"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        // Give the readers a moment to take the last lines.
        std::thread::sleep(Duration::from_millis(100));
        let stderr = self.stderr.lock().unwrap().clone();
        (status, stderr)
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The main example's command against `nodes`, its own databases at
/// `db`-cloud and `db`-front-end, issuing `count` platform-hosted invoices.
pub fn main_example(nodes: &[&str], db: &Path, count: usize) -> Command {
    let mut command = Command::new(&examples().main);
    command
        .args(["--count", &count.to_string(), "--db"])
        .arg(db);
    for url in nodes {
        command.args(["--service-platform", url]);
    }
    command
}

/// Runs the main example to its end.
pub fn run_main_example(nodes: &[&str], db: &Path, count: usize) -> Output {
    main_example(nodes, db, count)
        .output()
        .expect("run issue_invoice")
}

/// What the main example's summary line says was issued and refused.
pub fn issued_and_refused(output: &Output) -> (usize, usize) {
    let stdout = String::from_utf8_lossy(&output.stdout);
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

/// The two platforms agree on every invoice, nothing is outstanding at the
/// cloud platform and everything is uploaded (`fapiao_cli reconcile`), and
/// the hosted device used each of its numbers exactly once, for one invoice
/// each: no order was invoiced twice. Returns the hosted device's invoices.
pub fn assert_each_order_invoiced_once(service_db: &Path, cloud_db: &Path) -> i64 {
    let args: Vec<String> = vec![
        "--service-db".into(),
        service_db.to_str().unwrap().into(),
        "--cloud-db".into(),
        cloud_db.to_str().unwrap().into(),
    ];
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = crate::reconcile::run(&args, &mut out, &mut err);
    assert_eq!(
        code,
        0,
        "the platforms disagree:\n{}{}",
        String::from_utf8_lossy(&out),
        String::from_utf8_lossy(&err)
    );
    let service = rusqlite::Connection::open(service_db).unwrap();
    let (numbers, first, last): (i64, i64, i64) = service
        .query_row(
            "SELECT COUNT(*), MIN(sequence), MAX(sequence) FROM device_journal
             WHERE device_id = 'EISP-DEV-1'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    let invoices: i64 = service
        .query_row(
            "SELECT COUNT(*) FROM invoices WHERE invoice_number LIKE '26440%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        (first, last),
        (1, numbers),
        "the hosted device's numbers run on"
    );
    assert_eq!(invoices, numbers, "one invoice per number taken");
    let orders: i64 = rusqlite::Connection::open(cloud_db)
        .unwrap()
        .query_row(
            "SELECT COUNT(*) FROM cloud_invoices WHERE invoice_number LIKE '26440%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        orders, invoices,
        "one invoice per order at the cloud platform"
    );
    invoices
}

/// `PATH` followed by `suffix`, as the main example names its databases.
pub fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut file = path.as_os_str().to_owned();
    file.push(suffix);
    PathBuf::from(file)
}
