//! The issuing path with 1, 2 and 4 node processes on one PostgreSQL
//! database, against the same path on SQLite in the same run.
//!
//! Each node process is the main example (`issue_invoice`, built in release
//! with the bench's features): on PostgreSQL, `--postgres URL` with one schema
//! prefix for all the processes of a round, so that they are nodes of the same
//! three parties (sharing the registry, the hosted device's numbering and the
//! service platform's idempotency); on SQLite, `--db FILE` with a file of its
//! own per process (SQLite serialises writers: a SQLite node does not share
//! its database), i.e. independent deployments side by side. Every process
//! issues `FAPIAO_BENCH_COUNT` platform-hosted invoices (500 by default), one
//! order at a time, plus the example's enterprise-hosted, refused and
//! red-letter orders.
//!
//! ```sh
//! eval "$(FAPIAO_POSTGRES_DURABLE=1 bash scripts/postgres.sh start)"
//! cargo bench --features postgres --bench postgres_nodes
//! bash scripts/postgres.sh stop
//! ```
//!
//! A throwaway cluster started so syncs its WAL at every commit (`fsync=on`,
//! `synchronous_commit=on`), as the SQLite files do (`synchronous=FULL`); the
//! header prints what the server runs with. Before each round one run of one
//! invoice per store sets the stores up (schemas, migrations, the device's
//! segment), so the round times issuing. Printed per round: the invoices
//! issued, the wall time from starting the processes to the last one's exit,
//! invoices per second, the nodes' own rates of the platform-hosted path
//! summed (what each prints, its start-up excluded), and CPU seconds per
//! invoice of the node processes (their user + system
//! time) and of the PostgreSQL server (every process of the cluster in
//! `FAPIAO_POSTGRES_DIR`, exited backends included, read from /proc; `n/a`
//! when the server is not that local cluster). Without the `postgres` feature
//! or without `FAPIAO_POSTGRES_URL`, the bench says why and exits 0.

#[cfg(feature = "postgres")]
#[path = "../examples/fapiao_cli/args.rs"]
#[allow(dead_code)]
mod args;
#[cfg(feature = "postgres")]
#[path = "../tests/node/node_process.rs"]
#[allow(dead_code)]
mod node_process;
#[cfg(feature = "postgres")]
#[path = "../examples/fapiao_cli/reconcile.rs"]
#[allow(dead_code)]
mod reconcile;

#[cfg(not(feature = "postgres"))]
fn main() {
    println!(
        "postgres_nodes: skipped: needs the postgres feature \
         (cargo bench --features postgres --bench postgres_nodes)"
    );
}

#[cfg(feature = "postgres")]
fn main() {
    match std::env::var("FAPIAO_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => rounds::run(&url),
        _ => println!(
            "postgres_nodes: skipped: FAPIAO_POSTGRES_URL is not set \
             (eval \"$(FAPIAO_POSTGRES_DURABLE=1 bash scripts/postgres.sh start)\" starts a throwaway server)"
        ),
    }
}

#[cfg(feature = "postgres")]
mod rounds {
    use std::path::{Path, PathBuf};
    use std::process::{Command, Stdio};
    use std::time::Instant;

    use fapiao::store::PostgresStore;

    use crate::node_process::examples;

    /// Which store a round's processes run on.
    #[derive(Clone, Copy, PartialEq)]
    enum Engine {
        Postgres,
        Sqlite,
    }

    /// What one round measured.
    struct Round {
        engine: Engine,
        processes: usize,
        invoices: u64,
        seconds: f64,
        /// The nodes' own path rates, summed.
        path_rate: f64,
        node_cpu: f64,
        server_cpu: Option<f64>,
    }

    /// The clock ticks a second, for /proc's CPU times.
    fn ticks_per_second() -> f64 {
        // SAFETY: sysconf reads a configuration value; no memory is passed.
        let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
        if ticks > 0 { ticks as f64 } else { 100.0 }
    }

    /// utime, stime, cutime and cstime of `/proc/PID/stat`, in ticks, and the
    /// parent's pid.
    fn cpu_ticks(pid: &str) -> Option<(u64, u64)> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // The fields after the command name, which is in parentheses.
        let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
        let ppid = fields.get(1)?.parse().ok()?;
        let ticks = (11..=14)
            .map(|i| fields.get(i).and_then(|f| f.parse::<u64>().ok()))
            .sum::<Option<u64>>()?;
        Some((ppid, ticks))
    }

    /// This process's waited-for children's CPU seconds (user + system).
    fn children_cpu() -> f64 {
        let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest.split_whitespace().collect())
            .unwrap_or_default();
        let ticks: u64 = (13..=14)
            .filter_map(|i| fields.get(i)?.parse::<u64>().ok())
            .sum();
        ticks as f64 / ticks_per_second()
    }

    /// The CPU seconds the cluster in `FAPIAO_POSTGRES_DIR` has used so far:
    /// its postmaster (whose children's times hold the backends that exited)
    /// and every live process it started. `None` when there is no such local
    /// cluster.
    fn server_cpu() -> Option<f64> {
        let dir = std::env::var("FAPIAO_POSTGRES_DIR").ok()?;
        let pid_file = std::fs::read_to_string(Path::new(&dir).join("data/postmaster.pid")).ok()?;
        let postmaster: u64 = pid_file.lines().next()?.trim().parse().ok()?;
        let mut ticks = cpu_ticks(&postmaster.to_string())?.1;
        for entry in std::fs::read_dir("/proc").ok()?.flatten() {
            let name = entry.file_name();
            let Some(pid) = name
                .to_str()
                .filter(|p| p.bytes().all(|b| b.is_ascii_digit()))
            else {
                continue;
            };
            if let Some((ppid, child)) = cpu_ticks(pid) {
                if ppid == postmaster {
                    ticks += child;
                }
            }
        }
        Some(ticks as f64 / ticks_per_second())
    }

    /// The platform-hosted invoices a run's summary line reports issued.
    fn issued(stdout: &str) -> u64 {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix("summary: "))
            .and_then(|s| s.split(' ').next()?.parse().ok())
            .unwrap_or_else(|| panic!("no summary line in:\n{stdout}"))
    }

    /// The rate of the platform-hosted path a run's summary line reports
    /// (`platform-hosted path N invoices/s`: the invoices alone, set-up
    /// excluded).
    fn path_rate(stdout: &str) -> f64 {
        stdout
            .lines()
            .find_map(|l| l.split_once("platform-hosted path ")?.1.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no path rate in:\n{stdout}"))
    }

    /// The main example as node `i` of a round on `engine`.
    fn node(
        engine: Engine,
        i: usize,
        count: usize,
        prefix: &str,
        url: &str,
        dir: &Path,
    ) -> Command {
        let mut command = Command::new(&examples().main);
        command.args(["--count", &count.to_string()]);
        match engine {
            Engine::Postgres => command.args(["--postgres", url, "--schema-prefix", prefix]),
            Engine::Sqlite => command
                .arg("--db")
                .arg(dir.join(format!("{prefix}-{i}.db"))),
        };
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        command
    }

    /// Waits for a node and returns what it printed; panics when it failed.
    fn finished(child: std::process::Child) -> String {
        let output = child.wait_with_output().expect("wait for issue_invoice");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success(),
            "issue_invoice failed: {}\n{stdout}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        stdout
    }

    /// `processes` main examples at once on `engine`, `count` invoices each,
    /// after one invoice per store to set the stores up (schemas, migrations,
    /// certificates, the device's segment), so that the round times issuing.
    fn round(engine: Engine, processes: usize, count: usize, url: &str, dir: &Path) -> Round {
        let prefix = format!("bench_{}_{processes}", std::process::id());
        let stores = if engine == Engine::Postgres {
            1
        } else {
            processes
        };
        for i in 0..stores {
            let child = node(engine, i, 1, &prefix, url, dir).spawn();
            finished(child.expect("start issue_invoice"));
        }
        let cpu_before = children_cpu();
        let server_before = (engine == Engine::Postgres).then(server_cpu).flatten();
        let started = Instant::now();
        let children: Vec<_> = (0..processes)
            .map(|i| {
                node(engine, i, count, &prefix, url, dir)
                    .spawn()
                    .expect("start issue_invoice")
            })
            .collect();
        let mut invoices = 0;
        let mut rate = 0.0;
        for child in children {
            let stdout = finished(child);
            invoices += issued(&stdout);
            rate += path_rate(&stdout);
        }
        let seconds = started.elapsed().as_secs_f64();
        let server_cpu = server_before.and_then(|before| Some(server_cpu()? - before));
        if engine == Engine::Postgres {
            for party in ["ecp", "eisp", "front_end"] {
                let schema = format!("{prefix}_{party}");
                let store = PostgresStore::open(url, &schema).expect("open a bench schema");
                let report = store.integrity_report().expect("the integrity report");
                assert!(report.holds(), "{schema}: {:?}", report.problems);
                store.drop_schema().expect("drop a bench schema");
            }
        }
        Round {
            engine,
            processes,
            invoices,
            seconds,
            path_rate: rate,
            node_cpu: children_cpu() - cpu_before,
            server_cpu,
        }
    }

    /// The server's `fsync` and `synchronous_commit`, as the bench's header
    /// shows them.
    fn server_settings(url: &str) -> String {
        let read = || -> Result<String, postgres::Error> {
            let mut client = postgres::Client::connect(url, postgres::NoTls)?;
            let fsync: String = client.query_one("SHOW fsync", &[])?.get(0);
            let synchronous: String = client.query_one("SHOW synchronous_commit", &[])?.get(0);
            Ok(format!("fsync={fsync} synchronous_commit={synchronous}"))
        };
        read().unwrap_or_else(|e| format!("settings unread ({e})"))
    }

    /// Every round, then the table.
    pub fn run(url: &str) {
        let count: usize = std::env::var("FAPIAO_BENCH_COUNT")
            .ok()
            .and_then(|n| n.parse().ok())
            .filter(|&n| n > 0)
            .unwrap_or(500);
        let dir: PathBuf =
            std::env::temp_dir().join(format!("fapiao-postgres-nodes-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a directory for the SQLite files");
        // Built before the clock starts.
        let _ = examples();
        let mut rounds = Vec::new();
        for processes in [1, 2, 4] {
            for engine in [Engine::Postgres, Engine::Sqlite] {
                rounds.push(round(engine, processes, count, url, &dir));
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
        let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
        println!(
            "postgres_nodes: {count} platform-hosted invoices a process (+3 other orders), \
             {cores} cores"
        );
        println!("postgres_nodes: server {}", server_settings(url));
        println!(
            "{:<10} {:>9} {:>9} {:>9} {:>10} {:>12} {:>16} {:>18}",
            "engine",
            "processes",
            "invoices",
            "seconds",
            "invoices/s",
            "path inv/s",
            "node CPU s/inv",
            "server CPU s/inv"
        );
        for r in &rounds {
            let per = |cpu: f64| format!("{:.5}", cpu / r.invoices as f64);
            println!(
                "{:<10} {:>9} {:>9} {:>9.2} {:>10.0} {:>12.0} {:>16} {:>18}",
                match r.engine {
                    Engine::Postgres => "postgres",
                    Engine::Sqlite => "sqlite",
                },
                r.processes,
                r.invoices,
                r.seconds,
                r.invoices as f64 / r.seconds,
                r.path_rate,
                per(r.node_cpu),
                match (r.engine, r.server_cpu) {
                    (Engine::Postgres, Some(cpu)) => per(cpu),
                    (Engine::Postgres, None) => "n/a".to_owned(),
                    (Engine::Sqlite, _) => "-".to_owned(),
                }
            );
        }
    }
}
