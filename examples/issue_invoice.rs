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
//! cargo run --release --example issue_invoice [-- --count N] [--batch B] [--db PATH] [--gm]
//!                                             [--service-platform http://HOST:PORT ...]
//! cargo run --release --features pkcs11 --example issue_invoice -- --pkcs11-module PATH
//! cargo run --release --features postgres --example issue_invoice -- --postgres URL
//!                                             [--schema-prefix P] [--count N] ...
//! ```
//! `--gm` runs every party on the SM2 dual certificates (双证书) of
//! tests/data/gm: the platforms, the front end and its device seal, and both
//! ERPs sign SM2-with-SM3, and every envelope is GM/T 0010 (SM2 key transport
//! to the recipient's encryption certificate, SM4).
//! `--db PATH` keeps the service platform's SQLite database at PATH, and the
//! cloud platform's and the enterprise front end's (each party has its own)
//! next to it at PATH-cloud and PATH-front-end; they are in memory otherwise.
//! `--postgres URL` (the `postgres` feature) keeps every party's store on that
//! PostgreSQL database instead, each party in its own schema: `P_ecp`,
//! `P_eisp` and `P_front_end` for `--schema-prefix P` (`fapiao` by default;
//! see `postgres`). Several processes may run at once on the same URL and
//! prefix, each one more node of both platforms and of the front end: they
//! share the registry, the pins and the devices' numbering, and each issues
//! its own orders, every one once.
//! `--pkcs11-module PATH` (the `pkcs11` feature) keeps the private keys of
//! both platforms (`eisp-p256`: signing, the device's seal, ECDH; `ecp-p256`)
//! on a PKCS#11 token, used through the module at PATH. With
//! `FAPIAO_PKCS11_TOKEN` (the token's label) and `FAPIAO_PKCS11_PIN` set, the
//! keys are the token's objects labelled `eisp-p256` and `ecp-p256` (the
//! fixture keys, imported as docs/pkcs11.md shows). Without them, PATH must be
//! SoftHSM2's module: the example makes a throwaway SoftHSM2 token in a
//! temporary directory (with `softhsm2-util`, and `openssl` and OpenSC's
//! `pkcs11-tool` to import the two fixture keys), runs itself again with
//! `SOFTHSM2_CONF` pointing there, and removes the directory.
//! Run it again with the same PATH and it goes on where the last run ended (the
//! devices' numbers continue, the exchange and the registry are found as
//! left). `--count N` issues N platform-hosted invoices and reports
//! invoices per second; `--batch B` sends them B at a time with group commit
//! (`ServicePlatform::handle_batch`, `CloudPlatform::open_responses`: one commit
//! per batch on each platform). Each run ends with the platforms' maintenance
//! step, which on a kept database forgets the message ids of runs more than
//! 600 s ago (see docs/limits.md, storage growth).
//!
//! `--service-platform http://HOST:PORT` (repeatable) reaches the service
//! platform over the network instead of in this process: each envelope (the
//! cloud platform's orders and ticket queries, the front end's pulls and
//! results) is POSTed to one of the `service_platform_node` examples given,
//! in turn, passing over a node that is down or busy (see `service_nodes`).
//! The node holds the service platform's database, uploads to the tax
//! authority and runs its maintenance; this process keeps the cloud platform's
//! and the front end's (`--db PATH` keeps them at PATH-cloud and
//! PATH-front-end). A node started with the same `--gm` describes the same
//! parties (`Setup::for_examples`), so each side finds the other pinned.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use fapiao::CryptoProvider;
use fapiao::envelope::SignedMessage;
use fapiao::invoice::{FailureReason, InvoiceNumber, IssueOutcome, IssueResponse, IssuedInvoice};
use fapiao::pki::Credentials;
use fapiao::platform::{CloudPlatform, FrontEndService, Order, ServicePlatform};
use fapiao::store::SqliteStore;
use fapiao::tax::{RecordingTaxAuthority, RetryPolicy, SeededJitter};
use fapiao_testkit::HOSTED_BY_PLATFORM as PLATFORM_HOSTED;
use fapiao_testkit::{CloudSideStore, FrontSideStore, ServiceSideStore};
use fapiao_testkit::{HOSTED_BY_ENTERPRISE as ENTERPRISE_HOSTED, Setup, World, request};

#[path = "issue_invoice/options.rs"]
mod options;
#[cfg(feature = "postgres")]
#[path = "issue_invoice/postgres.rs"]
mod postgres;
#[path = "issue_invoice/service_nodes.rs"]
mod service_nodes;
#[path = "issue_invoice/token.rs"]
pub mod token;

pub use options::Options;
use service_nodes::{Reseal, ServiceNodes};
pub use token::TokenKeys;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// A party's store: in memory, or with `--db PATH` the file PATH followed by
/// `suffix` (the service platform's is PATH itself).
fn store(db: Option<&std::path::Path>, suffix: &str) -> Result<Arc<SqliteStore>> {
    Ok(Arc::new(match db {
        Some(path) => {
            let mut file = path.as_os_str().to_owned();
            file.push(suffix);
            SqliteStore::open(PathBuf::from(file))?
        }
        None => SqliteStore::open_in_memory()?,
    }))
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

/// The roles of one run, set up on their stores.
struct Parties {
    cloud: CloudPlatform,
    service: ServicePlatform,
    front_end: FrontEndService,
    erp: std::collections::HashMap<&'static str, Credentials>,
}

/// The fixture world (fapiao-testkit) on `stores`: both enterprises
/// registered at the service platform, the certificates exchanged (ECP-1 <->
/// EISP-1, and the enterprise's front end <-> EISP-1), the devices given
/// their segments, and each role built on its own store with one unit of work
/// per message; the platforms' keys from `on_token` when given.
fn set_up<C: CloudSideStore, S: ServiceSideStore, F: FrontSideStore>(
    stores: Setup<C, S, F>,
    gm: bool,
    now: u64,
    on_token: Option<(Credentials, Credentials)>,
) -> Parties {
    let (eisp_credentials, ecp_credentials) = on_token.unzip();
    let world = World::set_up(Setup {
        ecp_credentials,
        eisp_credentials,
        ..stores.for_examples(gm, now)
    });
    Parties {
        cloud: world.cloud,
        service: world.service,
        front_end: world.front_end,
        erp: world.erp,
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

/// Where the service platform runs: in this process, or behind HTTP nodes.
enum ServiceAt<'a> {
    /// Called directly.
    InProcess(&'a ServicePlatform),
    /// Reached over HTTP (`--service-platform`).
    Nodes(&'a ServiceNodes),
}

impl ServiceAt<'_> {
    /// The service platform's sealed answer to `envelope`. Over the network,
    /// `reseal` makes a fresh envelope for the same message when an attempt
    /// may have reached a node whose answer was lost.
    fn handle(&self, envelope: &[u8], reseal: Reseal<'_>, now: u64) -> Result<Vec<u8>> {
        Ok(match self {
            Self::InProcess(service) => service.handle(envelope, now)?,
            Self::Nodes(nodes) => nodes.send(envelope, reseal)?,
        })
    }

    /// The answers to several envelopes: in one commit in this process
    /// (`handle_batch`), one request each over the network (the node commits
    /// each on its own). An envelope's `reseal` is the cloud platform's
    /// journal re-send of its order.
    fn handle_batch(
        &self,
        envelopes: &[Vec<u8>],
        reseal: &dyn Fn(usize) -> std::result::Result<Vec<u8>, fapiao::Error>,
        now: u64,
    ) -> Result<Vec<Vec<u8>>> {
        let mut answers = Vec::with_capacity(envelopes.len());
        match self {
            Self::InProcess(service) => {
                let sealed: Vec<&[u8]> = envelopes.iter().map(Vec::as_slice).collect();
                for answer in service.handle_batch(&sealed, now)? {
                    answers.push(answer?);
                }
            }
            Self::Nodes(nodes) => {
                for (i, envelope) in envelopes.iter().enumerate() {
                    answers.push(nodes.send(envelope, Some(&|| reseal(i)))?);
                }
            }
        }
        Ok(answers)
    }
}

/// Re-sends every order the cloud platform's journal holds as outstanding and
/// stores the answers; returns how many were answered. One whose answer fails
/// is reported and stays outstanding for the next run. On a database shared
/// with other processes (`--postgres`), an order another one answers
/// meanwhile is passed over.
fn resend_outstanding(cloud: &CloudPlatform, service: &ServiceAt<'_>, now: u64) -> Result<usize> {
    let (mut after, mut answered) = (0, 0);
    while let Some(order) = cloud.outstanding_submissions(after, 1)?.pop() {
        after = order.position;
        let serial = &order.serial_number;
        let sealed = match cloud.resend(&order.seller_tax_id, serial, now) {
            Ok(sealed) => sealed,
            Err(fapiao::Error::Store(fapiao::StoreError::WrongState { .. })) => continue,
            Err(e) => return Err(e.into()),
        };
        let reseal = || cloud.resend(&order.seller_tax_id, serial, now);
        match service
            .handle(&sealed, Some(&reseal), now)
            .and_then(|answer| Ok(cloud.open_response(&answer, now)?))
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

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match Options::parse(&args) {
        Ok(Options {
            pkcs11_module: Some(module),
            ..
        }) if std::env::var_os("FAPIAO_PKCS11_TOKEN").is_none() => {
            match token::run_on_throwaway_token(&module, &args) {
                Ok(code) => std::process::ExitCode::from(u8::try_from(code).unwrap_or(1)),
                Err(e) => {
                    eprintln!("issue_invoice: {e}");
                    std::process::ExitCode::FAILURE
                }
            }
        }
        Ok(options) => match run(&options) {
            Ok(_) => std::process::ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("issue_invoice: {e}");
                std::process::ExitCode::FAILURE
            }
        },
        Err(usage) => {
            eprintln!("{usage}");
            std::process::ExitCode::from(2)
        }
    }
}

/// The whole method, as the module documentation says; with
/// `--pkcs11-module`, on the token `FAPIAO_PKCS11_TOKEN` names.
pub fn run(options: &Options) -> Result<Summary> {
    let token =
        match &options.pkcs11_module {
            Some(module) => Some(TokenKeys::from_env(module)?.ok_or(
                "--pkcs11-module: FAPIAO_PKCS11_TOKEN and FAPIAO_PKCS11_PIN name the token",
            )?),
            None => None,
        };
    run_with_token(options, token.as_ref())
}

/// [`run`] with the platforms' keys on `token` when given.
pub fn run_with_token(options: &Options, token: Option<&TokenKeys>) -> Result<Summary> {
    let Options {
        count,
        batch_size,
        ref db,
        gm,
        ref service_platforms,
        ..
    } = *options;
    let nodes = if service_platforms.is_empty() {
        None
    } else {
        Some(ServiceNodes::new(service_platforms)?)
    };
    let on_token = token.map(token::token_credentials).transpose()?;
    let provider = CryptoProvider::default_provider();
    let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH)?;
    let now = since_epoch.as_secs();
    // Serial numbers unique to this run (to the nanosecond), so that a run on
    // a kept database (`--db`) sends new orders, not the last run's again.
    let run = format!("{now}{:09}", since_epoch.subsec_nanos());
    let started = Instant::now();

    // The fixture world (`set_up`), on SQLite or on PostgreSQL. With nodes,
    // the service platform's side of this world stays in memory: it only
    // takes part in the exchanges, and the nodes hold the same parties' state.
    let world = match &options.postgres {
        None => {
            let service_db = if nodes.is_some() { None } else { db.as_deref() };
            let stores = Setup::on(
                store(db.as_deref(), "-cloud")?,
                store(service_db, "")?,
                store(db.as_deref(), "-front-end")?,
            );
            set_up(stores, gm, now, on_token.clone())
        }
        #[cfg(feature = "postgres")]
        Some(url) => {
            let schemas = postgres::Schemas::for_prefix(&options.schema_prefix);
            let cloud = postgres::open(url, &schemas.cloud)?;
            let front_end = postgres::open(url, &schemas.front_end)?;
            if nodes.is_some() {
                let stores = Setup::on(cloud, store(None, "")?, front_end);
                set_up(stores, gm, now, on_token.clone())
            } else {
                let service = postgres::open(url, &schemas.service)?;
                set_up(
                    Setup::on(cloud, service, front_end),
                    gm,
                    now,
                    on_token.clone(),
                )
            }
        }
        #[cfg(not(feature = "postgres"))]
        Some(_) => return Err("--postgres: this build has no PostgreSQL support".into()),
    };
    let keys = if gm {
        "SM2 dual certificates: GM/T 0010 envelopes"
    } else if on_token.is_some() {
        "ECDSA P-256 and RSA certificates, both platforms' keys on the PKCS#11 token: AES-256-GCM envelopes"
    } else {
        "ECDSA P-256 and RSA certificates: AES-256-GCM envelopes"
    };
    println!(
        "certificate exchanges: ECP-1 <-> EISP-1, {ENTERPRISE_HOSTED} <-> EISP-1 pinned ({keys})"
    );
    let Parties {
        cloud,
        service,
        front_end,
        erp,
    } = world;
    let erp_platform_hosted = erp[PLATFORM_HOSTED].clone();
    let erp_enterprise_hosted = erp[ENTERPRISE_HOSTED].clone();
    let service_at = match &nodes {
        Some(nodes) => ServiceAt::Nodes(nodes),
        None => ServiceAt::InProcess(&service),
    };

    // ERP -> ECP -> EISP -> ECP, all sealed. `seller` and `serial` are the
    // order's, for a re-send from the journal.
    let send = |erp: &Credentials, seller: &str, serial: &str, json: &[u8]| {
        let order = Order::Signed(SignedMessage::sign(json, erp, now, provider)?);
        let sealed = cloud.submit(order, now)?;
        let reseal = || cloud.resend(seller, serial, now);
        let answer = service_at.handle(&sealed, Some(&reseal), now)?;
        Result::<IssueResponse>::Ok(cloud.open_response(&answer, now)?)
    };
    // The same for several orders at once, with one commit per platform.
    let send_batch = |erp: &Credentials,
                      seller: &str,
                      serials: &[String],
                      jsons: &[Vec<u8>]|
     -> Result<Vec<IssueResponse>> {
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
        let reseal = |i: usize| cloud.resend(seller, &serials[i], now);
        let answers = service_at.handle_batch(&sealed, &reseal, now)?;
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
    let recovered = resend_outstanding(&cloud, &service_at, now)?;

    let (mut issued, mut refused) = (0usize, 0usize);
    let mut numbers = Vec::new();
    // 1. Platform-hosted, synchronous.
    let issuing_started = Instant::now();
    let mut first_blue = None;
    let mut done = 0usize;
    while done < count {
        let size = batch_size.min(count - done);
        let serials: Vec<String> = (done..done + size)
            .map(|i| format!("P-{run}-{i}"))
            .collect();
        let jsons: Vec<Vec<u8>> = serials
            .iter()
            .map(|serial| request("valid-blue.json", PLATFORM_HOSTED, serial))
            .collect();
        let responses = if size == 1 {
            let erp = &erp_platform_hosted;
            vec![send(erp, PLATFORM_HOSTED, &serials[0], &jsons[0])?]
        } else {
            send_batch(&erp_platform_hosted, PLATFORM_HOSTED, &serials, &jsons)?
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
    let serial = format!("E-{run}");
    let json = request("valid-blue.json", ENTERPRISE_HOSTED, &serial);
    let response = send(&erp_enterprise_hosted, ENTERPRISE_HOSTED, &serial, &json)?;
    let IssueOutcome::AcceptedPending { ticket } = &response.outcome else {
        return Err(format!("expected accepted, got {:?}", response.outcome).into());
    };
    println!("enterprise-hosted: accepted with ticket {ticket}");
    let polled = pull_and_poll(&cloud, &front_end, &service_at, ticket, now)?;
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
    let serial = format!("X-{run}");
    let bad = String::from_utf8(request("valid-blue.json", PLATFORM_HOSTED, &serial))?
        .replace("\"total_fen\": ", "\"total_fen\": 9");
    let response = send(
        &erp_platform_hosted,
        PLATFORM_HOSTED,
        &serial,
        bad.as_bytes(),
    )?;
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
        let serial = format!("R-{run}");
        let red = String::from_utf8(request("valid-red.json", PLATFORM_HOSTED, &serial))?
            .replace("26352000000012345678", &original);
        match &send(
            &erp_platform_hosted,
            PLATFORM_HOSTED,
            &serial,
            red.as_bytes(),
        )?
        .outcome
        {
            IssueOutcome::Issued { invoice } => {
                issued += 1;
                numbers.push(invoice.invoice_number.to_string());
                print_invoice("red-letter", invoice, &signers(&erp_platform_hosted));
            }
            other => return Err(format!("expected a red invoice, got {other:?}").into()),
        }
    }

    // 5 and 6: the upload to the tax authority and the operators' periodic
    // maintenance (expired message ids, old uploads). Over the network the
    // nodes upload and maintain the service platform's side themselves.
    let uploaded = match service_at {
        ServiceAt::InProcess(service) => upload_and_maintain(service, &cloud, now)?,
        ServiceAt::Nodes(_) => {
            let cloud_pruned = cloud.maintain(now)?.replay_ids_pruned;
            println!("tax authority: the service-platform nodes upload what they record");
            println!(
                "maintenance: {cloud_pruned} expired message ids forgotten by the cloud platform"
            );
            0
        }
    };

    println!(
        "summary: {issued} issued, {refused} refused, {} uploaded in {:.1} ms; platform-hosted path {:.0} invoices/s ({count} invoices{}, provider {}){}",
        uploaded,
        started.elapsed().as_secs_f64() * 1e3,
        count as f64 / issuing_time.as_secs_f64(),
        if batch_size > 1 {
            format!(" in batches of {batch_size}")
        } else {
            String::new()
        },
        provider.name,
        match (db, &options.postgres) {
            (Some(path), _) => format!(", database kept at {}", path.display()),
            (None, Some(_)) => format!(
                ", stores on PostgreSQL in schemas {}_*",
                options.schema_prefix
            ),
            (None, None) => String::new(),
        },
    );
    Ok(Summary {
        issued,
        refused,
        uploaded,
        numbers,
        recovered,
    })
}

/// How many rounds of the front end's pull and the cloud platform's poll a
/// ticket gets before the run gives up on it.
const POLL_ROUNDS: u32 = 100;

/// The front end pulls its commands, issues them on its device and reports
/// the results; then the cloud platform polls `ticket`. Another process on the
/// same database (`--postgres`) may have pulled this command and not yet
/// reported it: then the poll finds it pending, and the round is repeated
/// after a pause, [`POLL_ROUNDS`] times at most.
fn pull_and_poll(
    cloud: &CloudPlatform,
    front_end: &FrontEndService,
    service_at: &ServiceAt<'_>,
    ticket: &str,
    now: u64,
) -> Result<IssueResponse> {
    let mut round = 0;
    loop {
        let pull = || front_end.pull(10, now);
        let batch = service_at.handle(&pull()?, Some(&pull), now)?;
        let (results, report) = front_end.run_commands(&batch, now)?;
        let recorded = front_end.read_ack(&service_at.handle(&results, None, now)?, now)?;
        if round == 0 || report.issued > 0 {
            println!(
                "front end: issued {} on its own device, service platform recorded {recorded:?}",
                report.issued
            );
        }
        let query = || cloud.query_ticket(ticket, now);
        let polled = cloud.open_response(&service_at.handle(&query()?, Some(&query), now)?, now)?;
        round += 1;
        if !matches!(polled.outcome, IssueOutcome::AcceptedPending { .. }) || round == POLL_ROUNDS {
            return Ok(polled);
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Steps 5 and 6 in this process: the service platform uploads to a recording
/// tax authority, then both platforms run their maintenance. Returns how many
/// invoices were uploaded.
fn upload_and_maintain(
    service: &ServicePlatform,
    cloud: &CloudPlatform,
    now: u64,
) -> Result<usize> {
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
    let maintained = service.maintain(now)?;
    let cloud_pruned = cloud.maintain(now)?.replay_ids_pruned;
    println!(
        "maintenance: {} expired message ids forgotten by the service platform, {cloud_pruned} by the cloud platform; {} uploads compacted",
        maintained.replay_ids_pruned, maintained.outbox_compacted
    );
    Ok(drained.uploaded)
}
