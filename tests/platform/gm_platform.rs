//! The whole method between parties on SM2 dual certificates (双证书): GM/T
//! 0010 envelopes sealed to each party's encryption certificate, in both
//! hosting modes.
#![cfg(feature = "gm")]

use fapiao::envelope::{EnvelopeSummary, inspect};
use fapiao::exchange::PeerDirectory;
use fapiao::invoice::{IssueOutcome, IssueResponse};
use fapiao::platform::Order;
use fapiao_testkit::{
    CLOUD_PLATFORM, HOSTED_BY_ENTERPRISE, HOSTED_BY_PLATFORM, NOW, SERVICE_PLATFORM, Setup, World,
    gm_creds,
};

fn issued(response: &IssueResponse) -> &fapiao::invoice::IssuedInvoice {
    match &response.outcome {
        IssueOutcome::Issued { invoice } => invoice,
        other => panic!("expected an issued invoice, got {other:?}"),
    }
}

fn summary(envelope: &[u8]) -> EnvelopeSummary {
    inspect(envelope).expect("an envelope")
}

#[test]
fn the_exchanges_pin_each_platforms_encryption_certificate() {
    let world = World::set_up(Setup::gm());
    let at_cloud = PeerDirectory::new(world.cloud_store.clone())
        .lookup_party(SERVICE_PLATFORM, NOW)
        .unwrap();
    let eisp = gm_creds("eisp");
    assert_eq!(at_cloud[0].certificate, *eisp.leaf());
    assert_eq!(at_cloud[0].recipient_certificate(), eisp.encryption_leaf());
    let at_service = PeerDirectory::new(world.service_store.clone());
    let ecp = gm_creds("ecp");
    let cloud = at_service.lookup_party(CLOUD_PLATFORM, NOW).unwrap();
    assert_eq!(cloud[0].recipient_certificate(), ecp.encryption_leaf());
    let front = at_service.lookup_party(HOSTED_BY_ENTERPRISE, NOW).unwrap();
    assert_eq!(
        front[0].recipient_certificate(),
        gm_creds("enterprise").encryption_leaf()
    );
}

#[test]
fn platform_hosted_issues_between_sm2_dual_parties() {
    let world = World::set_up(Setup::gm());
    let json = World::request(HOSTED_BY_PLATFORM, "GM-1");
    let order = Order::Signed(world.erp_sign(HOSTED_BY_PLATFORM, &json, NOW));
    let request = world.cloud.submit(order, NOW).unwrap();
    let eisp = gm_creds("eisp");
    // A GM/T 0010 envelopedData, to one recipient.
    let sealed = summary(&request);
    assert_eq!(sealed.content_type.to_string(), "1.2.156.10197.6.1.4.2.3");
    assert_eq!(sealed.recipients.len(), 1);
    let answer = world.service.handle(&request, NOW).unwrap();
    let response = world.cloud.open_response(&answer, NOW).unwrap();
    let invoice = issued(&response);
    assert_eq!(invoice.seller_tax_id.as_str(), HOSTED_BY_PLATFORM);
    // Opening with the signing certificate as recipient does not work: the
    // envelope is for the encryption certificate.
    assert_ne!(eisp.leaf(), eisp.encryption_leaf());
}

#[test]
fn enterprise_hosted_issues_through_an_sm2_front_end() {
    let world = World::set_up(Setup::gm());
    let json = World::request(HOSTED_BY_ENTERPRISE, "GM-2");
    let accepted = world.issue(HOSTED_BY_ENTERPRISE, &json, NOW);
    let IssueOutcome::AcceptedPending { ticket } = &accepted.outcome else {
        panic!("expected accepted, got {accepted:?}");
    };
    assert_eq!(world.run_front_end(10, NOW + 1).issued, 1);
    let done = world.poll(ticket, NOW + 2);
    let invoice = issued(&done);
    assert_eq!(invoice.seller_tax_id.as_str(), HOSTED_BY_ENTERPRISE);
}
