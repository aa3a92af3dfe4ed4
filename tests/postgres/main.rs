//! The PostgreSQL store against a real server: the store contract (the same
//! functions the SQLite store runs), several nodes on one database through the
//! real service platform, migrations, typed errors.
//!
//! Needs `FAPIAO_POSTGRES_URL` (e.g. from `eval "$(bash scripts/postgres.sh
//! start)"`); without it every test fails, saying so. Each test works in a
//! fresh schema of its own, dropped after it. `cli` runs `fapiao_cli
//! store-check` on a schema; `ffi` runs the platforms through the C API;
//! `crash` kills platform nodes with SIGKILL mid-invoice (the binary re-runs
//! itself as the child nodes, `crash_support`). `example_runs`,
//! `example_killed` and `node_cluster` run the main example and the
//! service-platform node as processes on the server (built with the same
//! features). `batches` runs a batch with failing messages in one
//! transaction; `tls` runs a second cluster that serves TLS.

#[path = "../../examples/fapiao_cli/args.rs"]
#[allow(dead_code)]
mod args;
#[path = "../crash_support/mod.rs"]
mod crash_support;
#[path = "../ffi_support/mod.rs"]
mod ffi_support;
#[path = "../issuing_support/mod.rs"]
mod issuing_support;
#[path = "../node/node_process.rs"]
#[allow(dead_code)]
mod node_process;
#[path = "../../examples/fapiao_cli/reconcile.rs"]
#[allow(dead_code)]
mod reconcile;
#[path = "../store_contract/mod.rs"]
mod store_contract;

mod batches;
mod cli;
mod contract;
mod crash;
mod engine;
mod example_killed;
mod example_runs;
mod example_support;
mod ffi;
mod node_cluster;
mod nodes;
mod restart;
mod support;
mod tls;
mod world_setup;
