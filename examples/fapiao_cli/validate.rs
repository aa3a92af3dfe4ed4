//! `fapiao_cli validate --in REQUEST.json [--lenient-tax-ids]`: reads an issue
//! request and checks every rule; prints each violation on its own line as
//! `path: CODE message`.
//!
//! Exit codes: 0 valid; 1 the request was read and refused (violations, or JSON
//! that breaks the interface protocol: not JSON, an unknown field, a wrong
//! type, an unsupported version); 2 the tool could not run (arguments, a file
//! that cannot be read).

use std::io::Write;

use fapiao::invoice::{IssueRequest, ValidationPolicy};

/// The command's name.
pub const NAME: &str = "validate";
/// One-line summary for the command list.
pub const SUMMARY: &str = "check an issue request against every order rule";

const HELP: &str = "\
usage: fapiao_cli validate --in REQUEST.json [--lenient-tax-ids]

Checks an issue request (JSON) against the interface protocol and every order
rule, and prints each violation on its own line as `path: CODE message`.
A red invoice's original is checked by the service platform against its
records (ORIGINAL_INVOICE_NOT_FOUND, ORIGINAL_INVOICE_OF_ANOTHER_SELLER,
ORIGINAL_INVOICE_NOT_BLUE, ORIGINAL_FULLY_REVERSED, REVERSAL_EXCEEDS_ORIGINAL),
not here.

options:
  --in PATH            the request to check (`-` reads standard input)
  --lenient-tax-ids    accept legacy 15-, 17- and 20-character buyer tax ids
  -h, --help           this help

exit codes: 0 valid; 1 refused (violations, or JSON that breaks the interface
protocol); 2 the tool could not run (arguments, an unreadable file)";

/// Runs the command; returns the exit code.
pub fn run(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let mut input: Option<&str> = None;
    let mut lenient = false;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => {
                let _ = writeln!(out, "{HELP}");
                return 0;
            }
            "--lenient-tax-ids" => lenient = true,
            "--in" => match args.next() {
                Some(path) if input.is_none() => input = Some(path),
                Some(_) => return usage_error(err, "--in given twice"),
                None => return usage_error(err, "--in needs a path"),
            },
            other => match other.strip_prefix("--in=") {
                Some(path) if input.is_none() => input = Some(path),
                _ => return usage_error(err, &format!("unexpected argument {other:?}")),
            },
        }
    }
    let Some(path) = input else {
        return usage_error(err, "--in REQUEST.json is required");
    };

    let bytes = if path == "-" {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes).map(|_| bytes)
    } else {
        std::fs::read(path)
    };
    let bytes = match bytes {
        Ok(bytes) => bytes,
        Err(e) => {
            let _ = writeln!(err, "fapiao_cli validate: cannot read {path}: {e}");
            return 2;
        }
    };
    let request = match IssueRequest::from_json(&bytes) {
        Ok(request) => request,
        Err(e) => {
            // Read, and refused: the interface protocol is one of the rules.
            let _ = writeln!(err, "fapiao_cli validate: {path}: {e}");
            return 1;
        }
    };
    match request.validate(&ValidationPolicy::with_lenient_buyer_tax_ids(lenient)) {
        Ok(validated) => {
            let _ = writeln!(
                out,
                "{path}: valid ({} {} invoice, serial number {})",
                validated.invoice_kind().as_str(),
                match validated.color() {
                    fapiao::invoice::InvoiceColor::Blue => "blue",
                    fapiao::invoice::InvoiceColor::Red => "red",
                },
                validated.serial_number()
            );
            0
        }
        Err(violations) => {
            let _ = writeln!(out, "{violations}");
            let _ = writeln!(err, "{path}: {} violation(s)", violations.len());
            1
        }
    }
}

fn usage_error(err: &mut dyn Write, problem: &str) -> u8 {
    let _ = writeln!(err, "fapiao_cli validate: {problem}\n\n{HELP}");
    2
}
