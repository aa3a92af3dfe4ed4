//! The store contract (tests/store_contract) on SQLite, each test on a fresh
//! in-memory store. The same functions run on PostgreSQL in tests/postgres.

use std::sync::Arc;

use fapiao::store::SqliteStore;

fn fresh() -> (Arc<SqliteStore>, ()) {
    (Arc::new(SqliteStore::open_in_memory().unwrap()), ())
}

crate::store_contract_tests!(fresh);
