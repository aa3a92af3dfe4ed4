//! From envelope to qualification: the enterprise signs a request, the cloud
//! platform countersigns and encrypts it to the service platform, which opens it,
//! validates the request and binds the verified signers with `authenticate`.

use crate::common;

use std::collections::BTreeSet;
use std::sync::Arc;

use fapiao::envelope::{self, MemoryReplayGuard, Opener, SignedMessage, VerifiedSigner};
use fapiao::exchange::{MemoryPeerStore, PartyRole, PeerDirectory, PeerRecord};
use fapiao::invoice::{InvoiceKind, IssueRequest, ValidationPolicy};
use fapiao::qualification::{
    Binding, CloudPlatformIdentity, EmbeddedRegistry, EnterpriseStatus, HostingMode,
    QualificationRecord, Refusal, SignerIdentity, authenticate, check_qualification,
};
use fapiao::time::Timestamp;

use common::{IssuedByFixtureCa, TEST_TIME, credentials, providers};

const SELLER: &str = "91350200776049653A";

fn registry() -> EmbeddedRegistry {
    let registry = EmbeddedRegistry::new();
    registry
        .upsert(QualificationRecord {
            tax_id: SELLER.parse().unwrap(),
            name: "Xiamen Example Trading Co.".into(),
            status: EnterpriseStatus::Active,
            allowed_invoice_kinds: BTreeSet::from([InvoiceKind::DigitalOrdinary]),
            single_invoice_limit_fen: 100_000_000,
            monthly_quota_fen: 1_000_000_000,
            valid_from_unix: Timestamp::from_unix_seconds(1_767_196_800),
            valid_until_unix: Timestamp::from_unix_seconds(1_830_268_800),
            hosting_mode: HostingMode::EnterpriseHosted,
            allowed_platforms: BTreeSet::from(["ecp-main".to_owned()]),
            bound_certificates: BTreeSet::new(),
            devices: Vec::new(),
        })
        .unwrap();
    registry
}

/// The service platform's side: the signer pinned as a cloud platform in the peer
/// directory is the cloud platform, the other one the enterprise. (SignerInfos is
/// a SET OF, so their order says nothing.)
fn split_signers(
    signers: &[VerifiedSigner],
    peers: &PeerDirectory,
) -> (SignerIdentity, Option<CloudPlatformIdentity>) {
    assert_eq!(signers.len(), 2);
    let platform = signers.iter().find_map(|s| {
        let record = peers
            .lookup_fingerprint(&s.spki_fingerprint, TEST_TIME)
            .ok()?;
        CloudPlatformIdentity::from_peer(&record)
    });
    let enterprise = match &platform {
        Some(p) => signers
            .iter()
            .find(|s| s.spki_fingerprint != p.spki_fingerprint)
            .unwrap(),
        None => &signers[0],
    };
    (SignerIdentity::from(enterprise), platform)
}

#[test]
fn verified_signers_authenticate_and_qualify_the_enterprise() {
    for provider in providers() {
        let enterprise = credentials("enterprise-rsa", provider);
        let cloud = credentials("ecp-rsa", provider);
        let service = credentials("eisp-rsa", provider);
        let json = include_bytes!("../../examples/requests/valid-blue.json");

        let mut signed = SignedMessage::sign(json, &enterprise, TEST_TIME, provider).unwrap();
        signed.add_signer(&cloud, TEST_TIME, provider).unwrap();
        let sealed = envelope::encrypt(&signed, &[service.leaf()], provider).unwrap();

        let trust = IssuedByFixtureCa::new(provider);
        let replay = MemoryReplayGuard::new();
        let opened = Opener::new(&service, &trust, &replay, provider)
            .open(&sealed, TEST_TIME)
            .unwrap();
        let request = IssueRequest::from_json(&opened.payload)
            .unwrap()
            .validate(&ValidationPolicy::default())
            .unwrap();

        let peers = PeerDirectory::new(Arc::new(MemoryPeerStore::new()));
        let pinned = PeerRecord::new(
            "ecp-main",
            PartyRole::CloudPlatform,
            cloud.leaf().clone(),
            0,
        );
        peers.pin(pinned).unwrap();
        let (signer, platform) = split_signers(&opened.signers, &peers);
        assert_eq!(signer.subject_serial_number.as_deref(), Some(SELLER));
        assert_eq!(
            signer.spki_fingerprint,
            enterprise.leaf().spki_fingerprint()
        );

        let registry = registry();
        let authenticated = authenticate(&registry, &request, &signer, platform.as_ref()).unwrap();
        assert_eq!(authenticated.binding(), Binding::SubjectSerialNumber);
        assert_eq!(authenticated.platform().party_id, "ecp-main");
        let now = Timestamp::from_unix_seconds(TEST_TIME);
        let quota = check_qualification(&registry, &authenticated, &request, now).unwrap();
        assert_eq!(
            quota.reservation().amount_fen(),
            request.totals().amount_fen
        );
        quota.commit().unwrap();

        // A key pinned in another role does not act as a cloud platform.
        let service_record =
            PeerRecord::new("eisp", PartyRole::ServicePlatform, cloud.leaf().clone(), 0);
        assert_eq!(CloudPlatformIdentity::from_peer(&service_record), None);

        // A cloud platform that is not pinned is refused.
        let enterprise_signer = opened
            .signers
            .iter()
            .find(|s| s.spki_fingerprint == enterprise.leaf().spki_fingerprint())
            .unwrap();
        let signer = SignerIdentity::from(enterprise_signer);
        let refused = authenticate(&registry, &request, &signer, None).unwrap_err();
        assert_eq!(refused.refusal(), Some(&Refusal::PlatformNotPinned {}));
    }
}

#[test]
fn a_request_signed_by_the_cloud_platform_alone_does_not_authenticate() {
    for provider in providers() {
        let cloud = credentials("ecp-rsa", provider);
        let service = credentials("eisp-rsa", provider);
        let json = include_bytes!("../../examples/requests/valid-blue.json");
        let sealed = envelope::seal(json, &cloud, &[service.leaf()], TEST_TIME, provider).unwrap();
        let trust = IssuedByFixtureCa::new(provider);
        let replay = MemoryReplayGuard::new();
        let opened = Opener::new(&service, &trust, &replay, provider)
            .open(&sealed, TEST_TIME)
            .unwrap();
        let request = IssueRequest::from_json(&opened.payload)
            .unwrap()
            .validate(&ValidationPolicy::default())
            .unwrap();
        // The cloud platform's certificate names no enterprise.
        let signer = SignerIdentity::from(&opened.signers[0]);
        let platform = CloudPlatformIdentity {
            party_id: "ecp-main".into(),
            spki_fingerprint: cloud.leaf().spki_fingerprint(),
        };
        let refused = authenticate(&registry(), &request, &signer, Some(&platform)).unwrap_err();
        assert_eq!(
            refused.refusal(),
            Some(&Refusal::SignerNotBound {
                tax_id: SELLER.parse().unwrap()
            })
        );
    }
}
