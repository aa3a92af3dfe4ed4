//! examples/c/erp_issue.c, built with the system C compiler against the static
//! library and run on the fixture PKI: the ERP checks and signs its order, the
//! cloud platform countersigns and seals it, the service platform issues the
//! invoice (and refuses the replay), the cloud platform opens the answer. Once
//! more linked with the shared library (`-lfapiao`). examples/c/gm_envelope.c
//! (with the `gm` feature): dual SM2 credentials, GM/T 0010 envelopes with
//! SM4-CBC and SM4-GCM, and their refusals.
//!
//! The static library is the `libfapiao.a` cargo built for this test run (next
//! to the test's own executable, in `target/<profile>/deps`). It is copied to a
//! private directory before linking. (A target directory shared with other
//! checkouts can have its unhashed `libfapiao.a` replaced by another build: then
//! the link fails on missing `fapiao_*` symbols; use a private
//! `CARGO_TARGET_DIR`.)

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// What rustc reports for a staticlib of this crate on Linux
/// (`--print native-static-libs`); README "C API" lists the same.
const SYSTEM_LIBS: &[&str] = &[
    "-lgcc_s",
    "-lutil",
    "-lrt",
    "-lpthread",
    "-lm",
    "-ldl",
    "-lc",
];

/// What the `postgres` feature adds: the system's OpenSSL, which its TLS
/// connector (`postgres-native-tls`) links dynamically.
const POSTGRES_LIBS: &[&str] = if cfg!(feature = "postgres") {
    &["-lssl", "-lcrypto"]
} else {
    &[]
};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn library(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    // target/<profile>/deps/ffi-<hash>
    let profile_dir = exe.parent().and_then(Path::parent).unwrap();
    // `cargo test` builds every crate type of the library into deps/ (only
    // `cargo build` copies them up a level, so that copy may be stale).
    let candidates = [profile_dir.join("deps").join(name), profile_dir.join(name)];
    candidates
        .iter()
        .find(|p| p.exists())
        .cloned()
        .unwrap_or_else(|| {
            panic!(
                "no {name} in {} (crate-types staticlib and cdylib): build it with `cargo build`",
                profile_dir.display()
            )
        })
}

/// Builds examples/c/`name`.c against a private copy of the static library.
fn build(name: &str) -> PathBuf {
    // Cargo's scratch directory for integration tests, inside the target dir.
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("ffi_c_example_{name}"));
    std::fs::create_dir_all(&dir).unwrap();
    let lib = dir.join("libfapiao.a");
    std::fs::copy(library("libfapiao.a"), &lib).unwrap();
    let exe = dir.join(name);
    let output = Command::new("cc")
        .args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-I"])
        .arg(root().join("include"))
        .arg(root().join(format!("examples/c/{name}.c")))
        .arg(&lib)
        .args(POSTGRES_LIBS)
        .args(SYSTEM_LIBS)
        .arg("-o")
        .arg(&exe)
        .output()
        .unwrap_or_else(|e| panic!("cannot run the C compiler `cc`: {e}"));
    let _ = std::fs::remove_file(&lib);
    assert!(
        output.status.success(),
        "building examples/c/{name}.c failed (see the module docs if fapiao_* \
         symbols are missing):\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    exe
}

/// Builds the ERP example once per test run; returns the executable.
fn example() -> &'static Path {
    static EXE: OnceLock<PathBuf> = OnceLock::new();
    EXE.get_or_init(|| build("erp_issue"))
}

fn run(order: &str, time: Option<&str>) -> Output {
    let mut command = Command::new(example());
    command
        .arg(root().join("tests/data"))
        .arg(root().join("examples/requests").join(order));
    if let Some(time) = time {
        command.arg(time);
    }
    command.output().unwrap()
}

#[test]
fn c_erp_module_issues_a_valid_order() {
    let output = run("valid-blue.json", Some("1811808000"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    let expect = [
        format!("fapiao {} (", env!("CARGO_PKG_VERSION")),
        "setup: ECP-1 and EISP-1 pinned each other; enterprise registered".into(),
        "erp: order of ".into(),
        "0 violation(s) found locally: []".into(),
        "erp: signing as SERIALNUMBER=91350200776049653A,CN=Xiamen Example Trading Co.".into(),
        "cloud platform: sealed a ".into(),
        "\"kind\":\"key transport\"".into(),
        "service platform: answered with a ".into(),
        "service platform: the same envelope again: 404 replay".into(),
        "erp: order ERP-20261128-000001: invoice 26350000000000000001 issued, check code ".into(),
        "total 26899.65 yuan".into(),
        "\"status\": \"ISSUED\"".into(),
        "\"device_id\": \"EISP-DEV-1\"".into(),
        "tax authority: received an invoice of ".into(),
        "service platform: 1 due, 1 uploaded, 0 retried, 0 parked".into(),
    ];
    for line in &expect {
        assert!(
            stdout.contains(line.as_str()),
            "missing {line:?} in:\n{stdout}"
        );
    }
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn c_erp_module_reports_refusals_and_failures() {
    // The service platform refuses an order that breaks a rule, with the
    // violations in its sealed answer.
    let output = run("invalid-tax-mismatch.json", Some("1811808000"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("1 violation(s) found locally: [{"),
        "{stdout}"
    );
    assert!(
        stdout.contains("erp: order BAD-TAX: refused: INVALID_REQUEST"),
        "{stdout}"
    );
    assert!(stdout.contains("\"code\": \"TAX_MISMATCH\""), "{stdout}");

    // When the fixtures have expired, pinning the peers fails: the C side prints
    // the code, its message and the detail.
    let output = run("valid-blue.json", Some("2145916800")); // 2038-01-01
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("failed: 300 certificate expired"),
        "{stderr}"
    );
    assert!(
        stderr.contains("detail: fapiao_store_pin_peer: certificate path: leaf certificate"),
        "{stderr}"
    );

    let output = Command::new(example()).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn c_erp_module_links_with_the_shared_library_too() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("ffi_c_example_shared");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(library("libfapiao.so"), dir.join("libfapiao.so")).unwrap();
    let exe = dir.join("erp_issue");
    let output = Command::new("cc")
        .args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-I"])
        .arg(root().join("include"))
        .arg(root().join("examples/c/erp_issue.c"))
        .arg(format!("-L{}", dir.display()))
        .arg("-lfapiao")
        .arg(format!("-Wl,-rpath,{}", dir.display()))
        .arg("-o")
        .arg(&exe)
        .output()
        .unwrap_or_else(|e| panic!("cannot run the C compiler `cc`: {e}"));
    assert!(
        output.status.success(),
        "linking examples/c/erp_issue.c with -lfapiao failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let output = Command::new(&exe)
        .arg(root().join("tests/data"))
        .arg(root().join("examples/requests/valid-blue.json"))
        .arg("1811808000")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("invoice 26350000000000000001 issued"),
        "{stdout}"
    );
}

#[cfg(feature = "gm")]
#[test]
fn c_gm_example_seals_and_opens_gm_envelopes() {
    let exe = build("gm_envelope");
    let output = Command::new(&exe)
        .arg(root().join("tests/data/gm"))
        .arg("1811808000")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    let payload = "{\"serial\":\"GM-20270601-000001\",\"buyer\":\"厦门\"}";
    let expect = [
        "setup: dual SM2 credentials for the cloud and the service platform".to_string(),
        "\"content_type\":\"1.2.156.10197.6.1.4.2.3\"".into(),
        "\"content_encryption\":\"1.2.156.10197.1.104.2\"".into(),
        "\"algorithm\":\"1.2.156.10197.1.301.3\"".into(),
        format!("service platform: opened the SM4-CBC envelope: {payload}"),
        "refused as expected: 406 unsupported or refused algorithm".into(),
        format!("service platform: opened the SM4-GCM envelope: {payload}"),
        "refused as expected: 404 replay".into(),
        "refused as expected: 401 the envelope is not addressed to our certificate".into(),
    ];
    for line in &expect {
        assert!(
            stdout.contains(line.as_str()),
            "missing {line:?} in:\n{stdout}"
        );
    }
    assert!(stderr.is_empty(), "{stderr}");

    let output = Command::new(&exe).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let output = Command::new(&exe).arg("/nonexistent").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
}
