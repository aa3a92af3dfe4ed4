//! The OpenSSL side of the envelope benchmark: the same steps as
//! `fapiao::envelope::seal` / `Opener::open`, done the way `openssl cms -sign |
//! openssl cms -encrypt -aes-256-gcm` and `openssl cms -decrypt | openssl cms
//! -verify` do them, through libcrypto:
//!
//! * sign: CMS SignedData, binary, content included (nodetach), signer
//!   certificate plus the issuing CA in `certificates`, SHA-256;
//! * encrypt: AuthEnvelopedData with AES-256-GCM to one recipient, RSA-OAEP with
//!   SHA-256 and MGF1-SHA-256 for an RSA certificate, ephemeral-static ECDH with
//!   the X9.63 SHA-256 KDF (dhSinglePass-stdDH-sha256kdf) and AES-256 key wrap for
//!   a P-256 one;
//! * decrypt, then verify the signature and the chain to the root (an
//!   `X509Store` holding only root-ca, the issuing CA taken from the SignedData).
//!
//! The `openssl` crate covers signing, decryption and verification. Its
//! `CmsContentInfo::encrypt` cannot set recipient key parameters (OAEP digests,
//! ECDH KDF digest), so encryption drops to libcrypto with `CMS_PARTIAL` +
//! `CMS_add1_recipient_cert(CMS_KEY_PARAM)` + the recipient's `EVP_PKEY_CTX` +
//! `CMS_final`, exactly as `apps/cms.c` does for `-keyopt`.

use std::ffi::{c_int, c_void};
use std::ptr;

use foreign_types::ForeignType;
use openssl::cms::{CMSOptions, CmsContentInfo};
use openssl::error::ErrorStack;
use openssl::pkey::{Id, PKey, Private};
use openssl::stack::Stack;
use openssl::x509::X509;
use openssl::x509::store::{X509Store, X509StoreBuilder};
use openssl::x509::verify::X509VerifyParam;
use openssl_sys as ffi;

/// libcrypto functions that openssl-sys does not declare (or declares only as
/// OpenSSL 1.1 `EVP_PKEY_CTX_ctrl` macros). All exist as functions in OpenSSL 3.0.
mod sys {
    use std::ffi::{c_int, c_uint};

    use openssl_sys::{BIO, CMS_ContentInfo, EVP_MD, EVP_PKEY_CTX, X509};

    /// `CMS_RecipientInfo`, opaque.
    pub enum CmsRecipientInfo {}

    unsafe extern "C" {
        pub fn CMS_add1_recipient_cert(
            cms: *mut CMS_ContentInfo,
            recip: *mut X509,
            flags: c_uint,
        ) -> *mut CmsRecipientInfo;
        pub fn CMS_RecipientInfo_get0_pkey_ctx(ri: *mut CmsRecipientInfo) -> *mut EVP_PKEY_CTX;
        pub fn CMS_final(
            cms: *mut CMS_ContentInfo,
            data: *mut BIO,
            dcont: *mut BIO,
            flags: c_uint,
        ) -> c_int;
        pub fn EVP_PKEY_CTX_set_rsa_padding(ctx: *mut EVP_PKEY_CTX, pad_mode: c_int) -> c_int;
        pub fn EVP_PKEY_CTX_set_rsa_oaep_md(ctx: *mut EVP_PKEY_CTX, md: *const EVP_MD) -> c_int;
        pub fn EVP_PKEY_CTX_set_rsa_mgf1_md(ctx: *mut EVP_PKEY_CTX, md: *const EVP_MD) -> c_int;
        pub fn EVP_PKEY_CTX_set_ecdh_kdf_md(ctx: *mut EVP_PKEY_CTX, md: *const EVP_MD) -> c_int;
    }
}

/// `1` is success for every libcrypto call used here.
fn check(ret: c_int) -> Result<(), ErrorStack> {
    if ret == 1 {
        Ok(())
    } else {
        Err(ErrorStack::get())
    }
}

/// A read-only memory BIO over a borrowed slice, freed on drop.
struct MemBioSlice<'a> {
    bio: *mut ffi::BIO,
    _data: std::marker::PhantomData<&'a [u8]>,
}

impl<'a> MemBioSlice<'a> {
    fn new(data: &'a [u8]) -> Result<Self, ErrorStack> {
        let len = c_int::try_from(data.len()).expect("payload fits a c_int");
        // SAFETY: `data` is valid for `len` bytes and outlives the BIO (the
        // lifetime `'a` ties them); a read-only mem BIO never writes through it.
        let bio = unsafe { ffi::BIO_new_mem_buf(data.as_ptr().cast::<c_void>(), len) };
        if bio.is_null() {
            return Err(ErrorStack::get());
        }
        Ok(Self {
            bio,
            _data: std::marker::PhantomData,
        })
    }
}

impl Drop for MemBioSlice<'_> {
    fn drop(&mut self) {
        // SAFETY: `bio` came from BIO_new_mem_buf, is non-null and freed once.
        unsafe { ffi::BIO_free_all(self.bio) };
    }
}

/// One direction of the benchmark: a sender that signs, a recipient that decrypts
/// and verifies, both in OpenSSL's types.
pub struct OpenSslParty {
    signer_cert: X509,
    signer_key: PKey<Private>,
    /// Certificates to put in the SignedData besides the signer's: the issuing CA.
    extra_certs: Stack<X509>,
    recipient_cert: X509,
    recipient_key: PKey<Private>,
    /// Trust anchors for verification: the root alone.
    store: X509Store,
}

impl OpenSslParty {
    /// `signer` and `recipient` are PEM certificate + PKCS#8 key pairs;
    /// `issuing_ca` goes into the SignedData, `root` into the trust store;
    /// chains are validated at `verify_time` (UNIX seconds).
    pub fn new(
        signer: (&[u8], &[u8]),
        recipient: (&[u8], &[u8]),
        issuing_ca: &[u8],
        root: &[u8],
        verify_time: u64,
    ) -> Result<Self, ErrorStack> {
        let mut extra_certs = Stack::new()?;
        extra_certs.push(X509::from_pem(issuing_ca)?)?;
        let mut store = X509StoreBuilder::new()?;
        store.add_cert(X509::from_pem(root)?)?;
        let mut param = X509VerifyParam::new()?;
        param.set_time(verify_time.try_into().expect("time_t"));
        store.set_param(&param)?;
        Ok(Self {
            signer_cert: X509::from_pem(signer.0)?,
            signer_key: PKey::private_key_from_pem(signer.1)?,
            extra_certs,
            recipient_cert: X509::from_pem(recipient.0)?,
            recipient_key: PKey::private_key_from_pem(recipient.1)?,
            store: store.build(),
        })
    }

    /// Sign, then encrypt: DER of a ContentInfo(AuthEnvelopedData(ContentInfo(SignedData))).
    pub fn seal(&self, payload: &[u8]) -> Result<Vec<u8>, ErrorStack> {
        let signed = self.sign(payload)?;
        self.encrypt(&signed)
    }

    /// Decrypt, then verify signature and chain; returns the payload.
    pub fn open(&self, envelope: &[u8]) -> Result<Vec<u8>, ErrorStack> {
        let signed = self.decrypt(envelope)?;
        self.verify(&signed)
    }

    /// `openssl cms -sign -binary -nodetach -certfile issuing-ca.pem -nosmimecap`
    /// (no SMIMECapabilities: fapiao writes none either), DER.
    pub fn sign(&self, payload: &[u8]) -> Result<Vec<u8>, ErrorStack> {
        CmsContentInfo::sign(
            Some(&self.signer_cert),
            Some(&self.signer_key),
            Some(&self.extra_certs),
            Some(payload),
            CMSOptions::BINARY | CMSOptions::NOSMIMECAP,
        )?
        .to_der()
    }

    /// `openssl cms -encrypt -binary -aes-256-gcm -recip CERT -keyopt …`, DER.
    pub fn encrypt(&self, content: &[u8]) -> Result<Vec<u8>, ErrorStack> {
        let flags = CMSOptions::BINARY | CMSOptions::PARTIAL;
        // SAFETY: with CMS_PARTIAL, CMS_encrypt neither reads `certs` (NULL is an
        // empty stack) nor `data`; the cipher is a static libcrypto object. The
        // result is owned by `cms` below from the moment it is known non-null.
        let raw = unsafe {
            ffi::CMS_encrypt(
                ptr::null_mut(),
                ptr::null_mut(),
                ffi::EVP_aes_256_gcm(),
                flags.bits(),
            )
        };
        if raw.is_null() {
            return Err(ErrorStack::get());
        }
        // SAFETY: `raw` is a fresh, non-null CMS_ContentInfo that nothing else owns.
        let cms = unsafe { CmsContentInfo::from_ptr(raw) };

        // SAFETY: `cms` and the certificate are valid; add1 takes its own
        // reference to the certificate. The returned RecipientInfo is owned by
        // `cms` and used only while `cms` lives.
        let ri = unsafe {
            sys::CMS_add1_recipient_cert(
                cms.as_ptr(),
                self.recipient_cert.as_ptr(),
                (flags | CMSOptions::KEY_PARAM).bits(),
            )
        };
        if ri.is_null() {
            return Err(ErrorStack::get());
        }
        // SAFETY: `ri` is valid (above); CMS_KEY_PARAM made libcrypto allocate the
        // recipient's EVP_PKEY_CTX now, which `ri` owns (get0: not freed here).
        let pctx = unsafe { sys::CMS_RecipientInfo_get0_pkey_ctx(ri) };
        if pctx.is_null() {
            return Err(ErrorStack::get());
        }
        match self.recipient_cert.public_key()?.id() {
            Id::RSA => {
                // SAFETY: `pctx` is the recipient's live RSA encryption context;
                // EVP_sha256 returns a static object.
                unsafe {
                    check(sys::EVP_PKEY_CTX_set_rsa_padding(
                        pctx,
                        ffi::RSA_PKCS1_OAEP_PADDING,
                    ))?;
                    check(sys::EVP_PKEY_CTX_set_rsa_oaep_md(pctx, ffi::EVP_sha256()))?;
                    check(sys::EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, ffi::EVP_sha256()))?;
                }
            }
            Id::EC => {
                // SAFETY: `pctx` is the recipient's live ECDH derive context;
                // EVP_sha256 returns a static object. (OpenSSL's default KDF
                // digest would be SHA-1.)
                check(unsafe { sys::EVP_PKEY_CTX_set_ecdh_kdf_md(pctx, ffi::EVP_sha256()) })?;
            }
            other => panic!("unsupported recipient key {other:?}"),
        }
        let data = MemBioSlice::new(content)?;
        // SAFETY: `cms` and the input BIO are valid for the call; no detached
        // content BIO is used.
        check(unsafe {
            sys::CMS_final(
                cms.as_ptr(),
                data.bio,
                ptr::null_mut(),
                CMSOptions::BINARY.bits(),
            )
        })?;
        cms.to_der()
    }

    /// `openssl cms -decrypt -recip CERT -inkey KEY`: the inner ContentInfo DER.
    pub fn decrypt(&self, envelope: &[u8]) -> Result<Vec<u8>, ErrorStack> {
        CmsContentInfo::from_der(envelope)?.decrypt(&self.recipient_key, &self.recipient_cert)
    }

    /// `openssl cms -verify -binary -CAfile root-ca.pem`: the signed content.
    pub fn verify(&self, signed: &[u8]) -> Result<Vec<u8>, ErrorStack> {
        let mut out = Vec::new();
        CmsContentInfo::from_der(signed)?.verify(
            None,
            Some(&self.store),
            None,
            Some(&mut out),
            CMSOptions::BINARY,
        )?;
        Ok(out)
    }
}
