//! [`Refusal`]: why the service platform will not issue for an enterprise, one typed
//! reason per rule, carried back to the ERP in the response.

use serde::{Deserialize, Serialize};

use super::{InvoiceKind, UnifiedSocialCreditCode, YearMonth, money::YuanDisplay};
use crate::time::Timestamp;

/// Why authentication or the qualification check refused a request.
///
/// Serialized with a stable `"code"` (`"MONTHLY_QUOTA_EXCEEDED"`, …) and the facts
/// of the refusal, so that an ERP can act on it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "SCREAMING_SNAKE_CASE", deny_unknown_fields)]
#[non_exhaustive]
pub enum Refusal {
    /// The seller is not in the qualification registry.
    #[error("enterprise {tax_id} is not registered")]
    UnknownEnterprise {
        /// The seller's tax id.
        tax_id: UnifiedSocialCreditCode,
    },
    /// The enterprise signer's certificate is not bound to the seller: its subject
    /// serialNumber is not the seller's tax id and its key is not registered for it.
    #[error("the enterprise signer's certificate is not bound to {tax_id}")]
    SignerNotBound {
        /// The seller's tax id.
        tax_id: UnifiedSocialCreditCode,
    },
    /// The cloud platform's signer is not a pinned peer. (An empty struct variant,
    /// so that its JSON refuses unknown fields like the others.)
    #[error("the cloud platform's signer is not a pinned peer")]
    PlatformNotPinned {},
    /// The cloud platform is a pinned peer but may not act for this enterprise.
    #[error("cloud platform {party_id} may not act for {tax_id}")]
    PlatformNotAuthorized {
        /// The cloud platform's party id.
        party_id: String,
        /// The seller's tax id.
        tax_id: UnifiedSocialCreditCode,
    },
    /// The enterprise's qualification is suspended.
    #[error("enterprise {tax_id} is suspended")]
    EnterpriseSuspended {
        /// The seller's tax id.
        tax_id: UnifiedSocialCreditCode,
    },
    /// The enterprise's qualification is revoked.
    #[error("enterprise {tax_id} is revoked")]
    EnterpriseRevoked {
        /// The seller's tax id.
        tax_id: UnifiedSocialCreditCode,
    },
    /// The qualification's validity window has not begun.
    #[error(
        "the qualification is valid from {}, now is {}",
        valid_from_unix.china_standard_time(),
        now_unix.china_standard_time()
    )]
    QualificationNotYetValid {
        /// Start of the validity window.
        valid_from_unix: Timestamp,
        /// The time of the check.
        now_unix: Timestamp,
    },
    /// The qualification's validity window has ended.
    #[error(
        "the qualification expired at {}, now is {}",
        valid_until_unix.china_standard_time(),
        now_unix.china_standard_time()
    )]
    QualificationExpired {
        /// End of the validity window (exclusive).
        valid_until_unix: Timestamp,
        /// The time of the check.
        now_unix: Timestamp,
    },
    /// The enterprise may not issue this kind of invoice.
    #[error("the enterprise may not issue {} invoices", invoice_kind.as_str())]
    InvoiceKindNotAllowed {
        /// The kind requested.
        invoice_kind: InvoiceKind,
    },
    /// The invoice's amount is above the single-invoice limit (单张开票限额).
    #[error("amount {} is above the single-invoice limit of {}", YuanDisplay(*amount_fen), YuanDisplay(*limit_fen))]
    SingleInvoiceLimitExceeded {
        /// The limit, in fen (amount without tax).
        limit_fen: i64,
        /// The invoice's amount without tax, in fen (its magnitude for a red invoice).
        amount_fen: i64,
    },
    /// The invoice would take the month's issuing past the monthly quota.
    #[error(
        "{month}: {} used and {} reserved of a {} quota leave no room for {}",
        YuanDisplay(*used_fen), YuanDisplay(*reserved_fen), YuanDisplay(*quota_fen), YuanDisplay(*requested_fen)
    )]
    MonthlyQuotaExceeded {
        /// The month (China Standard Time).
        month: YearMonth,
        /// The monthly quota, in fen.
        quota_fen: i64,
        /// Already issued this month, in fen.
        used_fen: i64,
        /// Reserved by requests being issued, in fen.
        reserved_fen: i64,
        /// What this invoice needs, in fen.
        requested_fen: i64,
    },
}

impl Refusal {
    /// Every refusal code, in declaration order.
    pub const ALL_CODES: &'static [&'static str] = &[
        "UNKNOWN_ENTERPRISE",
        "SIGNER_NOT_BOUND",
        "PLATFORM_NOT_PINNED",
        "PLATFORM_NOT_AUTHORIZED",
        "ENTERPRISE_SUSPENDED",
        "ENTERPRISE_REVOKED",
        "QUALIFICATION_NOT_YET_VALID",
        "QUALIFICATION_EXPIRED",
        "INVOICE_KIND_NOT_ALLOWED",
        "SINGLE_INVOICE_LIMIT_EXCEEDED",
        "MONTHLY_QUOTA_EXCEEDED",
    ];

    /// The stable code, as in the JSON `"code"` field.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::UnknownEnterprise { .. } => "UNKNOWN_ENTERPRISE",
            Self::SignerNotBound { .. } => "SIGNER_NOT_BOUND",
            Self::PlatformNotPinned {} => "PLATFORM_NOT_PINNED",
            Self::PlatformNotAuthorized { .. } => "PLATFORM_NOT_AUTHORIZED",
            Self::EnterpriseSuspended { .. } => "ENTERPRISE_SUSPENDED",
            Self::EnterpriseRevoked { .. } => "ENTERPRISE_REVOKED",
            Self::QualificationNotYetValid { .. } => "QUALIFICATION_NOT_YET_VALID",
            Self::QualificationExpired { .. } => "QUALIFICATION_EXPIRED",
            Self::InvoiceKindNotAllowed { .. } => "INVOICE_KIND_NOT_ALLOWED",
            Self::SingleInvoiceLimitExceeded { .. } => "SINGLE_INVOICE_LIMIT_EXCEEDED",
            Self::MonthlyQuotaExceeded { .. } => "MONTHLY_QUOTA_EXCEEDED",
        }
    }
}
