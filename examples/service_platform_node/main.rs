//! A service-platform node: the e-invoice service platform (`EISP-1`) served
//! over HTTP, for the main example (`issue_invoice --service-platform URL`)
//! and any cloud platform or front end that speaks the same envelopes.
//!
//! ```text
//! cargo run --release --example service_platform_node -- [--listen HOST:PORT] [--db PATH]
//!                                                        [--node-id NAME] [--workers N] [--gm]
//!                                                        [--schema-prefix P]
//! ```
//!
//! The library stays sans-IO; this is one way to host it. `POST /v1/envelope`
//! takes a sealed envelope and answers with the service platform's sealed
//! answer, `GET /v1/health` says whether the node can serve (see `http.rs` for
//! the statuses). `--workers` threads (4 by default) share the one
//! `ServicePlatform`, which is `Sync`: each message runs in its own unit of
//! work on the store. A background operator uploads the recorded invoices to a
//! recording tax authority every second (printing what it uploaded), fails
//! commands past their deadline, and runs the maintenance every minute.
//!
//! `--listen` with port 0 picks a free port; the first line on stdout is
//! always `listening on http://ADDRESS`. `--db PATH` keeps the service
//! platform's SQLite database (in memory otherwise); a node started again on
//! it finds its parties, pins and numbers as they were. With the `postgres`
//! feature, `--db postgres://…` keeps it on that PostgreSQL database in the
//! schema `P_eisp` (`--schema-prefix P`, `fapiao` by default: the schema the
//! main example's `--postgres` runs use for the service platform), and any
//! number of nodes may run on it at once, each answering any message. `--gm` sets every party
//! up on the SM2 dual certificates, as the main example's `--gm`; the node and
//! the main example must agree on it.
//!
//! SIGTERM or SIGINT stops the node gracefully: the requests already received
//! are answered, any that arrive while it stops get 503 with `Retry-After`
//! (so a client sends them to another node), the operator uploads once more,
//! and the node exits with status 0. A usage error exits with 2, a node that
//! cannot start (a `--db` it cannot open, an address it cannot bind) with 1.

mod http;
mod node_store;
mod options;

use std::io::Write;
use std::net::{TcpListener, ToSocketAddrs};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use fapiao::ServicePlatform;
use fapiao::tax::{RecordingTaxAuthority, RetryPolicy, SeededJitter};
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;
use socket2::{Domain, Protocol, Socket, Type};

use http::{Node, Reply};
use node_store::open_store;
use options::Options;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// Worker threads share one service platform: it must be `Send + Sync`.
const _: fn() = || {
    fn shared<T: Send + Sync>() {}
    shared::<ServicePlatform>();
};

/// How often the operator uploads to the tax authority and sweeps expired
/// commands.
const OPERATOR_EVERY: Duration = Duration::from_secs(1);
/// How often the operator runs the maintenance.
const MAINTAIN_EVERY: Duration = Duration::from_secs(60);

/// How long a stopping node keeps answering late requests with 503 after the
/// last one came.
const TURN_AWAY_FOR: Duration = Duration::from_millis(200);

/// Why the node stops.
enum Stop {
    /// SIGTERM or SIGINT.
    Signal(i32),
    /// The listener failed: the node cannot take requests any more.
    Failed(String),
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = match Options::parse(&args) {
        Ok(options) => options,
        Err(usage) => {
            eprintln!("{usage}");
            return ExitCode::from(2);
        }
    };
    match serve(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("service_platform_node: {e}");
            ExitCode::FAILURE
        }
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}

/// A socket listening on `address` (HOST:PORT), with TCP_NODELAY for the
/// connections it accepts: an answer's head and body leave at once instead
/// of the body waiting for the client's delayed acknowledgement (about 40 ms
/// a request).
fn listen(address: &str) -> std::io::Result<TcpListener> {
    let address = address.to_socket_addrs()?.next().ok_or_else(|| {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, "no address to listen on")
    })?;
    let socket = Socket::new(
        Domain::for_address(address),
        Type::STREAM,
        Some(Protocol::TCP),
    )?;
    socket.set_reuse_address(true)?;
    socket.set_tcp_nodelay(true)?;
    socket.bind(&address.into())?;
    socket.listen(128)?;
    Ok(socket.into())
}

/// Serves until a signal, then shuts down gracefully.
fn serve(options: &Options) -> Result<()> {
    let store = open_store(options.db.as_deref(), &options.schema_prefix)?;
    let described = store.describe(options.db.as_deref());
    let service = store.service_platform(options.gm, unix_now())?;
    let node = Arc::new(Node::new(service, store, options.node_id.clone()));
    // Registered before the first request can arrive: from here on a signal
    // means a graceful stop, not the default end of the process.
    let mut signals = Signals::new([SIGTERM, SIGINT])?;
    let listener =
        listen(&options.listen).map_err(|e| format!("--listen {}: {e}", options.listen))?;
    let server = tiny_http::Server::from_listener(listener, None)
        .map_err(|e| format!("--listen {}: {e}", options.listen))?;
    let server = Arc::new(server);
    let address = server
        .server_addr()
        .to_ip()
        .ok_or("the listener has no IP address")?;
    let mut stdout = std::io::stdout();
    writeln!(stdout, "listening on http://{address}")?;
    stdout.flush()?;
    eprintln!(
        "{}: service platform EISP-1 at http://{address}, {} workers, store {}",
        node.id(),
        options.workers,
        described,
    );

    let (stop_sender, stop) = mpsc::channel();
    let stopping = Arc::new(AtomicBool::new(false));
    let live = Arc::new(AtomicUsize::new(options.workers));
    let workers: Vec<JoinHandle<()>> = (0..options.workers)
        .map(|_| {
            let (server, node) = (server.clone(), node.clone());
            let (stopping, live, stop_sender) =
                (stopping.clone(), live.clone(), stop_sender.clone());
            thread::spawn(move || {
                loop {
                    match server.recv() {
                        Ok(request) => node.respond(request),
                        Err(e) => {
                            if !stopping.load(Ordering::SeqCst) {
                                let _ = stop_sender.send(Stop::Failed(e.to_string()));
                            }
                            break;
                        }
                    }
                }
                live.fetch_sub(1, Ordering::SeqCst);
            })
        })
        .collect();
    let (operator_stop, operator_stopped) = mpsc::channel::<()>();
    let operator = {
        let node = node.clone();
        thread::spawn(move || operate(&node, &operator_stopped))
    };
    thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            let _ = stop_sender.send(Stop::Signal(signal));
        }
    });

    let why = stop
        .recv()
        .unwrap_or(Stop::Failed("every worker ended".to_owned()));
    match &why {
        Stop::Signal(signal) => eprintln!(
            "{}: signal {signal}: finishing the requests received, then stopping",
            node.id()
        ),
        Stop::Failed(e) => eprintln!("{}: the listener failed ({e}): stopping", node.id()),
    }
    // Each worker answers what is queued before its unblock, then ends.
    stopping.store(true, Ordering::SeqCst);
    for _ in 0..live.load(Ordering::SeqCst) {
        server.unblock();
    }
    for worker in workers {
        let _ = worker.join();
    }
    // What arrived while the workers finished, or is arriving now (a request
    // reaches the queue once its head, and a small body, are in): another
    // node can take it. The listener closes when the server is dropped.
    let mut turned_away = 0;
    while let Ok(Some(request)) = server.recv_timeout(TURN_AWAY_FOR) {
        Reply::text(503, format!("{} is shutting down", node.id())).send(request);
        turned_away += 1;
    }
    drop(server);
    let _ = operator_stop.send(());
    let _ = operator.join();
    eprintln!(
        "{}: stopped ({turned_away} requests turned away while stopping)",
        node.id()
    );
    match why {
        Stop::Signal(_) => Ok(()),
        Stop::Failed(e) => Err(format!("the listener failed: {e}").into()),
    }
}

/// The operator's periodic work until told to stop, and once more then:
/// uploads to a recording tax authority, fails expired commands, and
/// maintenance every [`MAINTAIN_EVERY`]. Failures are reported and tried
/// again next time.
fn operate(node: &Node, stop: &mpsc::Receiver<()>) {
    let service = node.service();
    let authority = RecordingTaxAuthority::new();
    let mut jitter = SeededJitter::new(unix_now());
    let mut maintained = Instant::now();
    loop {
        let stopping = !matches!(
            stop.recv_timeout(OPERATOR_EVERY),
            Err(mpsc::RecvTimeoutError::Timeout)
        );
        let now = unix_now();
        match service.drain_outbox(&authority, now, &RetryPolicy::default(), &mut jitter) {
            Ok(report) if report.uploaded > 0 => {
                println!("tax authority: {} uploaded", report.uploaded);
                let _ = std::io::stdout().flush();
            }
            Ok(_) => {}
            Err(e) => eprintln!("{}: upload to the tax authority: {e}", node.id()),
        }
        if let Err(e) = service.expire_commands(now) {
            eprintln!("{}: expiring commands: {e}", node.id());
        }
        if maintained.elapsed() >= MAINTAIN_EVERY {
            maintained = Instant::now();
            if let Err(e) = service.maintain(now) {
                eprintln!("{}: maintenance: {e}", node.id());
            }
        }
        if stopping {
            return;
        }
    }
}
