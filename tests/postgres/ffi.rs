//! The C API on PostgreSQL: `fapiao_store_open_postgres`, both platforms and
//! the front end made on its handles as a C host would (the same world as
//! tests/ffi, each party in its own schema), and its result codes for a bad
//! connection string, a bad schema name and a server that cannot be reached.

use core::ffi::CStr;
use core::ptr;
use std::ffi::CString;
use std::time::{Duration, Instant};

use fapiao::ffi::fapiao_result::*;
use fapiao::ffi::*;
use fapiao::store::PostgresStore;

use crate::ffi_support::platform_world::{Party, World, front_end_round, world_on};
use crate::ffi_support::{last_error, ok, request};
use crate::support::{SchemaGuard, schema_name, url};

/// Opens `schema` on the test server through the C API.
fn open(conninfo: &str, schema: &str) -> (fapiao_result, *mut fapiao_store) {
    let conninfo = CString::new(conninfo).unwrap();
    let schema = CString::new(schema).unwrap();
    let mut out = ptr::null_mut();
    // SAFETY: NUL-terminated strings and a writable `out`.
    let rc = unsafe { fapiao_store_open_postgres(conninfo.as_ptr(), schema.as_ptr(), &mut out) };
    (rc, out)
}

/// A world whose three parties keep their state in fresh schemas of the test
/// server, the schemas' names and the guards that drop them.
fn world_on_postgres(hosting_mode: &str) -> (World, [String; 3], Vec<SchemaGuard>) {
    let names = [
        schema_name("ffi_cloud"),
        schema_name("ffi_service"),
        schema_name("ffi_front"),
    ];
    let guards = names.iter().cloned().map(SchemaGuard).collect();
    let world = world_on(hosting_mode, ptr::null(), &|party| {
        let name = match party {
            Party::Cloud => &names[0],
            Party::Service => &names[1],
            Party::FrontEnd => &names[2],
        };
        let (rc, store) = open(&url(), name);
        ok(rc);
        assert!(!store.is_null());
        store
    });
    (world, names, guards)
}

fn outcome_and_field(
    world: &World,
    answer: &[u8],
    read: unsafe extern "C" fn(
        *const fapiao_issue_response,
        *mut core::ffi::c_char,
        usize,
        *mut usize,
    ) -> fapiao_result,
) -> (u32, String) {
    let response = world.open(answer);
    let mut outcome = 0;
    let mut buf = [0u8; 128];
    let mut written = 0;
    // SAFETY: a live response, a writable u32 and a 128-byte buffer; the
    // response is freed once.
    unsafe {
        ok(fapiao_issue_response_outcome(response, &mut outcome));
        ok(read(
            response,
            buf.as_mut_ptr().cast(),
            buf.len(),
            &mut written,
        ));
        fapiao_issue_response_free(response);
    }
    (outcome, String::from_utf8(buf[..written].to_vec()).unwrap())
}

/// The invoices a schema holds, and whether its invariants hold.
fn held(schema: &str) -> (u64, bool) {
    let report = PostgresStore::open(&url(), schema)
        .unwrap()
        .integrity_report()
        .unwrap();
    (report.invoices, report.holds())
}

#[test]
fn a_platform_hosted_invoice_through_c_handles_on_postgres() {
    let _server = crate::support::server_shared();
    let (world, [cloud, service, _], _guards) = world_on_postgres("PLATFORM_HOSTED");
    let request = world.submit(&request("valid-blue.json"));
    let (rc, answer) = world.handle(&request);
    ok(rc);
    assert_eq!(world.handle(&request).0, FAPIAO_REPLAY, "{}", last_error());
    let (outcome, number) =
        outcome_and_field(&world, &answer, fapiao_issue_response_invoice_number);
    assert_eq!(outcome, fapiao_issue_outcome::FAPIAO_OUTCOME_ISSUED as u32);
    assert_eq!(number, "26350000000000000001");
    // Issued in the service platform's schema, received in the cloud's.
    assert_eq!(held(&service), (1, true));
    assert_eq!(held(&cloud), (1, true));
}

#[test]
fn an_enterprise_hosted_ticket_through_c_handles_on_postgres() {
    let _server = crate::support::server_shared();
    let (world, [_, service, front], _guards) = world_on_postgres("ENTERPRISE_HOSTED");
    let (rc, answer) = world.handle(&world.submit(&request("valid-blue.json")));
    ok(rc);
    let (outcome, _ticket) = outcome_and_field(&world, &answer, fapiao_issue_response_ticket);
    assert_eq!(
        outcome,
        fapiao_issue_outcome::FAPIAO_OUTCOME_ACCEPTED_PENDING as u32
    );
    let (report, recorded) = front_end_round(&world, world.front_end);
    assert_eq!((report.issued, report.failed, recorded), (1, 0, 1));
    // Numbered by the enterprise's device in the front end's schema, recorded
    // by the service platform in its own.
    assert_eq!(held(&front), (1, true));
    assert_eq!(held(&service), (1, true));
}

#[test]
fn bad_settings_are_the_setting_code_and_name_no_secret() {
    let schema = schema_name("ffi_bad");
    let _guard = SchemaGuard(schema.clone());
    for conninfo in [
        "postgres://eisp:s3cret-pw@[::1",
        "postgres://eisp:s3cret-pw@127.0.0.1/fapiao?sslmode=sometimes",
        "host=127.0.0.1 password=s3cret-pw nonsense",
    ] {
        let (rc, store) = open(conninfo, &schema);
        let detail = last_error();
        assert_eq!(rc, FAPIAO_STORE_SETTING_INVALID, "{conninfo}: {detail}");
        assert!(detail.contains("connection string"), "{detail}");
        assert!(!detail.contains("s3cret-pw"), "{detail}");
        assert!(store.is_null());
    }
    for name in ["Upper", "a-b", "pg_catalog", "x; DROP TABLE y", ""] {
        let (rc, store) = open(&url(), name);
        assert_eq!(
            rc,
            FAPIAO_STORE_SETTING_INVALID,
            "{name:?}: {}",
            last_error()
        );
        assert!(last_error().contains("schema"), "{}", last_error());
        assert!(store.is_null());
    }
}

#[test]
fn a_server_that_cannot_be_reached_is_the_unavailable_code() {
    // A port nothing listens on: bound, then closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let started = Instant::now();
    let (rc, store) = open(
        &format!("postgres://postgres:s3cret-pw@127.0.0.1:{port}/postgres"),
        "fapiao",
    );
    let detail = last_error();
    assert_eq!(rc, FAPIAO_STORE_UNAVAILABLE, "{detail}");
    assert!(!detail.contains("s3cret-pw"), "{detail}");
    assert!(store.is_null());
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "gave up after {:?}",
        started.elapsed()
    );
    let mut message = [0u8; 64];
    let mut written = 0;
    // SAFETY: a 64-byte buffer and a writable length.
    ok(unsafe {
        fapiao_result_message(
            rc as u32,
            message.as_mut_ptr().cast(),
            message.len(),
            &mut written,
        )
    });
    assert_eq!(
        CStr::from_bytes_with_nul(&message[..=written]).unwrap(),
        c"the database could not be reached"
    );
}

#[test]
fn null_arguments_are_refused() {
    let conninfo = CString::new(url()).unwrap();
    let mut out = ptr::null_mut();
    // SAFETY: NULL or NUL-terminated strings; `out` NULL or writable.
    unsafe {
        let rc = fapiao_store_open_postgres(ptr::null(), c"fapiao".as_ptr(), &mut out);
        assert_eq!(rc, FAPIAO_NULL_ARGUMENT);
        let rc = fapiao_store_open_postgres(conninfo.as_ptr(), ptr::null(), &mut out);
        assert_eq!(rc, FAPIAO_NULL_ARGUMENT);
        let rc = fapiao_store_open_postgres(conninfo.as_ptr(), c"fapiao".as_ptr(), ptr::null_mut());
        assert_eq!(rc, FAPIAO_NULL_ARGUMENT);
    }
    assert!(out.is_null());
}
