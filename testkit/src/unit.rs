//! [`CountingUnit`]: a unit of work that counts its transactions.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use fapiao::platform::UnitOfWork;
use fapiao::store::SqliteStore;
use fapiao::{Error, StoreError};

/// A unit of work on a `SqliteStore` that counts the transactions it opens
/// (nested units are savepoints, not transactions) and can be told to fail
/// them at the end, as a failed COMMIT does: everything in it rolled back.
pub struct CountingUnit {
    store: Arc<SqliteStore>,
    depth: AtomicUsize,
    transactions: AtomicUsize,
    /// When set, every outermost transaction fails at its end.
    pub fail_commit: AtomicBool,
}

impl CountingUnit {
    /// A unit on `store`.
    pub fn on(store: &Arc<SqliteStore>) -> Arc<Self> {
        Arc::new(Self {
            store: store.clone(),
            depth: AtomicUsize::new(0),
            transactions: AtomicUsize::new(0),
            fail_commit: AtomicBool::new(false),
        })
    }

    /// The transactions opened so far.
    pub fn transactions(&self) -> usize {
        self.transactions.load(Ordering::SeqCst)
    }
}

impl UnitOfWork for CountingUnit {
    fn run_atomically(&self, work: &mut dyn FnMut() -> Result<(), Error>) -> Result<(), Error> {
        let outermost = self.depth.fetch_add(1, Ordering::SeqCst) == 0;
        if outermost {
            self.transactions.fetch_add(1, Ordering::SeqCst);
        }
        let result = self.store.atomically(|| {
            work()?;
            if outermost && self.fail_commit.load(Ordering::SeqCst) {
                return Err(Error::from(StoreError::Conflict {
                    seller_tax_id: "commit".into(),
                    serial_number: "failed".into(),
                }));
            }
            Ok(())
        });
        self.depth.fetch_sub(1, Ordering::SeqCst);
        result
    }
}
