//! The main job, as far as the library goes today: an invoicing request travels
//! from an enterprise's ERP through the cloud platform to the e-invoice service
//! platform, signed by both senders and encrypted to the receiver with their
//! certificates from the fixture PKI (tests/data).
//!
//! This shows the sign-then-encrypt round trip on the crypto providers and the
//! key/certificate loading. The standard CMS envelope (issue 4) and the full
//! issuing flow with devices and both hosting modes (issue 6) replace the
//! hand-assembled steps below as they land.
//!
//! Run: `cargo run --release --example issue_invoice [-- --count N]`

use std::path::PathBuf;
use std::time::Instant;

use fapiao::CryptoProvider;
use fapiao::crypto::{AES_256_KEY_LEN, GCM_NONCE_LEN};
use fapiao::pki::Credentials;

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| {
        eprintln!("cannot read {}: {e}", path.display());
        std::process::exit(2)
    })
}

fn credentials(name: &str, provider: &CryptoProvider) -> Result<Credentials, fapiao::Error> {
    let mut chain = fixture(&format!("{name}.pem"));
    chain.extend_from_slice(&fixture("issuing-ca.pem"));
    Credentials::from_pem(&chain, &fixture(&format!("{name}.key.pem")), None, provider)
}

/// What travels from the cloud platform to the service platform.
struct Sealed {
    wrapped_key: Vec<u8>,
    nonce: [u8; GCM_NONCE_LEN],
    ciphertext: Vec<u8>,
    tag: [u8; 16],
}

fn main() -> Result<(), fapiao::Error> {
    let count: usize = match std::env::args().skip(1).collect::<Vec<_>>().as_slice() {
        [] => 1,
        [flag, n] if flag == "--count" => n.parse().unwrap_or_else(|_| {
            eprintln!("--count needs a positive number");
            std::process::exit(2)
        }),
        _ => {
            eprintln!("usage: issue_invoice [--count N]");
            std::process::exit(2)
        }
    };
    let provider = CryptoProvider::default_provider();
    let enterprise = credentials("enterprise-rsa", provider)?;
    let cloud = credentials("ecp-rsa", provider)?;
    let service = credentials("eisp-rsa", provider)?;
    println!(
        "provider {}; enterprise {} (credit code {})",
        provider.name,
        enterprise.leaf().subject(),
        enterprise
            .leaf()
            .subject_serial_number()
            .unwrap_or_default()
    );

    let order = br#"{"version":"1.0","serial":"ERP-2026-000001","seller":"91350200776049653A","total_fen":11300}"#;
    let started = Instant::now();
    let mut last = None;
    for _ in 0..count {
        // ERP: the enterprise signs its order.
        let (ent_scheme, ent_sig) = enterprise.sign(order)?;
        // Cloud platform: countersigns order + enterprise signature, then encrypts
        // to the service platform's certificate (RSA-OAEP-SHA256 + AES-256-GCM).
        let mut signed = order.to_vec();
        signed.extend_from_slice(&ent_sig);
        let (ecp_scheme, ecp_sig) = cloud.sign(&signed)?;
        let mut content_key = [0u8; AES_256_KEY_LEN];
        provider.random.fill(&mut content_key)?;
        let mut nonce = [0u8; GCM_NONCE_LEN];
        provider.random.fill(&mut nonce)?;
        let wrapped_key = provider
            .key_transport
            .encrypt_oaep_sha256(service.leaf().public_key(), &content_key)?;
        let mut ciphertext = signed.clone();
        ciphertext.extend_from_slice(&ecp_sig);
        let tag = provider
            .content_cipher
            .seal(&content_key, &nonce, b"", &mut ciphertext)?;
        let sealed = Sealed {
            wrapped_key,
            nonce,
            ciphertext,
            tag,
        };

        // Service platform: unwraps the key, decrypts, verifies both signers.
        let key = service
            .private_key()
            .decrypt_oaep_sha256(&sealed.wrapped_key)?;
        let key: [u8; AES_256_KEY_LEN] =
            key.as_slice()
                .try_into()
                .map_err(|_| fapiao::CryptoError::InvalidLength {
                    what: "content key",
                    expected: AES_256_KEY_LEN,
                    actual: key.len(),
                })?;
        let mut plain = sealed.ciphertext;
        provider
            .content_cipher
            .open(&key, &sealed.nonce, b"", &mut plain, &sealed.tag)?;
        let (signed_part, ecp_sig) = plain.split_at(plain.len() - ecp_sig.len());
        provider
            .verifier
            .verify(ecp_scheme, cloud.leaf().public_key(), signed_part, ecp_sig)?;
        let (order_part, ent_sig) = signed_part.split_at(signed_part.len() - ent_sig.len());
        provider.verifier.verify(
            ent_scheme,
            enterprise.leaf().public_key(),
            order_part,
            ent_sig,
        )?;
        assert_eq!(
            order_part, order,
            "the service platform reads the order the ERP wrote"
        );
        last = Some(order_part.len());
    }
    let elapsed = started.elapsed();
    println!(
        "service platform received a {}-byte order signed by {} and {}",
        last.unwrap_or(0),
        enterprise.leaf().subject(),
        cloud.leaf().subject()
    );
    println!(
        "round trips: {count} in {:.1} ms ({:.0} per second)",
        elapsed.as_secs_f64() * 1e3,
        count as f64 / elapsed.as_secs_f64()
    );
    Ok(())
}
