//! The service platform's store, chosen by `--db`, and the parties set up on it.

use std::sync::Arc;

#[cfg(feature = "postgres")]
use fapiao::store::PostgresStore;
use fapiao::{Error, ServicePlatform, SqliteStore};
use fapiao_testkit::{ServiceSideStore, Setup, World};

/// The store a node runs its service platform on.
pub enum NodeStore {
    /// SQLite: the file `--db PATH`, or memory without `--db`. One node per
    /// file: SQLite serialises writers, and the node's store is its own.
    Sqlite(Arc<SqliteStore>),
    /// PostgreSQL (the `postgres` feature): the schema `PREFIX_eisp` of the
    /// database `--db postgres://…` names, shared by every node started on
    /// it and by the main example's `--postgres` runs with the same prefix.
    #[cfg(feature = "postgres")]
    Postgres(Arc<PostgresStore>),
}

/// Whether `db` names a server database rather than a file.
fn is_postgres_url(db: &str) -> bool {
    db.starts_with("postgres://") || db.starts_with("postgresql://")
}

/// Opens the store `--db` names: in memory for `None`, a SQLite file for a
/// path (created and migrated when new), or with the `postgres` feature the
/// schema `PREFIX_eisp` (`schema_prefix`, as the main example's `--postgres`
/// names the service platform's) of the PostgreSQL database a
/// `postgres://` URL names (created and migrated when new). Without the
/// feature a URL is refused with a message that says so. No message repeats
/// the URL, which may hold a password.
pub fn open_store(db: Option<&str>, schema_prefix: &str) -> Result<NodeStore, String> {
    match db {
        #[cfg(feature = "postgres")]
        Some(url) if is_postgres_url(url) => {
            let schema = format!("{schema_prefix}_eisp");
            PostgresStore::open(url, &schema)
                .map(|store| NodeStore::Postgres(Arc::new(store)))
                .map_err(|e| format!("--db: the PostgreSQL database (schema {schema}): {e}"))
        }
        #[cfg(not(feature = "postgres"))]
        Some(url) if is_postgres_url(url) => {
            let _ = schema_prefix;
            Err(
                "--db: a PostgreSQL URL (postgres://...) needs a node built with the \
                 postgres feature; give a SQLite file path, or leave --db out for an \
                 in-memory store"
                    .to_owned(),
            )
        }
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
            #[cfg(feature = "postgres")]
            Self::Postgres(store) => store.schema_version().map(drop).map_err(Error::from),
        }
    }

    /// What `--db` names, for the log: the file, memory, or the PostgreSQL
    /// schema (never the URL, which may hold a password).
    pub fn describe(&self, db: Option<&str>) -> String {
        match self {
            Self::Sqlite(_) => db.unwrap_or("in memory").to_owned(),
            #[cfg(feature = "postgres")]
            Self::Postgres(store) => format!("PostgreSQL schema {}", store.schema()),
        }
    }

    /// The service platform `EISP-1` on this store, set up as the main example
    /// sets up its parties (`Setup::for_examples`, at `now`): both enterprises
    /// registered, the hosted device with its number segment, and the cloud
    /// platform `ECP-1` and the enterprise's front end pinned through the
    /// certificate exchange. The other side of each exchange runs on a store
    /// in memory and is dropped: the main example holds that side, with the
    /// same certificates. On a kept store the setup finds everything in place
    /// and changes nothing; on PostgreSQL, nodes that set up at once share
    /// what the first made.
    pub fn service_platform(&self, gm: bool, now: u64) -> Result<ServicePlatform, Error> {
        match self {
            Self::Sqlite(store) => set_up_on(store.clone(), gm, now),
            #[cfg(feature = "postgres")]
            Self::Postgres(store) => set_up_on(store.clone(), gm, now),
        }
    }
}

/// The service platform of [`NodeStore::service_platform`] on `store`.
fn set_up_on<S: ServiceSideStore>(
    store: Arc<S>,
    gm: bool,
    now: u64,
) -> Result<ServicePlatform, Error> {
    let memory = || SqliteStore::open_in_memory().map(Arc::new);
    let setup = Setup::on(memory()?, store, memory()?).for_examples(gm, now);
    Ok(World::set_up(setup).service)
}
