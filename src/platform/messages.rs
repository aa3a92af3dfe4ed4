//! The platform-level messages that are not issuing requests or responses: the
//! cloud platform's ticket query, and the exchange between the service platform
//! and an enterprise's front-end service. Strict, versioned JSON, always inside a
//! sealed envelope.

use serde::{Deserialize, Serialize};

use crate::error::{Error, PlatformError};
use crate::invoice::IssuedInvoice;
use crate::invoice::limits::{check_json_shape, check_json_structure};

/// The version of these messages.
pub const PLATFORM_MESSAGE_VERSION: &str = "1.0";

/// Most commands a front end may ask for in one pull.
pub const MAX_PULL: usize = 100;

fn check_version(found: &str) -> Result<(), Error> {
    if found != PLATFORM_MESSAGE_VERSION {
        return Err(PlatformError::UnsupportedMessageVersion {
            found: found.to_owned(),
            supported: PLATFORM_MESSAGE_VERSION,
        }
        .into());
    }
    Ok(())
}

fn malformed(e: serde_json::Error) -> Error {
    PlatformError::MalformedMessage {
        detail: e.to_string(),
    }
    .into()
}

/// The cloud platform asks where a ticket stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TicketQuery {
    /// [`PLATFORM_MESSAGE_VERSION`].
    pub version: String,
    /// The ticket from an "accepted" answer.
    pub ticket: String,
}

impl TicketQuery {
    /// A query for `ticket`.
    pub fn new(ticket: &str) -> Self {
        Self {
            version: PLATFORM_MESSAGE_VERSION.to_owned(),
            ticket: ticket.to_owned(),
        }
    }

    /// Reads a query, strictly. `None` when the JSON is not a ticket query at all
    /// (so the caller can read it as an issuing request instead).
    pub fn sniff(json: &[u8]) -> Option<Result<Self, Error>> {
        // Past the invoice JSON bounds it is no ticket query (and the issue
        // request reader then names the bound), so a large payload is never
        // built into a `serde_json::Value` first.
        check_json_shape(json, "ticket query").ok()?;
        // A JSON object (serde would also read a struct from an array).
        if json.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            return None;
        }
        // Only which keys the object has, skipping every value unbuilt.
        #[derive(Deserialize)]
        struct Keys {
            ticket: Option<serde::de::IgnoredAny>,
            serial_number: Option<serde::de::IgnoredAny>,
        }
        let keys: Keys = serde_json::from_slice(json).ok()?;
        if keys.ticket.is_none() || keys.serial_number.is_some() {
            return None;
        }
        Some(
            serde_json::from_slice::<Self>(json)
                .map_err(malformed)
                .and_then(|q| check_version(&q.version).map(|()| q)),
        )
    }
}

/// What a front-end service sends to the service platform.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum FrontEndRequest {
    /// "Give me the commands waiting for my enterprise" (at most `limit`).
    Pull {
        /// [`PLATFORM_MESSAGE_VERSION`].
        version: String,
        /// How many commands at most (1 to [`MAX_PULL`]).
        limit: usize,
    },
    /// The outcomes of commands the front end ran.
    Results {
        /// [`PLATFORM_MESSAGE_VERSION`].
        version: String,
        /// One result per command.
        results: Vec<CommandResult>,
    },
}

impl FrontEndRequest {
    /// Reads a front-end request, strictly.
    pub fn from_json(json: &[u8]) -> Result<Self, Error> {
        // The invoice JSON depth and array-length bounds before serde (the size
        // is the envelope's: results carry many invoices).
        check_json_structure(json, "front-end request")?;
        let request: Self = serde_json::from_slice(json).map_err(malformed)?;
        match &request {
            Self::Pull { version, limit } => {
                check_version(version)?;
                if !(1..=MAX_PULL).contains(limit) {
                    return Err(PlatformError::BadPullLimit { limit: *limit }.into());
                }
            }
            Self::Results { version, results } => {
                check_version(version)?;
                if results.len() > MAX_PULL {
                    return Err(PlatformError::BadPullLimit {
                        limit: results.len(),
                    }
                    .into());
                }
            }
        }
        Ok(request)
    }
}

/// How one command ended on the enterprise's device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandResult {
    /// The command.
    pub command_id: String,
    /// What happened.
    pub outcome: CommandResultOutcome,
}

/// The outcome of a command.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "status",
    rename_all = "SCREAMING_SNAKE_CASE",
    deny_unknown_fields
)]
pub enum CommandResultOutcome {
    /// The device issued the invoice.
    Issued {
        /// The invoice.
        invoice: IssuedInvoice,
    },
    /// The device failed for good (a retryable failure is not reported: the
    /// command stays queued and is delivered again).
    Failed {
        /// What the device reported.
        detail: String,
    },
}

/// What the service platform sends to a front-end service.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ServiceToFrontEnd {
    /// The commands waiting, oldest first (each a control command's JSON).
    Commands {
        /// [`PLATFORM_MESSAGE_VERSION`].
        version: String,
        /// The commands.
        commands: Vec<serde_json::Value>,
    },
    /// The results were recorded (command ids, in the order received).
    Ack {
        /// [`PLATFORM_MESSAGE_VERSION`].
        version: String,
        /// The commands whose results are now recorded (also those recorded
        /// before: delivery is at least once, application exactly once).
        recorded: Vec<String>,
    },
}

impl ServiceToFrontEnd {
    /// Reads a message from the service platform, strictly.
    pub fn from_json(json: &[u8]) -> Result<Self, Error> {
        check_json_structure(json, "service platform message")?;
        let message: Self = serde_json::from_slice(json).map_err(malformed)?;
        match &message {
            Self::Commands { version, .. } | Self::Ack { version, .. } => check_version(version)?,
        }
        Ok(message)
    }
}

/// Serializes a platform message.
pub(crate) fn to_json<T: Serialize>(message: &T) -> Result<Vec<u8>, Error> {
    serde_json::to_vec(message).map_err(|e| {
        PlatformError::MalformedMessage {
            detail: e.to_string(),
        }
        .into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniff_tells_ticket_queries_from_everything_else() {
        let query = to_json(&TicketQuery::new("abc")).unwrap();
        let read = TicketQuery::sniff(&query).unwrap().unwrap();
        assert_eq!(read, TicketQuery::new("abc"));
        // Not a ticket query: an issuing request, an array, other JSON, not JSON.
        for other in [
            &br#"{"ticket": "abc", "serial_number": "S-1"}"#[..],
            br#"{"serial_number": "S-1"}"#,
            br#"["1.0", "abc"]"#,
            b"  [1]",
            b"42",
            b"not json",
            b"",
        ] {
            assert!(TicketQuery::sniff(other).is_none(), "{other:?}");
        }
        // A ticket query that is wrong is an error, not "something else".
        for wrong in [
            &br#"{"ticket": "abc"}"#[..],
            br#"{"ticket": "abc", "version": "0.9"}"#,
            br#"{"ticket": 7, "version": "1.0"}"#,
            br#"{"ticket": "abc", "version": "1.0", "extra": true}"#,
        ] {
            assert!(
                matches!(TicketQuery::sniff(wrong), Some(Err(_))),
                "{:?}",
                String::from_utf8_lossy(wrong)
            );
        }
    }
}
