//! The store contract (tests/store_contract) on PostgreSQL, each test on a
//! fresh schema. The same functions run on SQLite in tests/platform.

use crate::support::fresh;

crate::store_contract_tests!(fresh);
