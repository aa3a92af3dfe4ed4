//! `--postgres URL`: every party's store on one PostgreSQL database, each
//! party in a schema of its own, named from `--schema-prefix` (`fapiao` by
//! default): `fapiao_ecp` (the cloud platform), `fapiao_eisp` (the service
//! platform, as `service_platform_node --db postgres://…` names it) and
//! `fapiao_front_end` (the enterprise's front end).
//!
//! Several processes may run on the same URL and prefix at once, each one
//! more node of every party: the set-up registers, allots and pins with the
//! stores' own transactional operations (each leaves what is there in
//! place), numbers are taken under the segment's row lock, and the service
//! platform answers a serial number once across nodes (docs/postgres.md).

use std::sync::Arc;

use fapiao::store::PostgresStore;

/// The schemas of the cloud platform, the service platform and the front
/// end for `prefix`.
pub struct Schemas {
    /// The cloud platform's (`PREFIX_ecp`).
    pub cloud: String,
    /// The service platform's (`PREFIX_eisp`).
    pub service: String,
    /// The front end's (`PREFIX_front_end`).
    pub front_end: String,
}

impl Schemas {
    /// The three schema names for `prefix`.
    pub fn for_prefix(prefix: &str) -> Self {
        Self {
            cloud: format!("{prefix}_ecp"),
            service: format!("{prefix}_eisp"),
            front_end: format!("{prefix}_front_end"),
        }
    }
}

/// The store in `schema` on the database at `url`, created and migrated when
/// new. The error names the schema, never the URL (it may hold a password).
pub fn open(url: &str, schema: &str) -> Result<Arc<PostgresStore>, String> {
    PostgresStore::open(url, schema)
        .map(Arc::new)
        .map_err(|e| format!("--postgres (schema {schema}): {e}"))
}
