//! The pki layer: keys and certificates, path validation (the fixture PKI,
//! x509-limbo, trust anchors and key purposes) and the SM2 PKI.

mod gm_pki;
mod keys_and_certificates;
mod limbo;
mod path_trust;
mod path_validation;
