//! Runs validation over every sample in `examples/requests/`: `valid-*.json` must
//! pass, `invalid-<code>.json` must be refused with exactly its code, and
//! `unreadable-*.json` must not even parse. Then the same through the CLI's
//! `validate` command, checking its output and exit codes.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use fapiao::invoice::{InvoiceError, IssueRequest, ValidationPolicy, ViolationCode};

#[path = "../../examples/fapiao_cli/validate.rs"]
mod validate_command;

fn samples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/requests")
}

fn samples() -> Vec<(String, PathBuf)> {
    let mut files: Vec<(String, PathBuf)> = std::fs::read_dir(samples_dir())
        .expect("examples/requests exists")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .map(|path| {
            (
                path.file_stem().unwrap().to_string_lossy().into_owned(),
                path,
            )
        })
        .collect();
    files.sort();
    files
}

/// `invalid-tax-mismatch` → `TAX_MISMATCH`.
fn code_of(stem: &str) -> ViolationCode {
    let code = stem
        .strip_prefix("invalid-")
        .expect("an invalid- sample")
        .replace('-', "_")
        .to_uppercase();
    code.parse()
        .unwrap_or_else(|_| panic!("{stem}.json names no violation code"))
}

#[test]
fn every_sample_validates_as_its_name_says() {
    let policy = ValidationPolicy::default();
    let mut valid = 0;
    let mut covered = BTreeSet::new();
    for (stem, path) in samples() {
        let json = std::fs::read(&path).unwrap();
        if stem.starts_with("unreadable-") {
            let error = IssueRequest::from_json(&json).expect_err(&stem);
            assert!(
                matches!(
                    error,
                    InvoiceError::Json { .. } | InvoiceError::UnsupportedVersion { .. }
                ),
                "{stem}: {error}"
            );
            continue;
        }
        let request = IssueRequest::from_json(&json).unwrap_or_else(|e| panic!("{stem}: {e}"));
        match request.validate(&policy) {
            Ok(_) => {
                assert!(stem.starts_with("valid-"), "{stem}.json was accepted");
                valid += 1;
            }
            Err(violations) => {
                assert!(!stem.starts_with("valid-"), "{stem}.json:\n{violations}");
                let code = code_of(&stem);
                let codes: BTreeSet<ViolationCode> = violations.iter().map(|v| v.code).collect();
                assert_eq!(
                    codes,
                    BTreeSet::from([code]),
                    "{stem}.json should break only {code}:\n{violations}"
                );
                covered.insert(code);
            }
        }
    }
    assert_eq!(valid, 2, "valid-blue.json and valid-red.json");
    let missing: Vec<&str> = ViolationCode::ALL
        .iter()
        // Codes found only against the service platform's records have no
        // sample: tests/platform/platform_red_letter.rs shows them.
        .filter(|code| !code.needs_records() && !covered.contains(code))
        .map(|code| code.as_str())
        .collect();
    assert!(
        missing.is_empty(),
        "codes without an invalid-<code>.json sample: {missing:?}"
    );
}

/// Runs the CLI's `validate` command in-process.
fn cli(args: &[&str]) -> (u8, String, String) {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = validate_command::run(&args, &mut out, &mut err);
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

#[test]
fn the_validate_command_prints_violations_with_codes_and_exits_accordingly() {
    for (stem, path) in samples() {
        let path = path.to_str().unwrap();
        let (code, out, err) = cli(&["--in", path]);
        if stem.starts_with("valid-") {
            assert_eq!(code, 0, "{stem}: {out}{err}");
            assert!(out.contains("valid"), "{out}");
        } else if stem.starts_with("unreadable-") {
            // Read and refused: the interface protocol is a rule too.
            assert_eq!(code, 1, "{stem}: {out}{err}");
            assert!(out.is_empty());
            assert!(!err.is_empty());
        } else {
            assert_eq!(code, 1, "{stem}: {out}{err}");
            let wanted = code_of(&stem);
            for line in out.lines() {
                let (_path, rest) = line.split_once(": ").expect("path: CODE message");
                let printed = rest.split(' ').next().unwrap();
                assert_eq!(printed, wanted.as_str(), "{stem}: {line}");
            }
            assert!(!out.is_empty());
        }
    }
}

#[test]
fn the_validate_command_prints_the_documented_line() {
    let path = samples_dir().join("invalid-tax-mismatch.json");
    let (code, out, _) = cli(&["--in", path.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(
        out.trim_end(),
        "lines[0].tax_amount_fen: TAX_MISMATCH expected 600.00 ±0.06, got 601.00"
    );
}

#[test]
fn the_validate_command_has_a_lenient_mode() {
    let mut request: serde_json::Value =
        serde_json::from_slice(&std::fs::read(samples_dir().join("valid-blue.json")).unwrap())
            .unwrap();
    request["buyer"]["tax_id"] = "350200776049653".into();
    let path = std::env::temp_dir().join(format!("fapiao-lenient-{}.json", std::process::id()));
    std::fs::write(&path, serde_json::to_vec(&request).unwrap()).unwrap();
    let path_text = path.to_str().unwrap();
    let strict = cli(&["--in", path_text]);
    let lenient = cli(&["--lenient-tax-ids", "--in", path_text]);
    std::fs::remove_file(&path).unwrap();
    assert_eq!(strict.0, 1);
    assert!(
        strict.1.starts_with("buyer.tax_id: INVALID_TAX_ID"),
        "{}",
        strict.1
    );
    assert_eq!(lenient.0, 0, "{}{}", lenient.1, lenient.2);
}

#[test]
fn the_validate_command_refuses_bad_usage_and_unreadable_input() {
    assert_eq!(cli(&[]).0, 2);
    assert_eq!(cli(&["--in"]).0, 2);
    assert_eq!(cli(&["--frobnicate"]).0, 2);
    assert_eq!(cli(&["--in", "a.json", "--in", "b.json"]).0, 2);
    let (code, _, err) = cli(&["--in", "/nonexistent/request.json"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("cannot read /nonexistent/request.json"),
        "{err}"
    );
    let (code, out, _) = cli(&["--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("--lenient-tax-ids"));
}

#[test]
fn the_validate_command_exits_1_for_json_that_breaks_the_interface_protocol() {
    let dir = std::env::temp_dir().join(format!("fapiao-validate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let sample = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/requests/valid-blue.json"
    ))
    .unwrap();
    for (name, text) in [
        ("not-json", "not json".to_owned()),
        (
            "unknown-field",
            sample.replacen('{', "{\"surprise\": 1, ", 1),
        ),
        (
            "wrong-type",
            sample.replacen(
                "\"serial_number\": \"",
                "\"serial_number\": 7, \"x\": \"",
                1,
            ),
        ),
        (
            "unsupported-version",
            sample.replacen("\"version\": \"1.0\"", "\"version\": \"9.9\"", 1),
        ),
    ] {
        assert_ne!(text, sample, "{name}: the change applied");
        let path = dir.join(format!("{name}.json"));
        std::fs::write(&path, text).unwrap();
        let (code, _, err) = cli(&["--in", path.to_str().unwrap()]);
        assert_eq!(code, 1, "{name}: {err}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_validate_command_names_the_codes_only_the_service_platform_finds() {
    let (code, out, _) = cli(&["--help"]);
    assert_eq!(code, 0);
    let record_codes: Vec<ViolationCode> = ViolationCode::ALL
        .iter()
        .copied()
        .filter(|code| code.needs_records())
        .collect();
    assert_eq!(record_codes.len(), 5);
    for code in record_codes {
        assert!(out.contains(code.as_str()), "{code} missing from:\n{out}");
    }
}

#[test]
fn the_command_is_called_validate() {
    assert_eq!(validate_command::NAME, "validate");
    assert!(validate_command::SUMMARY.contains("issue request"));
}
