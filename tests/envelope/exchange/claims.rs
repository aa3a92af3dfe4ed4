//! Who may claim which party id: bindings by key, subject serialNumber, or
//! issuer and subject names, a role's extendedKeyUsage, and rotations that the
//! pinned key must endorse.

use super::*;

#[test]
fn a_new_key_for_a_pinned_party_needs_the_pinned_key_to_endorse_it() {
    let v = validator();
    let old = side("ecp-rsa");
    let new = side("ecp-p256");
    let eisp = side("eisp-rsa");
    let b = party(&eisp, "EISP-1", PartyRole::ServicePlatform, &v);
    exchange(&party(&old, "ECP-1", PartyRole::CloudPlatform, &v), &b, NOW);

    // The new certificate is bound to ECP-1 too, but nothing pinned signs for
    // it: whoever holds a certificate the binding allows cannot take the id
    // over while the pinned one is in use.
    let a = party(&new, "ECP-1", PartyRole::CloudPlatform, &v);
    let (sent, offer) = a.offer(NOW + 30).unwrap();
    let (answered, answer) = b.answer(&offer, NOW + 30).unwrap();
    let (_, confirm) = a.confirm(sent, &answer, NOW + 30).unwrap();
    let err = b.complete(answered, &confirm, NOW + 30).unwrap_err();
    assert!(
        matches!(err, Error::Peer(PeerError::RotationNotEndorsed { .. })),
        "{err}"
    );
    assert_eq!(
        eisp.directory
            .lookup_party("ECP-1", NOW + 30)
            .unwrap()
            .len(),
        1
    );

    // Endorsed by the pinned key, the same exchange is a rotation: both stay
    // valid until the old one is retired.
    exchange(
        &party(&new, "ECP-1", PartyRole::CloudPlatform, &v).endorsed_by(&old.creds),
        &b,
        NOW + 60,
    );
    let both = eisp.directory.lookup_party("ECP-1", NOW + 60).unwrap();
    assert_eq!(both.len(), 2);
    for creds in [&old.creds, &new.creds] {
        eisp.directory
            .check("ECP-1", PartyRole::CloudPlatform, creds.leaf(), NOW + 60)
            .unwrap();
    }
    eisp.directory
        .retire(&old.creds.leaf().spki_fingerprint())
        .unwrap();
    let err = eisp
        .directory
        .check(
            "ECP-1",
            PartyRole::CloudPlatform,
            old.creds.leaf(),
            NOW + 60,
        )
        .unwrap_err();
    assert!(
        matches!(err, Error::Peer(PeerError::Retired { .. })),
        "{err}"
    );
    assert_eq!(
        eisp.directory
            .lookup_party("ECP-1", NOW + 60)
            .unwrap()
            .len(),
        1
    );
    // The same key again (a repeated exchange) needs no endorsement.
    exchange(
        &party(&new, "ECP-1", PartyRole::CloudPlatform, &v),
        &b,
        NOW + 90,
    );
}

#[test]
fn an_endorsement_by_a_key_not_pinned_for_the_party_is_no_endorsement() {
    let v = validator();
    let (old, new, eisp) = (side("ecp-rsa"), side("ecp-p256"), side("eisp-rsa"));
    let b = party(&eisp, "EISP-1", PartyRole::ServicePlatform, &v);
    exchange(&party(&old, "ECP-1", PartyRole::CloudPlatform, &v), &b, NOW);
    // Signed also by a valid certificate of somebody else.
    let stranger = credentials("enterprise-rsa", providers()[0]);
    let a = party(&new, "ECP-1", PartyRole::CloudPlatform, &v).endorsed_by(&stranger);
    let (sent, offer) = a.offer(NOW).unwrap();
    let (answered, answer) = b.answer(&offer, NOW).unwrap();
    let (_, confirm) = a.confirm(sent, &answer, NOW).unwrap();
    let err = b.complete(answered, &confirm, NOW).unwrap_err();
    assert!(
        matches!(err, Error::Peer(PeerError::RotationNotEndorsed { .. })),
        "{err}"
    );
}

#[test]
fn a_certified_party_cannot_claim_an_id_it_is_not_bound_to() {
    let v = validator();
    // An enterprise's valid certificate (chains to the same CA) claims to be
    // the cloud platform ECP-1 at a service platform, and the service platform
    // EISP-1 at a cloud platform that answers offers.
    let rogue = side("enterprise-rsa");
    let eisp = side("eisp-rsa");
    let ecp = side("ecp-rsa");
    for (claim, role, responder) in [
        (
            "ECP-1",
            PartyRole::CloudPlatform,
            party(&eisp, "EISP-1", PartyRole::ServicePlatform, &v),
        ),
        (
            "EISP-1",
            PartyRole::ServicePlatform,
            party(&ecp, "ECP-1", PartyRole::CloudPlatform, &v),
        ),
    ] {
        let (_, offer) = party(&rogue, claim, role, &v).offer(NOW).unwrap();
        let err = responder.answer(&offer, NOW).unwrap_err();
        assert!(
            matches!(
                &err,
                Error::Exchange(ExchangeError::ClaimNotBound { party_id, .. }) if party_id == claim
            ),
            "{err}"
        );
    }
    // The initiator checks too: a cloud platform that offers and gets an
    // answer from the rogue claiming EISP-1 pins nobody.
    let a = party(&ecp, "ECP-1", PartyRole::CloudPlatform, &v);
    let (sent, offer) = a.offer(NOW).unwrap();
    let rogue_responder = party(&rogue, "EISP-1", PartyRole::ServicePlatform, &v);
    let err = rogue_responder.answer(&offer, NOW);
    // (The rogue's own side accepts ECP-1's offer: it binds ECP-1 as usual.)
    let (_, answer) = err.unwrap();
    let err = a.confirm(sent, &answer, NOW).unwrap_err();
    assert!(
        matches!(err, Error::Exchange(ExchangeError::ClaimNotBound { .. })),
        "{err}"
    );
    assert!(ecp.directory.lookup_party("EISP-1", NOW).is_err());
    // Without any binding configured, nobody is accepted.
    let unbound = ExchangeParty::new(
        &eisp.creds,
        "EISP-1",
        PartyRole::ServicePlatform,
        &v,
        &eisp.directory,
        &eisp.replay,
        providers()[0],
    );
    let (_, offer) = party(&ecp, "ECP-1", PartyRole::CloudPlatform, &v)
        .offer(NOW)
        .unwrap();
    let err = unbound.answer(&offer, NOW).unwrap_err();
    assert!(
        matches!(err, Error::Exchange(ExchangeError::ClaimNotBound { .. })),
        "{err}"
    );
}

#[test]
fn bindings_by_subject_serial_number_and_names_and_the_role_eku() {
    let v = validator();
    let (front, eisp) = (side("enterprise-p256"), side("eisp-rsa"));
    let front_cert = front.creds.leaf().clone();
    let offer_as = |id: &str| {
        party(&front, id, PartyRole::EnterpriseFrontEnd, &v)
            .offer(NOW)
            .unwrap()
            .1
    };
    let answer_with = |bindings: &PartyBindings, offer: &[u8]| {
        let replay = MemoryReplayGuard::new();
        ExchangeParty::new(
            &eisp.creds,
            "EISP-1",
            PartyRole::ServicePlatform,
            &v,
            &eisp.directory,
            &replay,
            providers()[0],
        )
        .with_bindings(bindings)
        .answer(offer, NOW)
        .map(|_| ())
    };
    let by_serial = PartyBindings::new().bind(
        "91350200776049653A",
        PartyRole::EnterpriseFrontEnd,
        CertificateMatch::SubjectSerialNumber("91350200776049653A".into()),
    );
    answer_with(&by_serial, &offer_as("91350200776049653A")).unwrap();
    // The same binding does not let the certificate claim another id.
    let err = answer_with(&by_serial, &offer_as("91440101MA5CJQ4N59")).unwrap_err();
    assert!(
        matches!(err, Error::Exchange(ExchangeError::ClaimNotBound { .. })),
        "{err}"
    );
    let by_names = PartyBindings::new().bind(
        "FRONT-1",
        PartyRole::EnterpriseFrontEnd,
        CertificateMatch::IssuerAndSubject {
            issuer: front_cert.issuer(),
            subject: front_cert.subject(),
        },
    );
    answer_with(&by_names, &offer_as("FRONT-1")).unwrap();
    let other_issuer = PartyBindings::new().bind(
        "FRONT-1",
        PartyRole::EnterpriseFrontEnd,
        CertificateMatch::IssuerAndSubject {
            issuer: "CN=Another CA".into(),
            subject: front_cert.subject(),
        },
    );
    assert!(answer_with(&other_issuer, &offer_as("FRONT-1")).is_err());
    // A role's extendedKeyUsage policy: the fixture lists clientAuth and
    // emailProtection, not timeStamping.
    let eku_ok = by_serial.clone().require_eku(
        PartyRole::EnterpriseFrontEnd,
        EkuPolicy::new([key_purpose::EMAIL_PROTECTION]),
    );
    answer_with(&eku_ok, &offer_as("91350200776049653A")).unwrap();
    let eku_missing = by_serial.require_eku(
        PartyRole::EnterpriseFrontEnd,
        EkuPolicy::new([key_purpose::TIME_STAMPING]),
    );
    let err = answer_with(&eku_missing, &offer_as("91350200776049653A")).unwrap_err();
    assert!(
        matches!(err, Error::Path(PathError::RequiredEkuMissing { .. })),
        "{err}"
    );
}
