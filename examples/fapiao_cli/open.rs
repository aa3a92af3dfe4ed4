//! `fapiao_cli open`: decrypts an envelope, verifies every signer and its chain,
//! writes the payload and prints the verified signers on stderr.
//!
//! ```text
//! fapiao_cli open --cert RECIPIENT.pem --key RECIPIENT_KEY.pem --trust ROOTS.pem
//!                 [--chain INTERMEDIATES.pem] [--crl CRL.pem] [--at RFC3339]
//!                 [--allow-legacy-cbc] [--sm4-gcm] [--sm2-id ID]
//!                 --in ENVELOPE.der --out PAYLOAD
//! ```
//!
//! `--cert`/`--key` is the recipient's encryption pair: for a party with dual
//! certificates (GM practice: a signing and an encryption certificate), its
//! encryption certificate and key, the pair the sender sealed to.
//! `--at` is the time to check signing times and chains against (default now).
//! `--allow-legacy-cbc` also opens legacy EnvelopedData with AES-CBC (what
//! `openssl cms -encrypt` writes without `-aes-256-gcm`), refused otherwise; one
//! that does not verify is refused with the opener's one uniform error, followed
//! by a `detail:` line saying what failed (decrypted and verified apart).
//! GM/T 0010 envelopes with SM4-CBC are refused in the same way (one error, then
//! the detail). `--sm4-gcm` reads GM/T 0010 envelopes with SM4-GCM and refuses
//! SM4-CBC ones (without it, SM4-GCM is refused). `--sm2-id` is the SM2
//! distinguishing ID the SM2 signers signed under (default `1234567812345678`).
//! `--key` may be a `pkcs11:` URI naming a key on a token, as for `seal`
//! (with `--pkcs11-module PATH`): ECDH or RSA-OAEP then run on the token.

use std::io::Write;

use fapiao::envelope::{EnvelopePolicy, MemoryReplayGuard, Opener, SignerTrust};
use fapiao::pki::{Certificate, PathPolicy};
use fapiao::{EnvelopeError, Error, PathError};

use crate::args::{self, Args};

/// The command's name.
pub const NAME: &str = "open";
/// One-line summary for the command list.
pub const SUMMARY: &str = "decrypt an envelope and verify its signers";
const USAGE: &str = "usage: fapiao_cli open --cert RECIPIENT.pem --key RECIPIENT_KEY.pem \
--trust ROOTS.pem [--chain INTERMEDIATES.pem] [--crl CRL.pem] [--at RFC3339] \
[--allow-legacy-cbc] [--sm4-gcm] [--sm2-id ID] --in ENVELOPE.der --out PAYLOAD
  --cert/--key: the pair the envelope was sealed to (with dual certificates, the encryption pair)
  --key may be a pkcs11: URI (pkcs11:token=T;object=K) with [--pkcs11-module PATH]: docs/pkcs11.md";
const KNOWN: &[&str] = &[
    "--cert",
    "--key",
    args::PKCS11_MODULE,
    "--trust",
    "--chain",
    "--crl",
    "--at",
    "--sm2-id",
    "--in",
    "--out",
];

/// The switch that admits legacy AES-CBC envelopes.
const ALLOW_LEGACY_CBC: &str = "--allow-legacy-cbc";
/// The switch that reads SM4-GCM (and refuses SM4-CBC) GM/T 0010 envelopes.
const SM4_GCM: &str = "--sm4-gcm";

/// The trust store's verdicts, with every SM2 signer taken to sign under `id`.
struct WithSm2Id<'a> {
    inner: &'a dyn SignerTrust,
    id: Vec<u8>,
}

impl SignerTrust for WithSm2Id<'_> {
    fn verify_signer(
        &self,
        leaf: &Certificate,
        intermediates: &[Certificate],
        at: u64,
    ) -> Result<(), PathError> {
        self.inner.verify_signer(leaf, intermediates, at)
    }

    fn sm2_id<'s>(&'s self, _: &Certificate) -> &'s [u8] {
        &self.id
    }
}

/// Runs the command; returns the exit code (0 opened, 1 refused, 2 usage/I/O).
pub fn run(argv: &[String], out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let args = match Args::parse_with_switches(argv, KNOWN, &[ALLOW_LEGACY_CBC, SM4_GCM]) {
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
        let sm2_id = args.optional("--sm2-id")?.map(|id| id.as_bytes().to_vec());
        Ok((recipient, trust, crls, at, envelope, out_path, sm2_id))
    })();
    let (recipient, trust, crls, at, envelope, out_path, sm2_id) = match inputs {
        Ok(i) => i,
        Err(e) => return usage(err, &e),
    };
    let provider = fapiao::CryptoProvider::default_provider();
    let validator = trust.validator(PathPolicy::default()).with_crls(&crls);
    let with_id;
    let signer_trust: &dyn SignerTrust = match sm2_id {
        Some(id) => {
            with_id = WithSm2Id {
                inner: &validator,
                id,
            };
            &with_id
        }
        None => &validator,
    };
    let replay = MemoryReplayGuard::new();
    let policy = EnvelopePolicy {
        allow_legacy_cbc: args.switch(ALLOW_LEGACY_CBC),
        sm4_gcm: args.switch(SM4_GCM),
        ..EnvelopePolicy::default()
    };
    let opener = Opener::new(&recipient, signer_trust, &replay, provider).with_policy(policy);
    let opened = match opener.open(&envelope, at) {
        Ok(o) => o,
        Err(e) => {
            let _ = writeln!(err, "refused: {}", args::one_line(&e.to_string()));
            if matches!(
                e,
                Error::Envelope(
                    EnvelopeError::LegacyDecryptFailed | EnvelopeError::GmDecryptFailed
                )
            ) {
                if let Some(detail) = cbc_detail(&opener, &envelope, signer_trust, at) {
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

/// Why a CBC envelope (legacy AES-CBC, or GM/T 0010 SM4-CBC) that `open` refused with the one uniform error did not
/// verify: decrypted and verified apart, as an operator may (the uniform error
/// is for servers, where the detail would be a padding oracle).
fn cbc_detail(
    opener: &Opener<'_>,
    envelope: &[u8],
    trust: &dyn SignerTrust,
    at: u64,
) -> Option<String> {
    let provider = fapiao::CryptoProvider::default_provider();
    match opener.decrypt(envelope) {
        Err(Error::Envelope(
            EnvelopeError::LegacyDecryptFailed | EnvelopeError::GmDecryptFailed,
        )) => Some("the content does not decrypt (bad padding or key)".to_owned()),
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
