//! `fapiao_cli seal`: signs a payload and encrypts it to one or more recipients.
//!
//! ```text
//! fapiao_cli seal --cert SIGNER.pem --key SIGNER_KEY.pem [--chain INTERMEDIATES.pem]
//!                 --to RECIPIENT.pem [--to …] [--sm4-gcm] [--sm2-id ID]
//!                 --in PAYLOAD --out ENVELOPE.der
//! ```
//!
//! The suite follows the keys: an SM2 signer sealing to SM2 recipients (their
//! encryption certificates) writes a GM/T 0010 envelope (SM3/SM2 SignedData,
//! SM2 key transport, SM4-CBC, or SM4-GCM with `--sm4-gcm`); any other signer
//! to RSA or P-256 recipients an AES-256-GCM AuthEnvelopedData. SM2 beside
//! another key kind is refused (exit 1). `--sm2-id` signs under another SM2
//! distinguishing ID than `1234567812345678` (the opener must name it too).
//!
//! `--key` may be an RFC 7512 URI naming a key on a PKCS#11 token (the
//! `pkcs11` feature): `--key 'pkcs11:token=fapiao;object=eisp'` (or
//! `id=%01`), the module from `--pkcs11-module PATH`, the URI's `module-path`
//! or `FAPIAO_PKCS11_MODULE`, the PIN from the URI's `pin-source=file:/path`
//! or `FAPIAO_PKCS11_PIN`, never from the command line (`pin-value` is
//! refused).

use std::io::Write;

use fapiao::envelope::{EnvelopePolicy, seal_with_policy};

use crate::args::{self, Args};

/// The command's name.
pub const NAME: &str = "seal";
/// One-line summary for the command list.
pub const SUMMARY: &str = "sign a payload and encrypt it to recipients (CMS)";
const USAGE: &str = "usage: fapiao_cli seal --cert SIGNER.pem --key SIGNER_KEY.pem \
[--chain INTERMEDIATES.pem] --to RECIPIENT.pem [--to …] [--sm4-gcm] [--sm2-id ID] \
--in PAYLOAD --out ENVELOPE.der
  --key may be a pkcs11: URI (pkcs11:token=T;object=K) with [--pkcs11-module PATH]: \
docs/pkcs11.md";
const KNOWN: &[&str] = &[
    "--cert",
    "--key",
    args::PKCS11_MODULE,
    "--chain",
    "--to",
    "--sm2-id",
    "--in",
    "--out",
];

/// The switch that writes SM4-GCM instead of SM4-CBC in GM/T 0010 envelopes.
pub const SM4_GCM: &str = "--sm4-gcm";

/// Runs the command; returns the exit code (0 sealed, 1 refused, 2 usage/I/O).
pub fn run(argv: &[String], out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let args = match Args::parse_with_switches(argv, KNOWN, &[SM4_GCM]) {
        Ok(a) if a.help => {
            let _ = writeln!(out, "{USAGE}");
            return 0;
        }
        Ok(a) => a,
        Err(e) => return usage(err, &e),
    };
    let inputs = (|| -> Result<_, String> {
        let mut signer = args::credentials(&args, "--cert", "--key")?;
        if let Some(id) = args.optional("--sm2-id")? {
            signer = signer.with_sm2_id(id.as_bytes());
        }
        let recipients = args::certificates(&args, "--to")?;
        if recipients.is_empty() {
            return Err("--to RECIPIENT.pem is required".to_string());
        }
        let payload = args::read(args.required("--in")?)?;
        let out_path = args.required("--out")?.to_owned();
        Ok((signer, recipients, payload, out_path))
    })();
    let (signer, recipients, payload, out_path) = match inputs {
        Ok(i) => i,
        Err(e) => return usage(err, &e),
    };
    let provider = fapiao::CryptoProvider::default_provider();
    let to: Vec<_> = recipients.iter().collect();
    let policy = EnvelopePolicy {
        sm4_gcm: args.switch(SM4_GCM),
        ..EnvelopePolicy::default()
    };
    match seal_with_policy(&payload, &signer, None, &to, args::now(), &policy, provider) {
        Ok(envelope) => match args::write(&out_path, &envelope) {
            Ok(()) => {
                let _ = writeln!(
                    out,
                    "sealed {} bytes for {} recipient(s) into {out_path} ({} bytes)",
                    payload.len(),
                    to.len(),
                    envelope.len()
                );
                0
            }
            Err(e) => usage(err, &e),
        },
        Err(e) => {
            let _ = writeln!(err, "refused: {}", args::one_line(&e.to_string()));
            1
        }
    }
}

fn usage(err: &mut dyn Write, message: &str) -> u8 {
    let _ = writeln!(err, "fapiao_cli seal: {}", args::one_line(message));
    let _ = writeln!(err, "{USAGE}");
    2
}
