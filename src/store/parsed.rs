//! Values parsed from a column, kept by the column's exact bytes.
//!
//! Every message looks its peers up (a certificate to parse) and every request
//! its enterprise's qualification record (JSON to parse); parsing costs more than
//! the lookup. The row is still read every time, so a change made by another
//! connection or process is seen at once: only the parse of bytes already seen
//! is skipped, and equal bytes parse to an equal value.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

/// At most this many values are kept (then the cache starts over).
const CAPACITY: usize = 256;

/// Parsed values by the exact bytes they were parsed from.
pub(in crate::store) struct ParsedCache<T> {
    values: Mutex<HashMap<Vec<u8>, T>>,
}

impl<T: Clone> ParsedCache<T> {
    /// An empty cache.
    pub(in crate::store) fn new() -> Self {
        Self {
            values: Mutex::new(HashMap::new()),
        }
    }

    /// The value parsed from `raw`: from the cache when these bytes were parsed
    /// before, else parsed now (and kept when parsing succeeds).
    pub(in crate::store) fn get_or_parse<E>(
        &self,
        raw: &[u8],
        parse: impl FnOnce(&[u8]) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut values = self.values.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(value) = values.get(raw) {
            return Ok(value.clone());
        }
        let value = parse(raw)?;
        if values.len() >= CAPACITY {
            values.clear();
        }
        values.insert(raw.to_vec(), value.clone());
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[test]
    fn equal_bytes_are_parsed_once_and_failures_are_not_kept() {
        let cache = ParsedCache::<u32>::new();
        let parses = Cell::new(0);
        let parse = |raw: &[u8]| {
            parses.set(parses.get() + 1);
            std::str::from_utf8(raw)
                .ok()
                .and_then(|s| s.parse().ok())
                .ok_or("not a number")
        };
        assert_eq!(cache.get_or_parse(b"7", parse), Ok(7));
        assert_eq!(cache.get_or_parse(b"7", parse), Ok(7));
        assert_eq!(parses.get(), 1);
        assert_eq!(cache.get_or_parse(b"8", parse), Ok(8));
        assert_eq!(cache.get_or_parse(b"x", parse), Err("not a number"));
        assert_eq!(cache.get_or_parse(b"x", parse), Err("not a number"));
        assert_eq!(parses.get(), 4, "a failure is parsed again each time");
    }

    #[test]
    fn a_full_cache_starts_over() {
        let cache = ParsedCache::<usize>::new();
        for n in 0..=CAPACITY {
            let raw = n.to_string();
            let value = cache.get_or_parse(raw.as_bytes(), |_| Ok::<_, ()>(n));
            assert_eq!(value, Ok(n));
        }
        let kept = cache.values.lock().unwrap().len();
        assert_eq!(kept, 1, "cleared when full, then the new value kept");
    }
}
