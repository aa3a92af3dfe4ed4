//! `fapiao_cli seal`, `open`, `inspect` and `speed`, run in-process (the command
//! modules are compiled into this test) on the fixture PKI, and `open` on an
//! envelope that `openssl cms` made (AES-GCM, and legacy AES-CBC when allowed).

use crate::common;
#[path = "../../examples/fapiao_cli/inspect.rs"]
pub(crate) mod inspect;
#[path = "../../examples/fapiao_cli/open.rs"]
pub(crate) mod open;
#[path = "../../examples/fapiao_cli/seal.rs"]
pub(crate) mod seal;
#[path = "../../examples/fapiao_cli/speed.rs"]
pub(crate) mod speed;

use std::path::PathBuf;

type Run = fn(&[String], &mut dyn std::io::Write, &mut dyn std::io::Write) -> u8;

fn data(name: &str) -> String {
    format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn scratch(name: &str) -> String {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli_envelope");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(format!("{}-{name}", std::process::id()))
        .to_string_lossy()
        .into_owned()
}

fn run(command: Run, args: &[&str]) -> (u8, String, String) {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = command(&args, &mut out, &mut err);
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

#[test]
fn seal_inspect_open_round_trip_and_refusals() {
    let payload = scratch("payload.json");
    let envelope = scratch("envelope.der");
    let opened = scratch("opened.json");
    std::fs::write(&payload, b"{\"serial\":\"ERP-1\"}").unwrap();
    let (code, out, err) = run(
        seal::run,
        &[
            "--cert",
            &data("ecp-p256.pem"),
            "--key",
            &data("ecp-p256.key.pem"),
            "--chain",
            &data("issuing-ca.pem"),
            "--to",
            &data("eisp-rsa.pem"),
            "--in",
            &payload,
            "--out",
            &envelope,
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("1 recipient"), "{out}");

    let (code, out, _) = run(inspect::run, &["--in", &envelope]);
    assert_eq!(code, 0);
    assert!(out.contains("authEnvelopedData"), "{out}");
    assert!(out.contains("aes256-GCM"), "{out}");
    assert!(out.contains("RSAES-OAEP"), "{out}");

    let open_args = |cert: &str, key: &str| {
        vec![
            "--cert".to_string(),
            data(cert),
            "--key".into(),
            data(key),
            "--trust".into(),
            data("root-ca.pem"),
            "--in".into(),
            envelope.clone(),
            "--out".into(),
            opened.clone(),
        ]
    };
    let args = open_args("eisp-rsa.pem", "eisp-rsa.key.pem");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, _, err) = run(open::run, &args);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("signer 0: CN=Fapiao Cloud Platform"), "{err}");
    assert_eq!(
        std::fs::read(&opened).unwrap(),
        std::fs::read(&payload).unwrap()
    );

    // Not for us: exit 1, one line naming the reason.
    let args = open_args("enterprise-rsa.pem", "enterprise-rsa.key.pem");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, _, err) = run(open::run, &args);
    assert_eq!(code, 1);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("not for us"), "{err}");

    // A signer that does not chain to the given root: exit 1.
    let args = open_args("eisp-rsa.pem", "eisp-rsa.key.pem");
    let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
    let other_root = data("faulty/other-root.pem");
    args[5] = &other_root;
    let (code, _, err) = run(open::run, &args);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("certificate chain invalid"), "{err}");

    // Unreadable input and usage errors: exit 2.
    let (code, _, _) = run(inspect::run, &["--in", "/nonexistent/envelope.der"]);
    assert_eq!(code, 2);
    let (code, _, _) = run(seal::run, &["--cert"]);
    assert_eq!(code, 2);
    let (code, _, _) = run(inspect::run, &["--in", &payload]);
    assert_eq!(code, 1, "a JSON file is not an envelope");
}

#[test]
fn open_reads_openssl_envelopes_and_legacy_cbc_only_when_allowed() {
    use common::openssl::{cms_encrypt, cms_sign, our_recipient_options};
    let dir = "cli_envelope";
    let payload = common::openssl::scratch(dir, "openssl-payload");
    let signed = common::openssl::scratch(dir, "openssl-signed.der");
    std::fs::write(&payload, b"from openssl").unwrap();
    cms_sign("ecp-rsa", &payload, &signed);
    let open_args = |envelope: &str, opened: &str, legacy: bool| {
        let mut args = vec![
            "--cert".to_owned(),
            data("eisp-p256.pem"),
            "--key".to_owned(),
            data("eisp-p256.key.pem"),
            "--trust".to_owned(),
            data("root-ca.pem"),
            "--in".to_owned(),
            envelope.to_owned(),
            "--out".to_owned(),
            opened.to_owned(),
        ];
        if legacy {
            args.push("--allow-legacy-cbc".to_owned());
        }
        args
    };
    for cipher in ["aes-256-gcm", "aes-256-cbc"] {
        let envelope = common::openssl::scratch(dir, &format!("openssl-{cipher}.der"));
        let opened = scratch(&format!("openssl-{cipher}-opened"));
        let keyopts = our_recipient_options("eisp-p256");
        cms_encrypt(cipher, &signed, "eisp-p256", keyopts, &envelope);
        let envelope = envelope.to_string_lossy().into_owned();
        let with = |legacy| {
            let args = open_args(&envelope, &opened, legacy);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            run(open::run, &args)
        };
        if cipher.ends_with("cbc") {
            let (code, _, err) = with(false);
            assert_eq!(code, 1, "{err}");
            assert!(err.contains("legacy EnvelopedData"), "{err}");
        }
        let (code, _, err) = with(true);
        assert_eq!(code, 0, "{cipher}: {err}");
        assert_eq!(std::fs::read(&opened).unwrap(), b"from openssl");
    }
    // A legacy envelope whose signature was broken through the ciphertext: the
    // opener's one uniform refusal, and the operator's detail after it.
    let envelope = common::openssl::scratch(dir, "openssl-tampered-cbc.der");
    cms_encrypt(
        "aes-256-cbc",
        &signed,
        "eisp-p256",
        our_recipient_options("eisp-p256"),
        &envelope,
    );
    let mut bytes = std::fs::read(&envelope).unwrap();
    let index = bytes.len() - 40;
    bytes[index] ^= 1;
    std::fs::write(&envelope, &bytes).unwrap();
    let args = open_args(
        envelope.to_str().unwrap(),
        &scratch("openssl-tampered-opened"),
        true,
    );
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, _, err) = run(open::run, &args);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("did not decrypt to a verified SignedData"),
        "{err}"
    );
    assert!(
        err.contains("detail: ") && err.contains("signature"),
        "{err}"
    );
}

#[test]
fn speed_prints_its_one_line_summary() {
    let payload = scratch("speed-payload");
    std::fs::write(&payload, vec![7u8; 2048]).unwrap();
    let (code, out, err) = run(
        speed::run,
        &[
            "--cert",
            &data("ecp-p256.pem"),
            "--key",
            &data("ecp-p256.key.pem"),
            "--chain",
            &data("issuing-ca.pem"),
            "--to",
            &data("eisp-p256.pem"),
            "--to-key",
            &data("eisp-p256.key.pem"),
            "--trust",
            &data("root-ca.pem"),
            "--in",
            &payload,
            "--iterations",
            "3",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let line = out.trim();
    let fields: Vec<&str> = line.split(' ').collect();
    assert_eq!(fields.len(), 3, "{line}");
    for (field, name) in fields.iter().zip(["seal_us", "open_us", "roundtrip_per_s"]) {
        let (key, value) = field.split_once('=').unwrap();
        assert_eq!(key, name);
        assert!(value.parse::<f64>().unwrap() > 0.0, "{line}");
    }
    let (code, _, _) = run(
        speed::run,
        &["--cert", &data("ecp-p256.pem"), "--iterations", "0"],
    );
    assert_eq!(code, 2);
}

#[test]
fn commands_are_named_as_documented() {
    let table = [
        (seal::NAME, seal::SUMMARY),
        (open::NAME, open::SUMMARY),
        (inspect::NAME, inspect::SUMMARY),
        (speed::NAME, speed::SUMMARY),
    ];
    let names: Vec<&str> = table.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, ["seal", "open", "inspect", "speed"]);
    assert!(
        table
            .iter()
            .all(|(_, s)| !s.is_empty() && !s.contains('\n'))
    );
}

/// Without the `pkcs11` feature, a `pkcs11:` key is refused as a usage error
/// (exit code 2) that names the feature. With it: tests/pkcs11/cli.rs.
#[cfg(not(feature = "pkcs11"))]
#[test]
fn a_pkcs11_key_uri_needs_the_feature() {
    let payload = scratch("token-payload");
    std::fs::write(&payload, b"{}").unwrap();
    let (code, _, err) = run(
        seal::run,
        &[
            "--cert",
            &data("eisp-p256.pem"),
            "--key",
            "pkcs11:token=fapiao;object=eisp-p256",
            "--to",
            &data("ecp-p256.pem"),
            "--in",
            &payload,
            "--out",
            &scratch("token-envelope.der"),
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("needs the pkcs11 feature"), "{err}");
    assert!(err.contains("usage:"), "{err}");
}
