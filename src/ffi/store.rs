//! [`fapiao_store`]: the store a platform role keeps its state in (requests,
//! invoices, number segments, the command queue, tickets, the tax outbox, the
//! replay guard, pinned peers, the qualification registry): embedded SQLite
//! ([`fapiao_store_open`]) or a PostgreSQL server
//! ([`fapiao_store_open_postgres`], the `postgres` feature).

use core::ffi::c_char;
use std::sync::Arc;

use super::boundary::{Failure, Out, bytes_arg, guard, guard_value, resolve_now, str_arg};
use super::device::invoice_kind_arg;
use super::handle::{self, Handle};
use super::result::fapiao_result::{
    self, FAPIAO_CERTIFICATE_MALFORMED, FAPIAO_INVALID_ARGUMENT, FAPIAO_QUALIFICATION_REGISTRY,
};
use super::store_engine::StoreEngine;
use super::trust::fapiao_trust_store;
use crate::device::NumberSegment;
use crate::error::Error;
use crate::exchange::{PartyRole, PeerDirectory, PeerRecord};
use crate::pki::{Certificate, Purpose, Timestamp};
use crate::qualification::QualificationRecord;
use crate::store::SqliteStore;

/// The role a pinned peer plays: the `role` argument of `fapiao_store_pin_peer`.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum fapiao_party_role {
    /// The e-commerce cloud platform (电商云平台).
    FAPIAO_ROLE_CLOUD_PLATFORM = 1,
    /// The e-invoice service platform (电子发票服务平台).
    FAPIAO_ROLE_SERVICE_PLATFORM = 2,
    /// An enterprise's front-end service (前置服务).
    FAPIAO_ROLE_ENTERPRISE_FRONT_END = 3,
}

/// A platform's store: a SQLite database (`fapiao_store_open`) or a schema on
/// a PostgreSQL server (`fapiao_store_open_postgres`); every function taking a
/// store works the same on either. Each change is one transaction; the handle
/// may be used from several threads at once, and by several roles (a service
/// platform and its hosted device share one).
pub struct fapiao_store {
    pub(crate) inner: Arc<dyn StoreEngine>,
}

impl Handle for fapiao_store {
    const NAME: &'static str = "fapiao_store";
}

/// Opens (creating and migrating it if needed) the SQLite store at `path`, a
/// NUL-terminated UTF-8 file path; NULL opens a fresh in-memory store that lives
/// as long as its handle and the roles using it.
///
/// On `FAPIAO_OK`, `*out` receives a new handle to free with `fapiao_store_free`;
/// on failure (`FAPIAO_STORE_FAILED`, `FAPIAO_INVALID_UTF8`) `*out` is not
/// written.
///
/// # Safety
///
/// `path` must be NULL or a NUL-terminated string; `out` must be NULL or point
/// at a writable pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_store_open(
    path: *const c_char,
    out: *mut *mut fapiao_store,
) -> fapiao_result {
    guard("fapiao_store_open", || {
        // SAFETY: the caller guarantees the string (when not NULL) and `out`.
        let (path, out) = unsafe {
            let path = if path.is_null() {
                None
            } else {
                Some(str_arg(path, "path")?)
            };
            (path, Out::new(out, "out")?)
        };
        let store = match path {
            Some(path) => SqliteStore::open(path),
            None => SqliteStore::open_in_memory(),
        }
        .map_err(Error::from)?;
        let inner: Arc<dyn StoreEngine> = Arc::new(store);
        out.write(handle::into_handle(fapiao_store { inner }));
        Ok(())
    })
}

/// Opens one party's store on a PostgreSQL server: connects to the server
/// `conninfo` names (NUL-terminated UTF-8: a `postgres://` URL or a
/// `key=value` connection string; `sslmode=disable|prefer|require`, `prefer`
/// by default, and with TLS the server's certificate and host name are
/// verified against the system's trust store) and opens `schema`, where the
/// party keeps its tables (NUL-terminated; a lower-case identifier
/// `[a-z_][a-z0-9_]*` of at most 63 characters, not `pg_…`), creating and
/// migrating it if needed. A service platform, a cloud platform and a front
/// end may share one database, each in its own schema; every node of one
/// party opens the same schema (no invoice number, quota or answer is given
/// twice across them). The handle is used as `fapiao_store_open`'s is,
/// by every function that takes a store.
///
/// The store keeps a pool of up to 16 connections, made as needed; a
/// connection lost later is made again once the server is back, and the
/// operations meanwhile fail with `FAPIAO_STORE_UNAVAILABLE`, leaving nothing
/// half-written. The connection string, password included, is kept for that
/// as long as the store is open; it never appears in an error detail.
///
/// On `FAPIAO_OK`, `*out` receives a new handle to free with
/// `fapiao_store_free`. On failure `*out` is not written:
/// `FAPIAO_STORE_SETTING_INVALID` for a connection string or schema name that
/// is not valid (the detail names which); `FAPIAO_STORE_UNAVAILABLE` when no
/// connection was made within 5 seconds (the server is down or unreachable,
/// or refuses the connection); `FAPIAO_STORE_FAILED` for another server
/// error (e.g. no right to create the schema) or a schema written by a newer
/// version of the library; `FAPIAO_FEATURE_DISABLED` when the library is
/// built without the `postgres` feature.
///
/// # Safety
///
/// `conninfo` and `schema` must each be NULL or a NUL-terminated string;
/// `out` must be NULL or point at a writable pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_store_open_postgres(
    conninfo: *const c_char,
    schema: *const c_char,
    out: *mut *mut fapiao_store,
) -> fapiao_result {
    guard("fapiao_store_open_postgres", || {
        // SAFETY: the caller guarantees the strings and `out`.
        let (conninfo, schema, out) = unsafe {
            (
                str_arg(conninfo, "conninfo")?,
                str_arg(schema, "schema")?,
                Out::new(out, "out")?,
            )
        };
        let inner = open_postgres(conninfo, schema)?;
        out.write(handle::into_handle(fapiao_store { inner }));
        Ok(())
    })
}

#[cfg(feature = "postgres")]
fn open_postgres(conninfo: &str, schema: &str) -> Result<Arc<dyn StoreEngine>, Failure> {
    let store = crate::store::PostgresStore::open(conninfo, schema).map_err(Error::from)?;
    Ok(Arc::new(store))
}

#[cfg(not(feature = "postgres"))]
fn open_postgres(_: &str, _: &str) -> Result<Arc<dyn StoreEngine>, Failure> {
    Err(Failure::new(
        fapiao_result::FAPIAO_FEATURE_DISABLED,
        "a PostgreSQL store needs the `postgres` feature, which this build of the library lacks",
    ))
}

/// Adds an enterprise to the store's qualification registry, or replaces its
/// record: `record` is one qualification record as JSON (the format of an entry's
/// `record` in the registry file, e.g. `{"tax_id": "91350200776049653A", "name":
/// ..., "status": "ACTIVE", "allowed_invoice_kinds": ["DIGITAL_ORDINARY"],
/// "single_invoice_limit_fen": ..., "monthly_quota_fen": ..., "valid_from_unix":
/// ..., "valid_until_unix": ..., "hosting_mode": "PLATFORM_HOSTED",
/// "allowed_platforms": ["ECP-1"], "bound_certificates": []}`, and for an
/// enterprise-hosted one its own devices, `"devices": [{"device_id": "ENT-DEV-1",
/// "seal_certificate_pem": "-----BEGIN CERTIFICATE-----\n..."}]`, whose numbers
/// are allocated with `fapiao_store_add_number_segment`). Unknown fields are
/// refused and the record is checked. On failure
/// (`FAPIAO_QUALIFICATION_REGISTRY` for a bad record) the store is unchanged.
///
/// # Safety
///
/// `store` must not be freed by another thread during the call; `record` must be
/// NULL or point at `record_len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_store_add_enterprise(
    store: *const fapiao_store,
    record: *const u8,
    record_len: usize,
) -> fapiao_result {
    guard("fapiao_store_add_enterprise", || {
        // SAFETY: the caller guarantees the handle's lifetime and the bytes.
        let (store, record) = unsafe {
            (
                handle::borrow(store, "store")?,
                bytes_arg(record, record_len, "record")?,
            )
        };
        let record: QualificationRecord = serde_json::from_slice(record).map_err(|e| {
            Failure::new(
                FAPIAO_QUALIFICATION_REGISTRY,
                format!("qualification record JSON: {e}"),
            )
        })?;
        store.inner.upsert_enterprise(&record)?;
        Ok(())
    })
}

/// Allocates a segment of fully digital (20-digit) invoice numbers to
/// `device_id`, an enterprise's own device (enterprise-hosted mode), in the
/// service platform's store: `number_prefix` (2 to 19 digits) followed by the
/// zero-padded sequence from `first` to `last`, for invoices of `invoice_kind`
/// (e.g. `"DIGITAL_ORDINARY"`). The service platform records an invoice the
/// enterprise's front end reports only when its number lies in a segment
/// allocated to the device that issued it (a device listed in the enterprise's
/// record, `"devices"`); give the device the same segment. A segment overlapping
/// any other device's is refused (`FAPIAO_STORE_REFUSED`), a different segment
/// under an id in use too (`FAPIAO_STORE_CONFLICT`); the same segment again
/// changes nothing. On failure nothing is added.
///
/// # Safety
///
/// `store` must not be freed by another thread during the call; the strings
/// must be NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_store_add_number_segment(
    store: *const fapiao_store,
    device_id: *const c_char,
    segment_id: *const c_char,
    invoice_kind: *const c_char,
    number_prefix: *const c_char,
    first: u64,
    last: u64,
) -> fapiao_result {
    guard("fapiao_store_add_number_segment", || {
        // SAFETY: the caller guarantees the handle and the strings.
        let (store, device_id, segment_id, kind, prefix) = unsafe {
            (
                handle::borrow(store, "store")?,
                str_arg(device_id, "device_id")?,
                str_arg(segment_id, "segment_id")?,
                str_arg(invoice_kind, "invoice_kind")?,
                str_arg(number_prefix, "number_prefix")?,
            )
        };
        let kind = invoice_kind_arg(kind)?;
        let segment = NumberSegment::digital(segment_id, device_id, kind, prefix, first, last)
            .map_err(Error::from)?;
        store.inner.add_segment(&segment).map_err(Error::from)?;
        Ok(())
    })
}

/// Pins a peer in the store's peer directory, for peers whose certificate
/// exchange (互换数字证书) happened out of band: `certificate` is the peer's leaf
/// followed by its intermediates (PEM bundle or concatenated DER). The path is
/// validated first against `trust` at `now` (UNIX seconds; 0 = now) for signing
/// and for encryption, as the exchange would; then the leaf is pinned under
/// `party_id` (NUL-terminated UTF-8, the id agreed with the peer; an
/// enterprise front end's is its credit code) in `role` (a `fapiao_party_role`).
/// On failure (a 3xx code for the path) nothing is pinned.
///
/// # Safety
///
/// `store` and `trust` must not be freed or changed by another thread during the
/// call; `party_id` must be NULL or a NUL-terminated string; `certificate` NULL or
/// `certificate_len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_store_pin_peer(
    store: *const fapiao_store,
    trust: *const fapiao_trust_store,
    party_id: *const c_char,
    role: u32,
    certificate: *const u8,
    certificate_len: usize,
    now: u64,
) -> fapiao_result {
    guard("fapiao_store_pin_peer", || {
        // SAFETY: the caller guarantees the handles, the string and the bytes.
        let (store, trust, party_id, certificate) = unsafe {
            (
                handle::borrow(store, "store")?,
                handle::borrow(trust, "trust")?,
                str_arg(party_id, "party_id")?,
                bytes_arg(certificate, certificate_len, "certificate")?,
            )
        };
        let role = party_role(role)?;
        let mut chain = Certificate::load_bundle(certificate)?;
        if chain.is_empty() {
            return Err(Failure::new(FAPIAO_CERTIFICATE_MALFORMED, "no certificate"));
        }
        let leaf = chain.remove(0);
        let now = resolve_now(now)?;
        let validator = trust.validator();
        for purpose in [Purpose::Sign, Purpose::Encrypt] {
            validator.verify(
                &leaf,
                &chain,
                &trust.crls,
                Timestamp::from_unix_seconds(now),
                purpose,
            )?;
        }
        PeerDirectory::new(store.inner.clone().peer_store())
            .pin(PeerRecord::new(party_id, role, leaf, now))?;
        Ok(())
    })
}

/// Frees the store handle. Roles and devices made with it keep the store open
/// until they are freed too. NULL does nothing; a pointer that is not a live
/// store is left alone and recorded as the last error detail.
///
/// # Safety
///
/// No other thread may use `store` during or after the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_store_free(store: *mut fapiao_store) {
    guard_value("fapiao_store_free", (), || {
        // SAFETY: the caller guarantees no other use during or after the call.
        unsafe { handle::free(store, "store") }
    })
}

/// The [`PartyRole`] a `fapiao_party_role` value names.
pub(crate) fn party_role(role: u32) -> Result<PartyRole, Failure> {
    match role {
        1 => Ok(PartyRole::CloudPlatform),
        2 => Ok(PartyRole::ServicePlatform),
        3 => Ok(PartyRole::EnterpriseFrontEnd),
        other => Err(Failure::new(
            FAPIAO_INVALID_ARGUMENT,
            format!("role {other} is not a fapiao_party_role"),
        )),
    }
}
