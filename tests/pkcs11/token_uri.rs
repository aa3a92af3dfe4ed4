//! RFC 7512 `pkcs11:` URIs (`crypto::pkcs11::TokenUri`): what is read, and
//! every way one is refused, with its typed error. No token needed.

use std::path::Path;

use fapiao::Error;
use fapiao::crypto::pkcs11::{KeyLookup, MAX_URI_LEN, TokenUri};
use fapiao::crypto::{TokenError, TokenUriError};

use crate::DIR;
use crate::common::openssl::scratch;

fn parse(uri: &str) -> TokenUri {
    TokenUri::parse(uri).unwrap_or_else(|e| panic!("{uri}: {e}"))
}

fn refused(uri: &str) -> TokenUriError {
    TokenUri::parse(uri).expect_err(uri)
}

#[test]
fn uris_name_the_token_and_the_key() {
    let uri = parse("pkcs11:token=fapiao;object=eisp");
    assert_eq!(uri.token(), "fapiao");
    assert_eq!(uri.key(), &KeyLookup::Label("eisp".into()));
    assert_eq!(uri.pin_source(), None);
    assert_eq!(uri.module_path(), None);

    let uri = parse("pkcs11:token=fapiao%20keys;id=%01%a0;type=private");
    assert_eq!(uri.token(), "fapiao keys");
    assert_eq!(uri.key(), &KeyLookup::Id(vec![0x01, 0xa0]));

    let uri = parse("PKCS11:object=e%C3%A9;id=%02;token=t");
    assert_eq!(
        uri.key(),
        &KeyLookup::LabelAndId {
            label: "eé".into(),
            id: vec![2]
        }
    );

    let uri = parse(
        "pkcs11:token=t;object=k?pin-source=file:/etc/fapiao/pin\
         &module-path=/usr/lib/softhsm/libsofthsm2.so&x-vendor=anything",
    );
    assert_eq!(uri.pin_source(), Some(Path::new("/etc/fapiao/pin")));
    assert_eq!(
        uri.module_path(),
        Some(Path::new("/usr/lib/softhsm/libsofthsm2.so"))
    );
    for source in ["file:///etc/pin", "file://localhost/etc/pin"] {
        let uri = parse(&format!("pkcs11:token=t;object=k?pin-source={source}"));
        assert_eq!(uri.pin_source(), Some(Path::new("/etc/pin")), "{source}");
    }
    assert_eq!(
        "pkcs11:token=t;id=%07".parse::<TokenUri>().unwrap().token(),
        "t"
    );
    assert!(TokenUri::is_token_uri("Pkcs11:token=t"));
    assert!(!TokenUri::is_token_uri("tests/data/eisp-p256.key.pem"));
}

#[test]
fn a_pin_in_the_uri_is_refused_saying_why() {
    let err = refused("pkcs11:token=t;object=k?pin-value=123456");
    assert!(matches!(err, TokenUriError::PinValueRefused), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("shell history"), "{text}");
    assert!(text.contains("pin-source=file:"), "{text}");
    assert!(text.contains("FAPIAO_PKCS11_PIN"), "{text}");
    assert!(!text.contains("123456") && !format!("{err:?}").contains("123456"));
}

#[test]
fn malformed_uris_fail_typed() {
    use TokenUriError as U;
    /// A URI and the check of its refusal.
    type Case = (&'static str, fn(&U) -> bool);
    let cases: &[Case] = &[
        ("file:/etc/key.pem", |e| matches!(e, U::NotPkcs11Uri)),
        ("pkcs11:object=k", |e| matches!(e, U::MissingToken)),
        ("pkcs11:token=t", |e| matches!(e, U::MissingKey)),
        ("pkcs11:token=t;type=private", |e| {
            matches!(e, U::MissingKey)
        }),
        (
            "pkcs11:token=t;object",
            |e| matches!(e, U::MissingValue { attribute } if attribute == "object"),
        ),
        (
            "pkcs11:token=t;object=k;token=u",
            |e| matches!(e, U::DuplicateAttribute { attribute } if attribute == "token"),
        ),
        (
            "pkcs11:token=t;object=a b",
            |e| matches!(e, U::BadPercentEncoding { attribute } if attribute == "object"),
        ),
        (
            "pkcs11:token=t;id=%zz",
            |e| matches!(e, U::BadPercentEncoding { attribute } if attribute == "id"),
        ),
        ("pkcs11:token=t;id=%0", |e| {
            matches!(e, U::BadPercentEncoding { .. })
        }),
        (
            "pkcs11:token=t;object=%ff",
            |e| matches!(e, U::NotUtf8 { attribute } if attribute == "object"),
        ),
        (
            "pkcs11:token=t;object=k;color=red",
            |e| matches!(e, U::UnknownAttribute { attribute } if attribute == "color"),
        ),
        ("pkcs11:token=t;object=k;x-vendor=1", |e| {
            matches!(e, U::UnknownAttribute { .. })
        }),
        (
            "pkcs11:token=t;object=k;serial=0042",
            |e| matches!(e, U::UnsupportedAttribute { attribute } if attribute == "serial"),
        ),
        ("pkcs11:token=t;object=k;slot-id=1", |e| {
            matches!(e, U::UnsupportedAttribute { .. })
        }),
        ("pkcs11:token=t;object=k?module-name=softhsm2", |e| {
            matches!(e, U::UnsupportedAttribute { .. })
        }),
        (
            "pkcs11:token=t;object=k;type=cert",
            |e| matches!(e, U::NotAPrivateKey { object_type } if object_type == "cert"),
        ),
        (
            "pkcs11:token=t;object=k?pin-source=|/usr/bin/pinentry",
            |e| matches!(e, U::UnsupportedPinSource),
        ),
        ("pkcs11:token=t;object=k?pin-source=file:pin.txt", |e| {
            matches!(e, U::UnsupportedPinSource)
        }),
        ("pkcs11:token=t;object=k?pin-source=/etc/pin", |e| {
            matches!(e, U::UnsupportedPinSource)
        }),
        ("pkcs11:token=t;object=k?module-path=/a b", |e| {
            matches!(e, U::BadPercentEncoding { .. })
        }),
    ];
    for (uri, expected) in cases {
        let err = refused(uri);
        assert!(expected(&err), "{uri}: {err:?}");
        assert!(!err.to_string().is_empty());
    }
    let long = format!("pkcs11:token=t;object={}", "k".repeat(MAX_URI_LEN));
    assert!(matches!(refused(&long), TokenUriError::TooLong { .. }));
    // Wrapped in the crate's error.
    let err: Error = refused("pkcs11:token=t").into();
    assert!(matches!(
        err,
        Error::Token(TokenError::Uri(TokenUriError::MissingKey))
    ));
}

#[test]
fn the_pin_source_file_is_read_without_its_newline() {
    let dir = scratch(DIR, "pin-source");
    std::fs::create_dir_all(&dir).unwrap();
    let with_newline = dir.join("pin");
    std::fs::write(&with_newline, b"8D7rq2-user\n").unwrap();
    let uri = parse(&format!(
        "pkcs11:token=t;object=k?pin-source=file:{}",
        with_newline.display()
    ));
    assert_eq!(
        uri.read_pin_source().unwrap().as_deref().map(Vec::as_slice),
        Some(&b"8D7rq2-user"[..])
    );
    let empty = dir.join("empty");
    std::fs::write(&empty, b"\n").unwrap();
    for path in [empty, dir.join("missing")] {
        let uri = parse(&format!(
            "pkcs11:token=t;object=k?pin-source=file:{}",
            path.display()
        ));
        let err = uri.read_pin_source().unwrap_err();
        assert!(
            matches!(
                err,
                Error::Token(TokenError::Uri(TokenUriError::PinSourceUnreadable { .. }))
            ),
            "{err:?}"
        );
    }
    assert!(
        parse("pkcs11:token=t;object=k")
            .read_pin_source()
            .unwrap()
            .is_none()
    );
}
