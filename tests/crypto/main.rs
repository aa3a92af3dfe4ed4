//! The crypto layer: Wycheproof vectors for every primitive, the two providers
//! agreeing, and the national algorithms (SM2, SM3, SM4).

mod gm_algorithms;
mod providers_agree;
mod wycheproof;
