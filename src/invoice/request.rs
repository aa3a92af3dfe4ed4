//! [`IssueRequest`]: the order an ERP sends to have an invoice issued, exactly as it
//! travels (strict JSON, unknown fields refused, versioned).
//!
//! An `IssueRequest` is only *read*; it is checked by
//! [`IssueRequest::validate`](crate::invoice::IssueRequest::validate), which returns the
//! [`ValidatedRequest`](crate::invoice::ValidatedRequest) that the rest of the system
//! takes. See `examples/requests/valid-blue.json` for a complete sample.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::error::InvoiceError;
use super::money::decimal_string;
use super::version::{self, ProtocolVersion};

/// An order to issue (or red-letter) one invoice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssueRequest {
    /// Protocol version, `"1.0"`.
    pub version: ProtocolVersion,
    /// Which interface of the protocol is called.
    pub interface_code: InterfaceCode,
    /// Request serial number (流水号): the idempotency key, 1 to 64 of
    /// `A-Z a-z 0-9 _ -`, unique per seller.
    pub serial_number: String,
    /// Kind of invoice to issue.
    pub invoice_kind: InvoiceKind,
    /// Blue (ordinary) or red (reversing) invoice.
    pub color: InvoiceColor,
    /// For a red invoice: what it reverses and why. Absent on a blue invoice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub red_letter: Option<RedLetterReference>,
    /// The enterprise issuing the invoice.
    pub seller: Seller,
    /// The party invoiced.
    pub buyer: Buyer,
    /// Whether line amounts and unit prices include tax (含税). When set, a line's
    /// `amount_fen` is its total with tax and its tax is `total × rate / (1 + rate)`;
    /// the header totals are always split into amount without tax, tax, and total.
    pub price_includes_tax: bool,
    /// The invoice lines, in printing order; a discount line follows the line it
    /// discounts.
    pub lines: Vec<InvoiceLine>,
    /// The header totals.
    pub totals: Totals,
    /// Drawer (开票人).
    pub drawer: String,
    /// Reviewer (复核人).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewer: Option<String>,
    /// Payee (收款人).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payee: Option<String>,
    /// Remarks (备注) printed on the invoice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remarks: Option<String>,
}

impl IssueRequest {
    /// What error messages call this message.
    pub const WHAT: &'static str = "issue request";

    /// Reads a request from JSON: unknown fields are refused, and so is a version
    /// this library does not speak (naming the ones it does).
    pub fn from_json(json: &[u8]) -> Result<Self, InvoiceError> {
        version::from_json(json, Self::WHAT)
    }

    /// Writes the request as pretty-printed JSON.
    pub fn to_json(&self) -> Result<Vec<u8>, InvoiceError> {
        version::to_json(self, Self::WHAT)
    }
}

/// Interfaces of the standard issuing protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum InterfaceCode {
    /// Issue a blue invoice (开具蓝字发票).
    Issue,
    /// Issue a red invoice reversing a blue one (开具红字发票).
    RedLetterIssue,
    /// Query an issued invoice by serial number (查询); issues nothing.
    Query,
}

impl InterfaceCode {
    /// The code as written in messages.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Issue => "ISSUE",
            Self::RedLetterIssue => "RED_LETTER_ISSUE",
            Self::Query => "QUERY",
        }
    }
}

/// Kinds of invoice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum InvoiceKind {
    /// Fully digital ordinary invoice (数电发票（普通发票）).
    DigitalOrdinary,
    /// Fully digital special VAT invoice (数电发票（增值税专用发票）).
    DigitalSpecial,
    /// Legacy paper ordinary VAT invoice (增值税普通发票).
    PaperOrdinary,
    /// Legacy paper special VAT invoice (增值税专用发票).
    PaperSpecial,
    /// Legacy electronic ordinary VAT invoice (增值税电子普通发票).
    ElectronicOrdinary,
    /// Legacy electronic special VAT invoice (增值税电子专用发票).
    ElectronicSpecial,
}

impl InvoiceKind {
    /// Every kind.
    pub const ALL: &'static [InvoiceKind] = &[
        Self::DigitalOrdinary,
        Self::DigitalSpecial,
        Self::PaperOrdinary,
        Self::PaperSpecial,
        Self::ElectronicOrdinary,
        Self::ElectronicSpecial,
    ];

    /// Whether this is a fully digital kind (20-digit invoice numbers, no invoice code).
    pub const fn is_digital(self) -> bool {
        matches!(self, Self::DigitalOrdinary | Self::DigitalSpecial)
    }

    /// Whether this is a special VAT invoice (专票), which needs the buyer's tax id.
    pub const fn is_special(self) -> bool {
        matches!(
            self,
            Self::DigitalSpecial | Self::PaperSpecial | Self::ElectronicSpecial
        )
    }

    /// The kind as written in messages.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::DigitalOrdinary => "DIGITAL_ORDINARY",
            Self::DigitalSpecial => "DIGITAL_SPECIAL",
            Self::PaperOrdinary => "PAPER_ORDINARY",
            Self::PaperSpecial => "PAPER_SPECIAL",
            Self::ElectronicOrdinary => "ELECTRONIC_ORDINARY",
            Self::ElectronicSpecial => "ELECTRONIC_SPECIAL",
        }
    }
}

/// Blue (蓝字) or red (红字) invoice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum InvoiceColor {
    /// An ordinary invoice: positive amounts.
    Blue,
    /// A reversing invoice: negative amounts, referring to the blue invoice it reverses.
    Red,
}

/// What a red invoice reverses, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedLetterReference {
    /// Number of the blue invoice reversed: 20 digits for the digital kinds, 8 for
    /// the legacy kinds.
    pub original_invoice_number: String,
    /// Invoice code (发票代码) of the blue invoice reversed, 10 or 12 digits: legacy
    /// kinds only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_invoice_code: Option<String>,
    /// Red-letter confirmation (红字确认单) or information sheet (红字信息表) number.
    pub confirmation_number: String,
    /// Reason code (冲红原因), 1 to 4: see [`RedLetterReason`](crate::invoice::RedLetterReason).
    pub reason_code: i64,
}

/// The enterprise issuing the invoice (销售方).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seller {
    /// Unified social credit code (统一社会信用代码), 18 characters.
    pub tax_id: String,
    /// Registered name.
    pub name: String,
    /// Address and telephone (地址、电话) as printed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_phone: Option<String>,
    /// Bank and account number (开户行及账号) as printed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_account: Option<String>,
}

/// The party invoiced (购买方).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Buyer {
    /// Name of the buyer (an enterprise's registered name or a person's name).
    pub name: String,
    /// Taxpayer number: required unless the buyer is a natural person on an ordinary
    /// invoice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_id: Option<String>,
    /// Whether the buyer is a natural person (个人), who may omit a tax id.
    #[serde(default)]
    pub natural_person: bool,
    /// Address and telephone as printed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_phone: Option<String>,
    /// Bank and account number as printed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_account: Option<String>,
    /// Where to deliver the invoice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<Delivery>,
}

/// Where an issued invoice is delivered (交付).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Delivery {
    /// E-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Mainland mobile number, 11 digits starting with 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile: Option<String>,
}

/// One invoice line (明细行).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvoiceLine {
    /// Ordinary line or discount line.
    #[serde(default, skip_serializing_if = "LineKind::is_normal")]
    pub line_kind: LineKind,
    /// Name of the goods or service.
    pub name: String,
    /// Tax classification code (税收分类编码), 19 digits.
    pub tax_classification_code: String,
    /// Specification or model (规格型号).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub specification: Option<String>,
    /// Unit of measure (单位).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Quantity, a decimal string with at most 13 places (negative on a red invoice).
    /// Given together with `unit_price`, or neither.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "decimal_string::option"
    )]
    pub quantity: Option<Decimal>,
    /// Unit price in yuan, a decimal string with at most 13 places, never negative;
    /// includes tax when the request's `price_includes_tax` is set.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "decimal_string::option"
    )]
    pub unit_price: Option<Decimal>,
    /// Line amount in fen: without tax, or with tax when the request's
    /// `price_includes_tax` is set.
    pub amount_fen: i64,
    /// Tax rate as a decimal string (`"0.13"` for 13%).
    #[serde(with = "decimal_string")]
    pub tax_rate: Decimal,
    /// Tax in fen.
    pub tax_amount_fen: i64,
    /// Why the rate is zero: required with a zero rate, refused with any other.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zero_rate_flag: Option<ZeroRateFlag>,
}

/// Ordinary line or discount line (折扣行).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LineKind {
    /// An ordinary line of goods or services.
    #[default]
    Normal,
    /// A discount on the line directly before it: same rate, opposite sign.
    Discount,
}

impl LineKind {
    /// Whether this is an ordinary line.
    pub fn is_normal(&self) -> bool {
        *self == Self::Normal
    }
}

/// Why a line's tax rate is zero (零税率标识).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum ZeroRateFlag {
    /// Zero rate on exports (出口零税).
    ExportZeroRate,
    /// Tax exempt (免税).
    TaxExempt,
    /// Not taxable (不征税).
    NotTaxable,
    /// Ordinary zero rate (普通零税率).
    OrdinaryZeroRate,
}

/// The header totals (合计).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Totals {
    /// Sum of the line amounts without tax (合计金额), in fen.
    pub amount_fen: i64,
    /// Sum of the line taxes (合计税额), in fen.
    pub tax_amount_fen: i64,
    /// Total with tax (价税合计) = amount + tax, in fen.
    pub total_fen: i64,
}
