//! Number segments and the device journal.

use std::sync::Arc;

use fapiao::DeviceFailure;
use fapiao::store::StoreError;
use fapiao::{Error, IssuingDevice};

use super::ContractStore;
use crate::issuing_support::{DEVICE, NOW, command, device, segment};

/// A segment is added once (again: nothing changes), another under its id is
/// a duplicate, and one overlapping another's numbers is refused.
pub fn segments_are_added_once_and_never_overlap<S: ContractStore>(store: Arc<S>) {
    store.add_segment(&segment("seg-a", 1, 10)).unwrap();
    store.add_segment(&segment("seg-a", 1, 10)).unwrap();
    let duplicate = store.add_segment(&segment("seg-a", 1, 11)).unwrap_err();
    assert!(
        matches!(duplicate, StoreError::Duplicate { .. }),
        "{duplicate}"
    );
    let overlap = store.add_segment(&segment("seg-b", 10, 20)).unwrap_err();
    assert!(
        matches!(overlap, StoreError::SegmentOverlap { ref existing, .. } if existing == "seg-a"),
        "{overlap}"
    );
    store.add_segment(&segment("seg-b", 11, 20)).unwrap();
    let segments = store.segments(DEVICE).unwrap();
    let ids: Vec<_> = segments.iter().map(|s| s.segment.segment_id()).collect();
    assert_eq!(ids, ["seg-a", "seg-b"]);
    assert!(segments.iter().all(|s| s.next == s.segment.first()));
    let fifteen = segment("seg-b", 11, 20).number(15).unwrap();
    assert_eq!(
        store.segment_of(&fifteen).unwrap().unwrap().segment_id(),
        "seg-b"
    );
}

/// Numbers come in order across segments; the same command gets its first
/// invoice again; an exhausted device says so.
pub fn numbers_are_given_in_order_and_a_command_once<S: ContractStore>(store: Arc<S>) {
    let device = device(store.clone());
    device.add_segment(&segment("seg-a", 1, 2)).unwrap();
    device.add_segment(&segment("seg-b", 5, 5)).unwrap();
    let numbers: Vec<_> = ["S-1", "S-2", "S-3"]
        .iter()
        .map(|serial| device.issue(&command(serial), NOW).unwrap().invoice_number)
        .collect();
    let expected: Vec<_> = [("seg-a", 1, 2, 1), ("seg-a", 1, 2, 2), ("seg-b", 5, 5, 5)]
        .iter()
        .map(|&(id, first, last, n)| segment(id, first, last).number(n).unwrap())
        .collect();
    assert_eq!(numbers, expected);
    let again = device.issue(&command("S-1"), NOW).unwrap();
    assert_eq!(again.invoice_number, numbers[0]);
    let exhausted = device.issue(&command("S-4"), NOW).unwrap_err();
    assert!(
        matches!(
            exhausted,
            Error::Device(DeviceFailure::SegmentExhausted { .. })
        ),
        "{exhausted}"
    );
    let journal = store.journal(DEVICE).unwrap();
    assert_eq!(journal.len(), 3);
    assert_eq!(journal[2].segment_id, "seg-b");
    let entry = store
        .issued_for_command(DEVICE, &format!("{}:S-2", crate::issuing_support::SELLER))
        .unwrap()
        .unwrap();
    assert_eq!(entry.invoice.invoice_number, numbers[1]);
    assert!(store.integrity().unwrap().is_empty());
}
