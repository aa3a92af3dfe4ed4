//! `fapiao_cli speed`: seals and opens the same payload N times in one process
//! (full verification: signatures, the signer's chain to the trust store, the
//! replay guard) and prints the mean costs.
//!
//! ```text
//! fapiao_cli speed --cert SIGNER.pem --key SIGNER_KEY.pem [--chain INTERMEDIATES.pem]
//!                  --to RECIPIENT.pem --to-key RECIPIENT_KEY.pem --trust ROOTS.pem
//!                  --in PAYLOAD [--iterations N] [--sm4-gcm]
//! ```
//!
//! `--to`/`--to-key` is the recipient's pair the envelopes are sealed to (its
//! encryption pair when it holds dual certificates). With SM2 keys on both
//! sides this times GM/T 0010 envelopes (SM4-CBC, or SM4-GCM with `--sm4-gcm`).
//! `--key` and `--to-key` may be `pkcs11:` URIs naming keys on a token, as for
//! `seal` (with `--pkcs11-module PATH`).
//!
//! Output: `seal_us=<mean> open_us=<mean> roundtrip_per_s=<rate>`. The criterion
//! bench (benches/envelope.rs) compares the same steps with OpenSSL.

use std::io::Write;
use std::time::{Duration, Instant};

use fapiao::envelope::{EnvelopePolicy, MemoryReplayGuard, Opener, seal_with_policy};
use fapiao::pki::{Certificate, PathPolicy};

use crate::args::{self, Args};

/// The command's name.
pub const NAME: &str = "speed";
/// One-line summary for the command list.
pub const SUMMARY: &str = "measure seal and open in one process";
const USAGE: &str = "usage: fapiao_cli speed --cert SIGNER.pem --key SIGNER_KEY.pem \
[--chain INTERMEDIATES.pem] --to RECIPIENT.pem --to-key RECIPIENT_KEY.pem --trust ROOTS.pem \
--in PAYLOAD [--iterations N] [--sm4-gcm] [--pkcs11-module PATH]";
const KNOWN: &[&str] = &[
    "--cert",
    "--key",
    args::PKCS11_MODULE,
    "--chain",
    "--to",
    "--to-key",
    "--trust",
    "--in",
    "--iterations",
];

/// The switch that writes and reads SM4-GCM in GM/T 0010 envelopes.
const SM4_GCM: &str = "--sm4-gcm";

/// Runs the command; returns the exit code (0 measured, 1 refused, 2 usage/I/O).
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
        let signer = args::credentials(&args, "--cert", "--key")?;
        let recipient = args::credentials(&args, "--to", "--to-key")?;
        let trust = args::trust_store(&args)?;
        let payload = args::read(args.required("--in")?)?;
        let iterations: u32 = match args.optional("--iterations")? {
            Some(n) => n
                .parse()
                .ok()
                .filter(|n| *n > 0)
                .ok_or("--iterations must be a positive number")?,
            None => 100,
        };
        Ok((signer, recipient, trust, payload, iterations))
    })();
    let (signer, recipient, trust, payload, iterations) = match inputs {
        Ok(i) => i,
        Err(e) => return usage(err, &e),
    };
    let provider = fapiao::CryptoProvider::default_provider();
    let validator = trust.validator(PathPolicy::default());
    let replay = MemoryReplayGuard::new();
    let policy = EnvelopePolicy {
        sm4_gcm: args.switch(SM4_GCM),
        ..EnvelopePolicy::default()
    };
    let opener = Opener::new(&recipient, &validator, &replay, provider).with_policy(policy.clone());
    let to: [&Certificate; 1] = [recipient.leaf()];
    let now = args::now();
    let (mut seal_time, mut open_time) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..iterations {
        let started = Instant::now();
        let sealed = match seal_with_policy(&payload, &signer, None, &to, now, &policy, provider) {
            Ok(s) => s,
            Err(e) => return refused(err, &e),
        };
        let sealed_at = Instant::now();
        match opener.open(&sealed, now) {
            Ok(opened) if opened.payload == payload => {}
            Ok(_) => return refused(err, &"the opened payload differs from the sealed one"),
            Err(e) => return refused(err, &e),
        }
        seal_time += sealed_at - started;
        open_time += sealed_at.elapsed();
    }
    let n = f64::from(iterations);
    let seal_us = seal_time.as_secs_f64() * 1e6 / n;
    let open_us = open_time.as_secs_f64() * 1e6 / n;
    let rate = n / (seal_time + open_time).as_secs_f64();
    let _ = writeln!(
        out,
        "seal_us={seal_us:.1} open_us={open_us:.1} roundtrip_per_s={rate:.0}"
    );
    0
}

fn refused(err: &mut dyn Write, e: &dyn std::fmt::Display) -> u8 {
    let _ = writeln!(err, "refused: {}", args::one_line(&e.to_string()));
    1
}

fn usage(err: &mut dyn Write, message: &str) -> u8 {
    let _ = writeln!(err, "fapiao_cli speed: {}", args::one_line(message));
    let _ = writeln!(err, "{USAGE}");
    2
}
