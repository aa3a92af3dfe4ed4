//! The server under test and fresh schemas on it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use fapiao::store::PostgresStore;

/// Held shared by the tests that run for many seconds on the server (example
/// processes, several nodes, the crash loop), and exclusively by the test that
/// crashes and restarts it:
/// a process of one cut off by the other's crash would fail for a reason
/// neither tests.
static SERVER: RwLock<()> = RwLock::new(());

/// A share of the server, for a test whose processes need it up throughout.
pub fn server_shared() -> RwLockReadGuard<'static, ()> {
    SERVER
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The server to oneself, for the test that crashes it.
pub fn server_exclusive() -> RwLockWriteGuard<'static, ()> {
    SERVER
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The server's URL, from `FAPIAO_POSTGRES_URL`; a clear failure without it.
pub fn url() -> String {
    match std::env::var("FAPIAO_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => panic!(
            "FAPIAO_POSTGRES_URL is not set: these tests need a PostgreSQL server. \
             Start a throwaway one with `eval \"$(bash scripts/postgres.sh start)\"` \
             (or run `bash scripts/test.sh`, which does)"
        ),
    }
}

/// A schema name no other test uses (this process, a counter, the time).
pub fn schema_name(label: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "t_{label}_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Drops its schema when dropped.
pub struct SchemaGuard(pub String);

impl Drop for SchemaGuard {
    fn drop(&mut self) {
        if let Ok(store) = PostgresStore::open(&url(), &self.0) {
            let _ = store.drop_schema();
        }
    }
}

/// A store on a fresh schema, and the guard that drops it.
pub fn fresh() -> (Arc<PostgresStore>, SchemaGuard) {
    let name = schema_name("contract");
    let store = PostgresStore::open(&url(), &name).expect("open a fresh schema");
    (Arc::new(store), SchemaGuard(name))
}

#[test]
fn the_server_url_is_set() {
    let url = url();
    assert!(url.starts_with("postgres") || url.contains('='), "{url:?}");
}
