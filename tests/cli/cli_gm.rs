//! `fapiao_cli` with SM2 certificates (tests/data/gm): `seal` writes GM/T 0010
//! envelopes (SM4-CBC, or SM4-GCM with `--sm4-gcm`, under another SM2 ID with
//! `--sm2-id`), `open` reads them with the recipient's encryption pair,
//! `inspect` names the GM identifiers, `speed` times them; refusals exit 1
//! (not for us, mixed suites, the wrong mode or ID), usage errors 2. The
//! commands run in-process, and the round trip once more through the built
//! `fapiao_cli` binary.

use std::path::PathBuf;
use std::process::Command;

use crate::cli_envelope::{inspect, open, seal, speed};
use crate::cli_verify_chain::cli;

type Run = fn(&[String], &mut dyn std::io::Write, &mut dyn std::io::Write) -> u8;

/// A file of the SM2 fixture PKI (valid 2026 to 2036: envelopes are sealed
/// and opened now).
fn gm(name: &str) -> String {
    format!("{}/tests/data/gm/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn rsa(name: &str) -> String {
    format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn scratch(name: &str) -> String {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli_gm");
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

/// `seal` from the cloud platform's signing pair to `to`, with `extra` options.
fn seal_args(to: &str, payload: &str, envelope: &str, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = [
        "--cert",
        &gm("ecp-sign.pem"),
        "--key",
        &gm("ecp-sign.key.pem"),
        "--chain",
        &gm("issuing-ca.pem"),
        "--to",
        to,
        "--in",
        payload,
        "--out",
        envelope,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

/// `open` with `party`'s encryption pair, with `extra` options.
fn open_args(party: &str, envelope: &str, opened: &str, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = [
        "--cert",
        &gm(&format!("{party}-enc.pem")),
        "--key",
        &gm(&format!("{party}-enc.key.pem")),
        "--trust",
        &gm("root-ca.pem"),
        "--in",
        envelope,
        "--out",
        opened,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

#[test]
fn gm_seal_inspect_open_round_trip_and_refusals() {
    let payload = scratch("cbc-payload.json");
    let envelope = scratch("cbc-envelope.der");
    let opened = scratch("cbc-opened.json");
    std::fs::write(&payload, "{\"serial\":\"GM-1\",\"buyer\":\"厦门\"}").unwrap();

    let args = seal_args(&gm("eisp-enc.pem"), &payload, &envelope, &[]);
    let (code, out, err) = run(seal::run, &strs(&args));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("1 recipient"), "{out}");

    let (code, out, err) = run(inspect::run, &["--in", &envelope]);
    assert_eq!(code, 0, "{err}");
    for name in [
        "content type: GM/T 0010 envelopedData (1.2.156.10197.6.1.4.2.3)",
        "encrypted content type: GM/T 0010 data (1.2.156.10197.6.1.4.2.1)",
        "content encryption: SM4-CBC (1.2.156.10197.1.104.2)",
        "key transport (sm2encrypt (1.2.156.10197.1.301.3))",
        "CN=Fapiao Test SM2 Issuing CA",
    ] {
        assert!(out.contains(name), "missing {name:?} in:\n{out}");
    }

    let args = open_args("eisp", &envelope, &opened, &[]);
    let (code, out, err) = run(open::run, &strs(&args));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("opened"), "{out}");
    assert!(err.contains("signer 0: SERIALNUMBER=91110108MA01ECP00X,CN=Fapiao Cloud Platform"));
    assert_eq!(
        std::fs::read(&opened).unwrap(),
        std::fs::read(&payload).unwrap()
    );

    // Another party's encryption pair, and the service platform's signing
    // pair (not the certificate sealed to): not for us, exit 1, one line.
    for (cert, key) in [
        ("ecp-enc.pem", "ecp-enc.key.pem"),
        ("eisp-sign.pem", "eisp-sign.key.pem"),
    ] {
        let mut args = open_args("eisp", &envelope, &opened, &[]);
        args[1] = gm(cert);
        args[3] = gm(key);
        let (code, _, err) = run(open::run, &strs(&args));
        assert_eq!(code, 1, "{cert}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("not for us"), "{err}");
    }

    // An opener that moved to SM4-GCM refuses SM4-CBC.
    let args = open_args("eisp", &envelope, &opened, &["--sm4-gcm"]);
    let (code, _, err) = run(open::run, &strs(&args));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("SM4-GCM"), "{err}");

    // A signer that does not chain to the given root (the RSA fixture root).
    let mut args = open_args("eisp", &envelope, &opened, &[]);
    args[5] = rsa("root-ca.pem");
    let (code, _, err) = run(open::run, &strs(&args));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("refused:"), "{err}");
}

#[test]
fn gm_sm4_gcm_and_sm2_id() {
    let payload = scratch("gcm-payload.json");
    let envelope = scratch("gcm-envelope.der");
    let opened = scratch("gcm-opened.json");
    std::fs::write(&payload, b"{\"serial\":\"GM-2\"}").unwrap();
    let id = "ecp@example.cn";

    let args = seal_args(
        &gm("eisp-enc.pem"),
        &payload,
        &envelope,
        &["--sm4-gcm", "--sm2-id", id],
    );
    let (code, _, err) = run(seal::run, &strs(&args));
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = run(inspect::run, &["--in", &envelope]);
    assert_eq!(code, 0);
    assert!(out.contains("authEnvelopedData"), "{out}");
    assert!(out.contains("SM4-GCM (1.2.156.10197.1.104.8)"), "{out}");
    assert!(out.contains("sm2encrypt"), "{out}");

    // Without --sm4-gcm the opener refuses SM4-GCM.
    let args = open_args("eisp", &envelope, &opened, &["--sm2-id", id]);
    let (code, _, err) = run(open::run, &strs(&args));
    assert_eq!(code, 1, "{err}");
    // With it, but under the default ID: the signature does not verify.
    let args = open_args("eisp", &envelope, &opened, &["--sm4-gcm"]);
    let (code, _, err) = run(open::run, &strs(&args));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("signature invalid"), "{err}");
    // Both.
    let args = open_args("eisp", &envelope, &opened, &["--sm4-gcm", "--sm2-id", id]);
    let (code, _, err) = run(open::run, &strs(&args));
    assert_eq!(code, 0, "{err}");
    assert_eq!(std::fs::read(&opened).unwrap(), b"{\"serial\":\"GM-2\"}");

    // SM4-CBC under another ID: the one uniform error, then the detail.
    let args = seal_args(&gm("eisp-enc.pem"), &payload, &envelope, &["--sm2-id", id]);
    assert_eq!(run(seal::run, &strs(&args)).0, 0);
    let args = open_args("eisp", &envelope, &opened, &[]);
    let (code, _, err) = run(open::run, &strs(&args));
    assert_eq!(code, 1, "{err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(lines[0].starts_with("refused: "), "{err}");
    assert!(lines[1].starts_with("detail: "), "{err}");
    assert!(lines[1].contains("signature invalid"), "{err}");
}

#[test]
fn gm_mixed_suites_and_usage_errors() {
    let payload = scratch("mixed-payload.json");
    let envelope = scratch("mixed-envelope.der");
    std::fs::write(&payload, b"{}").unwrap();

    // An SM2 signer to an RSA recipient; an SM2 and an RSA recipient.
    for to in [
        vec![rsa("eisp-rsa.pem")],
        vec![gm("eisp-enc.pem"), rsa("eisp-p256.pem")],
    ] {
        let mut args = seal_args(&to[0], &payload, &envelope, &[]);
        for more in &to[1..] {
            args.extend(["--to".to_string(), more.clone()]);
        }
        let (code, _, err) = run(seal::run, &strs(&args));
        assert_eq!(code, 1, "{to:?}: {err}");
        assert!(err.contains("SM2 and non-SM2"), "{err}");
    }
    // An RSA signer to an SM2 recipient.
    let mut args = seal_args(&gm("eisp-enc.pem"), &payload, &envelope, &[]);
    args[1] = rsa("ecp-rsa.pem");
    args[3] = rsa("ecp-rsa.key.pem");
    args[5] = rsa("issuing-ca.pem");
    let (code, _, err) = run(seal::run, &strs(&args));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("SM2 and non-SM2"), "{err}");

    // Usage errors: exit 2.
    let args = seal_args(&gm("eisp-enc.pem"), &payload, &envelope, &["--sm2-id"]);
    assert_eq!(run(seal::run, &strs(&args)).0, 2, "--sm2-id needs a value");
    let args = seal_args(
        &gm("eisp-enc.pem"),
        &payload,
        &envelope,
        &["--sm2-id", "a", "--sm2-id", "b"],
    );
    assert_eq!(run(seal::run, &strs(&args)).0, 2, "--sm2-id twice");
    let mut args = seal_args(&gm("eisp-enc.pem"), &payload, &envelope, &[]);
    args[3] = gm("eisp-enc.key.pem");
    let (code, _, err) = run(seal::run, &strs(&args));
    assert_eq!(code, 2, "a key that is not the certificate's: {err}");
    assert!(
        err.contains("does not belong") || err.contains("match"),
        "{err}"
    );
    let args = open_args("eisp", &envelope, &scratch("x"), &["--sm4-gcm", "yes"]);
    assert_eq!(run(open::run, &strs(&args)).0, 2, "a switch takes no value");
    let (code, out, _) = run(seal::run, &["--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("[--sm4-gcm] [--sm2-id ID]"), "{out}");
    let (code, out, _) = run(open::run, &["--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("[--sm4-gcm] [--sm2-id ID]"), "{out}");
}

#[test]
fn gm_inspect_names_the_signed_data_algorithms() {
    use fapiao::CryptoProvider;
    use fapiao::envelope::SignedMessage;
    use fapiao::pki::Credentials;
    let provider = CryptoProvider::default_provider();
    let read = |name: &str| std::fs::read(gm(name)).unwrap();
    let chain = [read("enterprise-sign.pem"), read("issuing-ca.pem")].concat();
    let signer =
        Credentials::from_pem(&chain, &read("enterprise-sign.key.pem"), None, provider).unwrap();
    let signed = SignedMessage::sign(b"order", &signer, 1_811_808_000, provider).unwrap();
    let path = scratch("signed.der");
    std::fs::write(&path, signed.as_der()).unwrap();
    let (code, out, err) = run(inspect::run, &["--in", &path]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("content type: GM/T 0010 signedData (1.2.156.10197.6.1.4.2.2)"),
        "{out}"
    );
    assert!(
        out.contains(
            "signer 0 algorithms: digest SM3 (1.2.156.10197.1.401), \
             signature sm2sign (1.2.156.10197.1.301.1)"
        ),
        "{out}"
    );
}

#[test]
fn gm_speed_times_gm_envelopes() {
    let payload = scratch("speed-payload.json");
    std::fs::write(&payload, vec![b'x'; 4096]).unwrap();
    for extra in [&[][..], &["--sm4-gcm"][..]] {
        let mut args = vec![
            "--cert",
            "",
            "--key",
            "",
            "--chain",
            "",
            "--to",
            "",
            "--to-key",
            "",
            "--trust",
            "",
            "--in",
            &payload,
            "--iterations",
            "2",
        ];
        let files = [
            gm("ecp-sign.pem"),
            gm("ecp-sign.key.pem"),
            gm("issuing-ca.pem"),
            gm("eisp-enc.pem"),
            gm("eisp-enc.key.pem"),
            gm("root-ca.pem"),
        ];
        for (i, file) in files.iter().enumerate() {
            args[2 * i + 1] = file;
        }
        args.extend_from_slice(extra);
        let (code, out, err) = run(speed::run, &args);
        assert_eq!(code, 0, "{extra:?}: {err}");
        assert!(out.starts_with("seal_us="), "{out}");
        assert!(out.contains("roundtrip_per_s="), "{out}");
    }
    // The recipient's signing key with its encryption certificate: usage.
    let (code, _, err) = run(
        speed::run,
        &[
            "--cert",
            &gm("ecp-sign.pem"),
            "--key",
            &gm("ecp-sign.key.pem"),
            "--to",
            &gm("eisp-enc.pem"),
            "--to-key",
            &gm("eisp-sign.key.pem"),
            "--trust",
            &gm("root-ca.pem"),
            "--in",
            &payload,
        ],
    );
    assert_eq!(code, 2, "{err}");
}

#[test]
fn gm_round_trip_through_the_built_binary() {
    let payload = scratch("bin-payload.json");
    let envelope = scratch("bin-envelope.der");
    let opened = scratch("bin-opened.json");
    std::fs::write(&payload, b"{\"serial\":\"GM-BIN\"}").unwrap();
    let exec = |args: &[String]| {
        let out = Command::new(cli()).args(args).output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let mut args = vec!["seal".to_string()];
    args.extend(seal_args(
        &gm("eisp-enc.pem"),
        &payload,
        &envelope,
        &["--sm4-gcm"],
    ));
    let (code, _, err) = exec(&args);
    assert_eq!(code, Some(0), "{err}");

    let (code, out, _) = exec(&["inspect".into(), "--in".into(), envelope.clone()]);
    assert_eq!(code, Some(0));
    assert!(out.contains("SM4-GCM"), "{out}");

    let mut args = vec!["open".to_string()];
    args.extend(open_args("eisp", &envelope, &opened, &["--sm4-gcm"]));
    let (code, _, err) = exec(&args);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(std::fs::read(&opened).unwrap(), b"{\"serial\":\"GM-BIN\"}");

    let mut args = vec!["open".to_string()];
    args.extend(open_args("enterprise", &envelope, &opened, &["--sm4-gcm"]));
    let (code, _, err) = exec(&args);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("not for us"), "{err}");

    let (code, _, _) = exec(&["open".into(), "--sm4-gcm".into()]);
    assert_eq!(code, Some(2));
}
