//! Header rules: interface code, serial number, red-letter reference, seller, buyer,
//! people and remarks.

use super::{Collector, RedLetterReason, ValidatedRequest, text};
use crate::invoice::limits::*;
use crate::invoice::policy::ValidationPolicy;
use crate::invoice::request::{
    Buyer, InterfaceCode, InvoiceColor, IssueRequest, RedLetterReference,
};
use crate::invoice::tax_id::{BuyerTaxId, UnifiedSocialCreditCode};
use crate::invoice::violation::ViolationCode;

/// What the header checks parsed on the way.
pub(super) struct HeaderFacts {
    pub(super) seller_tax_id: UnifiedSocialCreditCode,
    pub(super) buyer_tax_id: Option<BuyerTaxId>,
    pub(super) red_letter_reason: Option<RedLetterReason>,
}

impl HeaderFacts {
    /// The validated request: `request`, which these facts were checked from.
    pub(super) fn validated(self, request: IssueRequest) -> ValidatedRequest {
        ValidatedRequest {
            request,
            seller_tax_id: self.seller_tax_id,
            buyer_tax_id: self.buyer_tax_id,
            red_letter_reason: self.red_letter_reason,
        }
    }
}

/// Checks the header; returns its parsed parts when the seller's tax id is valid.
pub(super) fn check(
    request: &IssueRequest,
    policy: &ValidationPolicy,
    out: &mut Collector,
) -> Option<HeaderFacts> {
    check_interface(request, out);
    check_serial_number(&request.serial_number, out);
    let red_letter_reason = check_red_letter(request, out);
    let seller_tax_id = check_seller(request, out);
    let buyer_tax_id = check_buyer(request, policy, out);
    Some(HeaderFacts {
        seller_tax_id: seller_tax_id?,
        buyer_tax_id,
        red_letter_reason,
    })
}

fn check_interface(request: &IssueRequest, out: &mut Collector) {
    let expected = match request.color {
        InvoiceColor::Blue => InterfaceCode::Issue,
        InvoiceColor::Red => InterfaceCode::RedLetterIssue,
    };
    if request.interface_code != expected {
        out.push(
            "interface_code",
            ViolationCode::InterfaceMismatch,
            format!(
                "a {} invoice is issued through interface {}, got {}",
                color_name(request.color),
                expected.as_str(),
                request.interface_code.as_str()
            ),
        );
    }
}

fn color_name(color: InvoiceColor) -> &'static str {
    match color {
        InvoiceColor::Blue => "blue",
        InvoiceColor::Red => "red",
    }
}

fn check_serial_number(serial: &str, out: &mut Collector) {
    let len = serial.chars().count();
    let bad_char = serial
        .chars()
        .enumerate()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'));
    let problem = if len == 0 {
        "empty".to_owned()
    } else if len > MAX_SERIAL_NUMBER_LEN {
        format!("{len} characters")
    } else if let Some((index, c)) = bad_char {
        format!("character {} ({c:?})", index + 1)
    } else {
        return;
    };
    out.push(
        "serial_number",
        ViolationCode::InvalidSerialNumber,
        format!("1 to {MAX_SERIAL_NUMBER_LEN} of A-Z a-z 0-9 _ -, got {problem}"),
    );
}

fn check_red_letter(request: &IssueRequest, out: &mut Collector) -> Option<RedLetterReason> {
    match (request.color, &request.red_letter) {
        (InvoiceColor::Blue, None) => None,
        (InvoiceColor::Blue, Some(_)) => {
            out.push(
                "red_letter",
                ViolationCode::UnexpectedRedReference,
                "a blue invoice reverses nothing: remove the red-letter reference",
            );
            None
        }
        (InvoiceColor::Red, None) => {
            out.push(
                "red_letter",
                ViolationCode::RedReferenceMissing,
                "a red invoice needs the original invoice's number and the confirmation number",
            );
            None
        }
        (InvoiceColor::Red, Some(reference)) => check_red_reference(request, reference, out),
    }
}

fn is_digits(text: &str, lens: &[usize]) -> bool {
    lens.contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit())
}

fn check_red_reference(
    request: &IssueRequest,
    reference: &RedLetterReference,
    out: &mut Collector,
) -> Option<RedLetterReason> {
    let number = reference.original_invoice_number.as_str();
    let code = text::present(reference.original_invoice_code.as_ref());
    if number.trim().is_empty() {
        out.push(
            "red_letter.original_invoice_number",
            ViolationCode::RedReferenceMissing,
            "the number of the invoice reversed is required",
        );
    } else if request.invoice_kind.is_digital() {
        if !is_digits(number, &[20]) {
            out.push(
                "red_letter.original_invoice_number",
                ViolationCode::InvalidInvoiceNumber,
                format!("a digital invoice number has 20 digits, got {number:?}"),
            );
        }
        if let Some(code) = code {
            out.push(
                "red_letter.original_invoice_code",
                ViolationCode::InvalidInvoiceNumber,
                format!("digital invoices have no invoice code, got {code:?}"),
            );
        }
    } else {
        if !is_digits(number, &[8]) {
            out.push(
                "red_letter.original_invoice_number",
                ViolationCode::InvalidInvoiceNumber,
                format!("a legacy invoice number has 8 digits, got {number:?}"),
            );
        }
        match code {
            None => out.push(
                "red_letter.original_invoice_code",
                ViolationCode::RedReferenceMissing,
                "reversing a legacy invoice needs its invoice code",
            ),
            Some(code) if !is_digits(code, &[10, 12]) => out.push(
                "red_letter.original_invoice_code",
                ViolationCode::InvalidInvoiceNumber,
                format!("an invoice code has 10 or 12 digits, got {code:?}"),
            ),
            Some(_) => {}
        }
    }

    let confirmation = reference.confirmation_number.as_str();
    if confirmation.trim().is_empty() {
        out.push(
            "red_letter.confirmation_number",
            ViolationCode::RedReferenceMissing,
            "the red-letter confirmation number is required",
        );
    } else if confirmation.len() > MAX_CONFIRMATION_NUMBER_LEN
        || !confirmation.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        out.push(
            "red_letter.confirmation_number",
            ViolationCode::InvalidConfirmationNumber,
            format!(
                "1 to {MAX_CONFIRMATION_NUMBER_LEN} ASCII digits and letters, got {confirmation:?}"
            ),
        );
    }

    let reason = RedLetterReason::from_code(reference.reason_code);
    if reason.is_none() {
        out.push(
            "red_letter.reason_code",
            ViolationCode::InvalidRedReason,
            format!("1 to 4, got {}", reference.reason_code),
        );
    }
    reason
}

fn check_seller(request: &IssueRequest, out: &mut Collector) -> Option<UnifiedSocialCreditCode> {
    let seller = &request.seller;
    let tax_id = if seller.tax_id.trim().is_empty() {
        out.push(
            "seller.tax_id",
            ViolationCode::MissingField,
            "the seller's unified social credit code is required",
        );
        None
    } else {
        match UnifiedSocialCreditCode::parse(&seller.tax_id) {
            Ok(code) => Some(code),
            Err(error) => {
                out.push(
                    "seller.tax_id",
                    ViolationCode::InvalidTaxId,
                    format!("{:?}: {error}", seller.tax_id),
                );
                None
            }
        }
    };
    text::required(out, "seller.name", &seller.name, MAX_PARTY_NAME_CHARS);
    let address_phone = seller.address_phone.as_deref();
    text::optional(
        out,
        "seller.address_phone",
        address_phone,
        MAX_ADDRESS_PHONE_CHARS,
    );
    let bank_account = seller.bank_account.as_deref();
    text::optional(
        out,
        "seller.bank_account",
        bank_account,
        MAX_BANK_ACCOUNT_CHARS,
    );
    tax_id
}

fn check_buyer(
    request: &IssueRequest,
    policy: &ValidationPolicy,
    out: &mut Collector,
) -> Option<BuyerTaxId> {
    let buyer = &request.buyer;
    text::required(out, "buyer.name", &buyer.name, MAX_PARTY_NAME_CHARS);
    let tax_id = match text::present(buyer.tax_id.as_ref()) {
        Some(tax_id) => match BuyerTaxId::parse(tax_id, policy.lenient_buyer_tax_ids) {
            Ok(parsed) => Some(parsed),
            Err(error) => {
                out.push(
                    "buyer.tax_id",
                    ViolationCode::InvalidTaxId,
                    format!("{tax_id:?}: {error}"),
                );
                None
            }
        },
        None => {
            if request.invoice_kind.is_special() {
                out.push(
                    "buyer.tax_id",
                    ViolationCode::MissingField,
                    format!(
                        "a {} invoice needs the buyer's tax id",
                        request.invoice_kind.as_str()
                    ),
                );
            } else if !buyer.natural_person {
                out.push(
                    "buyer.tax_id",
                    ViolationCode::MissingField,
                    "only a natural person (natural_person: true) may omit the tax id",
                );
            }
            None
        }
    };
    let address_phone = buyer.address_phone.as_deref();
    text::optional(
        out,
        "buyer.address_phone",
        address_phone,
        MAX_ADDRESS_PHONE_CHARS,
    );
    let bank_account = buyer.bank_account.as_deref();
    text::optional(
        out,
        "buyer.bank_account",
        bank_account,
        MAX_BANK_ACCOUNT_CHARS,
    );
    check_delivery(buyer, out);
    tax_id
}

fn check_delivery(buyer: &Buyer, out: &mut Collector) {
    let Some(delivery) = &buyer.delivery else {
        return;
    };
    if let Some(email) = &delivery.email
        && !is_email(email)
    {
        out.push(
            "buyer.delivery.email",
            ViolationCode::InvalidContact,
            format!("an e-mail address of at most {MAX_EMAIL_CHARS} characters, got {email:?}"),
        );
    }
    if let Some(mobile) = &delivery.mobile
        && !(is_digits(mobile, &[11]) && mobile.starts_with('1'))
    {
        out.push(
            "buyer.delivery.mobile",
            ViolationCode::InvalidContact,
            format!("a mainland mobile number of 11 digits starting with 1, got {mobile:?}"),
        );
    }
}

/// A deliberately simple e-mail check: one `@`, a non-empty local part, a dotted
/// domain, no spaces or control characters, at most 100 characters.
fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    text.chars().count() <= MAX_EMAIL_CHARS
        && !local.is_empty()
        && !domain.contains('@')
        && domain.split('.').count() >= 2
        && domain.split('.').all(|label| !label.is_empty())
        && !text.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Drawer, reviewer, payee and remarks.
pub(super) fn check_people(request: &IssueRequest, out: &mut Collector) {
    text::required(out, "drawer", &request.drawer, MAX_PERSON_NAME_CHARS);
    text::optional(
        out,
        "reviewer",
        request.reviewer.as_deref(),
        MAX_PERSON_NAME_CHARS,
    );
    text::optional(
        out,
        "payee",
        request.payee.as_deref(),
        MAX_PERSON_NAME_CHARS,
    );
    text::optional(
        out,
        "remarks",
        request.remarks.as_deref(),
        MAX_REMARKS_CHARS,
    );
}
