//! Old peers that can only write legacy EnvelopedData (AES-CBC, here `openssl
//! cms -encrypt -aes-256-cbc` over what they signed). An old cloud platform's
//! order: the service platform refuses it by default, issues the invoice once
//! its envelope policy admits legacy CBC (answering, as always, in AES-GCM), and
//! refuses a tampered one with the one uniform error, leaving nothing behind. An
//! old service platform's answer: the cloud platform stores it only once
//! admitted. Old peers sign no addressing, so the platforms that admit them
//! waive it too. The same through the C API's switches.

use crate::common;
use crate::platform_support;

use common::openssl::{cms_encrypt, our_recipient_options, scratch};
use fapiao::envelope::EnvelopePolicy;
use fapiao::invoice::IssueOutcome;
use fapiao::{EnvelopeError, Error};
use platform_support::*;

/// The order `serial`, signed by the enterprise's ERP and countersigned by the
/// cloud platform, encrypted by OpenSSL with AES-256-CBC to the service
/// platform's certificate (`eisp-p256`, the world's).
fn legacy_request(world: &World, serial: &str) -> Vec<u8> {
    let json = World::request(HOSTED_BY_PLATFORM, serial);
    let mut signed = world.erp_sign(HOSTED_BY_PLATFORM, &json, NOW);
    signed
        .add_signer(world.cloud.credentials(), NOW, provider())
        .unwrap();
    let dir = "platform_legacy";
    let input = scratch(dir, &format!("{serial}-signed.der"));
    let out = scratch(dir, &format!("{serial}-env.der"));
    std::fs::write(&input, signed.as_der()).unwrap();
    let receiver = "eisp-p256";
    cms_encrypt(
        "aes-256-cbc",
        &input,
        receiver,
        our_recipient_options(receiver),
        &out,
    );
    let sealed = std::fs::read(&out).unwrap();
    let _ = std::fs::remove_file(input);
    let _ = std::fs::remove_file(out);
    sealed
}

#[test]
fn an_old_cloud_platforms_cbc_envelope_is_issued_only_when_admitted() {
    let mut world = World::new();
    let request = legacy_request(&world, "LEGACY-1");

    let refused = world.service.handle(&request, NOW).unwrap_err();
    assert!(
        matches!(
            refused,
            Error::Envelope(EnvelopeError::LegacyEnvelopeRefused)
        ),
        "{refused}"
    );

    // CBC alone is not enough: the old peer signed no addressing either.
    world.service.set_envelope_policy(EnvelopePolicy {
        allow_legacy_cbc: true,
        ..EnvelopePolicy::default()
    });
    let err = world.service.handle(&request, NOW).unwrap_err();
    assert!(
        matches!(err, Error::Envelope(EnvelopeError::NotAddressed)),
        "{err}"
    );
    world.service.set_envelope_policy(EnvelopePolicy {
        allow_legacy_cbc: true,
        require_addressing: false,
        ..EnvelopePolicy::default()
    });
    // Tampered through the ciphertext (inside the last signature's value): the
    // one uniform refusal, and nothing recorded (the same serial number issues
    // below as a first request).
    let mut tampered = request.clone();
    let index = tampered.len() - 40;
    tampered[index] ^= 1;
    let err = world.service.handle(&tampered, NOW).unwrap_err();
    assert!(
        matches!(err, Error::Envelope(EnvelopeError::LegacyDecryptFailed)),
        "{err}"
    );

    let answer = world.service.handle(&request, NOW).unwrap();
    assert_eq!(
        fapiao::envelope::inspect(&answer)
            .unwrap()
            .content_encryption
            .unwrap()
            .to_string(),
        "2.16.840.1.101.3.4.1.46",
        "answered in AES-256-GCM"
    );
    let response = world.cloud.open_response(&answer, NOW).unwrap();
    let IssueOutcome::Issued { invoice } = &response.outcome else {
        panic!("not issued: {:?}", response.outcome);
    };
    assert_eq!(response.serial_number, "LEGACY-1");
    assert_eq!(invoice.seller_tax_id.as_str(), HOSTED_BY_PLATFORM);

    // The same legacy envelope again is a replay, as for any envelope.
    let again = world.service.handle(&request, NOW).unwrap_err();
    assert!(
        matches!(again, Error::Envelope(EnvelopeError::Replay { .. })),
        "{again}"
    );
}

#[test]
fn an_old_service_platforms_cbc_answer_is_stored_only_when_admitted() {
    use fapiao::envelope::{MemoryReplayGuard, Opener};
    let mut world = World::new();
    let json = World::request(HOSTED_BY_PLATFORM, "LEGACY-ANSWER");
    let order = fapiao::platform::Order::Signed(world.erp_sign(HOSTED_BY_PLATFORM, &json, NOW));
    let request = world.cloud.submit(order, NOW).unwrap();
    let answer = world.service.handle(&request, NOW).unwrap();
    // The same answer as an old service platform would send it: its signed
    // content, encrypted by OpenSSL with AES-CBC to the cloud platform
    // (`ecp-rsa`, the world's).
    let trust = trust();
    let validator = trust.validator();
    let replay = MemoryReplayGuard::new();
    let signed = Opener::new(world.cloud.credentials(), &validator, &replay, provider())
        .decrypt(&answer)
        .unwrap();
    let input = scratch("platform_legacy", "answer-signed.der");
    let out = scratch("platform_legacy", "answer-env.der");
    std::fs::write(&input, signed.as_der()).unwrap();
    cms_encrypt(
        "aes-256-cbc",
        &input,
        "ecp-rsa",
        our_recipient_options("ecp-rsa"),
        &out,
    );
    let legacy = std::fs::read(&out).unwrap();

    let refused = world.cloud.open_response(&legacy, NOW).unwrap_err();
    assert!(
        matches!(
            refused,
            Error::Envelope(EnvelopeError::LegacyEnvelopeRefused)
        ),
        "{refused}"
    );
    let mut policy = world.cloud.envelope_policy().clone();
    policy.allow_legacy_cbc = true;
    world.cloud.set_envelope_policy(policy);
    let response = world.cloud.open_response(&legacy, NOW).unwrap();
    assert!(
        matches!(response.outcome, IssueOutcome::Issued { .. }),
        "{:?}",
        response.outcome
    );
    assert_eq!(response.serial_number, "LEGACY-ANSWER");
}

use crate::ffi_support;

#[test]
fn the_c_platforms_admit_legacy_cbc_when_told() {
    use core::ptr;
    use fapiao::ffi::fapiao_result::*;
    use fapiao::ffi::*;
    use ffi_support::{TEST_TIME, ok};

    let world = ffi_support::platform_world::world("PLATFORM_HOSTED");
    // The order as an old cloud platform sends it: signed by the enterprise,
    // countersigned by the cloud platform, encrypted by OpenSSL with AES-CBC.
    let cloud = ffi_support::credentials("ecp-rsa");
    let order = ffi_support::request("valid-blue.json");
    let mut message = ptr::null_mut();
    let (mut data, mut len) = (ptr::null(), 0usize);
    // SAFETY: live handles, a valid slice and writable outputs; the DER is copied
    // before the message is freed, once.
    let signed = unsafe {
        ok(fapiao_signed_message_sign(
            world.enterprise,
            order.as_ptr(),
            order.len(),
            TEST_TIME,
            &mut message,
        ));
        ok(fapiao_signed_message_add_signer(message, cloud, TEST_TIME));
        ok(fapiao_signed_message_der(message, &mut data, &mut len));
        let der = core::slice::from_raw_parts(data, len).to_vec();
        fapiao_signed_message_free(message);
        fapiao_credentials_free(cloud);
        der
    };
    let input = scratch("platform_legacy", "c-signed.der");
    let out = scratch("platform_legacy", "c-env.der");
    std::fs::write(&input, &signed).unwrap();
    cms_encrypt(
        "aes-256-cbc",
        &input,
        "eisp-p256",
        our_recipient_options("eisp-p256"),
        &out,
    );
    let legacy = std::fs::read(&out).unwrap();

    assert_eq!(world.handle(&legacy).0, FAPIAO_UNSUPPORTED_ALGORITHM);
    // SAFETY: the platform is used by this thread only.
    ok(unsafe { fapiao_service_platform_allow_legacy_cbc(world.service, 1) });
    let mut tampered = legacy.clone();
    let index = tampered.len() - 40;
    tampered[index] ^= 1;
    assert_eq!(world.handle(&tampered).0, FAPIAO_DECRYPT_FAILED);
    // The old cloud platform signed no addressing: waived for it as well.
    // SAFETY: the platform is used by this thread only.
    ok(unsafe { fapiao_service_platform_require_addressing(world.service, 0) });
    let (rc, answer) = world.handle(&legacy);
    ok(rc);
    let response = world.open(&answer);
    let mut outcome = 0u32;
    // SAFETY: a live response, a writable u32; freed once.
    unsafe {
        ok(fapiao_issue_response_outcome(response, &mut outcome));
        fapiao_issue_response_free(response);
    }
    assert_eq!(outcome, fapiao_issue_outcome::FAPIAO_OUTCOME_ISSUED as u32);

    // The cloud platform's switch, and both refusing a NULL platform.
    // SAFETY: the platform is used by this thread only; NULL is refused.
    unsafe {
        ok(fapiao_cloud_platform_allow_legacy_cbc(world.cloud, 1));
        assert_eq!(
            fapiao_cloud_platform_allow_legacy_cbc(ptr::null_mut(), 1),
            FAPIAO_NULL_ARGUMENT
        );
        assert_eq!(
            fapiao_service_platform_allow_legacy_cbc(ptr::null_mut(), 0),
            FAPIAO_NULL_ARGUMENT
        );
        ok(fapiao_cloud_platform_require_addressing(world.cloud, 0));
        assert_eq!(
            fapiao_cloud_platform_require_addressing(ptr::null_mut(), 1),
            FAPIAO_NULL_ARGUMENT
        );
        assert_eq!(
            fapiao_service_platform_require_addressing(ptr::null_mut(), 1),
            FAPIAO_NULL_ARGUMENT
        );
    }
}
