//! The service platform's side of the asynchronous mode: an enterprise front
//! end's pull for its queued commands and its results, checked against the
//! commands they answer.

use crate::device::{ControlCommand, Unlike, issued_as_requested};
use crate::envelope::OpenedEnvelope;
use crate::error::{Error, PlatformError};
use crate::invoice::{
    FailureReason, IssueOutcome, IssueResponse, IssuedInvoice, ProtocolVersion,
    UnifiedSocialCreditCode,
};
use crate::qualification::{QualificationError, QuotaReservation};
use crate::store::{CommandOutcome, Completion, StoreError, TicketState};

use super::super::messages::{
    CommandResultOutcome, FrontEndRequest, PLATFORM_MESSAGE_VERSION, ServiceToFrontEnd, to_json,
};
use super::{Sender, ServicePlatform, response_json};

impl ServicePlatform {
    /// The answer (JSON) to a front-end service's pull or results.
    pub(super) fn front_end_request(
        &self,
        opened: &OpenedEnvelope,
        sender: &Sender,
        _now: u64,
    ) -> Result<Vec<u8>, Error> {
        // A front end's party id is its enterprise's unified social credit code.
        let enterprise = sender.record.party_id.as_str();
        match FrontEndRequest::from_json(&opened.payload)? {
            FrontEndRequest::Pull { limit, .. } => {
                let commands = self.parts.store.pending_commands(enterprise, limit)?;
                let mut values = Vec::with_capacity(commands.len());
                for command in commands {
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
                            match self.unlike_its_command(&result.command_id, invoice)? {
                                None => {
                                    let json = IssueResponse {
                                        version: ProtocolVersion::default(),
                                        serial_number: serial,
                                        seller_tax_id: Some(enterprise.to_owned()),
                                        outcome: IssueOutcome::Issued {
                                            invoice: invoice.clone(),
                                        },
                                    }
                                    .to_json()?;
                                    self.parts.store.complete_command(
                                        &result.command_id,
                                        CommandOutcome::Issued {
                                            invoice,
                                            response_json: &json,
                                        },
                                    )
                                }
                                // Not this command's invoice: never recorded nor
                                // uploaded; the command ends failed, saying why.
                                Some(unlike) => self.complete_failed(
                                    &result.command_id,
                                    &serial,
                                    enterprise,
                                    format!(
                                        "the front end reported invoice {} unlike its command: {unlike}",
                                        invoice.invoice_number
                                    ),
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

    /// How `invoice`, reported for `command_id`, differs from what the command
    /// queued for it asked (`None` when it does not, or when no such command is
    /// queued).
    fn unlike_its_command(
        &self,
        command_id: &str,
        invoice: &IssuedInvoice,
    ) -> Result<Option<Unlike>, Error> {
        let Some(queued) = self.parts.store.queued_command(command_id)? else {
            return Ok(None);
        };
        let request = ControlCommand::request_in(&queued.command_bytes)?;
        Ok(issued_as_requested(invoice, &request).err())
    }

    /// Completes `command_id` as failed for good on its enterprise's device.
    fn complete_failed(
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
    fn settle_quota(&self, enterprise: &str, completion: &Completion) -> Result<(), Error> {
        let Some(held) = completion.quota else {
            return Ok(());
        };
        // The command's seller is this front end's enterprise (checked when it
        // was completed), a credit code.
        let tax_id = UnifiedSocialCreditCode::parse(enterprise).map_err(|e| {
            PlatformError::MalformedMessage {
                detail: format!("front end {enterprise:?} is not a credit code: {e}"),
            }
        })?;
        let reservation =
            QuotaReservation::new(held.reservation_id, tax_id, held.month, held.amount_fen);
        let registry = self.parts.registry.as_ref();
        let settled = match completion.ticket.state {
            TicketState::Issued => registry.commit_quota(reservation),
            TicketState::Failed | TicketState::Pending => registry.release_quota(reservation),
        };
        match settled {
            Ok(()) | Err(QualificationError::UnknownReservation { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}
