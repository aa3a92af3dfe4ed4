//! The stored names of the states, roles and formats the store keeps as text:
//! one name a value, the same on both engines (their schemas' `CHECK`
//! constraints and the integrity checks' SQL spell the same names).
//!
//! A name read back that is none of these is the column's
//! [`StoreError::Corrupt`], naming the table and column.

use super::columns::corrupt_column;
use crate::device::NumberFormat;
use crate::error::StoreError;
use crate::exchange::{PartyRole, PeerStatus};
use crate::platform::{CloudTicketState, RequestState, TicketState};
use crate::tax::OutboxState;

/// A command still waiting for its front end (`commands.state`).
pub(in crate::store) const COMMAND_QUEUED: &str = "QUEUED";

/// A command whose invoice was issued (`commands.state`).
pub(in crate::store) const COMMAND_ISSUED: &str = "ISSUED";

/// A command that failed (`commands.state`).
pub(in crate::store) const COMMAND_FAILED: &str = "FAILED";

/// The stored name of a request's state (`requests.state`).
pub(in crate::store) fn request_state_key(state: RequestState) -> &'static str {
    match state {
        RequestState::Issued => "ISSUED",
        RequestState::Refused => "REFUSED",
        RequestState::Accepted => "ACCEPTED",
        RequestState::Failed => "FAILED",
    }
}

/// A request's state from its stored name.
pub(in crate::store) fn request_state_from_key(key: &str) -> Result<RequestState, StoreError> {
    Ok(match key {
        "ISSUED" => RequestState::Issued,
        "REFUSED" => RequestState::Refused,
        "ACCEPTED" => RequestState::Accepted,
        "FAILED" => RequestState::Failed,
        other => return Err(corrupt_column("requests.state", other)),
    })
}

/// A ticket's state from its command's stored state (`commands.state`).
pub(in crate::store) fn ticket_state_from_key(key: &str) -> Result<TicketState, StoreError> {
    Ok(match key {
        COMMAND_QUEUED => TicketState::Pending,
        COMMAND_ISSUED => TicketState::Issued,
        COMMAND_FAILED => TicketState::Failed,
        other => return Err(corrupt_column("commands.state", other)),
    })
}

/// A cloud platform's ticket state from its stored name
/// (`cloud_tickets.state`).
pub(in crate::store) fn cloud_ticket_state_from_key(
    key: &str,
) -> Result<CloudTicketState, StoreError> {
    Ok(match key {
        "OUTSTANDING" => CloudTicketState::Outstanding,
        "ISSUED" => CloudTicketState::Issued,
        "FAILED" => CloudTicketState::Failed,
        other => return Err(corrupt_column("cloud_tickets.state", other)),
    })
}

/// An outbox entry's state from its stored name (`outbox.state`).
pub(in crate::store) fn outbox_state_from_key(key: &str) -> Result<OutboxState, StoreError> {
    Ok(match key {
        "PENDING" => OutboxState::Pending,
        "UPLOADED" => OutboxState::Uploaded,
        "PARKED" => OutboxState::Parked,
        other => return Err(corrupt_column("outbox.state", other)),
    })
}

/// The stored name of a peer's role (`peers.role`).
pub(in crate::store) fn role_key(role: PartyRole) -> &'static str {
    match role {
        PartyRole::CloudPlatform => "cloud_platform",
        PartyRole::ServicePlatform => "service_platform",
        PartyRole::EnterpriseFrontEnd => "enterprise_front_end",
    }
}

/// A peer's role from its stored name.
pub(in crate::store) fn role_from_key(key: &str) -> Result<PartyRole, StoreError> {
    Ok(match key {
        "cloud_platform" => PartyRole::CloudPlatform,
        "service_platform" => PartyRole::ServicePlatform,
        "enterprise_front_end" => PartyRole::EnterpriseFrontEnd,
        other => return Err(corrupt_column("peers.role", other)),
    })
}

/// The stored name of a peer's status (`peers.status`).
pub(in crate::store) fn status_key(status: PeerStatus) -> &'static str {
    match status {
        PeerStatus::Active => "active",
        PeerStatus::Retired => "retired",
        PeerStatus::Revoked => "revoked",
    }
}

/// A peer's status from its stored name.
pub(in crate::store) fn status_from_key(key: &str) -> Result<PeerStatus, StoreError> {
    Ok(match key {
        "active" => PeerStatus::Active,
        "retired" => PeerStatus::Retired,
        "revoked" => PeerStatus::Revoked,
        other => return Err(corrupt_column("peers.status", other)),
    })
}

/// A segment's number format as stored: its name (`number_segments.format`)
/// and its prefix (the digital prefix, or the legacy invoice code).
pub(in crate::store) fn format_key(format: &NumberFormat) -> (&'static str, &str) {
    match format {
        NumberFormat::Digital { prefix } => ("DIGITAL", prefix.as_str()),
        NumberFormat::Legacy { invoice_code } => ("LEGACY", invoice_code.as_str()),
    }
}

/// A segment's number format from its stored name and prefix.
pub(in crate::store) fn format_from_key(
    key: &str,
    prefix: String,
) -> Result<NumberFormat, StoreError> {
    Ok(match key {
        "DIGITAL" => NumberFormat::Digital { prefix },
        "LEGACY" => NumberFormat::Legacy {
            invoice_code: prefix,
        },
        other => return Err(corrupt_column("format", other)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_request_state_reads_back_from_its_name() {
        for state in [
            RequestState::Issued,
            RequestState::Refused,
            RequestState::Accepted,
            RequestState::Failed,
        ] {
            assert_eq!(
                request_state_from_key(request_state_key(state)).ok(),
                Some(state)
            );
        }
        let error = request_state_from_key("issued").unwrap_err();
        assert!(error.to_string().contains("requests.state"), "{error}");
    }

    #[test]
    fn every_peer_role_and_status_reads_back_from_its_name() {
        for role in [
            PartyRole::CloudPlatform,
            PartyRole::ServicePlatform,
            PartyRole::EnterpriseFrontEnd,
        ] {
            assert_eq!(role_from_key(role_key(role)).ok(), Some(role));
        }
        for status in [PeerStatus::Active, PeerStatus::Retired, PeerStatus::Revoked] {
            assert_eq!(status_from_key(status_key(status)).ok(), Some(status));
        }
        assert!(role_from_key("Cloud_Platform").is_err());
        assert!(status_from_key("").is_err());
    }

    #[test]
    fn command_states_name_ticket_states() {
        assert_eq!(
            ticket_state_from_key(COMMAND_QUEUED).ok(),
            Some(TicketState::Pending)
        );
        assert_eq!(
            ticket_state_from_key(COMMAND_ISSUED).ok(),
            Some(TicketState::Issued)
        );
        assert_eq!(
            ticket_state_from_key(COMMAND_FAILED).ok(),
            Some(TicketState::Failed)
        );
        assert!(ticket_state_from_key("PENDING").is_err());
    }

    #[test]
    fn formats_keep_their_prefix() {
        for format in [
            NumberFormat::Digital {
                prefix: "24".to_owned(),
            },
            NumberFormat::Legacy {
                invoice_code: "044031900111".to_owned(),
            },
        ] {
            let (key, prefix) = format_key(&format);
            assert_eq!(format_from_key(key, prefix.to_owned()).ok(), Some(format));
        }
        assert!(format_from_key("OTHER", String::new()).is_err());
    }
}
