//! [`UploadError`]: why an upload to the tax authority failed.

/// Why an upload failed, and whether to try again.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UploadError {
    /// No answer in time. Retryable: the upload may or may not have arrived, and
    /// uploads are idempotent by invoice number.
    #[error("the tax authority did not answer in time")]
    TimedOut,
    /// The authority (or the way to it) is unavailable for now. Retryable.
    #[error("the tax authority is unavailable ({code})")]
    Unavailable {
        /// The authority's or the transport's code (e.g. an HTTP status).
        code: String,
    },
    /// The authority refused the invoice. Final: an operator must look at it.
    #[error("the tax authority refused the invoice: {code}: {message}")]
    Refused {
        /// The authority's refusal code.
        code: String,
        /// Its explanation.
        message: String,
    },
}

impl UploadError {
    /// Whether the same upload may succeed later.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::TimedOut | Self::Unavailable { .. })
    }
}
