//! x509-limbo conformance (tests/data/limbo: the suite, its LICENSE and README).
//!
//! Runs every limbo case whose verdict does not hinge on DNS-name or serverAuth
//! matching through [`PathValidator`], prints the agreement rate and every false
//! accept and false reject, and fails on any disagreement that
//! `tests/data/limbo/exceptions.txt` does not explain, and on any exception that
//! no longer disagrees (or names a case that is not run).
//!
//! # The filter (decided from each case's fields)
//!
//! A case is **skipped** when:
//! * `extended_key_usage` contains `serverAuth`: the verdict is about the web
//!   server EKU, which fapiao has no notion of;
//! * `features` contains `pedantic-webpki-eku` (web-PKI serverAuth EKU rules) or
//!   `pedantic-public-suffix-wildcard` (wildcard DNS names against the public
//!   suffix list);
//! * `id` is in the `webpki::cn::` group (with `expected_peer_name` set): these
//!   cases test CA/Browser Forum BR 7.1.4.3, that a DNS name or IP address in the
//!   subject CN repeats a subjectAltName entry character for character (case,
//!   punycode, IP notation), i.e. DNS-name matching between CN and SAN; limbo's
//!   other cases do not apply that rule (most of their leaves have a CN that is
//!   not in the SAN), so it cannot be a validator rule;
//! * `expected_peer_name` is set and the peer certificate does *not* match it
//!   (webpki's name matcher says `CertNotValidForName`, or the name is not a
//!   valid DNS name / IP address): such a case is refused by name matching alone,
//!   so its verdict hinges on it.
//!
//! Every other case runs, whatever its `validation_kind`: a case with a peer name
//! that matches does not depend on name matching, whatever else it tests. The
//! case's fields map onto the validator: `trusted_certs` → [`TrustStore`],
//! `untrusted_intermediates` → intermediates, `crls` → CRLs,
//! `validation_time` → the time (`null` means now), `max_chain_depth` →
//! `limits.max_path_intermediates`, a non-serverAuth `extended_key_usage` →
//! an [`EkuPolicy`] (accepting a leaf without EKU, as RFC 5280 does), and
//! `key_usage` → the [`Purpose`] (digitalSignature → sign, keyEncipherment or
//! keyAgreement → encrypt, else any). Input that fapiao refuses to load
//! (unsupported key algorithms, malformed DER) counts as a rejection.

use std::collections::BTreeMap;
use std::time::SystemTime;

use fapiao::pki::{
    Certificate, Crl, EkuPolicy, PathPolicy, PathValidator, Purpose, Timestamp, TrustStore,
    key_purpose,
};
use pki_types::{CertificateDer, ServerName};
use serde_json::Value;

fn data(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/limbo/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn strings(case: &Value, field: &str) -> Vec<String> {
    case[field]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Why a case is left out, or `None` when it runs.
fn skip_reason(case: &Value) -> Option<String> {
    if strings(case, "extended_key_usage")
        .iter()
        .any(|e| e == "serverAuth")
    {
        return Some("serverAuth EKU".into());
    }
    for feature in strings(case, "features") {
        if feature == "pedantic-webpki-eku" || feature == "pedantic-public-suffix-wildcard" {
            return Some(format!("feature {feature}"));
        }
    }
    let name = &case["expected_peer_name"];
    let value = name["value"].as_str()?;
    if case["id"]
        .as_str()
        .is_some_and(|id| id.starts_with("webpki::cn::"))
    {
        return Some("CN/SAN DNS-name and IP matching (CABF BR 7.1.4.3)".into());
    }
    let Ok(server_name) = ServerName::try_from(value) else {
        return Some(format!(
            "peer name {value:?} is not a DNS name or IP address"
        ));
    };
    let pem = case["peer_certificate"].as_str().unwrap_or_default();
    let Ok(der) = der_of(pem) else {
        return None;
    };
    let der = CertificateDer::from(der);
    let Ok(cert) = webpki::EndEntityCert::try_from(&der) else {
        return None;
    };
    match cert.verify_is_valid_for_subject_name(&server_name) {
        Err(webpki::Error::CertNotValidForName(_)) => {
            Some(format!("peer certificate does not match {value:?}"))
        }
        _ => None,
    }
}

fn der_of(pem: &str) -> Result<Vec<u8>, ()> {
    let certs = Certificate::load_bundle(pem.as_bytes());
    match certs {
        Ok(mut certs) if certs.len() == 1 => Ok(certs.remove(0).der().to_vec()),
        _ => {
            // Certificates fapiao cannot load (e.g. DSA keys) still have a DER.
            let (_, der) = der::pem::decode_vec(pem.trim().as_bytes()).map_err(|_| ())?;
            Ok(der)
        }
    }
}

/// Runs one case: `Ok(())` when fapiao accepts, `Err(reason)` when it refuses.
fn run(case: &Value) -> Result<(), String> {
    let load =
        |pem: &str| Certificate::load_bundle(pem.as_bytes()).map_err(|e| format!("load: {e}"));
    let mut store = TrustStore::new();
    for pem in strings(case, "trusted_certs") {
        for cert in load(&pem)? {
            store.add(cert).map_err(|e| e.to_string())?;
        }
    }
    let mut intermediates = Vec::new();
    for pem in strings(case, "untrusted_intermediates") {
        intermediates.extend(load(&pem)?);
    }
    let leaf = load(case["peer_certificate"].as_str().unwrap_or_default())?.remove(0);
    let mut crls = Vec::new();
    for pem in strings(case, "crls") {
        crls.extend(Crl::load_bundle(pem.as_bytes()).map_err(|e| format!("load: {e}"))?);
    }
    let at = match case["validation_time"].as_str() {
        Some(text) => text.parse::<Timestamp>().map_err(|e| e.to_string())?,
        None => Timestamp::from_system_time(SystemTime::now()).expect("clock after 1970"),
    };
    let mut policy = PathPolicy::default();
    if let Some(depth) = case["max_chain_depth"].as_u64() {
        policy.limits.max_path_intermediates = usize::try_from(depth).unwrap_or(usize::MAX);
    }
    let ekus: Vec<_> = strings(case, "extended_key_usage")
        .iter()
        .map(|e| match e.as_str() {
            "clientAuth" => key_purpose::CLIENT_AUTH,
            "codeSigning" => key_purpose::CODE_SIGNING,
            "emailProtection" => key_purpose::EMAIL_PROTECTION,
            "timeStamping" => key_purpose::TIME_STAMPING,
            "anyExtendedKeyUsage" => key_purpose::ANY,
            other => panic!("unmapped limbo EKU {other}"),
        })
        .collect();
    if !ekus.is_empty() {
        policy.eku = Some(EkuPolicy::new(ekus).accepting_absent());
    }
    let key_usage = strings(case, "key_usage");
    let purpose = if key_usage.iter().any(|k| k == "digitalSignature") {
        Purpose::Sign
    } else if key_usage
        .iter()
        .any(|k| k == "keyEncipherment" || k == "keyAgreement")
    {
        Purpose::Encrypt
    } else {
        Purpose::Any
    };
    PathValidator::new(&store, policy)
        .verify(&leaf, &intermediates, &crls, at, purpose)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// exceptions.txt: `<case id> <reason>` per line; `#` comments and blank lines.
fn exceptions() -> BTreeMap<String, String> {
    String::from_utf8(data("exceptions.txt"))
        .expect("UTF-8")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (id, reason) = l.split_once(' ').unwrap_or((l, ""));
            assert!(!reason.trim().is_empty(), "exception {id} has no reason");
            (id.to_owned(), reason.trim().to_owned())
        })
        .collect()
}

#[test]
fn limbo_conformance() {
    let suite: Value = serde_json::from_slice(&data("limbo.json")).expect("limbo.json");
    let cases = suite["testcases"].as_array().expect("testcases");
    let exceptions = exceptions();

    let (mut run_count, mut agree, mut skipped) = (0usize, 0usize, 0usize);
    let mut false_accepts = Vec::new();
    let mut false_rejects = Vec::new();
    let mut seen = Vec::new();
    for case in cases {
        let id = case["id"].as_str().expect("id").to_owned();
        if let Some(why) = skip_reason(case) {
            skipped += 1;
            println!("skip   {id}: {why}");
            continue;
        }
        run_count += 1;
        seen.push(id.clone());
        let expected_ok = case["expected_result"] == "SUCCESS";
        match (expected_ok, run(case)) {
            (true, Ok(())) => agree += 1,
            (false, Err(reason)) => {
                agree += 1;
                println!("refuse {id}: {reason}");
            }
            (false, Ok(())) => false_accepts.push(id),
            (true, Err(reason)) => false_rejects.push((id, reason)),
        }
    }

    let rate = 100.0 * agree as f64 / run_count as f64;
    println!(
        "\nx509-limbo: {agree}/{run_count} cases agree ({rate:.1}%), {} false accepts, {} false rejects; {skipped} skipped of {}",
        false_accepts.len(),
        false_rejects.len(),
        cases.len()
    );
    let mut unexplained = Vec::new();
    for id in &false_accepts {
        let note = exceptions
            .get(id)
            .map(String::as_str)
            .unwrap_or("UNEXPLAINED");
        println!("false accept  {id}: {note}");
        if !exceptions.contains_key(id) {
            unexplained.push(id.clone());
        }
    }
    for (id, reason) in &false_rejects {
        let note = exceptions
            .get(id)
            .map(String::as_str)
            .unwrap_or("UNEXPLAINED");
        println!("false reject  {id}: {reason} -- {note}");
        if !exceptions.contains_key(id) {
            unexplained.push(id.clone());
        }
    }
    let disagreeing: Vec<&String> = false_accepts
        .iter()
        .chain(false_rejects.iter().map(|(id, _)| id))
        .collect();
    let stale: Vec<&String> = exceptions
        .keys()
        .filter(|id| !disagreeing.contains(id))
        .collect();
    let unknown: Vec<&String> = exceptions.keys().filter(|id| !seen.contains(id)).collect();

    assert!(
        unexplained.is_empty(),
        "disagreements not in exceptions.txt: {unexplained:?}"
    );
    assert!(
        unknown.is_empty(),
        "exceptions.txt names cases that are not run: {unknown:?}"
    );
    assert!(
        stale.is_empty(),
        "exceptions.txt lists cases that now agree: {stale:?}"
    );
    assert!(rate >= 90.0, "agreement {rate:.1}% is under 90%");
}
