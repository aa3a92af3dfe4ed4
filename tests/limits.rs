//! Every limit on a size an attacker controls (docs/limits.md lists them), tested
//! just past the limit: a typed error naming the limit, and, measured by a
//! counting allocator on the calling thread, no allocation in proportion to the
//! input before it (under [`SMALL`] bytes where the input is megabytes).

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use common::*;
use der::Encode;
use der::asn1::{ObjectIdentifier, OctetStringRef};
use fapiao::envelope::{
    self, EnvelopePolicy, MAX_DER_DEPTH, MAX_MESSAGE_ID_LEN, MemoryReplayGuard, Opener,
    SignedMessage,
};
use fapiao::invoice::limits::{JsonLimit, MAX_JSON_ARRAY_LEN, MAX_JSON_BYTES, MAX_JSON_DEPTH};
use fapiao::invoice::{DEFAULT_MAX_LINES, IssueRequest, ValidationPolicy, ViolationCode};
use fapiao::pki::{
    Certificate, Crl, ExchangeParty, MAX_CRL_ENTRIES, MAX_EXCHANGE_MESSAGE, MAX_PBKDF2_ITERATIONS,
    MAX_SCRYPT_MEMORY, PartyRole, PathPolicy, PathValidator, PeerDirectory, PrivateKeyDer, Purpose,
    Timestamp, TrustStore,
};
use fapiao::{CrlError, EnvelopeError, Error, ExchangeError, InvoiceError, KeyError, PathError};

const NOW: u64 = TEST_TIME;

/// "No large allocation": well under the megabytes of the inputs below.
const SMALL: usize = 64 * 1024;

// ---- a counting allocator: bytes allocated by the current thread ----------

struct Counting;

thread_local! {
    static ALLOCATED: Cell<usize> = const { Cell::new(0) };
}

fn count(bytes: usize) {
    // `try_with`: the thread-local may already be gone while a thread exits.
    let _ = ALLOCATED.try_with(|a| a.set(a.get().saturating_add(bytes)));
}

// SAFETY: every method forwards to the system allocator with the caller's
// arguments unchanged; counting touches only a const-initialised thread-local
// `Cell<usize>`, which never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract for `layout`.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size);
        // SAFETY: `ptr` was allocated by this allocator (hence by `System`) with
        // `layout`, as the caller guarantees.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as for `realloc`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Runs `f` and returns its result with the bytes it allocated on this thread.
fn allocated_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = ALLOCATED.with(Cell::get);
    let out = f();
    (out, ALLOCATED.with(Cell::get) - before)
}

// ---- DER by hand ------------------------------------------------------------

fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = body.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(body);
    out
}

fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

fn oid(text: &str) -> Vec<u8> {
    tlv(0x06, ObjectIdentifier::new_unwrap(text).as_bytes())
}

/// A positive INTEGER of fixed width, so that a run of them sorts as DER wants.
fn int3(i: usize) -> Vec<u8> {
    tlv(0x02, &[0x01, (i >> 8) as u8, i as u8])
}

fn utc_time() -> Vec<u8> {
    tlv(0x17, b"260101000000Z")
}

// ---- fixtures ------------------------------------------------------------------

struct Receiver {
    creds: fapiao::pki::Credentials,
    trust: IssuedByFixtureCa,
    replay: MemoryReplayGuard,
}

fn receiver() -> Receiver {
    let provider = providers()[0];
    Receiver {
        creds: credentials("eisp-p256", provider),
        trust: IssuedByFixtureCa::new(provider),
        replay: MemoryReplayGuard::new(),
    }
}

impl Receiver {
    fn open(&self, policy: EnvelopePolicy, envelope: &[u8]) -> (Result<(), Error>, usize) {
        let opener =
            Opener::new(&self.creds, &self.trust, &self.replay, providers()[0]).with_policy(policy);
        allocated_during(|| opener.open(envelope, NOW).map(|_| ()))
    }
}

fn limit_exceeded(err: &Error) -> Option<(&'static str, usize, usize)> {
    match err {
        Error::Envelope(EnvelopeError::LimitExceeded { what, count, max }) => {
            Some((what, *count, *max))
        }
        _ => None,
    }
}

// ---- envelopes -------------------------------------------------------------------

#[test]
fn envelope_bytes_are_refused_before_decoding() {
    let max = EnvelopePolicy::default().max_envelope_size;
    assert_eq!(max, 16 * 1024 * 1024);
    let input = vec![0x30; max + 1];
    let (result, allocated) = receiver().open(EnvelopePolicy::default(), &input);
    let err = result.unwrap_err();
    assert!(
        matches!(err, Error::Envelope(EnvelopeError::TooLarge { size, max: m }) if size == max + 1 && m == max),
        "{err}"
    );
    assert!(allocated < SMALL, "{allocated} bytes allocated");
}

/// An AuthEnvelopedData with `recipients` well-formed key-transport recipient
/// infos for strangers: 8 DER elements each.
fn envelope_with_recipients(recipients: usize) -> Vec<u8> {
    let infos: Vec<Vec<u8>> = (0..recipients)
        .map(|i| {
            seq(&[
                tlv(0x02, &[0]),
                seq(&[seq(&[]), int3(i)]),
                seq(&[oid("1.2.840.113549.1.1.7")]),
                tlv(0x04, b"x"),
            ])
        })
        .collect();
    let gcm = seq(&[tlv(0x04, &[0; 12]), tlv(0x02, &[16])]);
    let auth = seq(&[
        tlv(0x02, &[0]),
        tlv(0x31, &infos.concat()),
        seq(&[
            oid("1.2.840.113549.1.7.1"),
            seq(&[oid("2.16.840.1.101.3.4.1.46"), gcm]),
            tlv(0x80, &[0; 32]),
        ]),
        tlv(0x04, &[0; 16]),
    ]);
    seq(&[oid("1.2.840.113549.1.9.16.1.23"), tlv(0xa0, &auth)])
}

#[test]
fn der_elements_of_an_envelope_are_counted_before_decoding() {
    let max = EnvelopePolicy::default().max_der_elements;
    assert_eq!(max, 20_000);
    // 3,000 recipients: 24,000 elements in 90 KB.
    let envelope = envelope_with_recipients(3_000);
    let r = receiver();
    let (result, allocated) = r.open(EnvelopePolicy::default(), &envelope);
    let err = result.unwrap_err();
    assert_eq!(
        limit_exceeded(&err),
        Some(("DER elements", max + 1, max)),
        "{err}"
    );
    assert!(allocated < SMALL, "{allocated} bytes allocated");

    // Without the element budget the decoder builds every recipient first (and
    // only then is their number refused): 4 MB for a 90 KB envelope.
    let unbounded = EnvelopePolicy {
        max_der_elements: usize::MAX,
        ..EnvelopePolicy::default()
    };
    let (result, allocated) = r.open(unbounded, &envelope);
    let err = result.unwrap_err();
    assert_eq!(
        limit_exceeded(&err),
        Some(("recipients", 3_000, 16)),
        "{err}"
    );
    assert!(
        allocated > 10 * envelope.len(),
        "{allocated} bytes allocated"
    );
}

#[test]
fn der_nesting_depth_is_bounded_before_decoding() {
    let mut nested = tlv(0x05, &[]);
    for _ in 0..MAX_DER_DEPTH {
        nested = seq(&[nested]);
    }
    let envelope = seq(&[oid("1.2.840.113549.1.9.16.1.23"), tlv(0xa0, &nested)]);
    let (result, _) = receiver().open(EnvelopePolicy::default(), &envelope);
    let err = result.unwrap_err();
    assert_eq!(
        limit_exceeded(&err),
        Some(("DER nesting depth", MAX_DER_DEPTH + 1, MAX_DER_DEPTH)),
        "{err}"
    );
    // The same bound applies to a SignedData on its own.
    let err = SignedMessage::from_der(seq(&[nested])).unwrap_err();
    assert_eq!(
        limit_exceeded(&err).map(|l| l.0),
        Some("DER nesting depth"),
        "{err}"
    );
}

#[test]
fn der_elements_of_a_signed_message_are_counted_before_decoding() {
    // A SignedData announcing 7,000 digest algorithms (3 elements each).
    let algorithms: Vec<Vec<u8>> = (0..7_000)
        .map(|i| seq(&[oid("2.16.840.1.101.3.4.2.1"), int3(i)]))
        .collect();
    let signed = seq(&[
        tlv(0x02, &[1]),
        tlv(0x31, &algorithms.concat()),
        seq(&[oid("1.2.840.113549.1.7.1")]),
        tlv(0x31, &[]),
    ]);
    let der = seq(&[oid("1.2.840.113549.1.7.2"), tlv(0xa0, &signed)]);
    let (result, allocated) = allocated_during(|| SignedMessage::from_der(der).map(|_| ()));
    let err = result.unwrap_err();
    assert_eq!(
        limit_exceeded(&err).map(|l| l.0),
        Some("DER elements"),
        "{err}"
    );
    assert!(allocated < SMALL, "{allocated} bytes allocated");
}

#[test]
fn recipients_signers_and_certificates_are_counted() {
    let provider = providers()[0];
    let r = receiver();
    let eisp = certificate("eisp-p256");
    let ecp = credentials("ecp-p256", provider);

    // 17 recipients (the default allows 16).
    assert_eq!(EnvelopePolicy::default().max_recipients, 16);
    let to_17 = envelope::seal(b"x", &ecp, &[&eisp; 17], NOW, provider).unwrap();
    let (result, _) = r.open(EnvelopePolicy::default(), &to_17);
    let err = result.unwrap_err();
    assert_eq!(limit_exceeded(&err), Some(("recipients", 17, 16)), "{err}");

    // 9 signers (the default allows 8): ECDSA signatures differ every time.
    assert_eq!(EnvelopePolicy::default().max_signers, 8);
    let mut signed = SignedMessage::sign(b"x", &ecp, NOW, provider).unwrap();
    for _ in 0..8 {
        signed.add_signer(&ecp, NOW, provider).unwrap();
    }
    let nine = envelope::encrypt(&signed, &[&eisp], provider).unwrap();
    let (result, _) = r.open(EnvelopePolicy::default(), &nine);
    let err = result.unwrap_err();
    assert_eq!(limit_exceeded(&err), Some(("signers", 9, 8)), "{err}");

    // Certificates (the default allows 32): enterprise, cloud platform and the
    // issuing CA are 3, against a policy of 2.
    assert_eq!(EnvelopePolicy::default().max_certificates, 32);
    let mut signed = SignedMessage::sign(
        b"x",
        &credentials("enterprise-rsa", provider),
        NOW,
        provider,
    )
    .unwrap();
    signed.add_signer(&ecp, NOW, provider).unwrap();
    let three = envelope::encrypt(&signed, &[&eisp], provider).unwrap();
    let two = EnvelopePolicy {
        max_certificates: 2,
        ..EnvelopePolicy::default()
    };
    let (result, _) = r.open(two, &three);
    let err = result.unwrap_err();
    assert_eq!(limit_exceeded(&err), Some(("certificates", 3, 2)), "{err}");
}

#[test]
fn message_ids_longer_than_the_limit_are_refused() {
    use cms::content_info::ContentInfo;
    use cms::signed_data::{SignedData, SignerInfos};
    use der::Decode;
    use der::asn1::{Any, OctetString, SetOfVec};

    let provider = providers()[0];
    let signed =
        SignedMessage::sign(b"x", &credentials("ecp-p256", provider), NOW, provider).unwrap();
    // Replace the contentIdentifier with one byte more than allowed.
    let info = ContentInfo::from_der(signed.as_der()).unwrap();
    let mut data: SignedData = info.content.decode_as().unwrap();
    let mut signers = data.signer_infos.0.into_vec();
    let attrs = signers[0].signed_attrs.take().unwrap();
    let long =
        Any::encode_from(&OctetString::new(vec![7; MAX_MESSAGE_ID_LEN + 1]).unwrap()).unwrap();
    let attrs: Vec<_> = attrs
        .into_vec()
        .into_iter()
        .map(|mut attr| {
            if attr.oid == ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.7") {
                attr.values = SetOfVec::try_from(vec![long.clone()]).unwrap();
            }
            attr
        })
        .collect();
    signers[0].signed_attrs = Some(SetOfVec::try_from(attrs).unwrap());
    data.signer_infos = SignerInfos::try_from(signers).unwrap();
    let der = ContentInfo {
        content_type: info.content_type,
        content: Any::encode_from(&data).unwrap(),
    }
    .to_der()
    .unwrap();
    let err = SignedMessage::from_der(der)
        .unwrap()
        .verify(
            &IssuedByFixtureCa::new(provider),
            &EnvelopePolicy::default(),
            NOW,
            provider,
        )
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Envelope(EnvelopeError::MissingSignedAttribute {
                signer: 0,
                attribute: "contentIdentifier"
            })
        ),
        "{err}"
    );
}

// ---- certificate exchange ------------------------------------------------------

struct FixturePeers(IssuedByFixtureCa);

impl fapiao::pki::PeerValidator for FixturePeers {
    fn validate_peer(&self, leaf: &Certificate, i: &[Certificate], at: u64) -> Result<(), Error> {
        use fapiao::envelope::SignerTrust;
        self.0.verify_signer(leaf, i, at)
    }
}

#[test]
fn exchange_messages_and_party_ids_are_bounded() {
    let provider = providers()[0];
    let peers = FixturePeers(IssuedByFixtureCa::new(provider));
    let eisp = credentials("eisp-p256", provider);
    let ecp = credentials("ecp-p256", provider);
    let (directory, replay) = (PeerDirectory::default(), MemoryReplayGuard::new());
    let responder = ExchangeParty::new(
        &eisp,
        "EISP-1",
        PartyRole::ServicePlatform,
        &peers,
        &directory,
        &replay,
        provider,
    );
    assert_eq!(MAX_EXCHANGE_MESSAGE, 64 * 1024);
    let input = vec![0x30; MAX_EXCHANGE_MESSAGE + 1];
    let (result, allocated) = allocated_during(|| responder.answer(&input, NOW).map(|_| ()));
    let err = result.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Exchange(ExchangeError::TooLarge { size, max })
                if size == MAX_EXCHANGE_MESSAGE + 1 && max == MAX_EXCHANGE_MESSAGE
        ),
        "{err}"
    );
    assert!(allocated < SMALL, "{allocated} bytes allocated");

    // A party id of 65 characters (the limit is 64).
    let (d2, r2) = (PeerDirectory::default(), MemoryReplayGuard::new());
    let long_id = "E".repeat(65);
    let initiator = ExchangeParty::new(
        &ecp,
        &long_id,
        PartyRole::CloudPlatform,
        &peers,
        &d2,
        &r2,
        provider,
    );
    let (_, offer) = initiator.offer(NOW).unwrap();
    let err = responder.answer(&offer, NOW).unwrap_err();
    assert!(
        matches!(err, Error::Exchange(ExchangeError::BadPartyId)),
        "{err}"
    );
}

// ---- invoice JSON ----------------------------------------------------------------

fn json_limit(json: &[u8]) -> (Option<(JsonLimit, usize, usize)>, usize) {
    let (result, allocated) = allocated_during(|| IssueRequest::from_json(json).map(|_| ()));
    let limit = match result {
        Err(InvoiceError::LimitExceeded {
            what: "issue request",
            limit,
            found,
            max,
        }) => Some((limit, found, max)),
        _ => None,
    };
    (limit, allocated)
}

#[test]
fn json_size_depth_and_array_length_are_refused_before_parsing() {
    // Size: one byte over 4 MiB (a long remark).
    let mut big = format!(
        "{{\"version\":\"1.0\",\"remarks\":\"{}",
        "x".repeat(MAX_JSON_BYTES)
    );
    big.truncate(MAX_JSON_BYTES - 1);
    big.push_str("\"}");
    let big = big.as_bytes();
    assert_eq!(big.len(), MAX_JSON_BYTES + 1);
    let (limit, allocated) = json_limit(big);
    assert_eq!(
        limit,
        Some((JsonLimit::Bytes, MAX_JSON_BYTES + 1, MAX_JSON_BYTES))
    );
    assert!(allocated < SMALL, "{allocated} bytes allocated");

    // Depth: 17 nested arrays in an unknown field.
    let deep = format!(
        "{{\"version\":\"1.0\",\"x\":{}{}}}",
        "[".repeat(MAX_JSON_DEPTH),
        "]".repeat(MAX_JSON_DEPTH)
    );
    let (limit, _) = json_limit(deep.as_bytes());
    assert_eq!(
        limit,
        Some((JsonLimit::Depth, MAX_JSON_DEPTH + 1, MAX_JSON_DEPTH))
    );

    // Array length: 10,001 lines (of `{}`) are refused before any is built.
    let lines = vec!["{}"; MAX_JSON_ARRAY_LEN + 1].join(",");
    let many = format!("{{\"version\":\"1.0\",\"lines\":[{lines}]}}");
    let (limit, allocated) = json_limit(many.as_bytes());
    assert_eq!(
        limit,
        Some((
            JsonLimit::ArrayLength,
            MAX_JSON_ARRAY_LEN + 1,
            MAX_JSON_ARRAY_LEN
        ))
    );
    assert!(allocated < SMALL, "{allocated} bytes allocated");
}

#[test]
fn line_count_and_text_lengths_are_validated() {
    // Lines: the sample with 2,001 lines is read (under the JSON bounds) and
    // refused by validation, which then checks no line (bounding its work).
    let json = include_bytes!("../examples/requests/invalid-too-many-lines.json");
    let request = IssueRequest::from_json(json).unwrap();
    assert_eq!(request.lines.len(), DEFAULT_MAX_LINES + 1);
    let violations = request.validate(&ValidationPolicy::default()).unwrap_err();
    assert_eq!(violations.len(), 1, "{violations}");
    assert!(violations.contains(ViolationCode::TooManyLines));

    // Text: 231 characters of remarks (the limit is 230, in characters).
    let mut request =
        IssueRequest::from_json(include_bytes!("../examples/requests/valid-blue.json")).unwrap();
    request.remarks = Some("备".repeat(fapiao::invoice::limits::MAX_REMARKS_CHARS + 1));
    let violations = request.validate(&ValidationPolicy::default()).unwrap_err();
    assert!(
        violations.contains(ViolationCode::FieldTooLong),
        "{violations}"
    );
    request.remarks = Some("备".repeat(fapiao::invoice::limits::MAX_REMARKS_CHARS));
    request.validate(&ValidationPolicy::default()).unwrap();
}

// ---- CRLs, paths, keys ------------------------------------------------------------

#[test]
fn crl_entries_are_counted_before_decoding() {
    assert_eq!(MAX_CRL_ENTRIES, 100_000);
    let entries: Vec<Vec<u8>> = (0..=MAX_CRL_ENTRIES)
        .map(|i| {
            seq(&[
                tlv(0x02, &[0x01, (i >> 16) as u8, (i >> 8) as u8, i as u8]),
                utc_time(),
            ])
        })
        .collect();
    let algorithm = seq(&[oid("1.2.840.113549.1.1.11"), tlv(0x05, &[])]);
    let tbs = seq(&[
        tlv(0x02, &[1]),
        algorithm.clone(),
        seq(&[]),
        utc_time(),
        utc_time(),
        tlv(0x30, &entries.concat()),
    ]);
    let crl = seq(&[tbs, algorithm, tlv(0x03, &[0, 0])]);
    assert!(crl.len() > 2_000_000);
    let (result, allocated) = allocated_during(|| Crl::from_der(&crl).map(|_| ()));
    let err = result.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Crl(CrlError::TooManyEntries { index: 0, count, max })
                if count == MAX_CRL_ENTRIES + 1 && max == MAX_CRL_ENTRIES
        ),
        "{err}"
    );
    assert!(allocated < SMALL, "{allocated} bytes allocated");
    // The fixture CRL, one entry, loads.
    let fixture = Crl::load_bundle(&data("crl/issuing-ca.crl.der")).unwrap();
    assert_eq!(fixture[0].revoked_count(), 1);
}

#[test]
fn intermediates_and_crls_per_validation_are_bounded() {
    let roots = TrustStore::from_pem_or_der(&data("root-ca.pem")).unwrap();
    let validator = PathValidator::new(&roots, PathPolicy::default());
    let leaf = certificate("ecp-p256");
    let at = Timestamp::from_unix_seconds(NOW);
    let intermediates = vec![certificate("issuing-ca"); 17];
    let err = validator
        .verify(&leaf, &intermediates, &[], at, Purpose::Sign)
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Path(PathError::TooManyIntermediates {
                supplied: 17,
                max: 16
            })
        ),
        "{err}"
    );
    let crl = Crl::load_bundle(&data("crl/issuing-ca.crl.der")).unwrap();
    let crls = vec![crl[0].clone(); 17];
    let err = validator
        .verify(&leaf, &intermediates[..1], &crls, at, Purpose::Sign)
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Path(PathError::TooManyCrls {
                supplied: 17,
                max: 16
            })
        ),
        "{err}"
    );
}

fn encrypted_key(kdf: pkcs8::pkcs5::pbes2::Kdf) -> Vec<u8> {
    use pkcs8::pkcs5::{self, pbes2};
    let scheme = pkcs5::EncryptionScheme::Pbes2(pbes2::Parameters {
        kdf,
        encryption: pbes2::EncryptionScheme::Aes256Cbc { iv: [0; 16] },
    });
    pkcs8::EncryptedPrivateKeyInfoRef {
        encryption_algorithm: scheme,
        encrypted_data: OctetStringRef::new(&[0; 48]).unwrap(),
    }
    .to_der()
    .unwrap()
}

#[test]
fn key_derivation_cost_is_bounded_before_deriving() {
    use pkcs8::pkcs5::pbes2::{Kdf, Pbkdf2Params, ScryptParams};
    assert_eq!(MAX_PBKDF2_ITERATIONS, 1_000_000);
    assert_eq!(MAX_SCRYPT_MEMORY, 32 * 1024 * 1024);
    let over_pbkdf2 = encrypted_key(Kdf::Pbkdf2(
        Pbkdf2Params::hmac_sha256(MAX_PBKDF2_ITERATIONS + 1, &[1; 8]).unwrap(),
    ));
    // scrypt N = 2^16, r = 8, p = 1: 64 MiB.
    let over_scrypt = encrypted_key(Kdf::Scrypt(ScryptParams {
        salt: [1u8; 8][..].try_into().unwrap(),
        cost_parameter: 1 << 16,
        block_size: 8,
        parallelization: 1,
        key_length: None,
    }));
    for key in [over_pbkdf2, over_scrypt] {
        let started = std::time::Instant::now();
        let err = PrivateKeyDer::load(&key, Some(b"fapiao-test-password")).unwrap_err();
        assert!(
            matches!(err, Error::Key(KeyError::KdfTooExpensive)),
            "{err}"
        );
        assert!(
            started.elapsed().as_millis() < 500,
            "{:?}",
            started.elapsed()
        );
    }
    // What OpenSSL writes by default (PBKDF2, 2,048 iterations) loads.
    PrivateKeyDer::load(
        &data("enterprise-p256.enc.der"),
        Some(b"fapiao-test-password"),
    )
    .unwrap();
}

#[test]
fn deeply_nested_values_inside_a_certificate_are_not_descended() {
    // A subject attribute whose value nests 200 SEQUENCEs: x509-cert keeps an
    // attribute value as bytes, so loading neither recurses nor overflows the
    // stack.
    let mut value = tlv(0x05, &[]);
    for _ in 0..200 {
        value = seq(&[value]);
    }
    let name = seq(&[tlv(0x31, &seq(&[oid("2.5.4.3"), value.clone()]))]);
    let algorithm = seq(&[oid("1.2.840.113549.1.1.11"), tlv(0x05, &[])]);
    let tbs = seq(&[
        tlv(0xa0, &tlv(0x02, &[2])),
        tlv(0x02, &[1]),
        algorithm.clone(),
        name.clone(),
        seq(&[utc_time(), utc_time()]),
        name,
        seq(&[
            seq(&[oid("1.2.840.10045.2.1"), oid("1.2.840.10045.3.1.7")]),
            tlv(0x03, &[0, 4]),
        ]),
    ]);
    let cert = seq(&[tbs, algorithm, tlv(0x03, &[0, 0])]);
    let loaded = Certificate::from_der(&cert).expect("loads: the value is kept as bytes");
    // RFC 4514 writes a non-string value as # and its DER in hex.
    let subject = loaded.subject();
    assert!(subject.starts_with("2.5.4.3=#30"), "{subject}");
    assert_eq!(subject.len(), "2.5.4.3=#".len() + 2 * value.len());
}
