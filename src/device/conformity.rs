//! Whether an issued invoice is the one its request asked for: what a service
//! platform checks of an invoice a device it does not run reports (an
//! enterprise's front end), and what a wrapper around an outside device can check
//! before passing its invoice on.

use crate::invoice::{IssueRequest, IssuedInvoice};

/// The first way an issued invoice differs from its request.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field} {issued}, the request asked for {requested}")]
pub struct Unlike {
    /// The field: `seller`, `kind`, `colour`, `amount_fen`, `tax_amount_fen` or
    /// `total_fen`.
    pub field: &'static str,
    /// What the request asked for.
    pub requested: String,
    /// What the invoice says.
    pub issued: String,
}

/// Checks that `invoice` has the seller, kind, colour and totals `request` asked
/// for (its number, time, check code and seal are the device's to give).
pub fn issued_as_requested(invoice: &IssuedInvoice, request: &IssueRequest) -> Result<(), Unlike> {
    let totals = &request.totals;
    let pairs = [
        (
            "seller",
            request.seller.tax_id.clone(),
            invoice.seller_tax_id.to_string(),
        ),
        (
            "kind",
            request.invoice_kind.as_str().to_owned(),
            invoice.invoice_kind.as_str().to_owned(),
        ),
        (
            "colour",
            format!("{:?}", request.color),
            format!("{:?}", invoice.color),
        ),
        (
            "amount_fen",
            totals.amount_fen.to_string(),
            invoice.amount_fen.to_string(),
        ),
        (
            "tax_amount_fen",
            totals.tax_amount_fen.to_string(),
            invoice.tax_amount_fen.to_string(),
        ),
        (
            "total_fen",
            totals.total_fen.to_string(),
            invoice.total_fen.to_string(),
        ),
    ];
    match pairs.into_iter().find(|(_, asked, issued)| asked != issued) {
        None => Ok(()),
        Some((field, requested, issued)) => Err(Unlike {
            field,
            requested,
            issued,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::invoice::{
        CheckCode, InvoiceColor, InvoiceKind, InvoiceNumber, UnifiedSocialCreditCode,
    };
    use crate::time::Timestamp;

    fn request() -> IssueRequest {
        IssueRequest::from_json(include_bytes!("../../examples/requests/valid-blue.json")).unwrap()
    }

    fn invoice() -> IssuedInvoice {
        IssuedInvoice {
            invoice_number: InvoiceNumber::digital("26352000000012345678").unwrap(),
            invoice_kind: InvoiceKind::DigitalOrdinary,
            color: InvoiceColor::Blue,
            issued_at_unix: Timestamp::from_unix_seconds(1_796_000_000),
            check_code: CheckCode::parse("12345678901234567890").unwrap(),
            seller_tax_id: UnifiedSocialCreditCode::parse("91350200776049653A").unwrap(),
            amount_fen: 2_444_500,
            tax_amount_fen: 245_465,
            total_fen: 2_689_965,
            device_id: "SW-DEVICE-01".into(),
            device_signature: vec![1],
        }
    }

    #[test]
    fn the_invoice_of_the_request_passes_and_each_difference_is_named() {
        let request = request();
        assert_eq!(issued_as_requested(&invoice(), &request), Ok(()));
        type Change = fn(&mut IssuedInvoice);
        let cases: [(&str, Change); 4] = [
            ("seller", |i| {
                i.seller_tax_id = UnifiedSocialCreditCode::parse("91440101MA5CJQ4N59").unwrap()
            }),
            ("kind", |i| i.invoice_kind = InvoiceKind::DigitalSpecial),
            ("colour", |i| i.color = InvoiceColor::Red),
            ("total_fen", |i| i.total_fen += 1),
        ];
        for (field, change) in cases {
            let mut other = invoice();
            change(&mut other);
            let unlike = issued_as_requested(&other, &request).unwrap_err();
            assert_eq!(unlike.field, field, "{unlike}");
        }
    }
}
