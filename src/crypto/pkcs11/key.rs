//! [`TokenKey`]: a private key on a token, behind [`PrivateKey`].

use std::path::Path;
use std::sync::{Arc, Mutex};

use cryptoki::context::Function;
use cryptoki::error::{Error as P11Error, RvError};
use cryptoki::mechanism::elliptic_curve::{EcKdf, Ecdh1DeriveParams};
use cryptoki::mechanism::rsa::{PkcsMgfType, PkcsOaepParams, PkcsOaepSource, PkcsPssParams};
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::Session;
use der::Encode;
use der::asn1::UintRef;
use sha2::Digest as _;
use zeroize::Zeroizing;

use super::module::lock;
use super::{KeyLookup, TokenModule, TokenUri, is_token_failure, token_error};
use crate::crypto::{
    KeyAlgorithm, KeyFamily, PrivateKey, SignatureScheme, check_rsa_bits, check_uncompressed_p256,
    rsa_modulus_bits,
};
use crate::error::{CryptoError, Error, TokenError};

/// The DER of the P-256 curve's OID (`CKA_EC_PARAMS` of a P-256 key).
const P256_PARAMS: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];

/// The attributes a key `lookup` names.
fn lookup_attributes(lookup: &KeyLookup) -> Vec<Attribute> {
    match lookup {
        KeyLookup::Label(label) => vec![Attribute::Label(label.as_bytes().to_vec())],
        KeyLookup::Id(id) => vec![Attribute::Id(id.clone())],
        KeyLookup::LabelAndId { label, id } => vec![
            Attribute::Label(label.as_bytes().to_vec()),
            Attribute::Id(id.clone()),
        ],
    }
}

/// A private key held on a PKCS#11 token: RSA or EC P-256. Signing,
/// decryption and key agreement run on the token through the
/// [`TokenModule`]'s sessions; the key bytes are never read (the key may be,
/// and should be, `CKA_SENSITIVE` and not extractable). Its public key is
/// read from the token when it is found.
#[derive(Clone)]
pub struct TokenKey {
    module: TokenModule,
    /// Shared by the clones: found again when the token drops it.
    handle: Arc<Mutex<ObjectHandle>>,
    lookup: KeyLookup,
    algorithm: KeyAlgorithm,
    public: Vec<u8>,
    name: String,
}

impl core::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TokenKey")
            .field("token", &self.module.token_label())
            .field("key", &self.name)
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

fn wrong_key(operation: &'static str, family: KeyFamily) -> Error {
    CryptoError::WrongKeyType { operation, family }.into()
}

/// The one object matching `template`, or `None`.
fn find_one(
    session: &Session,
    template: &[Attribute],
    what: &str,
) -> Result<Option<ObjectHandle>, Error> {
    let found = session
        .find_objects(template)
        .map_err(|e| token_error("C_FindObjects", e))?;
    match found.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(*one)),
        _ => Err(TokenError::AmbiguousObject {
            what: what.to_owned(),
        }
        .into()),
    }
}

/// The handle of the one private key `lookup` names.
fn find_handle(session: &Session, lookup: &KeyLookup, name: &str) -> Result<ObjectHandle, Error> {
    let mut template = vec![Attribute::Class(ObjectClass::PRIVATE_KEY)];
    template.extend(lookup_attributes(lookup));
    find_one(session, &template, name)?.ok_or_else(|| {
        TokenError::ObjectNotFound {
            what: name.to_owned(),
        }
        .into()
    })
}

fn attributes(
    session: &Session,
    handle: ObjectHandle,
    types: &[AttributeType],
) -> Result<Vec<Attribute>, Error> {
    session
        .get_attributes(handle, types)
        .map_err(|e| token_error("C_GetAttributeValue", e))
}

/// The uncompressed point of a `CKA_EC_POINT`: DER OCTET STRING as the
/// standard says, or the raw point as some tokens give it.
fn ec_point(value: &[u8]) -> Option<Vec<u8>> {
    match value {
        [0x04, 0x41, point @ ..] if point.len() == 65 => Some(point.to_vec()),
        point if point.len() == 65 && point[0] == 0x04 => Some(point.to_vec()),
        _ => None,
    }
}

impl TokenKey {
    /// Finds the private key `lookup` names on `module`'s token and reads its
    /// public key: the modulus and public exponent of an RSA key (encoded as
    /// a PKCS#1 `RSAPublicKey`, as the software keys give it), the
    /// `CKA_EC_POINT` of an EC P-256 key (read from the public-key object with
    /// the same id or label when the private key does not carry it).
    ///
    /// Fails with [`TokenError::ObjectNotFound`] when no private key matches,
    /// [`TokenError::AmbiguousObject`] when several do, and
    /// [`TokenError::UnsupportedKey`] for a key that is neither RSA nor EC
    /// P-256 (an RSA key outside 2048 to 4096 bits is
    /// [`CryptoError::UnsupportedKeySize`]).
    pub fn find(module: &TokenModule, lookup: &KeyLookup) -> Result<Self, Error> {
        let name = lookup.describe();
        module.with_session(|session| {
            let handle = find_handle(session, lookup, &name)?;
            let key_type = match attributes(session, handle, &[AttributeType::KeyType])?.first() {
                Some(Attribute::KeyType(key_type)) => *key_type,
                _ => {
                    return Err(TokenError::UnsupportedKey {
                        reason: "the key has no key type",
                    }
                    .into());
                }
            };
            let (algorithm, public) = if key_type == KeyType::RSA {
                rsa_public(session, handle)?
            } else if key_type == KeyType::EC {
                (KeyAlgorithm::EcP256, p256_public(session, handle, lookup)?)
            } else {
                return Err(TokenError::UnsupportedKey {
                    reason: "neither an RSA nor an EC key",
                }
                .into());
            };
            Ok(Self {
                module: module.clone(),
                handle: Arc::new(Mutex::new(handle)),
                lookup: lookup.clone(),
                algorithm,
                public,
                name: name.clone(),
            })
        })
    }

    /// Runs `operation` with the key on a session of the pool. When the
    /// token no longer knows the key's handle (it drops the handles of
    /// private objects when the login is lost; a reset token renumbers its
    /// objects), logs in again, finds the key again and runs `operation`
    /// once more; a token that is gone is [`TokenError::TokenRemoved`].
    fn with_key<T>(
        &self,
        operation: impl Fn(&Session, ObjectHandle) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let handle = *lock(&self.handle);
        match self
            .module
            .with_session(|session| operation(session, handle))
        {
            Err(Error::Token(TokenError::KeyHandleInvalid)) => {}
            done => return done,
        }
        let found = self
            .module
            .with_session(|session| {
                self.module.log_in(session)?;
                find_handle(session, &self.lookup, &self.name)
            })
            .map_err(|e| self.module.removed_or(e))?;
        *lock(&self.handle) = found;
        self.module
            .with_session(|session| operation(session, found))
            .map_err(|e| self.module.removed_or(e))
    }

    /// Opens the key `uri` names: the token `uri.token()` through the module
    /// at `module` (the caller chooses among `uri.module_path()` and its
    /// own settings), logged in with `pin`, and the key found by
    /// `uri.key()`. The PIN is for the caller to find (`uri.read_pin_source()`,
    /// an environment variable); it is never read from the URI itself.
    pub fn open(uri: &TokenUri, module: impl AsRef<Path>, pin: &[u8]) -> Result<Self, Error> {
        TokenModule::open(module, uri.token(), pin)?.key(uri.key())
    }

    /// The token module this key is used through.
    pub fn module(&self) -> &TokenModule {
        &self.module
    }
}

fn rsa_public(session: &Session, handle: ObjectHandle) -> Result<(KeyAlgorithm, Vec<u8>), Error> {
    let mut modulus = None;
    let mut exponent = None;
    for attribute in attributes(
        session,
        handle,
        &[AttributeType::Modulus, AttributeType::PublicExponent],
    )? {
        match attribute {
            Attribute::Modulus(n) => modulus = Some(n),
            Attribute::PublicExponent(e) => exponent = Some(e),
            _ => {}
        }
    }
    let (Some(modulus), Some(exponent)) = (modulus, exponent) else {
        return Err(TokenError::UnsupportedKey {
            reason: "the RSA key does not give its modulus and public exponent",
        }
        .into());
    };
    let bits = rsa_modulus_bits(&modulus);
    check_rsa_bits(bits)?;
    let invalid = |_| {
        Error::from(TokenError::UnsupportedKey {
            reason: "the RSA key's modulus or public exponent is not a positive integer",
        })
    };
    let public = pkcs1::RsaPublicKey {
        modulus: UintRef::new(&modulus).map_err(invalid)?,
        public_exponent: UintRef::new(&exponent).map_err(invalid)?,
    }
    .to_der()
    .map_err(invalid)?;
    Ok((KeyAlgorithm::Rsa { bits }, public))
}

fn p256_public(
    session: &Session,
    handle: ObjectHandle,
    lookup: &KeyLookup,
) -> Result<Vec<u8>, Error> {
    let params = attributes(
        session,
        handle,
        &[AttributeType::EcParams, AttributeType::Id],
    )?;
    let mut id = None;
    let mut on_p256 = false;
    for attribute in params {
        match attribute {
            Attribute::EcParams(p) => on_p256 = p == P256_PARAMS,
            Attribute::Id(i) => id = Some(i),
            _ => {}
        }
    }
    if !on_p256 {
        return Err(TokenError::UnsupportedKey {
            reason: "an EC key on a curve other than P-256",
        }
        .into());
    }
    // Some tokens give CKA_EC_POINT on the private key; the standard puts it on
    // the public key only.
    if let Ok(attributes) = session.get_attributes(handle, &[AttributeType::EcPoint]) {
        if let Some(point) = attributes.iter().find_map(|a| match a {
            Attribute::EcPoint(p) => ec_point(p),
            _ => None,
        }) {
            return Ok(point);
        }
    }
    let mut template = vec![Attribute::Class(ObjectClass::PUBLIC_KEY)];
    match id {
        Some(id) if !id.is_empty() => template.push(Attribute::Id(id)),
        _ => template.extend(lookup_attributes(lookup)),
    }
    let what = format!("public key of {}", lookup.describe());
    let public = find_one(session, &template, &what)?
        .ok_or_else(|| TokenError::ObjectNotFound { what: what.clone() })?;
    attributes(session, public, &[AttributeType::EcPoint])?
        .iter()
        .find_map(|a| match a {
            Attribute::EcPoint(p) => ec_point(p),
            _ => None,
        })
        .ok_or_else(|| {
            TokenError::UnsupportedKey {
                reason: "the EC public key's CKA_EC_POINT is not an uncompressed P-256 point",
            }
            .into()
        })
}

/// The DER `Ecdsa-Sig-Value` of a raw `r || s` signature of P-256.
fn ecdsa_der(raw: &[u8]) -> Result<Vec<u8>, Error> {
    let malformed = || {
        Error::from(TokenError::Failed {
            operation: "C_Sign",
            code: "the token's ECDSA signature is not 64 bytes".to_owned(),
        })
    };
    if raw.len() != 64 {
        return Err(malformed());
    }
    let (r, s) = raw.split_at(32);
    let r = UintRef::new(r).map_err(|_| malformed())?;
    let s = UintRef::new(s).map_err(|_| malformed())?;
    let body_len = (r.encoded_len().map_err(|_| malformed())?
        + s.encoded_len().map_err(|_| malformed())?)
    .map_err(|_| malformed())?;
    let mut out = Vec::with_capacity(72);
    der::Header::new(der::Tag::Sequence, body_len)
        .encode_to_vec(&mut out)
        .map_err(|_| malformed())?;
    r.encode_to_vec(&mut out).map_err(|_| malformed())?;
    s.encode_to_vec(&mut out).map_err(|_| malformed())?;
    Ok(out)
}

fn pss(hash: MechanismType, mgf: PkcsMgfType, salt: u64) -> PkcsPssParams {
    PkcsPssParams {
        hash_alg: hash,
        mgf,
        s_len: salt.into(),
    }
}

impl PrivateKey for TokenKey {
    fn algorithm(&self) -> KeyAlgorithm {
        self.algorithm
    }

    fn public_key(&self) -> &[u8] {
        &self.public
    }

    fn sign(&self, scheme: SignatureScheme, message: &[u8]) -> Result<Vec<u8>, Error> {
        let family = self.algorithm.family();
        if scheme.key_family() != family {
            return Err(wrong_key("signing with this scheme", family));
        }
        let sign = |mechanism: &Mechanism<'_>, data: &[u8]| {
            self.with_key(|session, handle| {
                session
                    .sign(mechanism, handle, data)
                    .map_err(|e| token_error("C_Sign", e))
            })
        };
        let mechanism = match scheme {
            SignatureScheme::RsaPkcs1Sha256 => Mechanism::Sha256RsaPkcs,
            SignatureScheme::RsaPkcs1Sha384 => Mechanism::Sha384RsaPkcs,
            SignatureScheme::RsaPkcs1Sha512 => Mechanism::Sha512RsaPkcs,
            SignatureScheme::RsaPssSha256 => Mechanism::Sha256RsaPkcsPss(pss(
                MechanismType::SHA256,
                PkcsMgfType::MGF1_SHA256,
                32,
            )),
            SignatureScheme::RsaPssSha384 => Mechanism::Sha384RsaPkcsPss(pss(
                MechanismType::SHA384,
                PkcsMgfType::MGF1_SHA384,
                48,
            )),
            SignatureScheme::RsaPssSha512 => Mechanism::Sha512RsaPkcsPss(pss(
                MechanismType::SHA512,
                PkcsMgfType::MGF1_SHA512,
                64,
            )),
            SignatureScheme::EcdsaP256Sha256 => {
                let digest = sha2::Sha256::digest(message);
                return ecdsa_der(&sign(&Mechanism::Ecdsa, &digest)?);
            }
            _ => return Err(wrong_key("signing with this scheme", family)),
        };
        sign(&mechanism, message)
    }

    fn decrypt_oaep_sha256(&self, ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        if self.algorithm.family() != KeyFamily::Rsa {
            return Err(wrong_key("RSA-OAEP decryption", self.algorithm.family()));
        }
        let params = PkcsOaepParams::new(
            MechanismType::SHA256,
            PkcsMgfType::MGF1_SHA256,
            PkcsOaepSource::empty(),
        );
        self.with_key(|session, handle| {
            match session.decrypt(&Mechanism::RsaPkcsOaep(params), handle, ciphertext) {
                Ok(plain) => Ok(Zeroizing::new(plain)),
                Err(e) if is_token_failure(&e) => Err(token_error("C_Decrypt", e)),
                // Refused before the ciphertext is read: not a decryption oracle.
                Err(P11Error::Pkcs11(
                    RvError::MechanismInvalid
                    | RvError::MechanismParamInvalid
                    | RvError::ArgumentsBad,
                    Function::DecryptInit,
                )) => Err(TokenError::MechanismUnsupported {
                    mechanism: "RSA-OAEP with SHA-256",
                }
                .into()),
                Err(_) => Err(CryptoError::DecryptFailed.into()),
            }
        })
    }

    fn agree_p256(&self, peer_public: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        if self.algorithm != KeyAlgorithm::EcP256 {
            return Err(wrong_key("ECDH P-256", self.algorithm.family()));
        }
        check_uncompressed_p256(peer_public)?;
        let params = Ecdh1DeriveParams::new(EcKdf::null(), peer_public);
        let template = [
            Attribute::Class(ObjectClass::SECRET_KEY),
            Attribute::KeyType(KeyType::GENERIC_SECRET),
            Attribute::Token(false),
            Attribute::Sensitive(false),
            Attribute::Extractable(true),
            Attribute::ValueLen(32u64.into()),
        ];
        self.with_key(|session, handle| {
            let secret = session
                .derive_key(&Mechanism::Ecdh1Derive(params), handle, &template)
                .map_err(derive_error)?;
            let value = session.get_attributes(secret, &[AttributeType::Value]);
            // The session object goes whether or not its value could be read.
            let _ = session.destroy_object(secret);
            let mut value = value.map_err(|e| token_error("C_GetAttributeValue", e))?;
            match value.iter_mut().find_map(|a| match a {
                Attribute::Value(v) => Some(Zeroizing::new(core::mem::take(v))),
                _ => None,
            }) {
                Some(z) if z.len() == 32 => Ok(z),
                _ => Err(TokenError::Failed {
                    operation: "C_DeriveKey",
                    code: "the token gave no 32-byte shared secret".to_owned(),
                }
                .into()),
            }
        })
    }
}

fn derive_error(error: P11Error) -> Error {
    if is_token_failure(&error) {
        token_error("C_DeriveKey", error)
    } else if matches!(
        error,
        P11Error::Pkcs11(RvError::MechanismParamInvalid, _)
            | P11Error::Pkcs11(RvError::DomainParamsInvalid, _)
    ) {
        CryptoError::InvalidPublicKey {
            what: "P-256 public point",
        }
        .into()
    } else {
        token_error("C_DeriveKey", error)
    }
}
