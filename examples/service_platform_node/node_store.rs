//! The service platform's store, chosen by `--db`, and the parties set up on it.

use std::sync::Arc;

use fapiao::{Error, ServicePlatform, SqliteStore};
use fapiao_testkit::{Setup, World};

/// The store a node runs its service platform on.
pub enum NodeStore {
    /// SQLite: the file `--db PATH`, or memory without `--db`. One node per
    /// file: SQLite serialises writers, and the node's store is its own.
    Sqlite(Arc<SqliteStore>),
}

/// Whether `db` names a server database rather than a file.
fn is_postgres_url(db: &str) -> bool {
    db.starts_with("postgres://") || db.starts_with("postgresql://")
}

/// Opens the store `--db` names: in memory for `None`, a SQLite file for a
/// path (created and migrated when new). A `postgres://` URL names a
/// PostgreSQL server, which this node does not speak: it is refused with a
/// message that says so (and does not repeat the URL, which may hold a
/// password).
pub fn open_store(db: Option<&str>) -> Result<NodeStore, String> {
    match db {
        Some(url) if is_postgres_url(url) => Err(
            "--db: a PostgreSQL URL (postgres://...) is not supported by this node; \
             give a SQLite file path, or leave --db out for an in-memory store"
                .to_owned(),
        ),
        Some(path) => SqliteStore::open(path)
            .map(|store| NodeStore::Sqlite(Arc::new(store)))
            .map_err(|e| format!("--db {path}: {e}")),
        None => SqliteStore::open_in_memory()
            .map(|store| NodeStore::Sqlite(Arc::new(store)))
            .map_err(|e| format!("an in-memory store: {e}")),
    }
}

impl NodeStore {
    /// A cheap read that fails when the store cannot serve (the database
    /// locked out, unreadable or gone).
    pub fn check(&self) -> Result<(), Error> {
        match self {
            Self::Sqlite(store) => store.schema_version().map(drop).map_err(Error::from),
        }
    }

    /// The service platform `EISP-1` on this store, set up as the main example
    /// sets up its parties (`Setup::for_examples`, at `now`): both enterprises
    /// registered, the hosted device with its number segment, and the cloud
    /// platform `ECP-1` and the enterprise's front end pinned through the
    /// certificate exchange. The other side of each exchange runs on a store
    /// in memory and is dropped: the main example holds that side, with the
    /// same certificates. On a kept store the setup finds everything in place
    /// and changes nothing.
    pub fn service_platform(&self, gm: bool, now: u64) -> Result<ServicePlatform, Error> {
        match self {
            Self::Sqlite(store) => {
                let memory = || SqliteStore::open_in_memory().map(Arc::new);
                let setup = Setup::on(memory()?, store.clone(), memory()?).for_examples(gm, now);
                Ok(World::set_up(setup).service)
            }
        }
    }
}
