//! The platforms' addressing switches: whether a message whose pinned sender
//! signed no addressing (an old peer's) is accepted.

use super::boundary::guard;
use super::handle;
use super::platform::{fapiao_cloud_platform, fapiao_service_platform};
use super::result::fapiao_result;

/// Requires (`require` non-zero, the default) or waives (0) the addressing a
/// cloud platform or front end signs with its messages: the service platform's
/// key as their recipient, and the role the sender is pinned in. Waived, a
/// message without one is accepted (for old peers that cannot write it); one
/// that names another recipient or role is refused either way
/// (`FAPIAO_NOT_FOR_US`).
///
/// # Safety
///
/// No other thread may use `platform` during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_service_platform_require_addressing(
    platform: *mut fapiao_service_platform,
    require: u32,
) -> fapiao_result {
    guard("fapiao_service_platform_require_addressing", || {
        // SAFETY: the caller guarantees exclusive use of `platform`.
        let platform = unsafe { handle::borrow_mut(platform, "platform") }?;
        let mut policy = platform.inner.envelope_policy().clone();
        policy.require_addressing = require != 0;
        platform.inner.set_envelope_policy(policy);
        Ok(())
    })
}

/// Requires (`require` non-zero, the default) or waives (0) the addressing
/// the service platform signs with its answers, as
/// `fapiao_service_platform_require_addressing` does for the other direction.
///
/// # Safety
///
/// No other thread may use `platform` during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_cloud_platform_require_addressing(
    platform: *mut fapiao_cloud_platform,
    require: u32,
) -> fapiao_result {
    guard("fapiao_cloud_platform_require_addressing", || {
        // SAFETY: the caller guarantees exclusive use of `platform`.
        let platform = unsafe { handle::borrow_mut(platform, "platform") }?;
        let mut policy = platform.inner.envelope_policy().clone();
        policy.require_addressing = require != 0;
        platform.inner.set_envelope_policy(policy);
        Ok(())
    })
}
