//! Totals rules: header amount and tax are the sums of the lines, the total with tax
//! is amount + tax, the lines' rounding differences stay within the bound, and the
//! totals have the sign of the invoice's color. All sums are checked: an overflow is
//! a violation, never a panic or a wrap.

use rust_decimal::Decimal;

use super::Collector;
use super::lines::LineFigures;
use crate::invoice::money::{YuanDisplay, format_fen_decimal};
use crate::invoice::policy::ValidationPolicy;
use crate::invoice::request::{InvoiceColor, IssueRequest};
use crate::invoice::violation::ViolationCode;

/// Checks the header totals against the lines.
pub(super) fn check(
    request: &IssueRequest,
    policy: &ValidationPolicy,
    figures: &[LineFigures],
    out: &mut Collector,
) {
    let totals = &request.totals;
    let line_count = request.lines.len();

    // Sum of amounts without tax: unknown if a line's amount already overflowed.
    let amounts: Option<Vec<i64>> = figures.iter().map(|f| f.amount_excluding_tax_fen).collect();
    if let Some(amounts) = amounts {
        match checked_sum(amounts) {
            None => out.push(
                "totals.amount_fen",
                ViolationCode::AmountOverflow,
                "the sum of the line amounts does not fit i64 fen",
            ),
            Some(sum) if sum != totals.amount_fen => out.push(
                "totals.amount_fen",
                ViolationCode::TotalAmountMismatch,
                format!(
                    "expected {} (sum of {line_count} lines), got {}",
                    YuanDisplay(sum),
                    YuanDisplay(totals.amount_fen)
                ),
            ),
            Some(_) => {}
        }
    }

    match checked_sum(request.lines.iter().map(|line| line.tax_amount_fen)) {
        None => out.push(
            "totals.tax_amount_fen",
            ViolationCode::AmountOverflow,
            "the sum of the line taxes does not fit i64 fen",
        ),
        Some(sum) if sum != totals.tax_amount_fen => out.push(
            "totals.tax_amount_fen",
            ViolationCode::TotalTaxMismatch,
            format!(
                "expected {} (sum of {line_count} lines), got {}",
                YuanDisplay(sum),
                YuanDisplay(totals.tax_amount_fen)
            ),
        ),
        Some(_) => {}
    }

    match totals.amount_fen.checked_add(totals.tax_amount_fen) {
        None => out.push(
            "totals.total_fen",
            ViolationCode::AmountOverflow,
            "amount + tax does not fit i64 fen",
        ),
        Some(sum) if sum != totals.total_fen => out.push(
            "totals.total_fen",
            ViolationCode::GrandTotalMismatch,
            format!(
                "expected {} (amount {} + tax {}), got {}",
                YuanDisplay(sum),
                YuanDisplay(totals.amount_fen),
                YuanDisplay(totals.tax_amount_fen),
                YuanDisplay(totals.total_fen)
            ),
        ),
        Some(_) => {}
    }

    let difference = figures
        .iter()
        .filter_map(|f| f.tax_difference_fen)
        .try_fold(Decimal::ZERO, Decimal::checked_add);
    let bound = Decimal::from(policy.cumulative_tax_tolerance_fen);
    if difference.is_none_or(|difference| difference.abs() > bound) {
        let by = match difference {
            Some(difference) => format_fen_decimal(difference),
            None => "more than a decimal holds".to_owned(),
        };
        out.push(
            "totals.tax_amount_fen",
            ViolationCode::TaxDifferenceExceeded,
            format!(
                "the lines' taxes differ from their exact taxes by {by} in total, beyond ±{}",
                YuanDisplay(policy.cumulative_tax_tolerance_fen)
            ),
        );
    }

    check_color(request, out);
}

fn checked_sum(values: impl IntoIterator<Item = i64>) -> Option<i64> {
    values.into_iter().try_fold(0i64, i64::checked_add)
}

/// A blue invoice's totals are not negative; a red invoice's amount and total are
/// negative and its tax is not positive (a zero rate gives zero tax).
fn check_color(request: &IssueRequest, out: &mut Collector) {
    let totals = &request.totals;
    let fields = [
        ("totals.amount_fen", totals.amount_fen),
        ("totals.tax_amount_fen", totals.tax_amount_fen),
        ("totals.total_fen", totals.total_fen),
    ];
    for (path, value) in fields {
        match request.color {
            InvoiceColor::Blue if value < 0 => out.push(
                path,
                ViolationCode::NegativeBlueTotal,
                format!(
                    "a blue invoice's totals are not negative, got {}",
                    YuanDisplay(value)
                ),
            ),
            InvoiceColor::Red if value > 0 || (value == 0 && path != "totals.tax_amount_fen") => {
                out.push(
                    path,
                    ViolationCode::RedNotNegative,
                    format!(
                        "a red invoice's totals are negative, got {}",
                        YuanDisplay(value)
                    ),
                );
            }
            _ => {}
        }
    }
}
