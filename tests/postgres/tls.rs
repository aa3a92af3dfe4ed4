//! TLS to the server: a second throwaway cluster that serves TLS with a
//! certificate of a test CA (made here with the `openssl` command) and refuses
//! TCP connections without TLS. The store connects with the CA given as
//! `sslrootcert`, verifies the host name under `verify-full` and `require`, and
//! refuses a server it cannot verify.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use fapiao::store::{DatabaseFailure, PostgresOptions, PostgresStore, StoreError};

use crate::support::schema_name;

/// Runs `openssl` with `args` (split at blanks) in `dir`; panics with its
/// output when it fails.
fn openssl(dir: &Path, args: &str) {
    let output = Command::new("openssl")
        .args(args.split_whitespace())
        .current_dir(dir)
        .output()
        .expect("run openssl");
    assert!(
        output.status.success(),
        "openssl {args}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `openssl req`'s options for a new P-256 key, unencrypted.
const NEW_P256_KEY: &str = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";

/// A CA named `name` (`NAME.crt`, `NAME.key`) in `dir`.
fn make_ca(dir: &Path, name: &str) {
    openssl(
        dir,
        &format!(
            "req -x509 {NEW_P256_KEY} -keyout {name}.key -out {name}.crt -subj /CN={name} \
             -days 2 -addext basicConstraints=critical,CA:TRUE \
             -addext keyUsage=critical,keyCertSign,cRLSign"
        ),
    );
}

/// `server.crt` and `server.key` in `dir`, for the name `localhost` only,
/// issued by the CA `ca`.
fn make_server_certificate(dir: &Path, ca: &str) {
    openssl(
        dir,
        &format!("req {NEW_P256_KEY} -keyout server.key -out server.csr -subj /CN=localhost"),
    );
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(
        dir,
        &format!(
            "x509 -req -in server.csr -CA {ca}.crt -CAkey {ca}.key -CAcreateserial \
             -out server.crt -days 2 -extfile server.ext"
        ),
    );
}

/// A throwaway cluster serving TLS; stopped and deleted when dropped.
struct TlsServer {
    port: u16,
    dir: String,
}

impl TlsServer {
    fn start(certificates: &Path) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let output = Command::new("bash")
            .args(["scripts/postgres.sh", "start"])
            .env("FAPIAO_POSTGRES_PORT", port.to_string())
            .env("FAPIAO_POSTGRES_TLS_DIR", certificates)
            .env_remove("FAPIAO_POSTGRES_DURABLE")
            .output()
            .expect("run scripts/postgres.sh start");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "start a TLS cluster: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let dir = stdout
            .lines()
            .find_map(|l| l.strip_prefix("export FAPIAO_POSTGRES_DIR="))
            .expect("the cluster's directory")
            .to_owned();
        Self { port, dir }
    }

    fn url(&self, host: &str, settings: &str) -> String {
        format!(
            "postgres://postgres@{host}:{}/postgres?{settings}",
            self.port
        )
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .args(["scripts/postgres.sh", "stop", &self.dir])
            .output();
    }
}

/// Opens a store on a fresh schema at `url`, waiting at most a second for a
/// connection.
fn open(url: &str) -> Result<PostgresStore, StoreError> {
    let options = PostgresOptions {
        connect_timeout: Duration::from_secs(1),
        ..PostgresOptions::default()
    };
    PostgresStore::open_with(url, &schema_name("tls"), options)
}

/// `error` is a connection the server or the store refused (not a server
/// that is down), and says `why`.
fn assert_refused(error: &StoreError, why: &str) {
    assert!(
        matches!(
            error,
            StoreError::Database {
                kind: DatabaseFailure::Failed,
                ..
            }
        ) && !error.is_unavailable(),
        "{error:?}"
    );
    assert!(error.to_string().contains(why), "{why:?} not in {error}");
}

#[test]
fn the_store_connects_over_tls_to_a_server_it_verifies_and_to_no_other() {
    let certificates: PathBuf =
        std::env::temp_dir().join(format!("fapiao-pg-tls-{}", std::process::id()));
    std::fs::create_dir_all(&certificates).unwrap();
    make_ca(&certificates, "test-ca");
    make_ca(&certificates, "stranger-ca");
    make_server_certificate(&certificates, "test-ca");
    let server = TlsServer::start(&certificates);
    let ca = certificates.join("test-ca.crt").display().to_string();
    let stranger = certificates.join("stranger-ca.crt").display().to_string();

    // Verified: the CA given, the name on the certificate.
    for settings in [
        format!("sslmode=verify-full&sslrootcert={ca}"),
        format!("sslmode=require&sslrootcert={ca}"),
    ] {
        let store =
            open(&server.url("localhost", &settings)).unwrap_or_else(|e| panic!("{settings}: {e}"));
        assert_eq!(
            store.schema_version().unwrap(),
            PostgresStore::latest_schema_version()
        );
        store.drop_schema().unwrap();
    }
    // `verify-ca` takes the server under another name; `verify-full` does not.
    let by_address = open(&server.url("127.0.0.1", &format!("sslmode=verify-ca&sslrootcert={ca}")))
        .expect("verify-ca by address");
    by_address.drop_schema().unwrap();
    let wrong_name = open(&server.url(
        "127.0.0.1",
        &format!("sslmode=verify-full&sslrootcert={ca}"),
    ))
    .unwrap_err();
    assert_refused(&wrong_name, "IP address mismatch");

    // Not verified: another CA, or the system's roots, which do not hold the
    // test CA.
    for settings in [
        format!("sslmode=verify-full&sslrootcert={stranger}"),
        "sslmode=require".to_owned(),
    ] {
        let refused = open(&server.url("localhost", &settings)).unwrap_err();
        assert_refused(&refused, "certificate verify failed");
    }
    // Without TLS the server refuses.
    let plain = open(&server.url("localhost", "sslmode=disable")).unwrap_err();
    assert_refused(&plain, "no encryption");
    let unreadable = open(&server.url(
        "localhost",
        "sslmode=verify-full&sslrootcert=/nonexistent/ca.crt",
    ))
    .unwrap_err();
    assert!(
        matches!(
            unreadable,
            StoreError::InvalidSetting {
                setting: "sslrootcert",
                ..
            }
        ),
        "{unreadable:?}"
    );
    drop(server);
    let _ = std::fs::remove_dir_all(certificates);
}
