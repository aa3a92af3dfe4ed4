//! The main example's `--pkcs11-module`: the platforms' keys on a PKCS#11
//! token, named by `FAPIAO_PKCS11_TOKEN` and `FAPIAO_PKCS11_PIN`, or on a
//! throwaway SoftHSM2 token the example makes for the run.

use std::path::PathBuf;
#[cfg(feature = "pkcs11")]
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use fapiao::pki::Credentials;

use super::Result;

/// The token holding the platforms' keys (objects labelled `eisp-p256` and
/// `ecp-p256`).
pub struct TokenKeys {
    /// The PKCS#11 module.
    pub module: PathBuf,
    /// The token's label.
    pub token: String,
    /// The user PIN (zeroized when dropped).
    pub pin: zeroize::Zeroizing<Vec<u8>>,
}

/// The label of the throwaway SoftHSM2 token.
const THROWAWAY_TOKEN: &str = "fapiao-example";

impl TokenKeys {
    /// The token `FAPIAO_PKCS11_TOKEN` names, logged in with
    /// `FAPIAO_PKCS11_PIN`, through `module`; `None` when no token is named.
    pub fn from_env(module: &std::path::Path) -> Result<Option<Self>> {
        let Ok(token) = std::env::var("FAPIAO_PKCS11_TOKEN") else {
            return Ok(None);
        };
        let pin = std::env::var("FAPIAO_PKCS11_PIN")
            .map_err(|_| "FAPIAO_PKCS11_TOKEN is set: FAPIAO_PKCS11_PIN must hold its PIN")?;
        Ok(Some(Self {
            module: module.to_path_buf(),
            token,
            pin: zeroize::Zeroizing::new(pin.into_bytes()),
        }))
    }
}

/// Makes a SoftHSM2 token labelled [`THROWAWAY_TOKEN`] in `dir` with the
/// fixture keys `eisp-p256` and `ecp-p256` (sensitive, with their public
/// keys), imported with `pkcs11-tool` through `module`; returns the
/// `SOFTHSM2_CONF` file to run with.
pub fn make_throwaway_token(
    module: &std::path::Path,
    dir: &std::path::Path,
    pin: &str,
) -> Result<PathBuf> {
    use std::process::Command;
    let run = |command: &mut Command| -> Result<()> {
        let out = command.output().map_err(|e| {
            format!(
                "{:?}: {e} (install softhsm2, opensc and openssl)",
                command.get_program()
            )
        })?;
        if !out.status.success() {
            return Err(format!(
                "{:?} failed: {}",
                command.get_program(),
                String::from_utf8_lossy(&out.stderr).trim()
            )
            .into());
        }
        Ok(())
    };
    let tokens = dir.join("tokens");
    std::fs::create_dir_all(&tokens)?;
    let conf = dir.join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            tokens.display()
        ),
    )?;
    run(Command::new("softhsm2-util")
        .env("SOFTHSM2_CONF", &conf)
        .args([
            "--init-token",
            "--free",
            "--label",
            THROWAWAY_TOKEN,
            "--pin",
            pin,
            "--so-pin",
            pin,
        ]))?;
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    for (id, name) in [("01", "eisp-p256"), ("02", "ecp-p256")] {
        let key = data.join(format!("{name}.key.pem"));
        let private = dir.join(format!("{name}.key.der"));
        let public = dir.join(format!("{name}.pub.der"));
        run(Command::new("openssl")
            .args(["pkey", "-outform", "DER", "-in"])
            .arg(&key)
            .arg("-out")
            .arg(&private))?;
        run(Command::new("openssl")
            .args(["pkey", "-pubout", "-outform", "DER", "-in"])
            .arg(&key)
            .arg("-out")
            .arg(&public))?;
        for (file, kind, extra) in [
            (&private, "privkey", &["--sensitive", "--private"][..]),
            (&public, "pubkey", &[][..]),
        ] {
            run(Command::new("pkcs11-tool")
                .env("SOFTHSM2_CONF", &conf)
                .arg("--module")
                .arg(module)
                .args([
                    "--token-label",
                    THROWAWAY_TOKEN,
                    "--login",
                    "--pin",
                    pin,
                    "--write-object",
                ])
                .arg(file)
                .args([
                    "--type",
                    kind,
                    "--label",
                    name,
                    "--id",
                    id,
                    "--usage-sign",
                    "--usage-derive",
                ])
                .args(extra))?;
        }
        std::fs::remove_file(&private)?;
    }
    Ok(conf)
}

/// Runs this example again on a throwaway SoftHSM2 token made in a temporary
/// directory (removed afterwards); returns its exit code.
pub fn run_on_throwaway_token(module: &std::path::Path, args: &[String]) -> Result<i32> {
    let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH)?;
    let dir = std::env::temp_dir().join(format!("fapiao-token-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let pin = format!("{:08}", since_epoch.subsec_nanos() % 100_000_000);
    let conf = make_throwaway_token(module, &dir, &pin);
    let status = conf.and_then(|conf| {
        println!(
            "throwaway SoftHSM2 token {THROWAWAY_TOKEN} in {}",
            dir.display()
        );
        Ok(std::process::Command::new(std::env::current_exe()?)
            .args(args)
            .env("SOFTHSM2_CONF", conf)
            .env("FAPIAO_PKCS11_TOKEN", THROWAWAY_TOKEN)
            .env("FAPIAO_PKCS11_PIN", &pin)
            .status()?)
    });
    let _ = std::fs::remove_dir_all(&dir);
    Ok(status?.code().unwrap_or(1))
}

/// The platforms' credentials with their keys on `token`: the service
/// platform's (`eisp-p256`) and the cloud platform's (`ecp-p256`).
#[cfg(feature = "pkcs11")]
pub fn token_credentials(token: &TokenKeys) -> Result<(Credentials, Credentials)> {
    use fapiao::crypto::pkcs11::{KeyLookup, TokenModule};
    let module = TokenModule::open(&token.module, &token.token, &token.pin)?;
    let credentials = |name: &str| -> Result<Credentials> {
        let key = module.key(&KeyLookup::Label(name.to_owned()))?;
        let mut chain = fapiao_testkit::data(&format!("{name}.pem"));
        chain.extend_from_slice(&fapiao_testkit::data("issuing-ca.pem"));
        Ok(Credentials::from_chain_pem(&chain, Arc::new(key))?)
    };
    Ok((credentials("eisp-p256")?, credentials("ecp-p256")?))
}

#[cfg(not(feature = "pkcs11"))]
pub fn token_credentials(_: &TokenKeys) -> Result<(Credentials, Credentials)> {
    Err("--pkcs11-module needs the pkcs11 feature: cargo run --release --features pkcs11 --example issue_invoice -- --pkcs11-module PATH".into())
}
