//! Error messages say what failed and where.

use fapiao::Error;
use fapiao::pki::{Malformation, PathError};

use super::Check;

#[test]
fn errors_say_what_failed_and_where() {
    let text = Error::from(Check::faulty("leaf-under-expired-ca").err()).to_string();
    assert_eq!(
        text,
        "certificate path: intermediate 1 of the supplied chain \"CN=Fapiao Faulty Expired CA,O=Fapiao Test,C=CN\": \
         expired at 2021-01-01T00:00:00Z (validating at 2027-06-01T00:00:00Z)"
    );
    let text = Check::faulty("sha1-signature").err().to_string();
    assert!(text.contains("SHA-1 signature refused"), "{text}");
    let text = Check::faulty("unknown-critical-ext").err().to_string();
    assert!(
        text.contains("unknown critical extension 1.3.6.1.4.1.55555.1.1"),
        "{text}"
    );
    let text = Check::faulty("revoked")
        .crls(&["issuing-ca"])
        .err()
        .to_string();
    assert!(
        text.contains("revoked (serial 2013, since 2026-01-01T00:00:00Z, keyCompromise)"),
        "{text}"
    );
    let malformed = PathError::MalformedCertificate {
        certificate: None,
        detail: Malformation::BadDer,
    };
    assert_eq!(
        malformed.to_string(),
        "a certificate in the path: invalid DER"
    );
}
