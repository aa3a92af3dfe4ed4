//! Both platforms with their private keys on the token, through the whole
//! method (testkit's `World`): the certificate exchanges signed on the token,
//! the cloud platform's requests sealed with its token key and opened by the
//! service platform with its token's ECDH key, the hosted device's seal made
//! on the token, a platform-hosted invoice verified by the cloud platform, an
//! enterprise-hosted one through the front end, and the tax upload.

use fapiao::device::verify_device_signature;
use fapiao::invoice::{IssueOutcome, IssueResponse, IssuedInvoice};
use fapiao::tax::{RecordingTaxAuthority, RetryPolicy, SeededJitter};
use fapiao_testkit::{HOSTED_BY_ENTERPRISE, HOSTED_BY_PLATFORM, NOW, Setup, World, ticket_of};

use crate::common::certificate;
use crate::{provider, token_credentials};

fn invoice_of(response: &IssueResponse) -> &IssuedInvoice {
    match &response.outcome {
        IssueOutcome::Issued { invoice } => invoice,
        other => panic!("expected an issued invoice, got {other:?}"),
    }
}

/// The world with both platforms' keys (P-256: ECDSA, ECDH) on the token.
fn world_on_the_token() -> World {
    World::set_up(Setup {
        ecp_key: "ecp-p256".into(),
        ecp_credentials: Some(token_credentials("ecp-p256")),
        eisp_credentials: Some(token_credentials("eisp-p256")),
        ..Setup::in_memory()
    })
}

#[test]
#[ignore = "run by softhsm2_suite"]
fn token_platforms_issue_and_verify_an_invoice() {
    let world = world_on_the_token();
    // The service platform's answer was signed on the token; the cloud
    // platform opened it (ECDH on its token key) and verified it.
    let response = world.issue(
        HOSTED_BY_PLATFORM,
        &World::request(HOSTED_BY_PLATFORM, "TOKEN-1"),
        NOW,
    );
    let invoice = invoice_of(&response);
    assert_eq!(invoice.seller_tax_id.as_str(), HOSTED_BY_PLATFORM);
    assert_eq!(invoice.device_id, "EISP-DEV-1");
    // The hosted device sealed it with the service platform's token key.
    verify_device_signature(invoice, &certificate("eisp-p256"), provider()).unwrap();
    assert_eq!(
        world.service.credentials().leaf().spki_fingerprint(),
        certificate("eisp-p256").spki_fingerprint()
    );

    // Enterprise-hosted: accepted, pulled and issued by the front end, polled.
    let response = world.issue(
        HOSTED_BY_ENTERPRISE,
        &World::request(HOSTED_BY_ENTERPRISE, "TOKEN-2"),
        NOW,
    );
    let ticket = ticket_of(&response);
    assert_eq!(world.run_front_end(10, NOW + 1).issued, 1);
    let polled = world.poll(&ticket, NOW + 2);
    assert_eq!(
        invoice_of(&polled).seller_tax_id.as_str(),
        HOSTED_BY_ENTERPRISE
    );

    // Both invoices uploaded to the tax authority.
    let authority = RecordingTaxAuthority::new();
    let drained = world
        .service
        .drain_outbox(
            &authority,
            NOW + 3,
            &RetryPolicy::default(),
            &mut SeededJitter::new(7),
        )
        .unwrap();
    assert_eq!(drained.uploaded, 2);
    assert_eq!(authority.receipts().len(), 2);
}
