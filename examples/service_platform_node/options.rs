//! The node's command line.

/// The usage line, printed for any argument the node does not take.
pub const USAGE: &str = "usage: service_platform_node [--listen HOST:PORT] [--db PATH] \
                         [--node-id NAME] [--workers N] [--gm] [--schema-prefix P]";

/// What the command line asks for.
#[derive(Debug)]
pub struct Options {
    /// Where to listen (`--listen`, default `127.0.0.1:8080`; port 0 picks a
    /// free port, printed on the first line of stdout).
    pub listen: String,
    /// The service platform's store (`--db`): a SQLite file, a PostgreSQL
    /// URL (`postgres://…`, the `postgres` feature), in memory when absent.
    pub db: Option<String>,
    /// The prefix of the service platform's PostgreSQL schema
    /// (`--schema-prefix`, `fapiao` by default: the schema is `P_eisp`).
    pub schema_prefix: String,
    /// The node's name in the health answer and its log (`--node-id`).
    pub node_id: String,
    /// Worker threads sharing the one service platform (`--workers`, 1 to 64).
    pub workers: usize,
    /// Every party on the SM2 dual certificates of tests/data/gm (`--gm`), as
    /// the main example's `--gm`.
    pub gm: bool,
}

impl Options {
    /// Reads the arguments (without the program's name); the usage line or
    /// what is wrong with a value otherwise.
    pub fn parse(args: &[String]) -> Result<Self, String> {
        let mut options = Options {
            listen: "127.0.0.1:8080".to_owned(),
            db: None,
            schema_prefix: "fapiao".to_owned(),
            node_id: "eisp-node-1".to_owned(),
            workers: 4,
            gm: false,
        };
        let mut rest = args.iter();
        while let Some(flag) = rest.next() {
            if flag == "--gm" {
                if !cfg!(feature = "gm") {
                    return Err(
                        "--gm needs the national algorithms: build with the gm feature".to_owned(),
                    );
                }
                options.gm = true;
                continue;
            }
            match (flag.as_str(), rest.next()) {
                ("--listen", Some(address)) => options.listen = address.clone(),
                ("--db", Some(db)) if !db.is_empty() => options.db = Some(db.clone()),
                ("--schema-prefix", Some(prefix)) => {
                    let mut chars = prefix.chars();
                    let valid = chars
                        .next()
                        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
                        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                        && prefix.len() <= 40
                        && !prefix.starts_with("pg_");
                    if !valid {
                        return Err("--schema-prefix: a lower-case identifier \
                                    ([a-z_][a-z0-9_]*, at most 40 characters)"
                            .to_owned());
                    }
                    options.schema_prefix = prefix.clone();
                }
                ("--node-id", Some(name)) => {
                    if name.is_empty() || name.len() > 64 || name.chars().any(char::is_control) {
                        return Err("--node-id needs 1 to 64 printable characters".to_owned());
                    }
                    options.node_id = name.clone();
                }
                ("--workers", Some(n)) => {
                    options.workers = n
                        .parse()
                        .ok()
                        .filter(|n| (1..=64).contains(n))
                        .ok_or("--workers needs a number from 1 to 64")?;
                }
                _ => return Err(USAGE.to_owned()),
            }
        }
        Ok(options)
    }
}
