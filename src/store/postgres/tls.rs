//! TLS to the server: the connection string's TLS settings and the connector
//! they make.
//!
//! The `postgres` crate reads `sslmode` as `disable`, `prefer` or `require`
//! and knows nothing of a root certificate file. Operators write connection
//! strings for libpq, so two of its settings are taken here before the rest
//! goes to the crate:
//!
//! * `sslrootcert=FILE`: the PEM certificates (one or several) of the CAs the
//!   server's certificate must chain to, in place of the system's trust store,
//!   as libpq does with the same setting;
//! * `sslmode=verify-full` and `sslmode=verify-ca`: TLS required and the
//!   server's certificate verified, with its host name (`verify-full`) or
//!   without (`verify-ca`). They reach the crate as `require`.
//!
//! `require` verifies the certificate and the host name too (native-tls
//! always does): stricter than libpq's `require`, which verifies nothing
//! without a root certificate file.

use native_tls::{Certificate, TlsConnector};
use postgres_native_tls::MakeTlsConnector;

use crate::error::StoreError;
use crate::pki::pem;

/// What the connection string asks of TLS beyond what the `postgres` crate
/// reads.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct TlsSettings {
    /// The `sslrootcert` file, when given.
    pub root_certificate_file: Option<String>,
    /// Whether the server's host name may differ from its certificate's
    /// (`sslmode=verify-ca`).
    pub any_host_name: bool,
}

/// One `key=value` setting of a connection string, where it stands in it.
struct Setting<'a> {
    key: &'a str,
    value: String,
    /// The byte range the whole setting takes, separators excluded.
    span: core::ops::Range<usize>,
}

/// Takes `sslrootcert` and the `verify-*` modes out of `conninfo` (a
/// `postgres://` URL or a `key=value` string): the string for the `postgres`
/// crate, and the settings taken.
pub(super) fn take_tls_settings(conninfo: &str) -> Result<(String, TlsSettings), StoreError> {
    let is_url = conninfo.starts_with("postgres://") || conninfo.starts_with("postgresql://");
    let settings = if is_url {
        url_settings(conninfo)
    } else {
        key_value_settings(conninfo)?
    };
    let mut tls = TlsSettings::default();
    let mut rest = String::with_capacity(conninfo.len());
    let mut copied = 0;
    for setting in &settings {
        let replacement = match (setting.key, setting.value.as_str()) {
            ("sslrootcert", file) => {
                tls.root_certificate_file = Some(file.to_owned());
                ""
            }
            ("sslmode", "verify-full") => "sslmode=require",
            ("sslmode", "verify-ca") => {
                tls.any_host_name = true;
                "sslmode=require"
            }
            _ => continue,
        };
        rest.push_str(&conninfo[copied..setting.span.start]);
        rest.push_str(replacement);
        copied = setting.span.end;
    }
    rest.push_str(&conninfo[copied..]);
    if is_url {
        rest = tidy_query(rest);
    }
    Ok((rest, tls))
}

/// The settings of a URL's query (`?key=value&…`), their values
/// percent-decoded.
fn url_settings(url: &str) -> Vec<Setting<'_>> {
    let Some(query_start) = url.find('?').map(|i| i + 1) else {
        return Vec::new();
    };
    let mut settings = Vec::new();
    let mut start = query_start;
    for pair in url[query_start..].split('&') {
        let span = start..start + pair.len();
        start = span.end + 1;
        if let Some((key, value)) = pair.split_once('=') {
            settings.push(Setting {
                key,
                value: percent_decode(value),
                span,
            });
        }
    }
    settings
}

/// Removes the empty parts a taken setting leaves in a URL's query.
fn tidy_query(url: String) -> String {
    let Some((base, query)) = url.split_once('?') else {
        return url;
    };
    let kept: Vec<&str> = query.split('&').filter(|p| !p.is_empty()).collect();
    if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    }
}

/// `%XY` escapes decoded; anything else as it is.
fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(core::str::from_utf8(hex).ok()?, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The settings of a libpq `key=value` string: keys and values separated by
/// `=` with optional blanks around it, a value single-quoted when it holds
/// blanks or quotes (`\'` and `\\` inside).
fn key_value_settings(conninfo: &str) -> Result<Vec<Setting<'_>>, StoreError> {
    let malformed = || StoreError::InvalidSetting {
        setting: "connection string",
        problem: "not a PostgreSQL URL or key=value connection string".into(),
    };
    let bytes = conninfo.as_bytes();
    let mut settings = Vec::new();
    let mut i = 0;
    let skip_blanks = |mut i: usize| {
        while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        i
    };
    loop {
        i = skip_blanks(i);
        if i == bytes.len() {
            return Ok(settings);
        }
        let start = i;
        while bytes
            .get(i)
            .is_some_and(|b| *b != b'=' && !b.is_ascii_whitespace())
        {
            i += 1;
        }
        let key = &conninfo[start..i];
        i = skip_blanks(i);
        if bytes.get(i) != Some(&b'=') || key.is_empty() {
            return Err(malformed());
        }
        i = skip_blanks(i + 1);
        let mut value = Vec::new();
        if bytes.get(i) == Some(&b'\'') {
            i += 1;
            loop {
                match bytes.get(i) {
                    None => return Err(malformed()),
                    Some(b'\'') => {
                        i += 1;
                        break;
                    }
                    Some(b'\\') if i + 1 < bytes.len() => {
                        value.push(bytes[i + 1]);
                        i += 2;
                    }
                    Some(b) => {
                        value.push(*b);
                        i += 1;
                    }
                }
            }
        } else {
            while let Some(b) = bytes.get(i).filter(|b| !b.is_ascii_whitespace()) {
                value.push(*b);
                i += 1;
            }
        }
        settings.push(Setting {
            key,
            value: String::from_utf8_lossy(&value).into_owned(),
            span: start..i,
        });
    }
}

/// The TLS connector for `settings`: the system's trust store, or only the
/// `sslrootcert` file's certificates.
pub(super) fn connector(settings: &TlsSettings) -> Result<MakeTlsConnector, StoreError> {
    let mut builder = TlsConnector::builder();
    if let Some(file) = &settings.root_certificate_file {
        let invalid = |problem: String| StoreError::InvalidSetting {
            setting: "sslrootcert",
            problem,
        };
        let text = std::fs::read(file).map_err(|e| invalid(format!("cannot read {file}: {e}")))?;
        let mut roots = 0;
        for block in pem::blocks(&text) {
            let block = block.map_err(|e| invalid(format!("{file}: not PEM ({e})")))?;
            if block.label != "CERTIFICATE" {
                continue;
            }
            let certificate = Certificate::from_der(&block.der)
                .map_err(|e| invalid(format!("{file}: not a certificate ({e})")))?;
            builder.add_root_certificate(certificate);
            roots += 1;
        }
        if roots == 0 {
            return Err(invalid(format!("{file} holds no PEM certificate")));
        }
        builder.disable_built_in_roots(true);
    }
    builder.danger_accept_invalid_hostnames(settings.any_host_name);
    let connector = builder.build().map_err(|e| StoreError::InvalidSetting {
        setting: "TLS",
        problem: e.to_string(),
    })?;
    Ok(MakeTlsConnector::new(connector))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn taken(conninfo: &str) -> (String, TlsSettings) {
        take_tls_settings(conninfo).unwrap()
    }

    #[test]
    fn a_url_gives_up_its_root_certificate_and_verify_modes() {
        let (rest, tls) = taken(
            "postgres://u@db/x?sslrootcert=%2Fetc%2Fca%20one.pem&sslmode=verify-full&connect_timeout=3",
        );
        assert_eq!(rest, "postgres://u@db/x?sslmode=require&connect_timeout=3");
        assert_eq!(
            tls.root_certificate_file.as_deref(),
            Some("/etc/ca one.pem")
        );
        assert!(!tls.any_host_name);
        let (rest, tls) = taken("postgres://u@db/x?sslmode=verify-ca&sslrootcert=/ca.pem");
        assert_eq!(rest, "postgres://u@db/x?sslmode=require");
        assert!(tls.any_host_name);
        let (rest, tls) = taken("postgres://u@db/x?sslrootcert=/ca.pem");
        assert_eq!(rest, "postgres://u@db/x");
        assert_eq!(
            tls,
            TlsSettings {
                root_certificate_file: Some("/ca.pem".into()),
                any_host_name: false
            }
        );
    }

    #[test]
    fn a_key_value_string_gives_up_its_root_certificate_and_verify_modes() {
        let (rest, tls) =
            taken("host=db user=u sslrootcert = '/etc/my \\'ca\\'.pem' sslmode=verify-ca dbname=x");
        assert_eq!(rest, "host=db user=u  sslmode=require dbname=x");
        assert_eq!(
            tls.root_certificate_file.as_deref(),
            Some("/etc/my 'ca'.pem")
        );
        assert!(tls.any_host_name);
    }

    #[test]
    fn other_strings_pass_unchanged() {
        for conninfo in [
            "postgres://u:p@db:5432/x?sslmode=require",
            "postgres://u@db/x",
            "host=/tmp port=5432 user=u password='a b'",
            "",
        ] {
            let (rest, tls) = taken(conninfo);
            assert_eq!(rest, conninfo);
            assert_eq!(tls, TlsSettings::default());
        }
    }

    #[test]
    fn a_malformed_key_value_string_is_an_invalid_setting() {
        for conninfo in ["host", "host=db user", "password='open", "=x"] {
            let refused = take_tls_settings(conninfo).unwrap_err();
            assert!(
                matches!(
                    refused,
                    StoreError::InvalidSetting {
                        setting: "connection string",
                        ..
                    }
                ),
                "{conninfo}: {refused:?}"
            );
        }
    }

    #[test]
    fn a_root_certificate_file_that_is_not_one_is_an_invalid_setting() {
        let dir = std::env::temp_dir().join(format!("fapiao-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let not_pem = dir.join("not.pem");
        std::fs::write(&not_pem, b"hello").unwrap();
        for file in [dir.join("missing.pem"), not_pem] {
            let settings = TlsSettings {
                root_certificate_file: Some(file.display().to_string()),
                any_host_name: false,
            };
            let refused = connector(&settings).err().unwrap();
            assert!(
                matches!(
                    refused,
                    StoreError::InvalidSetting {
                        setting: "sslrootcert",
                        ..
                    }
                ),
                "{refused:?}"
            );
        }
        let _ = std::fs::remove_dir_all(dir);
    }
}
