//! Line rules: text, classification code, decimals, signs, amount = quantity × unit
//! price, tax = amount × rate, allowed rates, the zero-rate flag, and discounts.

use rust_decimal::Decimal;

use super::{Collector, text};
use crate::invoice::limits::*;
use crate::invoice::money::{MAX_DECIMAL_PLACES, YuanDisplay, format_fen_decimal, round_half_away};
use crate::invoice::policy::ValidationPolicy;
use crate::invoice::request::{InvoiceColor, InvoiceLine, IssueRequest, LineKind};
use crate::invoice::violation::ViolationCode;

/// What the totals rules need from one line.
pub(super) struct LineFigures {
    /// Amount without tax in fen; `None` when it does not fit `i64`.
    pub(super) amount_excluding_tax_fen: Option<i64>,
    /// Declared tax − exact tax, in (fractional) fen; `None` when the rate is not
    /// allowed (the difference would be measured against a wrong rate).
    pub(super) tax_difference_fen: Option<Decimal>,
}

/// Checks every line; returns one [`LineFigures`] per line.
pub(super) fn check(
    request: &IssueRequest,
    policy: &ValidationPolicy,
    out: &mut Collector,
) -> Vec<LineFigures> {
    request
        .lines
        .iter()
        .enumerate()
        .map(|(index, line)| {
            let path = format!("lines[{index}]");
            check_text(&path, line, out);
            check_sign(&path, request.color, line, out);
            if line.line_kind == LineKind::Discount {
                check_discount(&path, request, index, out);
            }
            check_amount(&path, line, policy, out);
            let rate_allowed = check_rate(&path, line, policy, out);
            check_tax(
                &path,
                line,
                request.price_includes_tax,
                rate_allowed,
                policy,
                out,
            )
        })
        .collect()
}

fn check_text(path: &str, line: &InvoiceLine, out: &mut Collector) {
    text::required(
        out,
        &format!("{path}.name"),
        &line.name,
        MAX_LINE_NAME_CHARS,
    );
    let spec = line.specification.as_deref();
    text::optional(
        out,
        &format!("{path}.specification"),
        spec,
        MAX_SPECIFICATION_CHARS,
    );
    text::optional(
        out,
        &format!("{path}.unit"),
        line.unit.as_deref(),
        MAX_UNIT_CHARS,
    );
    let code = &line.tax_classification_code;
    if code.len() != TAX_CLASSIFICATION_CODE_LEN || !code.bytes().all(|b| b.is_ascii_digit()) {
        out.push(
            format!("{path}.tax_classification_code"),
            ViolationCode::InvalidTaxClassificationCode,
            format!("{TAX_CLASSIFICATION_CODE_LEN} digits, got {code:?}"),
        );
    }
}

/// Ordinary lines are positive on a blue invoice and negative on a red one; unit
/// prices are never negative. (Discount lines have their own sign rule.)
fn check_sign(path: &str, color: InvoiceColor, line: &InvoiceLine, out: &mut Collector) {
    if line.line_kind == LineKind::Normal {
        let (ok, wanted) = match color {
            InvoiceColor::Blue => (line.amount_fen > 0, "positive on a blue invoice"),
            InvoiceColor::Red => (line.amount_fen < 0, "negative on a red invoice"),
        };
        if !ok {
            out.push(
                format!("{path}.amount_fen"),
                ViolationCode::SignMismatch,
                format!(
                    "a line amount is {wanted}, got {}",
                    YuanDisplay(line.amount_fen)
                ),
            );
        }
    }
    if let Some(price) = line.unit_price
        && price.is_sign_negative()
        && !price.is_zero()
    {
        out.push(
            format!("{path}.unit_price"),
            ViolationCode::SignMismatch,
            format!(
                "a unit price is never negative (a red line has a negative quantity), got {price}"
            ),
        );
    }
}

/// A discount line directly follows an ordinary line, has the opposite sign, is not
/// larger than it, and has its rate.
fn check_discount(path: &str, request: &IssueRequest, index: usize, out: &mut Collector) {
    let line = &request.lines[index];
    let discounted = index
        .checked_sub(1)
        .map(|i| &request.lines[i])
        .filter(|previous| previous.line_kind == LineKind::Normal);
    let Some(discounted) = discounted else {
        out.push(
            format!("{path}.line_kind"),
            ViolationCode::DiscountMisplaced,
            "a discount line must directly follow the ordinary line it discounts",
        );
        return;
    };
    let opposite = (line.amount_fen < 0 && discounted.amount_fen > 0)
        || (line.amount_fen > 0 && discounted.amount_fen < 0);
    if !opposite {
        out.push(
            format!("{path}.amount_fen"),
            ViolationCode::DiscountSign,
            format!(
                "a discount has the opposite sign of lines[{}] ({}): negative on a blue invoice, got {}",
                index - 1,
                YuanDisplay(discounted.amount_fen),
                YuanDisplay(line.amount_fen)
            ),
        );
    } else if line.amount_fen.unsigned_abs() > discounted.amount_fen.unsigned_abs() {
        out.push(
            format!("{path}.amount_fen"),
            ViolationCode::DiscountExceedsLine,
            format!(
                "a discount of at most {} (lines[{}]), got {}",
                YuanDisplay(discounted.amount_fen.saturating_neg()),
                index - 1,
                YuanDisplay(line.amount_fen)
            ),
        );
    }
    if line.tax_rate != discounted.tax_rate {
        out.push(
            format!("{path}.tax_rate"),
            ViolationCode::DiscountRateMismatch,
            format!(
                "the rate of lines[{}], {}, got {}",
                index - 1,
                discounted.tax_rate,
                line.tax_rate
            ),
        );
    }
}

/// Quantity and unit price come together, have at most 13 decimal places, and
/// multiply to the amount within the tolerance.
fn check_amount(path: &str, line: &InvoiceLine, policy: &ValidationPolicy, out: &mut Collector) {
    let mut exact = true;
    for (field, value) in [("quantity", line.quantity), ("unit_price", line.unit_price)] {
        if let Some(value) = value {
            let places = value.normalize().scale();
            if places > MAX_DECIMAL_PLACES {
                exact = false;
                out.push(
                    format!("{path}.{field}"),
                    ViolationCode::TooManyDecimalPlaces,
                    format!("at most {MAX_DECIMAL_PLACES} decimal places, got {places} in {value}"),
                );
            }
        }
    }
    let (quantity, price) = match (line.quantity, line.unit_price) {
        (Some(quantity), Some(price)) => (quantity, price),
        (None, None) => return,
        (Some(_), None) => {
            out.push(
                format!("{path}.unit_price"),
                ViolationCode::MissingField,
                "a quantity needs a unit price",
            );
            return;
        }
        (None, Some(_)) => {
            out.push(
                format!("{path}.quantity"),
                ViolationCode::MissingField,
                "a unit price needs a quantity",
            );
            return;
        }
    };
    if !exact {
        return;
    }
    let Some(product_fen) = quantity
        .checked_mul(price)
        .and_then(|yuan| yuan.checked_mul(Decimal::ONE_HUNDRED))
    else {
        out.push(
            format!("{path}.amount_fen"),
            ViolationCode::AmountOverflow,
            format!("{quantity} × {price} is too large to hold"),
        );
        return;
    };
    // A difference too large to hold is certainly beyond the tolerance.
    let difference = Decimal::from(line.amount_fen).checked_sub(product_fen);
    let tolerance = Decimal::from(policy.amount_tolerance_fen);
    if difference.is_none_or(|difference| difference.abs() > tolerance) {
        out.push(
            format!("{path}.amount_fen"),
            ViolationCode::AmountMismatch,
            format!(
                "expected {} ±{} ({quantity} × {price}), got {}",
                format_fen_decimal(product_fen),
                YuanDisplay(policy.amount_tolerance_fen),
                YuanDisplay(line.amount_fen)
            ),
        );
    }
}

/// The rate is one of the allowed ones, and a zero rate comes with its flag (and
/// only a zero rate). Returns whether the rate is allowed.
fn check_rate(
    path: &str,
    line: &InvoiceLine,
    policy: &ValidationPolicy,
    out: &mut Collector,
) -> bool {
    let allowed = policy.allowed_tax_rates.contains(&line.tax_rate);
    if !allowed {
        let rates: Vec<String> = policy
            .allowed_tax_rates
            .iter()
            .map(|rate| rate.normalize().to_string())
            .collect();
        out.push(
            format!("{path}.tax_rate"),
            ViolationCode::TaxRateNotAllowed,
            format!("one of {}, got {}", rates.join(", "), line.tax_rate),
        );
    }
    match (line.tax_rate.is_zero(), line.zero_rate_flag) {
        (true, None) => out.push(
            format!("{path}.zero_rate_flag"),
            ViolationCode::ZeroRateFlagMismatch,
            "a zero rate needs a zero-rate flag (EXPORT_ZERO_RATE, TAX_EXEMPT, NOT_TAXABLE or ORDINARY_ZERO_RATE)",
        ),
        (false, Some(flag)) => out.push(
            format!("{path}.zero_rate_flag"),
            ViolationCode::ZeroRateFlagMismatch,
            format!("a zero-rate flag only goes with a zero rate, got {flag:?} with {}", line.tax_rate),
        ),
        _ => {}
    }
    allowed
}

/// Tax = amount × rate (or amount × rate / (1 + rate) when the amount includes tax),
/// rounded half away from zero to the fen, within the tolerance.
fn check_tax(
    path: &str,
    line: &InvoiceLine,
    includes_tax: bool,
    rate_allowed: bool,
    policy: &ValidationPolicy,
    out: &mut Collector,
) -> LineFigures {
    let amount_excluding_tax_fen = if includes_tax {
        line.amount_fen.checked_sub(line.tax_amount_fen)
    } else {
        Some(line.amount_fen)
    };
    if amount_excluding_tax_fen.is_none() {
        out.push(
            format!("{path}.tax_amount_fen"),
            ViolationCode::AmountOverflow,
            "amount − tax does not fit i64 fen",
        );
    }
    let exact_tax = rate_allowed
        .then(|| exact_tax_fen(line.amount_fen, line.tax_rate, includes_tax))
        .flatten();
    let tax_difference_fen = exact_tax.map(|exact| {
        let expected = round_half_away(exact);
        let declared = Decimal::from(line.tax_amount_fen);
        let gap = declared.checked_sub(expected);
        let tolerance = Decimal::from(policy.line_tax_tolerance_fen);
        if gap.is_none_or(|gap| gap.abs() > tolerance) {
            out.push(
                format!("{path}.tax_amount_fen"),
                ViolationCode::TaxMismatch,
                format!(
                    "expected {} ±{}, got {}",
                    format_fen_decimal(expected),
                    YuanDisplay(policy.line_tax_tolerance_fen),
                    YuanDisplay(line.tax_amount_fen)
                ),
            );
        }
        // Saturating: a difference that large is beyond any bound anyway.
        declared.saturating_sub(exact)
    });
    LineFigures {
        amount_excluding_tax_fen,
        tax_difference_fen,
    }
}

/// The exact (unrounded) tax of an amount in fen.
pub(crate) fn exact_tax_fen(amount_fen: i64, rate: Decimal, includes_tax: bool) -> Option<Decimal> {
    let amount = Decimal::from(amount_fen);
    if includes_tax {
        amount
            .checked_mul(rate)?
            .checked_div(Decimal::ONE.checked_add(rate)?)
    } else {
        amount.checked_mul(rate)
    }
}
