//! The main job: the patent's whole method, in one process, on a fresh machine.
//!
//! A cloud platform (ECP), an e-invoice service platform (EISP) hosting an
//! issuing device, and one enterprise's front-end service with its own device
//! exchange certificates (the fixture PKI in tests/data), then:
//!
//! * a platform-hosted enterprise issues invoices synchronously;
//! * an enterprise-hosted enterprise's request is accepted with a ticket, its
//!   front end pulls the command, issues on its own device, returns the result,
//!   and the cloud platform's poll gets the invoice;
//! * one refused order shows its violation list;
//! * one red-letter invoice reverses the first blue one;
//! * the service platform uploads everything to a (recording) tax authority.
//!
//! Every message travels as a sealed CMS envelope (signed, then encrypted). On
//! start-up, orders the cloud platform sent in an earlier run without storing
//! their answers (its journal holds them as outstanding) are sent again first.
//!
//! ```text
//! cargo run --release --example issue_invoice [-- --count N] [--batch B] [--db PATH]
//! ```
//! `--db PATH` keeps the service platform's SQLite database at PATH, and the
//! cloud platform's and the enterprise front end's (each party has its own)
//! next to it at PATH-cloud and PATH-front-end; they are in memory otherwise.
//! Run it again with the same PATH and it goes on where the last run ended (the
//! devices' numbers continue, the exchange and the registry are found as
//! left). `--count N` issues N platform-hosted invoices and reports
//! invoices per second; `--batch B` sends them B at a time with group commit
//! (`ServicePlatform::handle_batch`, `CloudPlatform::open_responses`: one commit
//! per batch on each platform). Each run ends with the platforms' maintenance
//! step, which on a kept database forgets the message ids of runs more than
//! 600 s ago (see docs/limits.md, storage growth).

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use fapiao::CryptoProvider;
use fapiao::device::DeviceStore;
use fapiao::device::{DeviceSecret, NumberSegment, SoftwareDevice};
use fapiao::envelope::{MemoryReplayGuard, SignedMessage};
use fapiao::exchange::{
    CertificateMatch, ExchangeParty, PartyBinder, PartyBindings, PartyRole, PeerDirectory,
};
use fapiao::invoice::{
    FailureReason, InvoiceKind, InvoiceNumber, IssueOutcome, IssueResponse, IssuedInvoice,
    UnifiedSocialCreditCode,
};
use fapiao::pki::{Credentials, TrustStore};
use fapiao::platform::{
    CloudPlatform, CloudPlatformParts, FrontEndParts, FrontEndService, Order, PlatformTrust,
    ServicePlatform, ServicePlatformParts,
};
use fapiao::qualification::{
    EnterpriseStatus, HostingMode, QualificationRecord, RegisteredDevice, RegisteredFrontEnds,
};
use fapiao::store::SqliteStore;
use fapiao::tax::{RecordingTaxAuthority, RetryPolicy, SeededJitter};
use fapiao::time::Timestamp;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

const PLATFORM_HOSTED: &str = "91440101MA5CJQ4N59";
const ENTERPRISE_HOSTED: &str = "91350200776049653A";

fn fixture(name: &str) -> Result<Vec<u8>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(name);
    std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()).into())
}

fn creds(name: &str, provider: &'static CryptoProvider) -> Result<Credentials> {
    let mut chain = fixture(&format!("tests/data/{name}.pem"))?;
    chain.extend(fixture("tests/data/issuing-ca.pem")?);
    let key = fixture(&format!("tests/data/{name}.key.pem"))?;
    Ok(Credentials::from_pem(&chain, &key, None, provider)?)
}

fn trust() -> Result<PlatformTrust> {
    Ok(PlatformTrust::new(TrustStore::from_pem_or_der(&fixture(
        "tests/data/root-ca.pem",
    )?)?))
}

/// One side of the certificate exchange: its credentials, party id and role,
/// the directory it pins the other side in, and what binds the other side's
/// claimed identity to its certificate.
type Side<'a> = (
    &'a Credentials,
    &'a str,
    PartyRole,
    &'a PeerDirectory,
    &'a dyn PartyBinder,
);

/// 互换数字证书: offer, answer, confirm; both sides pin the other.
fn exchange(a: Side<'_>, b: Side<'_>, now: u64, provider: &'static CryptoProvider) -> Result<()> {
    let trust = trust()?;
    let validator = trust.validator();
    let (ra, rb) = (MemoryReplayGuard::new(), MemoryReplayGuard::new());
    let pa = ExchangeParty::new(a.0, a.1, a.2, &validator, a.3, &ra, provider).bound_by(a.4);
    let pb = ExchangeParty::new(b.0, b.1, b.2, &validator, b.3, &rb, provider).bound_by(b.4);
    let (sent, offer) = pa.offer(now)?;
    let (answered, answer) = pb.answer(&offer, now)?;
    let (_, confirm) = pa.confirm(sent, &answer, now)?;
    pb.complete(answered, &confirm, now)?;
    println!("certificate exchange: {} <-> {} pinned", a.1, b.1);
    Ok(())
}

/// An operator's binding of one platform id to its certificate's key.
fn bind(party_id: &str, role: PartyRole, peer: &Credentials) -> PartyBindings {
    let key = CertificateMatch::Key(peer.leaf().spki_fingerprint());
    PartyBindings::new().bind(party_id, role, key)
}

fn record(tax_id: &str, mode: HostingMode) -> Result<QualificationRecord> {
    Ok(QualificationRecord {
        tax_id: UnifiedSocialCreditCode::parse(tax_id)?,
        name: format!("Enterprise {tax_id}"),
        status: EnterpriseStatus::Active,
        allowed_invoice_kinds: [InvoiceKind::DigitalOrdinary].into_iter().collect(),
        single_invoice_limit_fen: 100_000_000,
        monthly_quota_fen: i64::MAX / 4,
        valid_from_unix: Timestamp::from_unix_seconds(1_767_225_600),
        valid_until_unix: Timestamp::from_unix_seconds(2_082_758_400),
        hosting_mode: mode,
        allowed_platforms: ["ECP-1".to_owned()].into_iter().collect(),
        bound_certificates: BTreeSet::new(),
        devices: Vec::new(),
    })
}

/// A party's store: in memory, or with `--db PATH` the file PATH followed by
/// `suffix` (the service platform's is PATH itself).
fn store(db: Option<&std::path::Path>, suffix: &str) -> Result<SqliteStore> {
    Ok(match db {
        Some(path) => {
            let mut file = path.as_os_str().to_owned();
            file.push(suffix);
            SqliteStore::open(PathBuf::from(file))?
        }
        None => SqliteStore::open_in_memory()?,
    })
}

/// The sample request (examples/requests/valid-blue.json) for `seller`.
fn request(seller: &str, buyer: &str, serial: &str) -> Result<Vec<u8>> {
    let sample = String::from_utf8(fixture("examples/requests/valid-blue.json")?)?;
    Ok(sample
        .replace(
            "\"tax_id\": \"91440101MA5CJQ4N59\"",
            "\"tax_id\": \"BUYER\"",
        )
        .replace(
            "\"tax_id\": \"91350200776049653A\"",
            &format!("\"tax_id\": \"{seller}\""),
        )
        .replace("\"tax_id\": \"BUYER\"", &format!("\"tax_id\": \"{buyer}\""))
        .replace("ERP-20261128-000001", serial)
        .into_bytes())
}

fn yuan(fen: i64) -> String {
    format!(
        "{}{}.{:02}",
        if fen < 0 { "-" } else { "" },
        fen.unsigned_abs() / 100,
        fen.unsigned_abs() % 100
    )
}

fn print_invoice(label: &str, invoice: &IssuedInvoice, signers: &str) {
    let number = &invoice.invoice_number;
    println!(
        "{label}: invoice {number} check code {} seller {} amount {} tax {} total {} ({:?}) device {} | {signers}",
        invoice.check_code.as_str(),
        invoice.seller_tax_id.as_str(),
        yuan(invoice.amount_fen),
        yuan(invoice.tax_amount_fen),
        yuan(invoice.total_fen),
        invoice.color,
        invoice.device_id,
    );
}

/// What the command line asks for.
pub struct Options {
    /// Platform-hosted invoices to issue (`--count`).
    pub count: usize,
    /// How many go to the platforms at a time (`--batch`).
    pub batch_size: usize,
    /// Where the service platform's database is kept (`--db`); the other
    /// parties' are next to it.
    pub db: Option<PathBuf>,
}

impl Options {
    /// Reads `--count N`, `--batch B` and `--db PATH`; the usage line when
    /// anything else is given.
    pub fn parse(args: &[String]) -> std::result::Result<Self, String> {
        const USAGE: &str = "usage: issue_invoice [--count N] [--batch B] [--db PATH]";
        let mut options = Options {
            count: 1,
            batch_size: 1,
            db: None,
        };
        let mut rest = args.iter();
        while let Some(flag) = rest.next() {
            match (flag.as_str(), rest.next()) {
                ("--count", Some(n)) => {
                    options.count = n.parse().map_err(|_| "--count needs a number")?;
                }
                ("--batch", Some(n)) => {
                    options.batch_size = n
                        .parse()
                        .ok()
                        .filter(|b| (1..=1024).contains(b))
                        .ok_or("--batch needs a number from 1 to 1024")?;
                }
                ("--db", Some(path)) => options.db = Some(PathBuf::from(path)),
                _ => return Err(USAGE.to_owned()),
            }
        }
        Ok(options)
    }
}

/// What a run did.
pub struct Summary {
    /// Invoices issued (both modes and the red-letter one).
    pub issued: usize,
    /// Orders refused.
    pub refused: usize,
    /// Invoices uploaded to the tax authority.
    pub uploaded: usize,
    /// The issued invoices' numbers, in the order they were issued.
    pub numbers: Vec<String>,
    /// Outstanding orders of earlier runs re-sent and answered at start-up.
    pub recovered: usize,
}

/// Re-sends every order the cloud platform's journal holds as outstanding and
/// stores the answers; returns how many were answered. One whose answer fails
/// is reported and stays outstanding for the next run.
fn resend_outstanding(cloud: &CloudPlatform, service: &ServicePlatform, now: u64) -> Result<usize> {
    let (mut after, mut answered) = (0, 0);
    while let Some((order, sealed)) = cloud.resend_next(after, now)? {
        after = order.position;
        let serial = &order.serial_number;
        match service
            .handle(&sealed, now)
            .and_then(|answer| cloud.open_response(&answer, now))
        {
            Ok(response) => {
                answered += 1;
                println!("recovered order {serial}: {:?}", response.outcome);
            }
            Err(e) => eprintln!("outstanding order {serial} still unanswered: {e}"),
        }
    }
    Ok(answered)
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match Options::parse(&args) {
        Ok(options) => run(&options).map(|_| ()),
        Err(usage) => {
            eprintln!("{usage}");
            std::process::exit(2);
        }
    }
}

/// The whole method, as the module documentation says.
pub fn run(options: &Options) -> Result<Summary> {
    let Options {
        count,
        batch_size,
        ref db,
    } = *options;
    let provider = CryptoProvider::default_provider();
    let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH)?;
    let now = since_epoch.as_secs();
    // Serial numbers unique to this run (to the nanosecond), so that a run on
    // a kept database (`--db`) sends new orders, not the last run's again.
    let run = format!("{now}{:09}", since_epoch.subsec_nanos());
    let started = Instant::now();

    let service_store = Arc::new(store(db.as_deref(), "")?);
    let cloud_store = Arc::new(store(db.as_deref(), "-cloud")?);
    let front_store = Arc::new(store(db.as_deref(), "-front-end")?);
    let (ecp, eisp, front) = (
        creds("ecp-p256", provider)?,
        creds("eisp-p256", provider)?,
        creds("enterprise-p256", provider)?,
    );
    let cloud_peers = PeerDirectory::new(cloud_store.clone());
    let service_peers = PeerDirectory::new(service_store.clone());
    let front_peers = PeerDirectory::new(front_store.clone());

    // The platform-hosted enterprise's ERP key is bound by its fingerprint.
    let erp_platform_hosted = creds("enterprise-ed25519", provider)?;
    let erp_enterprise_hosted = creds("enterprise-rsa", provider)?;
    let mut platform_hosted = record(PLATFORM_HOSTED, HostingMode::PlatformHosted)?;
    platform_hosted
        .bound_certificates
        .insert(erp_platform_hosted.leaf().spki_fingerprint());
    service_store.upsert_enterprise(&platform_hosted)?;
    // The enterprise-hosted enterprise's own device is registered with its seal
    // certificate, and its numbers are allocated at the service platform (a
    // segment disjoint from the hosted device's).
    let mut enterprise_hosted = record(ENTERPRISE_HOSTED, HostingMode::EnterpriseHosted)?;
    enterprise_hosted.devices.push(RegisteredDevice {
        device_id: "ENT-DEV-1".to_owned(),
        seal_certificate_pem: String::from_utf8(fixture("tests/data/enterprise-p256.pem")?)?,
    });
    service_store.upsert_enterprise(&enterprise_hosted)?;
    let front_segment = NumberSegment::digital(
        "ent-2026",
        "ENT-DEV-1",
        InvoiceKind::DigitalOrdinary,
        "26350",
        1,
        999_999_999_999_999,
    )?;
    service_store.add_segment(&front_segment)?;

    // Who may be whom: each platform's operator binds the other platform's id
    // to its certificate; the service platform binds an enterprise's front end
    // through the enterprise's record (the credit code in its certificate).
    let eisp_binding = bind("EISP-1", PartyRole::ServicePlatform, &eisp);
    let ecp_binding = bind("ECP-1", PartyRole::CloudPlatform, &ecp);
    let front_ends = RegisteredFrontEnds(service_store.as_ref());
    exchange(
        (
            &ecp,
            "ECP-1",
            PartyRole::CloudPlatform,
            &cloud_peers,
            &eisp_binding,
        ),
        (
            &eisp,
            "EISP-1",
            PartyRole::ServicePlatform,
            &service_peers,
            &ecp_binding,
        ),
        now,
        provider,
    )?;
    exchange(
        (
            &front,
            ENTERPRISE_HOSTED,
            PartyRole::EnterpriseFrontEnd,
            &front_peers,
            &eisp_binding,
        ),
        (
            &eisp,
            "EISP-1",
            PartyRole::ServicePlatform,
            &service_peers,
            &front_ends,
        ),
        now,
        provider,
    )?;

    let hosted_device = SoftwareDevice::new(
        "EISP-DEV-1",
        creds("eisp-p256", provider)?,
        DeviceSecret::new(&[0x5a; 32])?,
        service_store.clone(),
        provider,
    )?;
    hosted_device.add_segment(&NumberSegment::digital(
        "eisp-2026",
        "EISP-DEV-1",
        InvoiceKind::DigitalOrdinary,
        "26440",
        1,
        999_999_999_999_999,
    )?)?;
    let front_device = SoftwareDevice::new(
        "ENT-DEV-1",
        creds("enterprise-p256", provider)?,
        DeviceSecret::new(&[0xa5; 32])?,
        front_store.clone(),
        provider,
    )?
    .serving([ENTERPRISE_HOSTED.parse()?]);
    front_device.add_segment(&front_segment)?;

    let service = ServicePlatform::new(ServicePlatformParts::on_sqlite(
        eisp,
        trust()?,
        service_store.clone(),
        Arc::new(hosted_device),
        provider,
    ))
    // One transaction per request: the hosted device numbers in the same store.
    .with_unit_of_work(service_store.clone());
    let cloud = CloudPlatform::new(CloudPlatformParts::on_sqlite(
        ecp,
        trust()?,
        cloud_store.clone(),
        "EISP-1",
        provider,
    ))
    .with_unit_of_work(cloud_store.clone());
    let front_end = FrontEndService::new(FrontEndParts {
        credentials: front,
        trust: trust()?,
        peers: front_peers,
        service_platform: "EISP-1".into(),
        enterprise: ENTERPRISE_HOSTED.parse()?,
        device: Arc::new(front_device),
        replay: front_store.clone(),
        validation: Default::default(),
        provider,
    })
    .with_unit_of_work(front_store.clone());

    // ERP -> ECP -> EISP -> ECP, all sealed.
    let send = |erp: &Credentials, json: &[u8]| -> Result<IssueResponse> {
        let order = Order::Signed(SignedMessage::sign(json, erp, now, provider)?);
        let sealed = cloud.submit(order, now)?;
        let answer = service.handle(&sealed, now)?;
        Ok(cloud.open_response(&answer, now)?)
    };
    // The same for several orders at once, with one commit per platform.
    let send_batch = |erp: &Credentials, jsons: &[Vec<u8>]| -> Result<Vec<IssueResponse>> {
        let mut orders = Vec::with_capacity(jsons.len());
        for json in jsons {
            orders.push(Order::Signed(SignedMessage::sign(
                json, erp, now, provider,
            )?));
        }
        let mut sealed = Vec::with_capacity(orders.len());
        for envelope in cloud.submit_batch(orders, now)? {
            sealed.push(envelope?);
        }
        let sealed: Vec<&[u8]> = sealed.iter().map(Vec::as_slice).collect();
        let mut answers = Vec::with_capacity(sealed.len());
        for answer in service.handle_batch(&sealed, now)? {
            answers.push(answer?);
        }
        let answers: Vec<&[u8]> = answers.iter().map(Vec::as_slice).collect();
        let mut responses = Vec::with_capacity(answers.len());
        for response in cloud.open_responses(&answers, now)? {
            responses.push(response?);
        }
        Ok(responses)
    };
    let signers = |erp: &Credentials| {
        format!(
            "signed by ERP {} + cloud platform, sealed by service platform {}",
            erp.leaf().spki_fingerprint().to_hex()[..12].to_owned(),
            service.credentials().leaf().subject()
        )
    };

    // 0. What an earlier run sent and never stored the answer to (killed
    // between the service platform's commit and ours).
    let recovered = resend_outstanding(&cloud, &service, now)?;

    let (mut issued, mut refused) = (0usize, 0usize);
    let mut numbers = Vec::new();
    // 1. Platform-hosted, synchronous.
    let issuing_started = Instant::now();
    let mut first_blue = None;
    let mut done = 0usize;
    while done < count {
        let size = batch_size.min(count - done);
        let jsons = (done..done + size)
            .map(|i| request(PLATFORM_HOSTED, ENTERPRISE_HOSTED, &format!("P-{run}-{i}")))
            .collect::<Result<Vec<_>>>()?;
        let responses = if size == 1 {
            vec![send(&erp_platform_hosted, &jsons[0])?]
        } else {
            send_batch(&erp_platform_hosted, &jsons)?
        };
        for (i, response) in (done..).zip(&responses) {
            match &response.outcome {
                IssueOutcome::Issued { invoice } => {
                    issued += 1;
                    numbers.push(invoice.invoice_number.to_string());
                    if i < 3 {
                        print_invoice("platform-hosted", invoice, &signers(&erp_platform_hosted));
                    }
                    first_blue.get_or_insert_with(|| invoice.invoice_number.clone());
                }
                other => return Err(format!("expected an invoice, got {other:?}").into()),
            }
        }
        done += size;
    }
    let issuing_time = issuing_started.elapsed();

    // 2. Enterprise-hosted, asynchronous: accepted, pulled, issued, polled.
    let json = request(ENTERPRISE_HOSTED, PLATFORM_HOSTED, &format!("E-{run}"))?;
    let response = send(&erp_enterprise_hosted, &json)?;
    let IssueOutcome::AcceptedPending { ticket } = &response.outcome else {
        return Err(format!("expected accepted, got {:?}", response.outcome).into());
    };
    println!("enterprise-hosted: accepted with ticket {ticket}");
    let batch = service.handle(&front_end.pull(10, now)?, now)?;
    let (results, report) = front_end.run_commands(&batch, now)?;
    let recorded = front_end.read_ack(&service.handle(&results, now)?, now)?;
    println!(
        "front end: issued {} on its own device, service platform recorded {recorded:?}",
        report.issued
    );
    let polled = cloud.open_response(
        &service.handle(&cloud.query_ticket(ticket, now)?, now)?,
        now,
    )?;
    match &polled.outcome {
        IssueOutcome::Issued { invoice } => {
            issued += 1;
            numbers.push(invoice.invoice_number.to_string());
            print_invoice(
                "enterprise-hosted",
                invoice,
                &signers(&erp_enterprise_hosted),
            );
        }
        other => return Err(format!("expected the invoice on polling, got {other:?}").into()),
    }

    // 3. A refused order: every violation listed.
    let bad = String::from_utf8(request(
        PLATFORM_HOSTED,
        ENTERPRISE_HOSTED,
        &format!("X-{run}"),
    )?)?
    .replace("\"total_fen\": ", "\"total_fen\": 9");
    let response = send(&erp_platform_hosted, bad.as_bytes())?;
    match &response.outcome {
        IssueOutcome::Failed {
            reason: FailureReason::InvalidRequest { violations },
        } => {
            refused += 1;
            println!("refused order {}:", response.serial_number);
            for violation in violations.iter() {
                println!("  {violation}");
            }
        }
        other => return Err(format!("expected a refusal, got {other:?}").into()),
    }

    // 4. A red-letter invoice reversing the first blue one.
    if let Some(InvoiceNumber::Digital(original)) = first_blue {
        let red = String::from_utf8(fixture("examples/requests/valid-red.json")?)?
            .replace(
                "\"tax_id\": \"91440101MA5CJQ4N59\"",
                "\"tax_id\": \"BUYER\"",
            )
            .replace(
                "\"tax_id\": \"91350200776049653A\"",
                &format!("\"tax_id\": \"{PLATFORM_HOSTED}\""),
            )
            .replace(
                "\"tax_id\": \"BUYER\"",
                &format!("\"tax_id\": \"{ENTERPRISE_HOSTED}\""),
            )
            .replace("26352000000012345678", &original)
            .replace("ERP-20261128-000002", &format!("R-{run}"));
        match &send(&erp_platform_hosted, red.as_bytes())?.outcome {
            IssueOutcome::Issued { invoice } => {
                issued += 1;
                numbers.push(invoice.invoice_number.to_string());
                print_invoice("red-letter", invoice, &signers(&erp_platform_hosted));
            }
            other => return Err(format!("expected a red invoice, got {other:?}").into()),
        }
    }

    // 5. Upload to the tax authority.
    let authority = RecordingTaxAuthority::new();
    let drained = service.drain_outbox(
        &authority,
        now,
        &RetryPolicy::default(),
        &mut SeededJitter::new(now),
    )?;
    println!(
        "tax authority: {} uploaded, {} receipts",
        drained.uploaded,
        authority.receipts().len()
    );

    // 6. The operators' periodic maintenance: expired message ids, old uploads.
    let maintained = service.maintain(now)?;
    let cloud_pruned = cloud.maintain(now)?.replay_ids_pruned;
    println!(
        "maintenance: {} expired message ids forgotten by the service platform, {cloud_pruned} by the cloud platform; {} uploads compacted",
        maintained.replay_ids_pruned, maintained.outbox_compacted
    );

    println!(
        "summary: {issued} issued, {refused} refused, {} uploaded in {:.1} ms; platform-hosted path {:.0} invoices/s ({count} invoices{}, provider {}){}",
        drained.uploaded,
        started.elapsed().as_secs_f64() * 1e3,
        count as f64 / issuing_time.as_secs_f64(),
        if batch_size > 1 {
            format!(" in batches of {batch_size}")
        } else {
            String::new()
        },
        provider.name,
        db.as_ref()
            .map(|p| format!(", database kept at {}", p.display()))
            .unwrap_or_default(),
    );
    Ok(Summary {
        issued,
        refused,
        uploaded: drained.uploaded,
        numbers,
        recovered,
    })
}
