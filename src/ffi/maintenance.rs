//! The platforms' maintenance step: expired message ids forgotten, uploaded
//! outbox entries compacted after their retention.

use super::boundary::{Out, guard, resolve_now};
use super::handle;
use super::platform::{fapiao_cloud_platform, fapiao_service_platform};
use super::result::fapiao_result;

/// What one `fapiao_service_platform_maintain` did.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct fapiao_maintenance_report {
    /// Expired message ids forgotten by the replay guard.
    pub replay_ids_pruned: u64,
    /// Uploaded outbox entries compacted (their invoices stay).
    pub outbox_compacted: u64,
}

/// The service platform's maintenance step at `now` (UNIX seconds; 0 = now),
/// for the host to run periodically (hourly or daily, and after downtime): the
/// replay guard forgets the message ids expired at `now` (their messages are
/// refused anyway, their signing time being outside the clock-skew window), and
/// outbox entries uploaded longer ago than the retention (30 days unless
/// `fapiao_service_platform_set_outbox_retention` says otherwise) are
/// compacted: the entry and its receipt go, the invoice stays. Runs in
/// transactions of its own; messages may be handled meanwhile. On `FAPIAO_OK`,
/// `*report` receives what it did; on failure, what was done before stays
/// done. `report` NULL is `FAPIAO_NULL_ARGUMENT`, before anything is done.
///
/// # Safety
///
/// `platform` must not be freed by another thread during the call; `report`
/// must be NULL or point at a writable `fapiao_maintenance_report`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_service_platform_maintain(
    platform: *const fapiao_service_platform,
    now: u64,
    report: *mut fapiao_maintenance_report,
) -> fapiao_result {
    guard("fapiao_service_platform_maintain", || {
        // SAFETY: the caller guarantees the handle and `report`.
        let (platform, report) = unsafe {
            (
                handle::borrow(platform, "platform")?,
                Out::new(report, "report")?,
            )
        };
        let done = platform.inner.maintain(resolve_now(now)?)?;
        report.write(fapiao_maintenance_report {
            replay_ids_pruned: done.replay_ids_pruned,
            outbox_compacted: done.outbox_compacted,
        });
        Ok(())
    })
}

/// Sets how long `fapiao_service_platform_maintain` keeps an uploaded outbox
/// entry with its receipt before compacting it, in seconds (0: the default, 30
/// days).
///
/// # Safety
///
/// No other thread may use `platform` during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_service_platform_set_outbox_retention(
    platform: *mut fapiao_service_platform,
    seconds: u64,
) -> fapiao_result {
    guard("fapiao_service_platform_set_outbox_retention", || {
        // SAFETY: the caller guarantees exclusive use of `platform`.
        let platform = unsafe { handle::borrow_mut(platform, "platform") }?;
        platform.inner.set_outbox_retention(seconds);
        Ok(())
    })
}

/// The cloud platform's maintenance step at `now` (UNIX seconds; 0 = now): its
/// replay guard forgets the message ids expired at `now`, and journal entries
/// closed more than 30 days before `now` drop their stored order. Received
/// invoices and tickets are kept. On `FAPIAO_OK`, `*pruned` receives how many
/// ids were forgotten; `pruned` NULL is `FAPIAO_NULL_ARGUMENT`, before anything is done.
///
/// # Safety
///
/// `platform` must not be freed by another thread during the call; `pruned`
/// must be NULL or point at a writable `uint64_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fapiao_cloud_platform_maintain(
    platform: *const fapiao_cloud_platform,
    now: u64,
    pruned: *mut u64,
) -> fapiao_result {
    guard("fapiao_cloud_platform_maintain", || {
        // SAFETY: the caller guarantees the handle and `pruned`.
        let (platform, pruned) = unsafe {
            (
                handle::borrow(platform, "platform")?,
                Out::new(pruned, "pruned")?,
            )
        };
        pruned.write(
            platform
                .inner
                .maintain(resolve_now(now)?)?
                .replay_ids_pruned,
        );
        Ok(())
    })
}
