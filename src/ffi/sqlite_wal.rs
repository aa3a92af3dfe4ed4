//! WAL write coalescing: a thin SQLite VFS over the platform's default one
//! that hands each commit's write-ahead-log frames to the operating system in
//! one write.
//!
//! SQLite writes every frame of a commit to the `-wal` file as two `write`
//! calls (the 24-byte frame header, then the page): a service platform's
//! commit of one invoice is about twenty frames, forty system calls. This VFS
//! keeps a WAL file's frames in memory while a transaction writes them and
//! passes them on in one write when the transaction's **commit frame** (the
//! frame whose header carries the database size) is complete. It is here
//! because it is `unsafe` code called by a C library, as the C API is; the
//! store (`store::sqlite`) opens its files through it.
//!
//! Why nothing committed can be lost or seen early:
//!
//! * SQLite makes a commit visible (the wal-index header in shared memory)
//!   only after `walFrames` has written every frame; the last one it writes in
//!   its loop is always a new commit frame, so the flush at that frame's page
//!   happens before the commit is published, and before any `xSync`
//!   (`Durability::Full`) which flushes first anyway.
//! * Only frame headers without the commit mark may start a buffer; a write
//!   that does not continue the buffer flushes it first. After its loop,
//!   `walFrames` may rewrite checksums (`walRewriteChecksums`): each rewrite
//!   follows a read (which flushes), and the last one, the commit frame's
//!   header, carries the commit mark and so is written through.
//! * Every other method of a WAL file (read, sync, truncate, size, close, file
//!   control, locks) flushes first, so SQLite never reads back stale bytes and
//!   the file is complete whenever SQLite looks at it.
//! * Frames still buffered when a process dies belong to a transaction that
//!   had not committed; the file SQLite recovers from is the same as if they
//!   had never been written.
//!
//! A failed flush is reported as the failing call's result (SQLite then rolls
//! the transaction back) and drops the buffer. Every file other than a WAL is
//! the default VFS's own object, untouched: only WAL files get these methods.
//! `tests` below check commits, spilled and rewritten frames and rollbacks
//! against copies of the files taken as a crash would leave them.

use std::ffi::{CStr, c_int, c_void};
use std::mem::{align_of, size_of};
use std::ptr;
use std::sync::OnceLock;

use rusqlite::ffi;

/// The name the VFS is registered under.
const VFS_NAME: &CStr = c"fapiao-wal-coalescing";

/// Size of a WAL frame header (SQLite's `WAL_FRAME_HDRSIZE`).
const FRAME_HEADER: usize = 24;

/// The largest write passed on: SQLite's unix VFS writes at most 128 KiB - 1
/// bytes per call (`seekAndWriteFd` masks the length with `0x1ffff`), so a
/// commit's frames go out in pieces of 124 KiB (30 frames of 4 KiB pages).
const MAX_WRITE: usize = 124 << 10;

/// A buffer this large is written out even before its commit frame (a very
/// large transaction): memory stays bounded.
const MAX_BUFFERED: usize = 8 << 20;

/// Capacity kept between commits; a larger buffer is released after a flush.
const KEPT_CAPACITY: usize = 1 << 20;

/// The name of the registered VFS, registering it on first use; `None` when
/// SQLite could not register it (out of memory): the caller then opens files
/// with the default VFS, which is only slower.
pub(crate) fn vfs_name() -> Option<&'static str> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(register);
    // The name is ASCII.
    ok.then(|| VFS_NAME.to_str().unwrap_or_default())
}

/// The default VFS this one forwards to, set once by `register`.
static DEFAULT_VFS: OnceLock<usize> = OnceLock::new();

/// Where the default VFS's own file object starts inside a WAL file's
/// allocation: after our header, aligned for it.
const fn real_offset() -> usize {
    let align = if align_of::<u64>() > align_of::<WalFile>() {
        align_of::<u64>()
    } else {
        align_of::<WalFile>()
    };
    size_of::<WalFile>().div_ceil(align) * align
}

fn register() -> bool {
    // SAFETY: sqlite3_vfs_find(NULL) initializes SQLite if needed and returns
    // the default VFS or NULL; it is thread-safe.
    let default = unsafe { ffi::sqlite3_vfs_find(ptr::null()) };
    if default.is_null() {
        return false;
    }
    // SAFETY: `default` points to a registered VFS, which SQLite keeps alive
    // for the life of the process; reading a copy of it is sound.
    let mut ours: ffi::sqlite3_vfs = unsafe { *default };
    let Ok(real_size) = usize::try_from(ours.szOsFile) else {
        return false;
    };
    let Ok(size) = c_int::try_from(real_offset() + real_size) else {
        return false;
    };
    // Every method but xOpen is the default VFS's own, called with our VFS
    // pointer: they read only pAppData and mxPathname from it, which the copy
    // keeps.
    ours.szOsFile = size;
    ours.zName = VFS_NAME.as_ptr();
    ours.pNext = ptr::null_mut();
    ours.xOpen = Some(x_open);
    let _ = DEFAULT_VFS.set(default as usize);
    // SQLite keeps the pointer for the life of the process: leak it.
    let ours = Box::into_raw(Box::new(ours));
    // SAFETY: `ours` is a valid, never freed sqlite3_vfs whose name is a
    // static C string; 0 = do not make it the default.
    let rc = unsafe { ffi::sqlite3_vfs_register(ours, 0) };
    rc == ffi::SQLITE_OK
}

/// A WAL file: our methods first (SQLite reads `base.pMethods`), the default
/// VFS's file object after it at [`real_offset`].
#[repr(C)]
struct WalFile {
    base: ffi::sqlite3_file,
    real: *mut ffi::sqlite3_file,
    buffer: *mut Buffer,
}

/// Frames written but not yet passed on.
#[derive(Default)]
struct Buffer {
    bytes: Vec<u8>,
    /// File offset of `bytes[0]`.
    start: i64,
    /// The last buffered write is a commit frame's header: its page, next,
    /// completes the commit.
    commit_pending: bool,
    /// Writes passed on to the default file (tests read it).
    writes: u64,
}

/// Whether `data` is a WAL frame header, and whether it carries the commit
/// mark (bytes 4..8: the database size after a commit, 0 otherwise).
fn frame_header(data: &[u8]) -> Option<bool> {
    (data.len() == FRAME_HEADER).then(|| data[4..8] != [0, 0, 0, 0])
}

unsafe extern "C" fn x_open(
    _vfs: *mut ffi::sqlite3_vfs,
    name: ffi::sqlite3_filename,
    file: *mut ffi::sqlite3_file,
    flags: c_int,
    out_flags: *mut c_int,
) -> c_int {
    let Some(&default) = DEFAULT_VFS.get() else {
        return ffi::SQLITE_ERROR;
    };
    let default = default as *mut ffi::sqlite3_vfs;
    // SAFETY: `default` is the registered default VFS (see `register`).
    let Some(open) = (unsafe { (*default).xOpen }) else {
        return ffi::SQLITE_ERROR;
    };
    if flags & ffi::SQLITE_OPEN_WAL == 0 {
        // Not a WAL: the default VFS's own object, at the start of the
        // allocation (ours is larger than its szOsFile), with its own methods.
        // SAFETY: `file` points to our szOsFile bytes, at least the default
        // VFS's; the other arguments are SQLite's, passed on.
        return unsafe { open(default, name, file, flags, out_flags) };
    }
    // SAFETY: the allocation holds real_offset() + the default szOsFile bytes
    // (our szOsFile), suitably aligned by SQLite's allocator.
    let real = unsafe { file.cast::<u8>().add(real_offset()) }.cast::<ffi::sqlite3_file>();
    let wal = file.cast::<WalFile>();
    // SAFETY: `wal` is the start of our allocation, large and aligned enough
    // for a WalFile; pMethods stays NULL until the open succeeds, so SQLite
    // will not call xClose on a failed open.
    unsafe {
        wal.write(WalFile {
            base: ffi::sqlite3_file {
                pMethods: ptr::null(),
            },
            real,
            buffer: ptr::null_mut(),
        });
    }
    // SAFETY: `real` has the default szOsFile bytes for the default VFS's
    // object.
    let rc = unsafe { open(default, name, real, flags, out_flags) };
    if rc != ffi::SQLITE_OK {
        return rc;
    }
    // SAFETY: `wal` was initialized above; the buffer is ours until xClose.
    unsafe {
        (*wal).buffer = Box::into_raw(Box::default());
        (*wal).base.pMethods = &WAL_METHODS;
    }
    ffi::SQLITE_OK
}

/// The methods of a WAL file (version 1: SQLite uses neither shared memory
/// nor memory mapping on a WAL file).
static WAL_METHODS: ffi::sqlite3_io_methods = ffi::sqlite3_io_methods {
    iVersion: 1,
    xClose: Some(x_close),
    xRead: Some(x_read),
    xWrite: Some(x_write),
    xTruncate: Some(x_truncate),
    xSync: Some(x_sync),
    xFileSize: Some(x_file_size),
    xLock: Some(x_lock),
    xUnlock: Some(x_unlock),
    xCheckReservedLock: Some(x_check_reserved_lock),
    xFileControl: Some(x_file_control),
    xSectorSize: Some(x_sector_size),
    xDeviceCharacteristics: Some(x_device_characteristics),
    xShmMap: None,
    xShmLock: None,
    xShmBarrier: None,
    xShmUnmap: None,
    xFetch: None,
    xUnfetch: None,
};

/// The parts of an open WAL file.
struct Parts<'f> {
    real: *mut ffi::sqlite3_file,
    methods: &'f ffi::sqlite3_io_methods,
    buffer: &'f mut Buffer,
}

/// # Safety
/// `file` must be a WAL file opened by [`x_open`] and not yet closed, used by
/// one thread at a time (SQLite's contract for a file object).
unsafe fn parts<'f>(file: *mut ffi::sqlite3_file) -> Parts<'f> {
    let wal = file.cast::<WalFile>();
    // SAFETY: per the contract, `wal` is initialized, its `real` file is open
    // (so its pMethods is set) and its buffer is a live Box no one else uses.
    unsafe {
        let real = (*wal).real;
        Parts {
            real,
            methods: &*(*real).pMethods,
            buffer: &mut *(*wal).buffer,
        }
    }
}

impl Parts<'_> {
    /// Writes the buffered frames in one call; the buffer is empty afterwards
    /// whatever the result.
    fn flush(&mut self) -> c_int {
        if self.buffer.bytes.is_empty() {
            return ffi::SQLITE_OK;
        }
        let mut rc = ffi::SQLITE_OK;
        let mut offset = self.buffer.start;
        for chunk in self.buffer.bytes.chunks(MAX_WRITE) {
            self.buffer.writes += 1;
            rc = match self.methods.xWrite {
                // SAFETY: `real` is the open default file; the pointer and
                // length (below MAX_WRITE, so it fits a c_int) describe part
                // of the buffer, alive for the call.
                Some(write) => unsafe {
                    write(
                        self.real,
                        chunk.as_ptr().cast::<c_void>(),
                        chunk.len() as c_int,
                        offset,
                    )
                },
                None => ffi::SQLITE_IOERR_WRITE,
            };
            if rc != ffi::SQLITE_OK {
                break;
            }
            offset += chunk.len() as i64;
        }
        self.buffer.bytes.clear();
        if self.buffer.bytes.capacity() > KEPT_CAPACITY {
            self.buffer.bytes = Vec::new();
        }
        self.buffer.commit_pending = false;
        rc
    }

    /// Writes `data` at `offset` directly (the buffer must be empty).
    fn write_through(&mut self, data: &[u8], offset: i64) -> c_int {
        self.buffer.writes += 1;
        match (self.methods.xWrite, c_int::try_from(data.len())) {
            // SAFETY: as in `flush`.
            (Some(write), Ok(len)) => unsafe {
                write(self.real, data.as_ptr().cast::<c_void>(), len, offset)
            },
            _ => ffi::SQLITE_IOERR_WRITE,
        }
    }

    /// The write policy described in the module documentation.
    fn write(&mut self, data: &[u8], offset: i64) -> c_int {
        let end = self.buffer.start + self.buffer.bytes.len() as i64;
        if !self.buffer.bytes.is_empty() && offset == end {
            self.buffer.bytes.extend_from_slice(data);
            if self.buffer.commit_pending {
                // The commit frame's page: the commit is complete.
                return self.flush();
            }
            if frame_header(data) == Some(true) {
                self.buffer.commit_pending = true;
            } else if self.buffer.bytes.len() >= MAX_BUFFERED {
                return self.flush();
            }
            return ffi::SQLITE_OK;
        }
        let rc = self.flush();
        if rc != ffi::SQLITE_OK {
            return rc;
        }
        if frame_header(data) == Some(false) {
            self.buffer.start = offset;
            self.buffer.bytes.extend_from_slice(data);
            return ffi::SQLITE_OK;
        }
        self.write_through(data, offset)
    }
}

/// Flushes, then runs `call` on the default file unless the flush failed.
///
/// # Safety
/// As [`parts`].
unsafe fn flushed(
    file: *mut ffi::sqlite3_file,
    call: impl FnOnce(&ffi::sqlite3_io_methods, *mut ffi::sqlite3_file) -> c_int,
) -> c_int {
    // SAFETY: the caller's contract.
    let mut parts = unsafe { parts(file) };
    let rc = parts.flush();
    if rc != ffi::SQLITE_OK {
        return rc;
    }
    call(parts.methods, parts.real)
}

unsafe extern "C" fn x_close(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: SQLite closes an opened file once; after this nothing uses it.
    let mut parts = unsafe { parts(file) };
    let flushed = parts.flush();
    let closed = match parts.methods.xClose {
        // SAFETY: `real` is open; the default VFS closes it once.
        Some(close) => unsafe { close(parts.real) },
        None => ffi::SQLITE_OK,
    };
    let wal = file.cast::<WalFile>();
    // SAFETY: the buffer came from Box::into_raw in x_open and is released
    // once, here; pMethods is cleared so the object is not used again.
    unsafe {
        drop(Box::from_raw((*wal).buffer));
        (*wal).buffer = ptr::null_mut();
        (*wal).base.pMethods = ptr::null();
    }
    if flushed != ffi::SQLITE_OK {
        flushed
    } else {
        closed
    }
}

unsafe extern "C" fn x_read(
    file: *mut ffi::sqlite3_file,
    out: *mut c_void,
    amount: c_int,
    offset: ffi::sqlite3_int64,
) -> c_int {
    // SAFETY: SQLite calls this on an open WAL file; `out` has `amount` bytes.
    unsafe {
        flushed(file, |m, real| match m.xRead {
            Some(read) => read(real, out, amount, offset),
            None => ffi::SQLITE_IOERR_READ,
        })
    }
}

unsafe extern "C" fn x_write(
    file: *mut ffi::sqlite3_file,
    data: *const c_void,
    amount: c_int,
    offset: ffi::sqlite3_int64,
) -> c_int {
    let Ok(len) = usize::try_from(amount) else {
        return ffi::SQLITE_IOERR_WRITE;
    };
    if data.is_null() && len > 0 {
        return ffi::SQLITE_IOERR_WRITE;
    }
    let data = if len == 0 {
        &[][..]
    } else {
        // SAFETY: SQLite passes `amount` readable bytes at `data`, alive for
        // the call.
        unsafe { std::slice::from_raw_parts(data.cast::<u8>(), len) }
    };
    // SAFETY: SQLite calls this on an open WAL file.
    unsafe { parts(file) }.write(data, offset)
}

unsafe extern "C" fn x_truncate(file: *mut ffi::sqlite3_file, size: ffi::sqlite3_int64) -> c_int {
    // SAFETY: an open WAL file.
    unsafe {
        flushed(file, |m, real| match m.xTruncate {
            Some(truncate) => truncate(real, size),
            None => ffi::SQLITE_IOERR_TRUNCATE,
        })
    }
}

unsafe extern "C" fn x_sync(file: *mut ffi::sqlite3_file, flags: c_int) -> c_int {
    // SAFETY: an open WAL file.
    unsafe {
        flushed(file, |m, real| match m.xSync {
            Some(sync) => sync(real, flags),
            None => ffi::SQLITE_IOERR_FSYNC,
        })
    }
}

unsafe extern "C" fn x_file_size(
    file: *mut ffi::sqlite3_file,
    size: *mut ffi::sqlite3_int64,
) -> c_int {
    // SAFETY: an open WAL file; `size` is SQLite's out-pointer.
    unsafe {
        flushed(file, |m, real| match m.xFileSize {
            Some(file_size) => file_size(real, size),
            None => ffi::SQLITE_IOERR_FSTAT,
        })
    }
}

unsafe extern "C" fn x_lock(file: *mut ffi::sqlite3_file, level: c_int) -> c_int {
    // SAFETY: an open WAL file.
    unsafe {
        flushed(file, |m, real| match m.xLock {
            Some(lock) => lock(real, level),
            None => ffi::SQLITE_OK,
        })
    }
}

unsafe extern "C" fn x_unlock(file: *mut ffi::sqlite3_file, level: c_int) -> c_int {
    // SAFETY: an open WAL file.
    unsafe {
        flushed(file, |m, real| match m.xUnlock {
            Some(unlock) => unlock(real, level),
            None => ffi::SQLITE_OK,
        })
    }
}

unsafe extern "C" fn x_check_reserved_lock(
    file: *mut ffi::sqlite3_file,
    reserved: *mut c_int,
) -> c_int {
    // SAFETY: an open WAL file; `reserved` is SQLite's out-pointer.
    unsafe {
        flushed(file, |m, real| match m.xCheckReservedLock {
            Some(check) => check(real, reserved),
            None => ffi::SQLITE_OK,
        })
    }
}

unsafe extern "C" fn x_file_control(
    file: *mut ffi::sqlite3_file,
    op: c_int,
    arg: *mut c_void,
) -> c_int {
    // SAFETY: an open WAL file; `arg` is SQLite's, passed on.
    unsafe {
        flushed(file, |m, real| match m.xFileControl {
            Some(control) => control(real, op, arg),
            None => ffi::SQLITE_NOTFOUND,
        })
    }
}

unsafe extern "C" fn x_sector_size(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: an open WAL file; no buffered state is involved.
    let parts = unsafe { parts(file) };
    match parts.methods.xSectorSize {
        // SAFETY: `real` is open.
        Some(sector_size) => unsafe { sector_size(parts.real) },
        None => 4096,
    }
}

unsafe extern "C" fn x_device_characteristics(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: an open WAL file; no buffered state is involved.
    let parts = unsafe { parts(file) };
    match parts.methods.xDeviceCharacteristics {
        // SAFETY: `real` is open.
        Some(characteristics) => unsafe { characteristics(parts.real) },
        None => 0,
    }
}

#[cfg(test)]
mod tests;
