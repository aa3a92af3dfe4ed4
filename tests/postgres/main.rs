//! The PostgreSQL store against a real server: the store contract (the same
//! functions the SQLite store runs), several nodes on one database through the
//! real service platform, migrations, typed errors.
//!
//! Needs `FAPIAO_POSTGRES_URL` (e.g. from `eval "$(bash scripts/postgres.sh
//! start)"`); without it every test fails, saying so. Each test works in a
//! fresh schema of its own, dropped after it. `cli` runs `fapiao_cli
//! store-check` on a schema.

#[path = "../../examples/fapiao_cli/args.rs"]
#[allow(dead_code)]
mod args;
#[path = "../issuing_support/mod.rs"]
mod issuing_support;
#[path = "../store_contract/mod.rs"]
mod store_contract;

mod cli;
mod contract;
mod engine;
mod nodes;
mod restart;
mod support;
