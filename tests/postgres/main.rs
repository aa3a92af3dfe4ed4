//! The PostgreSQL store against a real server: the store contract (the same
//! functions the SQLite store runs), several nodes on one database through the
//! real service platform, migrations, typed errors.
//!
//! Needs `FAPIAO_POSTGRES_URL` (e.g. from `eval "$(bash scripts/postgres.sh
//! start)"`); without it every test fails, saying so. Each test works in a
//! fresh schema of its own, dropped after it.

#[path = "../issuing_support/mod.rs"]
mod issuing_support;
#[path = "../store_contract/mod.rs"]
mod store_contract;

mod contract;
mod engine;
mod nodes;
mod support;
