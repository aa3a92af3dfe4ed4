//! Issue requests: strict versioned JSON reading, then order validation under the
//! default and the lenient policy. What reads writes back and reads again as the
//! same request; what validates is that request.
#![no_main]

use fapiao::invoice::{IssueRequest, ValidationPolicy};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(request) = IssueRequest::from_json(data) else {
        return;
    };
    let json = request.to_json().expect("a request that reads also writes");
    let again = IssueRequest::from_json(&json).expect("what we write reads back");
    assert_eq!(again, request, "the JSON round trip changed the request");
    for lenient in [false, true] {
        match request.validate(&ValidationPolicy::with_lenient_buyer_tax_ids(lenient)) {
            Ok(validated) => assert_eq!(validated.request(), &request),
            Err(violations) => {
                assert!(!violations.is_empty());
                let _ = violations.to_string();
            }
        }
    }
});
