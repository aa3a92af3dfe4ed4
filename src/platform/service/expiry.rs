//! The sweep that fails queued commands past their deadline, so that the quota
//! they hold goes back even when their front end never pulls again.

use crate::error::Error;

use super::ServicePlatform;
use super::command_checks::past_deadline;

/// How many commands one call fails at most per transaction.
const PAGE: usize = 100;

/// What a sweep of the command queue did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExpiryReport {
    /// Commands failed because their deadline passed (their quota released).
    pub expired: usize,
}

impl ServicePlatform {
    /// Fails every queued command whose deadline is before `now` (UNIX seconds)
    /// and releases the quota it held: a periodic sweep for the operator to
    /// run, so that a command its front end never pulls does not hold its
    /// enterprise's quota for ever. Each command's answer becomes a final device
    /// failure naming the deadline
    /// ([`CommandRefusal::PastDeadline`](super::CommandRefusal::PastDeadline)).
    ///
    /// Commands are failed in pages of up to 100, each page in one transaction
    /// of the platform's unit of work when it has one. Commands whose deadline the
    /// store does not know (queued before deadlines were kept, and whose bytes do
    /// not say) are left to the pull, which checks each command it would deliver.
    pub fn expire_commands(&self, now: u64) -> Result<ExpiryReport, Error> {
        let at = i64::try_from(now).unwrap_or(i64::MAX);
        let mut report = ExpiryReport::default();
        loop {
            let mut page_len = 0;
            let mut run = || -> Result<(), Error> {
                let page = self.parts.store.queued_past_deadline(now, PAGE)?;
                page_len = page.len();
                for command in &page {
                    if let Some(refusal) = past_deadline(command, at) {
                        self.refuse(
                            &command.command_id,
                            &command.serial_number,
                            &command.seller_tax_id,
                            &refusal,
                        )?;
                        report.expired += 1;
                    }
                }
                Ok(())
            };
            match &self.unit {
                Some(unit) => unit.run_atomically(&mut run)?,
                None => run()?,
            }
            if page_len < PAGE {
                return Ok(report);
            }
        }
    }
}
