//! The coalescing VFS against SQLite itself: every commit must be in the WAL
//! file when the commit returns (a copy of the files then, as a crash would
//! leave them, recovers it), including transactions whose pages spilled to the
//! WAL before the commit and were then overwritten (checksums rewritten), and
//! rolled-back ones.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use rusqlite::{Connection, OpenFlags, params};

use super::*;

fn scratch(name: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "fapiao-wal-vfs-{}-{name}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A connection through the coalescing VFS, in WAL mode.
fn open(path: &Path, synchronous: &str) -> Connection {
    let vfs = vfs_name().expect("the VFS registers");
    let conn = Connection::open_with_flags_and_vfs(path, OpenFlags::default(), vfs).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    conn.execute_batch(&format!(
        "PRAGMA synchronous = {synchronous};
         CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, body BLOB NOT NULL);"
    ))
    .unwrap();
    conn
}

/// The database as a crash at this moment would leave it: the database file
/// and the WAL copied (not the shared-memory index), opened with SQLite's
/// default VFS, which recovers from the WAL alone.
fn crash_image(db: &Path) -> Connection {
    let dir = scratch("image");
    let copy = dir.join("copy.db");
    std::fs::copy(db, &copy).unwrap();
    let wal = PathBuf::from(format!("{}-wal", db.display()));
    if wal.exists() {
        std::fs::copy(&wal, dir.join("copy.db-wal")).unwrap();
    }
    let conn = Connection::open(&copy).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    conn
}

/// (rows, sum of ids, total body bytes).
fn contents(conn: &Connection) -> (i64, i64, i64) {
    conn.query_row(
        "SELECT COUNT(*), COALESCE(SUM(id), 0), COALESCE(SUM(LENGTH(body)), 0) FROM t",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
    .unwrap()
}

/// Writes the WAL file of `conn` has passed on to the default VFS.
fn wal_writes(conn: &Connection) -> u64 {
    let mut file: *mut ffi::sqlite3_file = ptr::null_mut();
    // SAFETY: the handle is the connection's own, used on this thread; the
    // file control writes the WAL's file pointer into `file`.
    let rc = unsafe {
        ffi::sqlite3_file_control(
            conn.handle(),
            c"main".as_ptr(),
            ffi::SQLITE_FCNTL_JOURNAL_POINTER,
            (&raw mut file).cast::<c_void>(),
        )
    };
    assert_eq!(rc, ffi::SQLITE_OK);
    assert!(!file.is_null(), "the WAL is open");
    // SAFETY: the WAL file is open and its methods are ours (checked first),
    // so it is a WalFile; the connection is idle on this thread.
    unsafe {
        assert!(ptr::eq((*file).pMethods, &WAL_METHODS), "not our WAL file");
        (*(*file.cast::<WalFile>()).buffer).writes
    }
}

fn wal_len(db: &Path) -> u64 {
    std::fs::metadata(format!("{}-wal", db.display()))
        .unwrap()
        .len()
}

fn insert(conn: &Connection, first: i64, count: i64, len: usize) {
    let mut insert = conn
        .prepare_cached("INSERT INTO t (id, body) VALUES (?1, ?2)")
        .unwrap();
    for id in first..first + count {
        insert.execute(params![id, vec![id as u8; len]]).unwrap();
    }
}

#[test]
fn a_commit_of_many_frames_is_one_write_and_survives_a_crash() {
    for synchronous in ["NORMAL", "FULL"] {
        let dir = scratch("one-write");
        let db = dir.join("t.db");
        let conn = open(&db, synchronous);
        insert(&conn, 1, 1, 10);
        let (writes, len) = (wal_writes(&conn), wal_len(&db));
        conn.execute_batch("BEGIN").unwrap();
        insert(&conn, 100, 20, 3000);
        conn.execute_batch("COMMIT").unwrap();
        let frames = (wal_len(&db) - len) / (4096 + 24);
        assert!(frames >= 20, "{frames} frames");
        assert_eq!(wal_writes(&conn) - writes, 1, "{synchronous}");
        // Visible to another connection on the default VFS, and in the files.
        let plain = Connection::open(&db).unwrap();
        assert_eq!(contents(&plain), contents(&conn));
        assert_eq!(contents(&crash_image(&db)).0, 21);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn spilled_overwritten_and_rolled_back_frames_leave_every_commit_recoverable() {
    let dir = scratch("spill");
    let db = dir.join("t.db");
    let conn = open(&db, "NORMAL");
    // A page cache of a few pages: a transaction's pages spill to the WAL
    // before its commit, and updating them again overwrites those frames
    // (SQLite then rewrites the checksums of the frames after them).
    conn.execute_batch("PRAGMA cache_size = 4").unwrap();
    let mut next = 1;
    let mut expected = (0_i64, 0_i64, 0_i64);
    for round in 0..12_i64 {
        let count = 5 + round * 7;
        let len = 500 + (round as usize * 997) % 3500;
        conn.execute_batch("BEGIN").unwrap();
        insert(&conn, next, count, len);
        // Rewrite the first rows of this transaction: their pages spilled.
        conn.execute(
            "UPDATE t SET body = zeroblob(LENGTH(body)) WHERE id BETWEEN ?1 AND ?2",
            params![next, next + 2],
        )
        .unwrap();
        if round % 4 == 3 {
            conn.execute_batch("ROLLBACK").unwrap();
        } else {
            conn.execute_batch("COMMIT").unwrap();
            expected.0 += count;
            expected.1 += (next..next + count).sum::<i64>();
            expected.2 += count * len as i64;
        }
        next += count;
        assert_eq!(contents(&conn), expected, "round {round}");
        assert_eq!(contents(&crash_image(&db)), expected, "round {round}");
    }
    // A checkpoint and a restarted WAL (frames written from its start again).
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .unwrap();
    conn.execute_batch("BEGIN").unwrap();
    insert(&conn, next, 40, 2000);
    conn.execute_batch("COMMIT").unwrap();
    expected.0 += 40;
    expected.1 += (next..next + 40).sum::<i64>();
    expected.2 += 40 * 2000;
    assert_eq!(contents(&crash_image(&db)), expected);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_transaction_larger_than_the_buffer_limit_commits_whole() {
    let dir = scratch("large");
    let db = dir.join("t.db");
    let conn = open(&db, "NORMAL");
    conn.execute_batch("PRAGMA cache_size = -65536").unwrap();
    conn.execute_batch("BEGIN").unwrap();
    // About 12 MiB of pages in one commit: more than MAX_BUFFERED.
    insert(&conn, 1, 3000, 4000);
    conn.execute_batch("COMMIT").unwrap();
    let image = crash_image(&db);
    assert_eq!(contents(&image), (3000, (1..=3000).sum(), 3000 * 4000));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn files_other_than_the_wal_are_the_default_vfs_own() {
    let dir = scratch("plain");
    let db = dir.join("t.db");
    let conn = open(&db, "NORMAL");
    let mut file: *mut ffi::sqlite3_file = ptr::null_mut();
    // SAFETY: as in `wal_writes`, for the database file's pointer.
    let methods = unsafe {
        let rc = ffi::sqlite3_file_control(
            conn.handle(),
            c"main".as_ptr(),
            ffi::SQLITE_FCNTL_FILE_POINTER,
            (&raw mut file).cast::<c_void>(),
        );
        assert_eq!(rc, ffi::SQLITE_OK);
        (*file).pMethods
    };
    assert!(!ptr::eq(methods, &WAL_METHODS));
    let _ = std::fs::remove_dir_all(&dir);
}
