//! Per-set bookkeeping for the Wycheproof conformance tests: what ran, under which
//! expectation, what was skipped and why, and every unexpected result.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use fapiao::CryptoProvider;

/// What a vector was checked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Bucket {
    /// A "valid" vector: the operation must succeed with the expected output.
    Valid,
    /// An "invalid" vector: the operation must fail with the expected error.
    Invalid,
    /// An "acceptable" vector: checked against the decision recorded for its flags.
    Acceptable,
    /// A vector whose key our providers refuse by policy (RSA outside 2048..=4096
    /// bits): the refusal, `UnsupportedKeySize`, is asserted.
    RefusedKeySize,
    /// An RSA-OAEP vector encrypted under a non-empty label: our API has no label
    /// parameter (CMS uses the empty label), so decryption with the empty label is
    /// asserted to fail with `DecryptFailed`.
    RefusedLabel,
}

impl Bucket {
    fn name(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::Invalid => "invalid",
            Self::Acceptable => "acceptable",
            Self::RefusedKeySize => "refused(key size)",
            Self::RefusedLabel => "refused(label)",
        }
    }
}

/// The tally of one Wycheproof set run through one provider.
pub struct Tally {
    provider: &'static str,
    set: String,
    expected_total: usize,
    ran: BTreeMap<Bucket, usize>,
    skipped: BTreeMap<&'static str, usize>,
    failures: Vec<String>,
    policy_only: bool,
}

impl Tally {
    /// Starts the tally of `set` (which holds `expected_total` vectors) for `provider`.
    pub fn new(
        provider: &CryptoProvider,
        set: impl std::fmt::Debug,
        expected_total: usize,
    ) -> Self {
        Self {
            provider: provider.name,
            set: format!("{set:?}"),
            expected_total,
            ran: BTreeMap::new(),
            skipped: BTreeMap::new(),
            failures: Vec::new(),
            policy_only: false,
        }
    }

    /// Marks a set whose every key our providers refuse by policy (e.g. RSA-8192):
    /// it must still run (the refusal is asserted) but has no "valid" vector to pass.
    pub fn policy_only(mut self) -> Self {
        self.policy_only = true;
        self
    }

    /// Records one vector that ran, and its outcome (`Err` describes an unexpected
    /// result).
    pub fn record(&mut self, bucket: Bucket, tc_id: usize, outcome: Result<(), String>) {
        *self.ran.entry(bucket).or_default() += 1;
        if let Err(what) = outcome {
            self.failures.push(format!(
                "[{}] {} tcId {tc_id} ({}): {what}",
                self.provider,
                self.set,
                bucket.name()
            ));
        }
    }

    /// Records `count` vectors that did not run, with the reason.
    pub fn skip(&mut self, reason: &'static str, count: usize) {
        *self.skipped.entry(reason).or_default() += count;
    }

    fn count(&self, bucket: Bucket) -> usize {
        self.ran.get(&bucket).copied().unwrap_or(0)
    }

    /// Prints the per-set line, checks that something ran and that every vector of
    /// the set was either run or skipped with a reason, and appends the unexpected
    /// results to `failures`.
    pub fn finish(mut self, failures: &mut Vec<String>) {
        let ran: usize = self.ran.values().sum();
        let skipped: usize = self.skipped.values().sum();
        let mut line = format!(
            "[{:>8}] {:<45} valid {:>4}  invalid {:>4}  acceptable {:>3}",
            self.provider,
            self.set,
            self.count(Bucket::Valid),
            self.count(Bucket::Invalid),
            self.count(Bucket::Acceptable),
        );
        for bucket in [Bucket::RefusedKeySize, Bucket::RefusedLabel] {
            if self.count(bucket) > 0 {
                let _ = write!(line, "  {} {}", bucket.name(), self.count(bucket));
            }
        }
        for (reason, count) in &self.skipped {
            let _ = write!(line, "  skipped {count} ({reason})");
        }
        println!("{line}");
        if ran == 0 {
            self.failures.push(format!(
                "[{}] {}: no vector ran (a filter skipped the whole set)",
                self.provider, self.set
            ));
        }
        if !self.policy_only && self.count(Bucket::Valid) == 0 {
            self.failures.push(format!(
                "[{}] {}: no valid vector ran",
                self.provider, self.set
            ));
        }
        if ran + skipped != self.expected_total {
            self.failures.push(format!(
                "[{}] {}: {ran} ran + {skipped} skipped != {} vectors in the set",
                self.provider, self.set, self.expected_total
            ));
        }
        failures.append(&mut self.failures);
    }
}

/// Fails the test with every unexpected result, if there is any.
pub fn assert_none(failures: Vec<String>) {
    assert!(
        failures.is_empty(),
        "{} unexpected result(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
