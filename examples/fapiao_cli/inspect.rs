//! `fapiao_cli inspect`: shows an envelope's structure without any key: content
//! types, recipients, algorithms, signers (when visible, with their digest and
//! signature algorithms) and sizes. The GM/T 0010 identifiers (content types,
//! SM3, sm2sign, sm2encrypt, SM4-CBC, SM4-GCM) are named as the others are.

use std::io::Write;

use fapiao::envelope::inspect;

use crate::args::{self, Args};

/// The command's name.
pub const NAME: &str = "inspect";
/// One-line summary for the command list.
pub const SUMMARY: &str = "show an envelope's structure without keys";
const USAGE: &str = "usage: fapiao_cli inspect --in ENVELOPE.der";

/// Runs the command; returns the exit code (0 shown, 1 not an envelope, 2 usage/I/O).
pub fn run(argv: &[String], out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let args = match Args::parse(argv, &["--in"]) {
        Ok(a) if a.help => {
            let _ = writeln!(out, "{USAGE}");
            return 0;
        }
        Ok(a) => a,
        Err(e) => return usage(err, &e),
    };
    let bytes = match args.required("--in").and_then(args::read) {
        Ok(b) => b,
        Err(e) => return usage(err, &e),
    };
    let summary = match inspect(&bytes) {
        Ok(s) => s,
        Err(e) => {
            let _ = writeln!(err, "refused: {}", args::one_line(&e.to_string()));
            return 1;
        }
    };
    let _ = writeln!(out, "size: {} bytes", summary.size);
    let _ = writeln!(
        out,
        "content type: {}",
        name(&summary.content_type.to_string())
    );
    if let Some(ct) = summary.encrypted_content_type {
        let _ = writeln!(out, "encrypted content type: {}", name(&ct.to_string()));
    }
    if let Some(alg) = summary.content_encryption {
        let _ = writeln!(out, "content encryption: {}", name(&alg.to_string()));
    }
    if let Some(size) = summary.encrypted_size {
        let _ = writeln!(out, "encrypted content: {size} bytes");
    }
    for (i, r) in summary.recipients.iter().enumerate() {
        let _ = writeln!(
            out,
            "recipient {i}: {} ({}) {}",
            r.kind,
            name(&r.algorithm.to_string()),
            r.identifier
        );
    }
    match &summary.signers {
        Some(signers) => {
            let algorithms = signer_algorithms(&bytes);
            for (i, s) in signers.iter().enumerate() {
                let _ = writeln!(out, "signer {i}: {s}");
                if let Some((digest, signature)) = algorithms.get(i) {
                    let _ = writeln!(
                        out,
                        "signer {i} algorithms: digest {}, signature {}",
                        name(digest),
                        name(signature)
                    );
                }
            }
        }
        None => {
            let _ = writeln!(out, "signers: encrypted (open the envelope to see them)");
        }
    }
    0
}

/// The digest and signature algorithm OIDs of each signer of a bare SignedData
/// (which [`inspect`] has already decoded once, within the policy's bounds).
fn signer_algorithms(der: &[u8]) -> Vec<(String, String)> {
    use cms::content_info::ContentInfo;
    use cms::signed_data::SignedData;
    use der::Decode;
    ContentInfo::from_der(der)
        .ok()
        .and_then(|info| info.content.decode_as::<SignedData>().ok())
        .map(|signed| {
            signed
                .signer_infos
                .0
                .iter()
                .map(|si| {
                    (
                        si.digest_alg.oid.to_string(),
                        si.signature_algorithm.oid.to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A readable name for the OIDs an envelope uses.
fn name(oid: &str) -> String {
    let known = match oid {
        "1.2.156.10197.6.1.4.2.3" => "GM/T 0010 envelopedData",
        "1.2.156.10197.6.1.4.2.2" => "GM/T 0010 signedData",
        "1.2.156.10197.6.1.4.2.1" => "GM/T 0010 data",
        "1.2.156.10197.1.104.2" => "SM4-CBC",
        "1.2.156.10197.1.104" => "SM4 (read as SM4-CBC)",
        "1.2.156.10197.1.104.8" => "SM4-GCM",
        "1.2.156.10197.1.301.3" => "sm2encrypt",
        "1.2.156.10197.1.301.1" => "sm2sign",
        "1.2.156.10197.1.501" => "SM2-with-SM3",
        "1.2.156.10197.1.401" => "SM3",
        "2.16.840.1.101.3.4.2.1" => "SHA-256",
        "2.16.840.1.101.3.4.2.2" => "SHA-384",
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption",
        "1.2.840.113549.1.1.10" => "RSASSA-PSS",
        "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256",
        "1.2.840.10045.4.3.3" => "ecdsa-with-SHA384",
        "1.3.101.112" => "Ed25519",
        "1.2.840.113549.1.9.16.1.23" => "authEnvelopedData",
        "1.2.840.113549.1.7.3" => "envelopedData",
        "1.2.840.113549.1.7.2" => "signedData",
        "1.2.840.113549.1.7.1" => "data",
        "2.16.840.1.101.3.4.1.46" => "aes256-GCM",
        "2.16.840.1.101.3.4.1.42" => "aes256-CBC",
        "1.2.840.113549.1.1.7" => "RSAES-OAEP",
        "1.2.840.113549.1.1.1" => "rsaEncryption (PKCS#1 v1.5)",
        "1.3.132.1.11.1" => "dhSinglePass-stdDH-sha256kdf",
        "1.3.133.16.840.63.0.2" => "dhSinglePass-stdDH-sha1kdf",
        _ => return oid.to_owned(),
    };
    format!("{known} ({oid})")
}

fn usage(err: &mut dyn Write, message: &str) -> u8 {
    let _ = writeln!(err, "fapiao_cli inspect: {}", args::one_line(message));
    let _ = writeln!(err, "{USAGE}");
    2
}
