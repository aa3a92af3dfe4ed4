//! The envelope bench's token group (the `pkcs11` feature): the cloud
//! platform's key on a throwaway SoftHSM2 token beside the same key in
//! software, sealing P-256 and RSA-2048. Skipped, saying so, where SoftHSM2,
//! OpenSC's `pkcs11-tool` or `openssl` is missing.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use fapiao::crypto::pkcs11::{KeyLookup, TokenModule};
use fapiao::pki::Credentials;

/// Where Debian's softhsm2 package puts the module.
pub const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
const TOKEN: &str = "fapiao-bench";
const PIN: &str = "bench-4711";

fn run(command: &mut Command) -> Result<(), String> {
    let out = command
        .output()
        .map_err(|e| format!("{:?}: {e}", command.get_program()))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{:?}: {}",
            command.get_program(),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// Makes a SoftHSM2 token in `dir` holding the fixture keys `names`
/// (sensitive, with their public keys); returns its `SOFTHSM2_CONF` file.
pub fn make_token(dir: &Path, names: &[&str]) -> Result<PathBuf, String> {
    if !Path::new(MODULE).exists() {
        return Err(format!("no SoftHSM2 module at {MODULE}"));
    }
    let tokens = dir.join("tokens");
    std::fs::create_dir_all(&tokens).map_err(|e| e.to_string())?;
    let conf = dir.join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            tokens.display()
        ),
    )
    .map_err(|e| e.to_string())?;
    run(Command::new("softhsm2-util")
        .env("SOFTHSM2_CONF", &conf)
        .args(["--init-token", "--free", "--label", TOKEN])
        .args(["--pin", PIN, "--so-pin", PIN]))?;
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    for (i, name) in names.iter().enumerate() {
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
        let id = format!("{:02x}", i + 1);
        for (file, kind, extra) in [
            (&private, "privkey", &["--sensitive", "--private"][..]),
            (&public, "pubkey", &[][..]),
        ] {
            run(Command::new("pkcs11-tool")
                .env("SOFTHSM2_CONF", &conf)
                .args(["--module", MODULE, "--token-label", TOKEN])
                .args(["--login", "--pin", PIN, "--write-object"])
                .arg(file)
                .args(["--type", kind, "--label", name, "--id", &id])
                .args(["--usage-sign", "--usage-derive", "--usage-decrypt"])
                .args(extra))?;
        }
        let _ = std::fs::remove_file(&private);
    }
    Ok(conf)
}

/// The token (in this process's `SOFTHSM2_CONF`), logged in.
pub fn open_token() -> Result<TokenModule, String> {
    TokenModule::open(MODULE, TOKEN, PIN.as_bytes()).map_err(|e| e.to_string())
}

/// Credentials for the fixture leaf `name` whose key is on `token`.
pub fn token_credentials(token: &TokenModule, name: &str, chain: Vec<u8>) -> Credentials {
    let key = token
        .key(&KeyLookup::Label(name.to_owned()))
        .expect("the key on the bench token");
    Credentials::from_chain_pem(&chain, Arc::new(key)).expect("token credentials")
}
