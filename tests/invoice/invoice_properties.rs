//! Property tests: a request built from consistent lines always validates; moving
//! any amount one fen beyond its tolerance is caught by the rule for that amount;
//! and no input makes validation panic.

use crate::invoice_support;

use fapiao::invoice::money::round_half_away;
use fapiao::invoice::{
    Decimal, InterfaceCode, InvoiceColor, InvoiceLine, IssueRequest, LineKind, ValidationPolicy,
    ViolationCode, ZeroRateFlag,
};
use invoice_support::{blue, red, retotal};
use proptest::prelude::*;

/// One generated line: quantity and price (or a bare amount), a rate, and maybe a
/// discount after it.
#[derive(Clone, Debug)]
struct LineSpec {
    quantity_price: Option<(i64, u32, i64, u32)>,
    bare_amount_fen: i64,
    rate_index: usize,
    discount_percent: Option<i64>,
}

fn line_spec() -> impl Strategy<Value = LineSpec> {
    (
        prop::option::weighted(
            0.8,
            (10i64..=10_000, 0u32..=3, 10_000i64..=100_000_000, 0u32..=4),
        ),
        1i64..=1_000_000_000,
        0usize..8,
        // At most 99%: a red invoice whose line is discounted away reverses nothing.
        prop::option::weighted(0.2, 1i64..=99),
    )
        .prop_map(
            |(quantity_price, bare_amount_fen, rate_index, discount_percent)| LineSpec {
                quantity_price,
                bare_amount_fen,
                rate_index,
                discount_percent,
            },
        )
}

fn fen(value: Decimal) -> i64 {
    i64::try_from(round_half_away(value)).expect("generated amounts fit i64")
}

fn tax_of(amount_fen: i64, rate: Decimal, includes_tax: bool) -> i64 {
    let amount = Decimal::from(amount_fen);
    fen(if includes_tax {
        amount * rate / (Decimal::ONE + rate)
    } else {
        amount * rate
    })
}

fn make_line(kind: LineKind, amount_fen: i64, rate: Decimal, includes_tax: bool) -> InvoiceLine {
    InvoiceLine {
        line_kind: kind,
        name: "*货物*测试品".into(),
        tax_classification_code: "1090511030000000000".into(),
        specification: None,
        unit: None,
        quantity: None,
        unit_price: None,
        amount_fen,
        tax_rate: rate,
        tax_amount_fen: tax_of(amount_fen, rate, includes_tax),
        zero_rate_flag: rate.is_zero().then_some(ZeroRateFlag::OrdinaryZeroRate),
    }
}

/// A request whose every figure is consistent with its lines.
fn consistent_request(specs: &[LineSpec], color: InvoiceColor, includes_tax: bool) -> IssueRequest {
    let mut request = match color {
        InvoiceColor::Blue => blue(),
        InvoiceColor::Red => red(),
    };
    request.interface_code = match color {
        InvoiceColor::Blue => InterfaceCode::Issue,
        InvoiceColor::Red => InterfaceCode::RedLetterIssue,
    };
    request.price_includes_tax = includes_tax;
    let sign = match color {
        InvoiceColor::Blue => 1,
        InvoiceColor::Red => -1,
    };
    let rates = ValidationPolicy::default().allowed_tax_rates;
    request.lines.clear();
    for spec in specs {
        let rate = rates[spec.rate_index % rates.len()];
        let mut line;
        match spec.quantity_price {
            Some((q, q_scale, p, p_scale)) => {
                let quantity = Decimal::new(q * sign, q_scale);
                let price = Decimal::new(p, p_scale);
                let amount = fen(quantity * price * Decimal::ONE_HUNDRED);
                line = make_line(LineKind::Normal, amount, rate, includes_tax);
                line.quantity = Some(quantity);
                line.unit_price = Some(price);
            }
            None => {
                line = make_line(
                    LineKind::Normal,
                    spec.bare_amount_fen * sign,
                    rate,
                    includes_tax,
                )
            }
        }
        let amount = line.amount_fen;
        request.lines.push(line);
        if let Some(percent) = spec.discount_percent {
            let discount = -(amount * percent / 100);
            if discount != 0 {
                request
                    .lines
                    .push(make_line(LineKind::Discount, discount, rate, includes_tax));
            }
        }
    }
    retotal(&mut request);
    request
}

fn color() -> impl Strategy<Value = InvoiceColor> {
    prop_oneof![Just(InvoiceColor::Blue), Just(InvoiceColor::Red)]
}

/// What to move, by how much.
#[derive(Clone, Copy, Debug)]
enum Target {
    LineAmount,
    LineTax,
    HeaderAmount,
    HeaderTax,
    HeaderTotal,
}

fn target() -> impl Strategy<Value = Target> {
    prop_oneof![
        Just(Target::LineAmount),
        Just(Target::LineTax),
        Just(Target::HeaderAmount),
        Just(Target::HeaderTax),
        Just(Target::HeaderTotal),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn consistent_requests_always_validate(
        specs in prop::collection::vec(line_spec(), 1..40),
        color in color(),
        includes_tax in any::<bool>(),
    ) {
        let request = consistent_request(&specs, color, includes_tax);
        let result = request.validate(&ValidationPolicy::default());
        prop_assert!(result.is_ok(), "{}", result.unwrap_err());
        // And the same after a trip through JSON.
        let again = IssueRequest::from_json(&request.to_json().unwrap()).unwrap();
        prop_assert_eq!(&again, &request);
        prop_assert!(again.validate(&ValidationPolicy::default()).is_ok());
        // Validating by value keeps the request itself and says the same.
        let by_value = request.clone().into_validated(&ValidationPolicy::default());
        prop_assert_eq!(by_value.as_ref().ok(), result.as_ref().ok());
        let validated = by_value.unwrap();
        prop_assert_eq!(validated.request(), &request);
    }

    #[test]
    fn one_fen_beyond_tolerance_is_caught(
        specs in prop::collection::vec(line_spec(), 1..40),
        color in color(),
        includes_tax in any::<bool>(),
        target in target(),
        pick in any::<prop::sample::Index>(),
        up in any::<bool>(),
    ) {
        let policy = ValidationPolicy::default();
        let mut request = consistent_request(&specs, color, includes_tax);
        let direction = if up { 1 } else { -1 };
        let (path, code) = match target {
            Target::LineAmount => {
                // Only lines with quantity × price constrain their amount.
                let priced: Vec<usize> = (0..request.lines.len())
                    .filter(|&i| request.lines[i].quantity.is_some())
                    .collect();
                prop_assume!(!priced.is_empty());
                let i = priced[pick.index(priced.len())];
                request.lines[i].amount_fen += direction * (policy.amount_tolerance_fen + 1);
                retotal(&mut request);
                (format!("lines[{i}].amount_fen"), ViolationCode::AmountMismatch)
            }
            Target::LineTax => {
                let i = pick.index(request.lines.len());
                request.lines[i].tax_amount_fen += direction * (policy.line_tax_tolerance_fen + 1);
                retotal(&mut request);
                (format!("lines[{i}].tax_amount_fen"), ViolationCode::TaxMismatch)
            }
            Target::HeaderAmount => {
                request.totals.amount_fen += direction;
                request.totals.total_fen += direction;
                ("totals.amount_fen".to_owned(), ViolationCode::TotalAmountMismatch)
            }
            Target::HeaderTax => {
                request.totals.tax_amount_fen += direction;
                request.totals.total_fen += direction;
                ("totals.tax_amount_fen".to_owned(), ViolationCode::TotalTaxMismatch)
            }
            Target::HeaderTotal => {
                request.totals.total_fen += direction;
                ("totals.total_fen".to_owned(), ViolationCode::GrandTotalMismatch)
            }
        };
        let violations = request.validate(&policy).expect_err("a perturbed amount");
        prop_assert_eq!(request.clone().into_validated(&policy), Err(violations.clone()));
        prop_assert!(
            violations.iter().any(|v| v.code == code && v.path == path),
            "expected {} at {}, got:\n{}", code, path, violations
        );
    }

    #[test]
    fn validation_never_panics(
        amounts in prop::collection::vec((any::<i64>(), any::<i64>()), 1..8),
        quantity in (any::<i64>(), 0u32..=28),
        price in (any::<i64>(), 0u32..=28),
        rate in (any::<i64>(), 0u32..=28),
        totals in (any::<i64>(), any::<i64>(), any::<i64>()),
        includes_tax in any::<bool>(),
        color in color(),
    ) {
        let mut request = match color {
            InvoiceColor::Blue => blue(),
            InvoiceColor::Red => red(),
        };
        request.price_includes_tax = includes_tax;
        request.lines = amounts
            .iter()
            .enumerate()
            .map(|(i, &(amount_fen, tax_amount_fen))| InvoiceLine {
                line_kind: if i % 3 == 2 { LineKind::Discount } else { LineKind::Normal },
                quantity: Some(Decimal::new(quantity.0, quantity.1)),
                unit_price: Some(Decimal::new(price.0, price.1)),
                tax_rate: Decimal::new(rate.0, rate.1),
                amount_fen,
                tax_amount_fen,
                ..make_line(LineKind::Normal, 1, Decimal::ZERO, false)
            })
            .collect();
        request.totals.amount_fen = totals.0;
        request.totals.tax_amount_fen = totals.1;
        request.totals.total_fen = totals.2;
        let mut lenient = ValidationPolicy::default();
        lenient.allowed_tax_rates.push(Decimal::new(rate.0, rate.1));
        // Whatever the verdict, it is given without a panic, and violations say
        // where and what.
        for policy in [ValidationPolicy::default(), lenient] {
            if let Err(violations) = request.validate(&policy) {
                prop_assert!(violations.iter().all(|v| !v.message.is_empty()));
            }
        }
    }
}
