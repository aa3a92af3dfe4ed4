//! Reading a bundle of certificates or CRLs: PEM blocks of one label (text
//! between them ignored), or DER elements one after another. Each caller parses
//! the items and names its own errors; the position of the failing item is
//! always given.

use super::pem;

/// Why an item of a bundle could not be split out of it.
pub(crate) enum SplitError {
    /// The item's PEM armour is broken.
    Pem(der::pem::Error),
    /// The PEM block has another label (the one found).
    UnexpectedLabel(String),
    /// The DER element's header is malformed or runs past the input.
    Der(der::Error),
}

/// Splits `input` into items (PEM blocks labelled `label`, or concatenated DER
/// elements) and parses each with `parse(der, index)`. A split failure becomes
/// `split_error(index, why)`. Returns at least one item or `empty`.
pub(crate) fn parse_bundle<T, E>(
    input: &[u8],
    label: &str,
    mut parse: impl FnMut(&[u8], usize) -> Result<T, E>,
    split_error: impl Fn(usize, SplitError) -> E,
    empty: impl FnOnce() -> E,
) -> Result<Vec<T>, E> {
    let mut out = Vec::new();
    if pem::looks_like_pem(input) {
        for (index, block) in pem::blocks(input).into_iter().enumerate() {
            let block = block.map_err(|e| split_error(index, SplitError::Pem(e)))?;
            if block.label != label {
                return Err(split_error(index, SplitError::UnexpectedLabel(block.label)));
            }
            out.push(parse(&block.der, index)?);
        }
    } else {
        let mut rest = input;
        let mut index = 0;
        while !rest.is_empty() {
            let len = element_len(rest).map_err(|e| split_error(index, SplitError::Der(e)))?;
            out.push(parse(&rest[..len], index)?);
            rest = &rest[len..];
            index += 1;
        }
    }
    if out.is_empty() {
        return Err(empty());
    }
    Ok(out)
}

/// The length of the DER element at the start of `input`, header included.
fn element_len(input: &[u8]) -> der::Result<usize> {
    use der::{Decode, Encode};
    let mut reader = der::SliceReader::new(input)?;
    let header = der::Header::decode(&mut reader)?;
    let total = usize::try_from(header.encoded_len()?)?
        .checked_add(usize::try_from(header.length())?)
        .ok_or(der::ErrorKind::Overflow)?;
    if total > input.len() {
        return Err(der::Error::incomplete(der::Length::try_from(input.len())?));
    }
    Ok(total)
}
