//! A small `--flag value` parser and file helpers shared by the envelope
//! commands (seal, open, inspect, speed).

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use fapiao::pki::{Certificate, Credentials, Crl, Timestamp, TrustStore};

/// Parsed `--flag value` pairs (flags may repeat where the command allows it)
/// and value-less switches.
pub struct Args {
    values: HashMap<String, Vec<String>>,
    switches: Vec<String>,
    /// `-h` or `--help` was given.
    pub help: bool,
}

impl Args {
    /// Parses `args`; every flag must be one of `known` and take a value.
    pub fn parse(args: &[String], known: &[&str]) -> Result<Self, String> {
        Self::parse_with_switches(args, known, &[])
    }

    /// Parses `args`: a flag in `known` takes a value, one in `switches` takes
    /// none; anything else is an error.
    pub fn parse_with_switches(
        args: &[String],
        known: &[&str],
        switches: &[&str],
    ) -> Result<Self, String> {
        let mut values: HashMap<String, Vec<String>> = HashMap::new();
        let mut given = Vec::new();
        let mut rest = args.iter();
        let mut help = false;
        while let Some(flag) = rest.next() {
            if flag == "-h" || flag == "--help" {
                help = true;
                continue;
            }
            if switches.contains(&flag.as_str()) {
                given.push(flag.clone());
                continue;
            }
            if !known.contains(&flag.as_str()) {
                return Err(format!("unknown argument {flag:?}"));
            }
            let value = rest.next().ok_or_else(|| format!("{flag} needs a value"))?;
            values.entry(flag.clone()).or_default().push(value.clone());
        }
        Ok(Self {
            values,
            switches: given,
            help,
        })
    }

    /// Whether the switch `name` was given.
    pub fn switch(&self, name: &str) -> bool {
        self.switches.iter().any(|s| s == name)
    }

    /// Every value of a repeatable flag.
    pub fn all(&self, flag: &str) -> &[String] {
        self.values.get(flag).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The value of a flag given at most once.
    pub fn optional(&self, flag: &str) -> Result<Option<&str>, String> {
        match self.all(flag) {
            [] => Ok(None),
            [one] => Ok(Some(one)),
            _ => Err(format!("{flag} given more than once")),
        }
    }

    /// The value of a required flag.
    pub fn required(&self, flag: &str) -> Result<&str, String> {
        self.optional(flag)?
            .ok_or_else(|| format!("{flag} is required"))
    }

    /// `--at` as UNIX seconds, or now.
    pub fn at(&self) -> Result<u64, String> {
        match self.optional("--at")? {
            Some(text) => Timestamp::parse_rfc3339(text)
                .map(Timestamp::unix_seconds)
                .map_err(|e| format!("--at: {e}")),
            None => Ok(now()),
        }
    }
}

/// The current time in UNIX seconds.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Reads a file, naming it in the error.
pub fn read(path: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))
}

/// Writes a file, naming it in the error.
pub fn write(path: &str, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("cannot write {path}: {e}"))
}

/// Certificates from every file given for `flag`.
pub fn certificates(args: &Args, flag: &str) -> Result<Vec<Certificate>, String> {
    let mut out = Vec::new();
    for path in args.all(flag) {
        out.extend(Certificate::load_bundle(&read(path)?).map_err(|e| format!("{path}: {e}"))?);
    }
    Ok(out)
}

/// The flag naming the PKCS#11 module for `pkcs11:` key URIs.
pub const PKCS11_MODULE: &str = "--pkcs11-module";
/// The environment variable naming the PKCS#11 module when neither
/// `--pkcs11-module` nor the URI's `module-path` does.
#[cfg(feature = "pkcs11")]
pub const PKCS11_MODULE_ENV: &str = "FAPIAO_PKCS11_MODULE";
/// The environment variable holding the token's PIN when the URI has no
/// `pin-source`.
#[cfg(feature = "pkcs11")]
pub const PKCS11_PIN_ENV: &str = "FAPIAO_PKCS11_PIN";

/// Credentials from `--cert` (leaf), `--chain` (intermediates) and `key_flag`:
/// a key file, or an RFC 7512 `pkcs11:` URI naming a key on a token.
pub fn credentials(args: &Args, cert_flag: &str, key_flag: &str) -> Result<Credentials, String> {
    let cert_path = args.required(cert_flag)?;
    let key_path = args.required(key_flag)?;
    let mut chain =
        Certificate::load_bundle(&read(cert_path)?).map_err(|e| format!("{cert_path}: {e}"))?;
    chain.extend(certificates(args, "--chain")?);
    if fapiao::crypto::pkcs11::TokenUri::is_token_uri(key_path) {
        let key = token_key(args, key_flag, key_path)?;
        return Credentials::new(chain, key).map_err(|e| format!("{cert_path}: {e}"));
    }
    let provider = fapiao::CryptoProvider::default_provider();
    let key = fapiao::pki::PrivateKeyDer::load(&read(key_path)?, None)
        .map_err(|e| format!("{key_path}: {e}"))?;
    let key = provider
        .keys
        .load_private_key(key.pkcs8_der())
        .map_err(|e| format!("{key_path}: {e}"))?;
    Credentials::new(chain, key).map_err(|e| format!("{cert_path}: {e}"))
}

/// The key an RFC 7512 `pkcs11:` URI names (`pkcs11:token=T;object=K`,
/// `id=%01`): the module from `--pkcs11-module`, the URI's `module-path` or
/// `FAPIAO_PKCS11_MODULE`; the PIN from the URI's `pin-source=file:…` or
/// `FAPIAO_PKCS11_PIN`, never from the command line.
#[cfg(feature = "pkcs11")]
fn token_key(
    args: &Args,
    key_flag: &str,
    uri: &str,
) -> Result<std::sync::Arc<dyn fapiao::crypto::PrivateKey>, String> {
    use fapiao::crypto::pkcs11::{TokenKey, TokenUri};
    let parsed = TokenUri::parse(uri).map_err(|e| format!("{key_flag}: {e}"))?;
    let module = match (args.optional(PKCS11_MODULE)?, parsed.module_path()) {
        (Some(flag), _) => std::path::PathBuf::from(flag),
        (None, Some(path)) => path.to_path_buf(),
        (None, None) => std::env::var_os(PKCS11_MODULE_ENV)
            .map(std::path::PathBuf::from)
            .ok_or_else(|| {
                format!(
                    "{key_flag}: a pkcs11: key needs its module: {PKCS11_MODULE} PATH, \
                     module-path= in the URI, or {PKCS11_MODULE_ENV}"
                )
            })?,
    };
    let pin = match parsed
        .read_pin_source()
        .map_err(|e| format!("{key_flag}: {e}"))?
    {
        Some(pin) => pin,
        None => zeroize::Zeroizing::new(
            std::env::var(PKCS11_PIN_ENV)
                .map_err(|_| {
                    format!(
                        "{key_flag}: a pkcs11: key needs the token's PIN: pin-source=file:/path \
                         in the URI, or {PKCS11_PIN_ENV} (never on the command line)"
                    )
                })?
                .into_bytes(),
        ),
    };
    let key = TokenKey::open(&parsed, &module, &pin).map_err(|e| format!("{key_flag}: {e}"))?;
    Ok(std::sync::Arc::new(key))
}

/// Without the `pkcs11` feature a `pkcs11:` URI is refused, saying so.
#[cfg(not(feature = "pkcs11"))]
fn token_key(
    _: &Args,
    key_flag: &str,
    _: &str,
) -> Result<std::sync::Arc<dyn fapiao::crypto::PrivateKey>, String> {
    Err(format!(
        "{key_flag}: a pkcs11: key URI needs the pkcs11 feature, which this build lacks \
         (cargo run --features pkcs11 --example fapiao_cli)"
    ))
}

/// The trust store from every `--trust` file.
pub fn trust_store(args: &Args) -> Result<TrustStore, String> {
    let mut trust = TrustStore::new();
    for cert in certificates(args, "--trust")? {
        trust.add(cert).map_err(|e| format!("--trust: {e}"))?;
    }
    if trust.is_empty() {
        return Err("--trust ROOTS.pem is required".into());
    }
    Ok(trust)
}

/// CRLs from every `--crl` file.
pub fn crls(args: &Args) -> Result<Vec<Crl>, String> {
    let mut out = Vec::new();
    for path in args.all("--crl") {
        out.extend(Crl::load_bundle(&read(path)?).map_err(|e| format!("{path}: {e}"))?);
    }
    Ok(out)
}

/// One line: newlines in an error message become spaces.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
