//! [`ValidationPolicy`]: the configurable parts of order validation.

use rust_decimal::Decimal;

/// Most lines one invoice may have by default.
pub const DEFAULT_MAX_LINES: usize = 2_000;

/// The tolerances, allowed rates and modes order validation applies.
///
/// `ValidationPolicy::default()` is the standard policy; change fields on it:
///
/// ```
/// let mut policy = fapiao::invoice::ValidationPolicy::default();
/// policy.lenient_buyer_tax_ids = true;
/// assert_eq!(policy.line_tax_tolerance_fen, 6);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ValidationPolicy {
    /// Tax rates a line may have (default 13%, 9%, 6%, 5%, 3%, 1%, 0.5% and 0).
    /// Compared by value: `"0.130"` is `0.13`.
    pub allowed_tax_rates: Vec<Decimal>,
    /// How far a line amount may be from quantity × unit price, in fen (default 1).
    pub amount_tolerance_fen: i64,
    /// How far a line's tax may be from its rounded exact tax, in fen (default 6).
    pub line_tax_tolerance_fen: i64,
    /// How far the sum over lines of (tax − exact tax) may stray from zero, in fen
    /// (default 127, i.e. 1.27 yuan).
    pub cumulative_tax_tolerance_fen: i64,
    /// Most lines an invoice may have (default 2,000).
    pub max_lines: usize,
    /// Accept legacy 15-, 17- and 20-character buyer tax ids (default `false`).
    /// Sellers always need a unified social credit code.
    pub lenient_buyer_tax_ids: bool,
}

impl ValidationPolicy {
    /// The default allowed tax rates: 13%, 9%, 6%, 5%, 3%, 1%, 0.5% and 0.
    pub fn default_tax_rates() -> Vec<Decimal> {
        [13, 9, 6, 5, 3, 1]
            .into_iter()
            .map(|percent| Decimal::new(percent, 2))
            .chain([Decimal::new(5, 3), Decimal::ZERO])
            .collect()
    }

    /// The default policy, with legacy buyer tax ids accepted or not.
    pub fn with_lenient_buyer_tax_ids(lenient: bool) -> Self {
        Self {
            lenient_buyer_tax_ids: lenient,
            ..Self::default()
        }
    }
}

impl Default for ValidationPolicy {
    fn default() -> Self {
        Self {
            allowed_tax_rates: Self::default_tax_rates(),
            amount_tolerance_fen: 1,
            line_tax_tolerance_fen: 6,
            cumulative_tax_tolerance_fen: 127,
            max_lines: DEFAULT_MAX_LINES,
            lenient_buyer_tax_ids: false,
        }
    }
}
