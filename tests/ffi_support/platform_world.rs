//! A cloud platform and a service platform made through the C API as a C host
//! would (stores, in memory unless the test gives its own, pinned peers, the
//! qualification registry, a hosted device), for the tests of the platform
//! functions.

use core::ffi::CStr;
use core::ptr;
use std::ffi::CString;

use fapiao::invoice::InvoiceKind;
use fapiao::qualification::{HostingMode, RegisteredDevice};
use fapiao_testkit::{CLOUD_PLATFORM, FRONT_DEVICE, HOSTED_DEVICE, SERVICE_PLATFORM};

use fapiao::ffi::fapiao_result::*;
use fapiao::ffi::*;

use super::*;

/// The enterprise of the world (its front end, its records).
pub const SELLER: &str = fapiao_testkit::HOSTED_BY_ENTERPRISE;
/// [`SELLER`] for the C calls.
pub const SELLER_C: &CStr = c"91350200776049653A";

/// `text` for the C calls.
pub fn c(text: &str) -> CString {
    CString::new(text).unwrap()
}

/// [`SELLER`]'s qualification record in `mode` (`PLATFORM_HOSTED` or
/// `ENTERPRISE_HOSTED`) as the C API takes it: the testkit's record under the
/// name of the enterprise's certificates, with its own device ENT-DEV-1
/// sealing with `enterprise-rsa`.
pub fn record(mode: &str) -> String {
    let mode: HostingMode = serde_json::from_str(&format!("\"{mode}\"")).unwrap();
    let mut record = fapiao_testkit::record(SELLER, mode);
    record.name = "Xiamen Example Trading Co.".into();
    record.allowed_invoice_kinds = [InvoiceKind::DigitalOrdinary].into_iter().collect();
    record.single_invoice_limit_fen = 100_000_000;
    record.monthly_quota_fen = 1_000_000_000_000;
    record.devices.push(RegisteredDevice {
        device_id: FRONT_DEVICE.into(),
        seal_certificate_pem: String::from_utf8(data("enterprise-rsa.pem")).unwrap(),
    });
    serde_json::to_string(&record).unwrap()
}

pub struct World {
    pub cloud: *mut fapiao_cloud_platform,
    pub service: *mut fapiao_service_platform,
    pub enterprise: *mut fapiao_credentials,
    /// The enterprise's front-end service (pinned by the service platform as
    /// SELLER's front end), with its own store and device ENT-DEV-1.
    pub front_end: *mut fapiao_front_end,
}

pub fn pin(
    store: *const fapiao_store,
    trust: *const fapiao_trust_store,
    id: &CStr,
    role: fapiao_party_role,
    leaf: &str,
) -> fapiao_result {
    let chain = chain(leaf);
    // SAFETY: live handles, a NUL-terminated id and a valid slice.
    unsafe {
        fapiao_store_pin_peer(
            store,
            trust,
            id.as_ptr(),
            role as u32,
            chain.as_ptr(),
            chain.len(),
            TEST_TIME,
        )
    }
}

/// Everything in memory; the service platform hosts a software device.
pub fn world(hosting_mode: &str) -> World {
    world_with(hosting_mode, ptr::null())
}

/// As [`world`], but the service platform hosts `hosted` when it is not NULL
/// (a device outside the library).
pub fn world_with(hosting_mode: &str, hosted: *const fapiao_callback_device) -> World {
    world_on(hosting_mode, hosted, &|_| {
        let mut store = ptr::null_mut();
        // SAFETY: NULL opens an in-memory store; `store` is writable.
        ok(unsafe { fapiao_store_open(ptr::null(), &mut store) });
        store
    })
}

/// Which party a store of [`world_on`] is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Party {
    /// The cloud platform.
    Cloud,
    /// The service platform and its hosted device.
    Service,
    /// The enterprise's front end and its device.
    FrontEnd,
}

/// As [`world_with`], on the stores `open` makes for each party (a new
/// handle, which the world frees once its roles hold the store).
pub fn world_on(
    hosting_mode: &str,
    hosted: *const fapiao_callback_device,
    open: &dyn Fn(Party) -> *mut fapiao_store,
) -> World {
    let trust = trust_store(true);
    let cloud_store = open(Party::Cloud);
    let service_store = open(Party::Service);
    let device;
    let mut service = ptr::null_mut();
    let mut cloud = ptr::null_mut();
    let mut front_device = ptr::null_mut();
    let mut front_end = ptr::null_mut();
    let front = super::credentials("enterprise-rsa");
    let eisp = super::credentials("eisp-p256");
    let ecp = super::credentials("ecp-rsa");
    let record = record(hosting_mode);
    // SAFETY: live handles, NUL-terminated strings, valid slices and writable
    // outputs; every handle but the roles is freed once, right after use (the
    // roles keep what they need).
    unsafe {
        ok(pin(
            cloud_store,
            trust,
            &c(SERVICE_PLATFORM),
            fapiao_party_role::FAPIAO_ROLE_SERVICE_PLATFORM,
            "eisp-p256",
        ));
        ok(pin(
            service_store,
            trust,
            &c(CLOUD_PLATFORM),
            fapiao_party_role::FAPIAO_ROLE_CLOUD_PLATFORM,
            "ecp-rsa",
        ));
        ok(fapiao_store_add_enterprise(
            service_store,
            record.as_ptr(),
            record.len(),
        ));
        device = hosted_device(eisp, service_store);
        if hosted.is_null() {
            ok(fapiao_service_platform_new(
                eisp,
                trust,
                service_store,
                device,
                &mut service,
            ));
        } else {
            ok(fapiao_service_platform_new_with_callback_device(
                eisp,
                trust,
                service_store,
                hosted,
                &mut service,
            ));
        }
        ok(fapiao_cloud_platform_new(
            ecp,
            trust,
            cloud_store,
            c(SERVICE_PLATFORM).as_ptr(),
            &mut cloud,
        ));
        // The enterprise's front end: its own store and device, the service
        // platform pinned there and the front end pinned at the service platform.
        let front_store = open(Party::FrontEnd);
        ok(pin(
            front_store,
            trust,
            &c(SERVICE_PLATFORM),
            fapiao_party_role::FAPIAO_ROLE_SERVICE_PLATFORM,
            "eisp-p256",
        ));
        ok(pin(
            service_store,
            trust,
            &c(SELLER),
            fapiao_party_role::FAPIAO_ROLE_ENTERPRISE_FRONT_END,
            "enterprise-rsa",
        ));
        ok(fapiao_software_device_new(
            c(FRONT_DEVICE).as_ptr(),
            front,
            [9u8; 32].as_ptr(),
            32,
            front_store,
            &mut front_device,
        ));
        // Its numbers are allocated at the service platform.
        ok(fapiao_store_add_number_segment(
            service_store,
            c(FRONT_DEVICE).as_ptr(),
            c"ent-seg-1".as_ptr(),
            c"DIGITAL_ORDINARY".as_ptr(),
            c"26351".as_ptr(),
            1,
            1000,
        ));
        ok(fapiao_software_device_add_segment(
            front_device,
            c"ent-seg-1".as_ptr(),
            c"DIGITAL_ORDINARY".as_ptr(),
            c"26351".as_ptr(),
            1,
            1000,
        ));
        ok(fapiao_front_end_new(
            front,
            trust,
            front_store,
            c(SERVICE_PLATFORM).as_ptr(),
            SELLER_C.as_ptr(),
            front_device,
            &mut front_end,
        ));
        fapiao_software_device_free(front_device);
        fapiao_store_free(front_store);
        fapiao_credentials_free(front);
        fapiao_software_device_free(device);
        fapiao_store_free(service_store);
        fapiao_store_free(cloud_store);
        fapiao_credentials_free(eisp);
        fapiao_credentials_free(ecp);
        fapiao_trust_store_free(trust);
    }
    World {
        cloud,
        service,
        enterprise: super::credentials("enterprise-p256"),
        front_end,
    }
}

impl Drop for World {
    fn drop(&mut self) {
        // SAFETY: each live handle freed once.
        unsafe {
            fapiao_cloud_platform_free(self.cloud);
            fapiao_service_platform_free(self.service);
            fapiao_front_end_free(self.front_end);
            fapiao_credentials_free(self.enterprise);
        }
    }
}

impl World {
    /// ERP signs, cloud submits; returns the sealed request.
    pub fn submit(&self, order: &[u8]) -> Vec<u8> {
        let mut signed = ptr::null_mut();
        let mut sealed = ptr::null_mut();
        // SAFETY: live handles, a valid slice, writable outputs; `signed` freed once.
        unsafe {
            ok(fapiao_signed_message_sign(
                self.enterprise,
                order.as_ptr(),
                order.len(),
                TEST_TIME,
                &mut signed,
            ));
            ok(fapiao_cloud_platform_submit(
                self.cloud,
                signed,
                TEST_TIME,
                &mut sealed,
            ));
            fapiao_signed_message_free(signed);
        }
        take_bytes(sealed)
    }

    pub fn handle(&self, envelope: &[u8]) -> (fapiao_result, Vec<u8>) {
        let mut answer = ptr::null_mut();
        // SAFETY: a live handle, a valid slice and a writable output.
        let rc = unsafe {
            fapiao_service_platform_handle(
                self.service,
                envelope.as_ptr(),
                envelope.len(),
                TEST_TIME,
                &mut answer,
            )
        };
        (
            rc,
            if rc == FAPIAO_OK {
                take_bytes(answer)
            } else {
                Vec::new()
            },
        )
    }

    pub fn open(&self, answer: &[u8]) -> *mut fapiao_issue_response {
        let mut response = ptr::null_mut();
        // SAFETY: a live handle, a valid slice and a writable output.
        ok(unsafe {
            fapiao_cloud_platform_open_response(
                self.cloud,
                answer.as_ptr(),
                answer.len(),
                TEST_TIME,
                &mut response,
            )
        });
        response
    }
}

/// One round of `front_end` with `world`'s service platform: pull, run,
/// report; returns what the device did
/// and how many results the service platform recorded.
pub fn front_end_round(
    world: &World,
    front_end: *const fapiao_front_end,
) -> (fapiao_front_end_report, usize) {
    let mut pull = ptr::null_mut();
    // SAFETY: a live front end and a writable output.
    ok(unsafe { fapiao_front_end_pull(front_end, 10, TEST_TIME, &mut pull) });
    let (rc, batch) = world.handle(&take_bytes(pull));
    ok(rc);
    let mut results = ptr::null_mut();
    let mut report = fapiao_front_end_report::default();
    // SAFETY: a live front end, a valid slice, writable outputs.
    ok(unsafe {
        fapiao_front_end_run_commands(
            front_end,
            batch.as_ptr(),
            batch.len(),
            TEST_TIME,
            &mut results,
            &mut report,
        )
    });
    let (rc, ack) = world.handle(&take_bytes(results));
    ok(rc);
    let mut recorded = usize::MAX;
    // SAFETY: a live front end, a valid slice, a writable count.
    ok(unsafe {
        fapiao_front_end_read_ack(front_end, ack.as_ptr(), ack.len(), TEST_TIME, &mut recorded)
    });
    (report, recorded)
}

/// The service platform's hosted software device EISP-DEV-1, numbering in
/// `store` from segment `seg-1` (prefix 26350, 1 to 1000).
pub fn hosted_device(
    credentials: *const fapiao_credentials,
    store: *const fapiao_store,
) -> *mut fapiao_software_device {
    let mut device = ptr::null_mut();
    // SAFETY: live handles, NUL-terminated strings, a valid secret and a
    // writable output.
    unsafe {
        ok(fapiao_software_device_new(
            c(HOSTED_DEVICE).as_ptr(),
            credentials,
            [7u8; 32].as_ptr(),
            32,
            store,
            &mut device,
        ));
        ok(fapiao_software_device_add_segment(
            device,
            c"seg-1".as_ptr(),
            c"DIGITAL_ORDINARY".as_ptr(),
            c"26350".as_ptr(),
            1,
            1000,
        ));
    }
    device
}
