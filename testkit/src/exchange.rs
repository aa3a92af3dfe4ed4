//! 互换数字证书 in process: the four messages of the certificate exchange between
//! two parties, each pinning the other in its store.

use std::sync::Arc;

use fapiao::envelope::MemoryReplayGuard;
use fapiao::exchange::PeerStore;
use fapiao::exchange::{
    CertificateMatch, Confirmed, ExchangeParty, PartyBindings, PartyRole, PeerDirectory,
};
use fapiao::pki::Credentials;
use fapiao::platform::PlatformTrust;
use fapiao::qualification::{QualificationRegistry, RegisteredFrontEnds};
use fapiao::store::SqliteStore;

use crate::fixture::{provider, trust};

/// What a side's operator configured: the other side's platform id bound to
/// its certificate's key. An enterprise front end is bound by the service
/// platform's qualification registry instead (`RegisteredFrontEnds`).
pub fn bindings_for(peer: &Credentials, party_id: &str, role: PartyRole) -> PartyBindings {
    match role {
        PartyRole::EnterpriseFrontEnd => PartyBindings::new(),
        _ => PartyBindings::new().bind(
            party_id,
            role,
            CertificateMatch::Key(peer.leaf().spki_fingerprint()),
        ),
    }
}

/// One side of an exchange: its credentials, party id, role and store
/// (SQLite by default).
pub type Side<'a, S = SqliteStore> = (&'a Credentials, &'a str, PartyRole, &'a Arc<S>);

/// A store one side of an exchange pins its peer in, and looks enterprises up
/// in when the other side is a front end.
pub trait ExchangeStore: PeerStore + QualificationRegistry + 'static {}

impl<T: PeerStore + QualificationRegistry + 'static> ExchangeStore for T {}

/// The exchange between `a` (who offers) and `b` at `now`: offer, answer,
/// confirm, complete (and finish when `b` holds an encryption certificate);
/// each side pins the other in its store. Each binds the
/// other's platform id to its certificate ([`bindings_for`]), and a front end
/// through the enterprise's record in the other's store.
pub fn exchange<A: ExchangeStore, B: ExchangeStore>(a: Side<'_, A>, b: Side<'_, B>, now: u64) {
    exchange_trusting(a, b, now, &trust());
}

/// [`exchange`] with both sides validating the other's chains with `trust`.
pub fn exchange_trusting<A: ExchangeStore, B: ExchangeStore>(
    a: Side<'_, A>,
    b: Side<'_, B>,
    now: u64,
    trust: &PlatformTrust,
) {
    let validator = trust.validator();
    let (ra, rb) = (MemoryReplayGuard::new(), MemoryReplayGuard::new());
    let (da, db) = (
        PeerDirectory::new(Arc::clone(a.3) as Arc<dyn PeerStore>),
        PeerDirectory::new(Arc::clone(b.3) as Arc<dyn PeerStore>),
    );
    let (ba, bb) = (bindings_for(b.0, b.1, b.2), bindings_for(a.0, a.1, a.2));
    let (fa, fb) = (
        RegisteredFrontEnds(a.3.as_ref()),
        RegisteredFrontEnds(b.3.as_ref()),
    );
    let pa = ExchangeParty::new(a.0, a.1, a.2, &validator, &da, &ra, provider())
        .with_bindings(&ba)
        .bound_by(&fa);
    let pb = ExchangeParty::new(b.0, b.1, b.2, &validator, &db, &rb, provider())
        .with_bindings(&bb)
        .bound_by(&fb);
    let (sent, offer) = pa.offer(now).expect("the exchange's offer");
    let (answered, answer) = pb.answer(&offer, now).expect("the exchange's answer");
    let (confirmed, confirm) = pa
        .confirm(sent, &answer, now)
        .expect("the exchange's confirmation");
    let (_, finish) = pb
        .complete(answered, &confirm, now)
        .expect("the exchange's completion");
    match (confirmed, finish) {
        (Confirmed::Pinned(_), None) => {}
        (Confirmed::AwaitingFinish(sent), Some(finish)) => {
            pa.finish(sent, &finish, now)
                .expect("the exchange's finish");
        }
        (confirmed, finish) => panic!(
            "the initiator {} a finish, the responder sent {}",
            if matches!(confirmed, Confirmed::Pinned(_)) {
                "expects no"
            } else {
                "awaits"
            },
            if finish.is_some() { "one" } else { "none" }
        ),
    }
}
