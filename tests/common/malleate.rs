//! ECDSA malleability: the signature `(r, n - s)` verifies wherever `(r, s)`
//! does, over the same signed attributes. An attacker holding a SignedData
//! (its second recipient, its sender, a relay that decrypted it) can so make
//! "another" signature without any key.

use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use der::asn1::{Any, AnyRef, OctetString, Uint};
use der::{Decode, Encode, Reader, SliceReader, Tag};

/// The order of the P-256 group, big-endian.
const P256_ORDER: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];

/// `n - s` for a P-256 `s` (big-endian, any length up to 32 bytes).
fn negate(s: &[u8]) -> Vec<u8> {
    let mut padded = [0u8; 32];
    padded[32 - s.len()..].copy_from_slice(s);
    let mut out = [0u8; 32];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let mut d = i16::from(P256_ORDER[i]) - i16::from(padded[i]) - borrow;
        borrow = i16::from(d < 0);
        if d < 0 {
            d += 256;
        }
        out[i] = d as u8;
    }
    out.to_vec()
}

/// The SignedData `ContentInfo` in `signed_der` with signer `index`'s P-256
/// signature replaced by its `(r, n - s)` twin; everything else as it was.
pub fn negate_ecdsa_s(signed_der: &[u8], index: usize) -> Vec<u8> {
    let info = ContentInfo::from_der(signed_der).unwrap();
    let mut signed: SignedData = info.content.decode_as().unwrap();
    let mut infos: Vec<_> = signed.signer_infos.0.iter().cloned().collect();
    // Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }
    let sequence = AnyRef::from_der(infos[index].signature.as_bytes()).unwrap();
    let mut reader = SliceReader::new(sequence.value()).unwrap();
    let r = Uint::decode(&mut reader).unwrap();
    let s = Uint::decode(&mut reader).unwrap();
    reader.finish().unwrap();
    let twin_s = Uint::new(&negate(s.as_bytes())).unwrap();
    assert_ne!(twin_s, s, "a signature with s = n/2 has no twin");
    let mut content = r.to_der().unwrap();
    content.extend(twin_s.to_der().unwrap());
    let twin = Any::new(Tag::Sequence, content).unwrap().to_der().unwrap();
    infos[index].signature = OctetString::new(twin).unwrap();
    signed.signer_infos = cms::signed_data::SignerInfos::try_from(infos).unwrap();
    ContentInfo {
        content_type: info.content_type,
        content: Any::encode_from(&signed).unwrap(),
    }
    .to_der()
    .unwrap()
}
