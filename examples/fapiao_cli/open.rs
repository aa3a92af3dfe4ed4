//! `fapiao_cli open`: decrypts an envelope, verifies every signer and its chain,
//! writes the payload and prints the verified signers on stderr.
//!
//! ```text
//! fapiao_cli open --cert RECIPIENT.pem --key RECIPIENT_KEY.pem --trust ROOTS.pem
//!                 [--chain INTERMEDIATES.pem] [--crl CRL.pem] [--at RFC3339]
//!                 [--allow-legacy-cbc] --in ENVELOPE.der --out PAYLOAD
//! ```
//!
//! `--at` is the time to check signing times and chains against (default now).
//! `--allow-legacy-cbc` also opens legacy EnvelopedData with AES-CBC (what
//! `openssl cms -encrypt` writes without `-aes-256-gcm`), refused otherwise; one
//! that does not verify is refused with the opener's one uniform error, followed
//! by a `detail:` line saying what failed (decrypted and verified apart).

use std::io::Write;

use fapiao::envelope::{EnvelopePolicy, MemoryReplayGuard, Opener, SignerTrust};
use fapiao::pki::PathPolicy;
use fapiao::{EnvelopeError, Error};

use crate::args::{self, Args};

/// The command's name.
pub const NAME: &str = "open";
/// One-line summary for the command list.
pub const SUMMARY: &str = "decrypt an envelope and verify its signers";
const USAGE: &str = "usage: fapiao_cli open --cert RECIPIENT.pem --key RECIPIENT_KEY.pem \
--trust ROOTS.pem [--chain INTERMEDIATES.pem] [--crl CRL.pem] [--at RFC3339] \
[--allow-legacy-cbc] --in ENVELOPE.der --out PAYLOAD";
const KNOWN: &[&str] = &[
    "--cert", "--key", "--trust", "--chain", "--crl", "--at", "--in", "--out",
];

/// The switch that admits legacy AES-CBC envelopes.
const ALLOW_LEGACY_CBC: &str = "--allow-legacy-cbc";

/// Runs the command; returns the exit code (0 opened, 1 refused, 2 usage/I/O).
pub fn run(argv: &[String], out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let args = match Args::parse_with_switches(argv, KNOWN, &[ALLOW_LEGACY_CBC]) {
        Ok(a) if a.help => {
            let _ = writeln!(out, "{USAGE}");
            return 0;
        }
        Ok(a) => a,
        Err(e) => return usage(err, &e),
    };
    let inputs = (|| -> Result<_, String> {
        let recipient = args::credentials(&args, "--cert", "--key")?;
        let trust = args::trust_store(&args)?;
        let crls = args::crls(&args)?;
        let at = args.at()?;
        let envelope = args::read(args.required("--in")?)?;
        let out_path = args.required("--out")?.to_owned();
        Ok((recipient, trust, crls, at, envelope, out_path))
    })();
    let (recipient, trust, crls, at, envelope, out_path) = match inputs {
        Ok(i) => i,
        Err(e) => return usage(err, &e),
    };
    let provider = fapiao::CryptoProvider::default_provider();
    let validator = trust.validator(PathPolicy::default()).with_crls(&crls);
    let replay = MemoryReplayGuard::new();
    let policy = EnvelopePolicy {
        allow_legacy_cbc: args.switch(ALLOW_LEGACY_CBC),
        ..EnvelopePolicy::default()
    };
    let opener = Opener::new(&recipient, &validator, &replay, provider).with_policy(policy);
    let opened = match opener.open(&envelope, at) {
        Ok(o) => o,
        Err(e) => {
            let _ = writeln!(err, "refused: {}", args::one_line(&e.to_string()));
            if matches!(e, Error::Envelope(EnvelopeError::LegacyDecryptFailed)) {
                if let Some(detail) = legacy_detail(&opener, &envelope, &validator, at) {
                    let _ = writeln!(err, "detail: {}", args::one_line(&detail));
                }
            }
            return 1;
        }
    };
    if let Err(e) = args::write(&out_path, &opened.payload) {
        return usage(err, &e);
    }
    for (i, signer) in opened.signers.iter().enumerate() {
        let _ = writeln!(
            err,
            "signer {i}: {} spki-sha256={} signing-time={} message-id={}",
            signer.subject,
            signer.spki_fingerprint,
            fapiao::pki::Timestamp::from_unix_seconds(signer.signing_time),
            signer
                .message_id
                .as_ref()
                .map(|id| id.iter().map(|b| format!("{b:02x}")).collect::<String>())
                .unwrap_or_else(|| "(none)".into())
        );
    }
    let _ = writeln!(out, "opened {} bytes into {out_path}", opened.payload.len());
    0
}

/// Why a legacy envelope that `open` refused with the one uniform error did not
/// verify: decrypted and verified apart, as an operator may (the uniform error
/// is for servers, where the detail would be a padding oracle).
fn legacy_detail(
    opener: &Opener<'_>,
    envelope: &[u8],
    trust: &dyn SignerTrust,
    at: u64,
) -> Option<String> {
    let provider = fapiao::CryptoProvider::default_provider();
    match opener.decrypt(envelope) {
        Err(Error::Envelope(EnvelopeError::LegacyDecryptFailed)) => {
            Some("the content does not decrypt (bad padding or key)".to_owned())
        }
        Err(e) => Some(e.to_string()),
        Ok(signed) => signed
            .verify(trust, opener.policy(), at, provider)
            .err()
            .map(|e| e.to_string()),
    }
}

fn usage(err: &mut dyn Write, message: &str) -> u8 {
    let _ = writeln!(err, "fapiao_cli open: {}", args::one_line(message));
    let _ = writeln!(err, "{USAGE}");
    2
}
