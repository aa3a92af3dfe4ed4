//! The service platform's side of the asynchronous mode: an enterprise front
//! end's pull for its queued commands and its results, checked against the
//! commands they answer.

use crate::envelope::OpenedEnvelope;
use crate::error::StoreError;
use crate::error::{Error, PlatformError};
use crate::invoice::{
    FailureReason, IssueOutcome, IssueResponse, IssuedInvoice, ProtocolVersion,
    UnifiedSocialCreditCode,
};
use crate::platform::{CommandOutcome, Completion, TicketState};
use crate::qualification::{QualificationError, QuotaReservation};

use super::super::messages::{
    CommandResultOutcome, FrontEndRequest, PLATFORM_MESSAGE_VERSION, ServiceToFrontEnd, to_json,
};
use super::command_checks::{CommandRefusal, credit_code, past_deadline};
use super::{Sender, ServicePlatform, response_json};

impl ServicePlatform {
    /// The answer (JSON) to a front-end service's pull or results.
    pub(super) fn front_end_request(
        &self,
        opened: &OpenedEnvelope,
        sender: &Sender,
        now: u64,
    ) -> Result<Vec<u8>, Error> {
        // A front end's party id is its enterprise's unified social credit code.
        let enterprise = sender.record.party_id.as_str();
        let request = FrontEndRequest::from_json(&opened.payload)?;
        // Commands are queued under credit codes only: a front end pinned under
        // anything else has none to pull or complete.
        let Ok(tax_id) = UnifiedSocialCreditCode::parse(enterprise) else {
            return to_json(&match request {
                FrontEndRequest::Pull { .. } => ServiceToFrontEnd::Commands {
                    version: PLATFORM_MESSAGE_VERSION.to_owned(),
                    commands: Vec::new(),
                },
                FrontEndRequest::Results { .. } => ServiceToFrontEnd::Ack {
                    version: PLATFORM_MESSAGE_VERSION.to_owned(),
                    recorded: Vec::new(),
                },
            });
        };
        match request {
            FrontEndRequest::Pull { limit, .. } => {
                let commands = self.parts.store.pending_commands(enterprise, limit)?;
                // The enterprise's standing, read once there is something to
                // deliver.
                let standing = if commands.is_empty() {
                    None
                } else {
                    self.standing(&tax_id, now)?.1
                };
                let at = i64::try_from(now).unwrap_or(i64::MAX);
                let mut values = Vec::with_capacity(commands.len());
                for command in commands {
                    // A command its enterprise may no longer issue, or past its
                    // deadline, is not delivered: it ends failed and its quota
                    // goes back.
                    let refusal = standing.clone().or_else(|| past_deadline(&command, at));
                    if let Some(refusal) = refusal {
                        self.refuse(
                            &command.command_id,
                            &command.serial_number,
                            enterprise,
                            &refusal,
                        )?;
                        continue;
                    }
                    values.push(serde_json::from_slice(&command.command_bytes).map_err(|e| {
                        PlatformError::MalformedMessage {
                            detail: e.to_string(),
                        }
                    })?);
                }
                to_json(&ServiceToFrontEnd::Commands {
                    version: PLATFORM_MESSAGE_VERSION.to_owned(),
                    commands: values,
                })
            }
            FrontEndRequest::Results { results, .. } => {
                let (record, standing) = if results.is_empty() {
                    (None, None)
                } else {
                    self.standing(&tax_id, now)?
                };
                let mut recorded = Vec::with_capacity(results.len());
                for result in results {
                    // A front end may only complete its own enterprise's commands.
                    if !result.command_id.starts_with(&format!("{enterprise}:")) {
                        continue;
                    }
                    let serial = result
                        .command_id
                        .split_once(':')
                        .map(|(_, s)| s.to_owned())
                        .unwrap_or_default();
                    let completion = match &result.outcome {
                        CommandResultOutcome::Issued { invoice } => {
                            if invoice.seller_tax_id.as_str() != enterprise {
                                continue;
                            }
                            let Some(queued) =
                                self.parts.store.queued_command(&result.command_id)?
                            else {
                                continue;
                            };
                            let refusal = match (&standing, &record) {
                                (Some(refusal), _) => Some(refusal.clone()),
                                (None, Some(record)) => {
                                    self.refusal_of_invoice(&queued, record, invoice)?
                                }
                                (None, None) => None,
                            };
                            match refusal {
                                None => self.complete_issued(
                                    &result.command_id,
                                    &serial,
                                    enterprise,
                                    invoice,
                                )?,
                                // Never recorded nor uploaded: the command ends
                                // failed, saying why.
                                Some(refusal) => self.complete_failed(
                                    &result.command_id,
                                    &serial,
                                    enterprise,
                                    refusal.to_string(),
                                )?,
                            }
                        }
                        CommandResultOutcome::Failed { detail } => self.complete_failed(
                            &result.command_id,
                            &serial,
                            enterprise,
                            detail.clone(),
                        )?,
                    };
                    if let Ok(c) = &completion {
                        self.settle_quota(enterprise, c)?;
                    }
                    match completion {
                        Ok(c) if c.ticket.state != TicketState::Pending => {
                            recorded.push(result.command_id)
                        }
                        Ok(_) => {}
                        Err(StoreError::NotFound { .. }) => {}
                        Err(e) => return Err(e.into()),
                    }
                }
                to_json(&ServiceToFrontEnd::Ack {
                    version: PLATFORM_MESSAGE_VERSION.to_owned(),
                    recorded,
                })
            }
        }
    }

    /// Completes `command_id` with the invoice its front end reported (checked
    /// already). A number already taken is a refusal of this result, never an
    /// error of the whole message: the command ends failed, saying so.
    fn complete_issued(
        &self,
        command_id: &str,
        serial: &str,
        enterprise: &str,
        invoice: &IssuedInvoice,
    ) -> Result<Result<Completion, StoreError>, Error> {
        let json = IssueResponse {
            version: ProtocolVersion::default(),
            serial_number: serial.to_owned(),
            seller_tax_id: Some(enterprise.to_owned()),
            outcome: IssueOutcome::Issued {
                invoice: invoice.clone(),
            },
        }
        .to_json()?;
        match self.parts.store.complete_command(
            command_id,
            CommandOutcome::Issued {
                invoice,
                response_json: &json,
            },
        ) {
            Err(StoreError::Duplicate { .. }) => {
                let refusal = CommandRefusal::NumberTaken {
                    number: invoice.invoice_number.clone(),
                };
                self.complete_failed(command_id, serial, enterprise, refusal.to_string())
            }
            other => Ok(other),
        }
    }

    /// Ends `command_id` failed for `refusal` and releases the quota it held.
    pub(super) fn refuse(
        &self,
        command_id: &str,
        serial: &str,
        enterprise: &str,
        refusal: &CommandRefusal,
    ) -> Result<(), Error> {
        match self.complete_failed(command_id, serial, enterprise, refusal.to_string())? {
            Ok(completion) => self.settle_quota(enterprise, &completion),
            Err(StoreError::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Completes `command_id` as failed for good on its enterprise's device.
    pub(super) fn complete_failed(
        &self,
        command_id: &str,
        serial: &str,
        enterprise: &str,
        detail: String,
    ) -> Result<Result<Completion, StoreError>, Error> {
        let json = response_json(
            serial,
            Some(enterprise),
            FailureReason::DeviceFailed {
                retryable: false,
                detail,
            },
        )?;
        Ok(self.parts.store.complete_command(
            command_id,
            CommandOutcome::Failed {
                response_json: &json,
            },
        ))
    }

    /// Commits (issued) or releases (failed) the quota a completed command held.
    /// A reservation the registry no longer knows (an in-memory registry that
    /// restarted) is left alone.
    pub(super) fn settle_quota(
        &self,
        enterprise: &str,
        completion: &Completion,
    ) -> Result<(), Error> {
        let Some(held) = completion.quota else {
            return Ok(());
        };
        // The command's seller is this front end's enterprise (checked when it
        // was completed), a credit code.
        let tax_id = credit_code(enterprise)?;
        let reservation =
            QuotaReservation::new(held.reservation_id, tax_id, held.month, held.amount_fen);
        let registry = self.parts.registry.as_ref();
        let settled = match completion.ticket.state {
            TicketState::Issued => registry.commit_quota(reservation),
            TicketState::Failed | TicketState::Pending => registry.release_quota(reservation),
        };
        match settled {
            Ok(()) | Err(Error::Qualification(QualificationError::UnknownReservation { .. })) => {
                Ok(())
            }
            Err(e) => Err(e),
        }
    }
}
