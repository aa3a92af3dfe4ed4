//! `fapiao_cli verify-chain`: validates a certificate path the way the platforms
//! do before they trust a peer.
//!
//! ```text
//! fapiao_cli verify-chain --trust ROOTS.pem [--chain INTERMEDIATES.pem] [--crl CRL.pem]
//!                         [--at RFC3339] [--purpose sign|encrypt|any] --cert LEAF.pem
//! ```
//!
//! Exit 0 and print the validated path on stdout when the certificate is valid;
//! exit 1 and print one line naming the reason on stderr when it is not; exit 2
//! for usage errors and unreadable files. `--trust`, `--chain` and `--crl` may be
//! repeated; files are PEM or DER bundles. `--at` defaults to now; `--purpose` to
//! `any`.

use std::io::Write;
use std::time::SystemTime;

use fapiao::pki::{
    Certificate, Crl, PathPolicy, PathValidator, Purpose, Timestamp, TrustStore, VerifiedPath,
};

/// The command's name.
pub const NAME: &str = "verify-chain";
/// One-line summary for the command list.
pub const SUMMARY: &str = "validate a certificate path to trusted roots";

const USAGE: &str = "usage: fapiao_cli verify-chain --trust ROOTS.pem [--chain INTERMEDIATES.pem] \
[--crl CRL.pem] [--at RFC3339] [--purpose sign|encrypt|any] --cert LEAF.pem";

/// Exit code: valid.
const EXIT_VALID: u8 = 0;
/// Exit code: the certificate was read and refused.
const EXIT_INVALID: u8 = 1;
/// Exit code: usage error or unreadable input.
const EXIT_USAGE: u8 = 2;

/// Runs the command with its arguments (without the command name), writing its
/// output to `out` and its diagnostics to `err`; returns the exit code.
pub fn run(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let options = match Options::parse(args) {
        Ok(Parsed::Run(options)) => options,
        Ok(Parsed::Help) => {
            let _ = writeln!(out, "{USAGE}");
            return EXIT_VALID;
        }
        Err(message) => {
            let _ = writeln!(err, "fapiao_cli verify-chain: {}", one_line(&message));
            let _ = writeln!(err, "{USAGE}");
            return EXIT_USAGE;
        }
    };
    let inputs = match Inputs::load(&options) {
        Ok(inputs) => inputs,
        Err(message) => {
            let _ = writeln!(err, "fapiao_cli verify-chain: {}", one_line(&message));
            return EXIT_USAGE;
        }
    };
    let validator = PathValidator::new(&inputs.trust, PathPolicy::default());
    match validator.verify(
        &inputs.leaf,
        &inputs.chain,
        &inputs.crls,
        options.at,
        options.purpose,
    ) {
        Ok(path) => {
            print_path(out, &path);
            EXIT_VALID
        }
        Err(error) => {
            let _ = writeln!(err, "invalid: {}", one_line(&error.to_string()));
            EXIT_INVALID
        }
    }
}

/// The parsed command line.
struct Options {
    trust: Vec<String>,
    chain: Vec<String>,
    crls: Vec<String>,
    cert: String,
    at: Timestamp,
    purpose: Purpose,
}

enum Parsed {
    Run(Options),
    Help,
}

impl Options {
    fn parse(args: &[String]) -> Result<Parsed, String> {
        let (mut trust, mut chain, mut crls) = (Vec::new(), Vec::new(), Vec::new());
        let (mut cert, mut at, mut purpose) = (None, None, None);
        let mut rest = args.iter();
        while let Some(flag) = rest.next() {
            if flag == "-h" || flag == "--help" {
                return Ok(Parsed::Help);
            }
            let mut value = || {
                rest.next()
                    .cloned()
                    .ok_or_else(|| format!("{flag} needs a value"))
            };
            match flag.as_str() {
                "--trust" => trust.push(value()?),
                "--chain" => chain.push(value()?),
                "--crl" => crls.push(value()?),
                "--cert" if cert.is_some() => return Err("--cert given twice".into()),
                "--cert" => cert = Some(value()?),
                "--at" if at.is_some() => return Err("--at given twice".into()),
                "--at" => {
                    let text = value()?;
                    at = Some(Timestamp::parse_rfc3339(&text).map_err(|e| format!("--at: {e}"))?);
                }
                "--purpose" if purpose.is_some() => return Err("--purpose given twice".into()),
                "--purpose" => {
                    purpose = Some(match value()?.as_str() {
                        "sign" => Purpose::Sign,
                        "encrypt" => Purpose::Encrypt,
                        "any" => Purpose::Any,
                        other => {
                            return Err(format!(
                                "--purpose must be sign, encrypt or any, not {other:?}"
                            ));
                        }
                    });
                }
                other => return Err(format!("unknown argument {other:?}")),
            }
        }
        if trust.is_empty() {
            return Err("--trust ROOTS.pem is required".into());
        }
        let cert = cert.ok_or("--cert LEAF.pem is required")?;
        let at = match at {
            Some(at) => at,
            None => Timestamp::from_system_time(SystemTime::now())
                .ok_or("the system clock is before 1970; give --at")?,
        };
        Ok(Parsed::Run(Self {
            trust,
            chain,
            crls,
            cert,
            at,
            purpose: purpose.unwrap_or(Purpose::Any),
        }))
    }
}

/// The files, loaded.
struct Inputs {
    trust: TrustStore,
    chain: Vec<Certificate>,
    crls: Vec<Crl>,
    leaf: Certificate,
}

impl Inputs {
    fn load(options: &Options) -> Result<Self, String> {
        let mut trust = TrustStore::new();
        for path in &options.trust {
            for cert in
                Certificate::load_bundle(&read(path)?).map_err(|e| format!("{path}: {e}"))?
            {
                trust.add(cert).map_err(|e| format!("{path}: {e}"))?;
            }
        }
        let mut chain = Vec::new();
        for path in &options.chain {
            chain.extend(
                Certificate::load_bundle(&read(path)?).map_err(|e| format!("{path}: {e}"))?,
            );
        }
        let mut crls = Vec::new();
        for path in &options.crls {
            crls.extend(Crl::load_bundle(&read(path)?).map_err(|e| format!("{path}: {e}"))?);
        }
        let path = &options.cert;
        let bytes = read(path)?;
        let leaf = Certificate::from_pem(&bytes)
            .or_else(|_| Certificate::from_der(&bytes))
            .map_err(|e| format!("{path}: {e}"))?;
        Ok(Self {
            trust,
            chain,
            crls,
            leaf,
        })
    }
}

fn read(path: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))
}

fn print_path(out: &mut dyn Write, path: &VerifiedPath) {
    let purpose = match path.purpose() {
        Purpose::Sign => "signing",
        Purpose::Encrypt => "encryption",
        _ => "any purpose",
    };
    let _ = writeln!(
        out,
        "valid for {purpose} at {} ({} certificates)",
        path.validated_at(),
        path.chain().len()
    );
    let last = path.chain().len() - 1;
    for (depth, cert) in path.chain().iter().enumerate() {
        let role = match depth {
            0 => "leaf",
            d if d == last => "trust anchor",
            _ => "intermediate",
        };
        let _ = writeln!(
            out,
            "  {depth}: {role}: {} (not after {})",
            one_line(&cert.subject()),
            Timestamp::from_unix_seconds(cert.not_after())
        );
    }
    let _ = writeln!(out, "subject: {}", one_line(&path.subject()));
    let _ = writeln!(out, "spki-sha256: {}", path.spki_fingerprint());
    let _ = writeln!(out, "not after: {}", path.not_after());
}

/// Keeps diagnostics on one line: control characters (which a certificate's
/// subject may carry) become `?`.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}
