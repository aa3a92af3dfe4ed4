//! [`FrontEndService`]: an enterprise's front-end service (前置服务) in the
//! enterprise-hosted (asynchronous) mode.
//!
//! It pulls the sealed commands waiting for its enterprise, runs its own issuing
//! device on each, and returns the sealed results; the service platform records
//! them and completes the tickets. Commands are delivered at least once (a command
//! stays queued until its result is recorded) and applied exactly once (the
//! device is idempotent on the command id, the platform records a command's
//! result once).
//!
//! The service platform checks each reported invoice before recording it (see
//! [`CommandRefusal`](super::CommandRefusal)): its device must be one the
//! enterprise's record lists, its number from a segment the service platform
//! allocated to that device, its seal that device's. It checks each queued
//! command again before delivering it: a command whose enterprise may no longer
//! issue, or past its deadline, is failed instead.

use std::sync::Arc;

use crate::crypto::CryptoProvider;
use crate::device::{ControlCommand, IssuingDevice};
use crate::envelope::{self, Addressing, EnvelopePolicy, Opener, ReplayGuard};
use crate::error::{Error, PlatformError};
use crate::exchange::{PartyRole, PeerDirectory};
use crate::invoice::{UnifiedSocialCreditCode, ValidationPolicy};
use crate::pki::Credentials;

use super::messages::{
    CommandResult, CommandResultOutcome, FrontEndRequest, PLATFORM_MESSAGE_VERSION,
    ServiceToFrontEnd, to_json,
};
use super::trust::PlatformTrust;
use super::unit::{DeferredReplay, opener_guard, run_in_unit};
use crate::platform::UnitOfWork;

/// Everything a front-end service runs on.
pub struct FrontEndParts {
    /// The front end's credentials (pinned by the service platform as an
    /// enterprise front end whose party id is the enterprise's credit code).
    pub credentials: Credentials,
    /// Trust anchors and policy for the service platform's signatures.
    pub trust: PlatformTrust,
    /// Pinned peers (the service platform).
    pub peers: PeerDirectory,
    /// The service platform's party id.
    pub service_platform: String,
    /// The enterprise this front end serves (its party id at the service
    /// platform): commands for any other seller are refused.
    pub enterprise: UnifiedSocialCreditCode,
    /// The enterprise's own issuing device.
    pub device: Arc<dyn IssuingDevice>,
    /// Message ids already accepted.
    pub replay: Arc<dyn ReplayGuard>,
    /// Rules the commands' requests are validated against again.
    pub validation: ValidationPolicy,
    /// The crypto provider.
    pub provider: &'static CryptoProvider,
}

/// What one batch of commands did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunReport {
    /// Commands the device issued (again, for a re-delivered one).
    pub issued: usize,
    /// Commands that failed for good.
    pub failed: usize,
    /// Commands that failed for now and stay queued.
    pub retry_later: usize,
    /// Commands that did not even name their id: not reported, so they stay
    /// queued (the batch's other commands are not held up by them).
    pub unreadable: usize,
}

/// The front-end service role.
pub struct FrontEndService {
    parts: FrontEndParts,
    envelope_policy: EnvelopePolicy,
    unit: Option<Arc<dyn UnitOfWork>>,
}

impl FrontEndService {
    /// A front end over `parts`.
    pub fn new(parts: FrontEndParts) -> Self {
        Self {
            parts,
            envelope_policy: EnvelopePolicy::default(),
            unit: None,
        }
    }

    /// Replaces the envelope policy (limits, clock skew).
    pub fn with_envelope_policy(mut self, policy: EnvelopePolicy) -> Self {
        self.envelope_policy = policy;
        self
    }

    /// Runs each batch of commands in one transaction of `unit`: the batch
    /// envelope's message id and every number the device takes and journals
    /// commit together (one commit per batch instead of one per command), and
    /// the results are sealed only after that commit. A command the device
    /// refuses leaves nothing of itself (its changes run in a savepoint). After
    /// a crash before the commit, nothing of the batch happened: the commands
    /// are still queued at the service platform and the device takes the same
    /// numbers again.
    ///
    /// `unit` must cover the device's store and the replay guard, e.g. one
    /// [`SqliteStore`](crate::store::SqliteStore) serving as both. Do not give one
    /// to a front end whose device is slow (a hardware device behind a
    /// callback): the unit holds the store's write lock while the whole batch
    /// runs.
    pub fn with_unit_of_work(mut self, unit: Arc<dyn UnitOfWork>) -> Self {
        self.unit = Some(unit);
        self
    }

    fn seal(&self, message: &FrontEndRequest, now: u64) -> Result<Vec<u8>, Error> {
        let json = to_json(message)?;
        let service = self
            .parts
            .peers
            .lookup_party(&self.parts.service_platform, now)?;
        let to = service[0].recipient_certificate();
        self.parts.trust.check_recipient(to, now)?;
        envelope::seal_addressed(
            &json,
            &self.parts.credentials,
            PartyRole::EnterpriseFrontEnd,
            to,
            now,
            self.parts.provider,
        )
    }

    /// Opens a message of the service platform. With a unit of work, the message
    /// id is only noted in `deferred`, for the unit to record.
    fn open(
        &self,
        envelope_bytes: &[u8],
        now: u64,
        deferred: &DeferredReplay,
    ) -> Result<ServiceToFrontEnd, Error> {
        let validator = self.parts.trust.validator();
        let opened = Opener::new(
            &self.parts.credentials,
            &validator,
            opener_guard(self.unit.as_ref(), deferred, self.parts.replay.as_ref()),
            self.parts.provider,
        )
        .with_policy(self.envelope_policy.clone())
        .open(envelope_bytes, now)?;
        let [signer] = opened.signers.as_slice() else {
            return Err(PlatformError::SenderNotPinned {
                expected: "service platform",
            }
            .into());
        };
        self.parts.peers.check(
            &self.parts.service_platform,
            PartyRole::ServicePlatform,
            &signer.certificate,
            now,
        )?;
        Addressing::check(
            signer.addressing.as_ref(),
            &self.parts.credentials.encryption_leaf().spki_fingerprint(),
            PartyRole::ServicePlatform,
            self.envelope_policy.require_addressing,
        )?;
        ServiceToFrontEnd::from_json(&opened.payload)
    }

    /// A sealed pull for at most `limit` waiting commands.
    pub fn pull(&self, limit: usize, now: u64) -> Result<Vec<u8>, Error> {
        self.seal(
            &FrontEndRequest::Pull {
                version: PLATFORM_MESSAGE_VERSION.to_owned(),
                limit,
            },
            now,
        )
    }

    /// Opens the service platform's batch of commands, runs the device on each,
    /// and returns the sealed results (and what happened).
    pub fn run_commands(
        &self,
        envelope_bytes: &[u8],
        now: u64,
    ) -> Result<(Vec<u8>, RunReport), Error> {
        let deferred = DeferredReplay::default();
        let ServiceToFrontEnd::Commands { commands, .. } =
            self.open(envelope_bytes, now, &deferred)?
        else {
            return Err(PlatformError::MalformedMessage {
                detail: "expected a batch of commands".into(),
            }
            .into());
        };
        let (results, report) = run_in_unit(
            self.unit.as_ref(),
            &deferred,
            self.parts.replay.as_ref(),
            || Ok(self.run_on_device(&commands, now)),
        )?;
        let sealed = self.seal(
            &FrontEndRequest::Results {
                version: PLATFORM_MESSAGE_VERSION.to_owned(),
                results,
            },
            now,
        )?;
        Ok((sealed, report))
    }

    /// Runs the device on each command of a batch: the results to report and
    /// what happened.
    fn run_on_device(
        &self,
        commands: &[serde_json::Value],
        now: u64,
    ) -> (Vec<CommandResult>, RunReport) {
        let mut report = RunReport::default();
        let mut results = Vec::with_capacity(commands.len());
        for value in commands {
            // A command the device cannot take fails alone, for good: reported
            // under the id it names (so the platform completes its ticket), and
            // never holding up the rest of the queue.
            let command = match read_command(value, &self.parts.validation) {
                Ok(command) => command,
                Err(error) => {
                    if let Some(id) = value.get("command_id").and_then(|id| id.as_str()) {
                        report.failed += 1;
                        results.push(CommandResult {
                            command_id: id.to_owned(),
                            outcome: CommandResultOutcome::Failed {
                                detail: format!("the front end cannot take the command: {error}"),
                            },
                        });
                    } else {
                        // Nothing to report it under: it stays queued, skipped.
                        report.unreadable += 1;
                    }
                    continue;
                }
            };
            if *command.enterprise() != self.parts.enterprise {
                // Not ours, whoever queued it: never issued on our device.
                report.failed += 1;
                results.push(CommandResult {
                    command_id: command.command_id().to_owned(),
                    outcome: CommandResultOutcome::Failed {
                        detail: format!(
                            "the command is for seller {}, this front end serves {}",
                            command.enterprise(),
                            self.parts.enterprise
                        ),
                    },
                });
                continue;
            }
            let outcome = match self.parts.device.issue(&command, now) {
                Ok(invoice) => {
                    report.issued += 1;
                    CommandResultOutcome::Issued { invoice }
                }
                Err(failure) if failure.is_retryable() => {
                    report.retry_later += 1;
                    continue;
                }
                Err(failure) => {
                    report.failed += 1;
                    CommandResultOutcome::Failed {
                        detail: failure.to_string(),
                    }
                }
            };
            results.push(CommandResult {
                command_id: command.command_id().to_owned(),
                outcome,
            });
        }
        (results, report)
    }

    /// Opens the service platform's acknowledgement: the command ids recorded.
    pub fn read_ack(&self, envelope_bytes: &[u8], now: u64) -> Result<Vec<String>, Error> {
        let deferred = DeferredReplay::default();
        let message = self.open(envelope_bytes, now, &deferred)?;
        // With a unit of work, the acknowledgement's id is recorded in one.
        run_in_unit(
            self.unit.as_ref(),
            &deferred,
            self.parts.replay.as_ref(),
            || Ok(()),
        )?;
        match message {
            ServiceToFrontEnd::Ack { recorded, .. } => Ok(recorded),
            ServiceToFrontEnd::Commands { .. } => Err(PlatformError::MalformedMessage {
                detail: "expected an acknowledgement".into(),
            }
            .into()),
        }
    }
}

/// Reads one command of a batch: its JSON, then its request validated again with
/// the front end's own rules.
fn read_command(
    value: &serde_json::Value,
    policy: &ValidationPolicy,
) -> Result<ControlCommand, Error> {
    let json = serde_json::to_vec(value).map_err(|e| PlatformError::MalformedMessage {
        detail: e.to_string(),
    })?;
    ControlCommand::from_json(&json, policy)
}
