//! The main example's command line.

use std::path::PathBuf;

/// What the command line asks for.
pub struct Options {
    /// Platform-hosted invoices to issue (`--count`).
    pub count: usize,
    /// How many go to the platforms at a time (`--batch`).
    pub batch_size: usize,
    /// Where the service platform's database is kept (`--db`); the other
    /// parties' are next to it.
    pub db: Option<PathBuf>,
    /// Every party on the SM2 dual certificates of tests/data/gm (`--gm`).
    pub gm: bool,
    /// The service platform's nodes (`--service-platform`, repeatable); in
    /// this process when empty.
    pub service_platforms: Vec<String>,
    /// The PKCS#11 module holding the platforms' keys (`--pkcs11-module`).
    pub pkcs11_module: Option<PathBuf>,
    /// The PostgreSQL database every party's store is on (`--postgres`).
    pub postgres: Option<String>,
    /// The prefix of the parties' schema names there (`--schema-prefix`).
    pub schema_prefix: String,
}

impl Options {
    /// Reads `--count N`, `--batch B`, `--db PATH`, `--gm`,
    /// `--service-platform URL`, `--pkcs11-module PATH`, `--postgres URL` and
    /// `--schema-prefix P`; the usage line when anything else is given.
    pub fn parse(args: &[String]) -> std::result::Result<Self, String> {
        const USAGE: &str = "usage: issue_invoice [--count N] [--batch B] [--db PATH] [--gm] \
                             [--service-platform http://HOST:PORT ...] [--pkcs11-module PATH] \
                             [--postgres URL [--schema-prefix P]]";
        let mut options = Options {
            count: 1,
            batch_size: 1,
            db: None,
            gm: false,
            service_platforms: Vec::new(),
            pkcs11_module: None,
            postgres: None,
            schema_prefix: "fapiao".to_owned(),
        };
        let mut rest = args.iter();
        while let Some(flag) = rest.next() {
            if flag == "--gm" {
                if options.pkcs11_module.is_some() {
                    return Err(
                        "--gm and --pkcs11-module: SM2 keys on a token are not supported".into(),
                    );
                }
                options.gm = true;
                continue;
            }
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
                ("--service-platform", Some(url)) => options.service_platforms.push(url.clone()),
                ("--pkcs11-module", Some(_)) if options.gm => {
                    return Err(
                        "--gm and --pkcs11-module: SM2 keys on a token are not supported".into(),
                    );
                }
                ("--pkcs11-module", Some(path)) => {
                    options.pkcs11_module = Some(PathBuf::from(path))
                }
                ("--postgres", Some(url)) if cfg!(feature = "postgres") && !url.is_empty() => {
                    options.postgres = Some(url.clone())
                }
                ("--postgres", Some(_)) if !cfg!(feature = "postgres") => {
                    return Err("--postgres: this build has no PostgreSQL support; \
                                build with --features postgres"
                        .to_owned());
                }
                ("--schema-prefix", Some(prefix)) if is_schema_prefix(prefix) => {
                    options.schema_prefix = prefix.clone()
                }
                ("--schema-prefix", Some(_)) => {
                    return Err("--schema-prefix: a lower-case identifier \
                                ([a-z_][a-z0-9_]*, at most 40 characters)"
                        .to_owned());
                }
                _ => return Err(USAGE.to_owned()),
            }
        }
        if options.postgres.is_some() && options.db.is_some() {
            return Err("--postgres and --db: the parties' stores are on one or the other".into());
        }
        Ok(options)
    }
}

/// Whether `prefix` makes valid schema names (`PREFIX_front_end` at most 63
/// characters, a lower-case identifier not starting with `pg_`).
fn is_schema_prefix(prefix: &str) -> bool {
    let mut chars = prefix.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && prefix.len() <= 40
        && !prefix.starts_with("pg_")
}
