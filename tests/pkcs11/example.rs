//! The main example, `examples/issue_invoice.rs`, with both platforms' keys on
//! a token (`--pkcs11-module`): the whole method on the suite's token, and
//! the throwaway SoftHSM2 token the example makes when no token is named.

#[path = "../../examples/issue_invoice.rs"]
#[allow(dead_code)]
mod issue_invoice;

use std::process::Command;

use issue_invoice::token::make_throwaway_token;
use issue_invoice::{Options, TokenKeys, run_with_token};

use crate::common::openssl::scratch;
use crate::{DIR, MODULE, PIN, TOKEN};

#[test]
#[ignore = "run by softhsm2_suite"]
fn token_the_main_job_runs_with_the_platforms_keys_on_the_token() {
    let args: Vec<String> = ["--count", "2", "--pkcs11-module", MODULE]
        .map(String::from)
        .to_vec();
    let options = Options::parse(&args).unwrap();
    assert_eq!(options.pkcs11_module.as_deref(), Some(MODULE.as_ref()));
    let token = TokenKeys {
        module: MODULE.into(),
        token: TOKEN.into(),
        pin: zeroize::Zeroizing::new(PIN.to_vec()),
    };
    let summary = run_with_token(&options, Some(&token)).unwrap();
    // Two platform-hosted, one enterprise-hosted, one red-letter; one refused.
    assert_eq!(summary.issued, 4);
    assert_eq!(summary.refused, 1);
    assert_eq!(summary.uploaded, 4);
}

#[test]
fn the_example_makes_a_throwaway_token_with_both_platform_keys() {
    let dir = scratch(DIR, "example-token");
    let conf = make_throwaway_token(MODULE.as_ref(), &dir, "4711-example").unwrap();
    let out = Command::new("pkcs11-tool")
        .env("SOFTHSM2_CONF", &conf)
        .args(["--module", MODULE, "--token-label", "fapiao-example"])
        .args(["--login", "--pin", "4711-example", "--list-objects"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listing = String::from_utf8_lossy(&out.stdout);
    for label in ["eisp-p256", "ecp-p256"] {
        assert!(
            listing.contains(&format!("label:      {label}")),
            "{listing}"
        );
    }
    assert_eq!(
        listing.matches("Private Key Object; EC").count(),
        2,
        "{listing}"
    );
    // No key file is left beside the token.
    assert!(!dir.join("eisp-p256.key.der").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sm2_keys_on_a_token_are_refused_by_the_example() {
    for args in [
        ["--gm", "--pkcs11-module", MODULE],
        ["--pkcs11-module", MODULE, "--gm"],
    ] {
        let args: Vec<String> = args.map(String::from).to_vec();
        let err = Options::parse(&args).err().expect("refused");
        assert!(err.contains("SM2"), "{err}");
    }
}
