//! `fapiao_cli seal`: signs a payload and encrypts it to one or more recipients.
//!
//! ```text
//! fapiao_cli seal --cert SIGNER.pem --key SIGNER_KEY.pem [--chain INTERMEDIATES.pem]
//!                 --to RECIPIENT.pem [--to …] --in PAYLOAD --out ENVELOPE.der
//! ```

use std::io::Write;

use crate::args::{self, Args};

/// The command's name.
pub const NAME: &str = "seal";
/// One-line summary for the command list.
pub const SUMMARY: &str = "sign a payload and encrypt it to recipients (CMS)";
const USAGE: &str = "usage: fapiao_cli seal --cert SIGNER.pem --key SIGNER_KEY.pem \
[--chain INTERMEDIATES.pem] --to RECIPIENT.pem [--to …] --in PAYLOAD --out ENVELOPE.der";
const KNOWN: &[&str] = &["--cert", "--key", "--chain", "--to", "--in", "--out"];

/// Runs the command; returns the exit code (0 sealed, 1 refused, 2 usage/I/O).
pub fn run(argv: &[String], out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let args = match Args::parse(argv, KNOWN) {
        Ok(a) if a.help => {
            let _ = writeln!(out, "{USAGE}");
            return 0;
        }
        Ok(a) => a,
        Err(e) => return usage(err, &e),
    };
    let inputs = (|| -> Result<_, String> {
        let signer = args::credentials(&args, "--cert", "--key")?;
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
    match fapiao::envelope::seal(&payload, &signer, &to, args::now(), provider) {
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
