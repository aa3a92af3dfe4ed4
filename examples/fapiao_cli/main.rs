//! `fapiao_cli`: the operator's tool.
//!
//! ```text
//! cargo run --example fapiao_cli -- <command> [options]
//! ```
//!
//! `main` only dispatches: each command is a sibling module with a
//! `run(args, stdout, stderr) -> u8` function and a one-line summary, listed in
//! [`COMMANDS`]. Exit codes are shared by all commands: 0 success, 1 the input was
//! read and refused (e.g. violations), 2 usage errors or unreadable input.

use std::io::{self, Write};
use std::process::ExitCode;

mod args;
mod inspect;
mod open;
mod reconcile;
mod seal;
mod speed;
mod store_check;
mod validate;
mod verify_chain;

/// A command's entry point: its arguments (without the command name), where to
/// write its output and its diagnostics; returns the exit code.
type Run = fn(&[String], &mut dyn Write, &mut dyn Write) -> u8;

/// Every command: name, one-line summary, entry point.
const COMMANDS: &[(&str, &str, Run)] = &[
    (validate::NAME, validate::SUMMARY, validate::run),
    (verify_chain::NAME, verify_chain::SUMMARY, verify_chain::run),
    (seal::NAME, seal::SUMMARY, seal::run),
    (open::NAME, open::SUMMARY, open::run),
    (inspect::NAME, inspect::SUMMARY, inspect::run),
    (speed::NAME, speed::SUMMARY, speed::run),
    (reconcile::NAME, reconcile::SUMMARY, reconcile::run),
    (store_check::NAME, store_check::SUMMARY, store_check::run),
];

/// Exit code for a usage error or unreadable input.
const EXIT_USAGE: u8 = 2;

fn usage(out: &mut dyn Write) {
    let _ = writeln!(out, "usage: fapiao_cli <command> [options]\n\ncommands:");
    for (name, summary, _) in COMMANDS {
        let _ = writeln!(out, "  {name:<14} {summary}");
    }
    let _ = writeln!(out, "\n`fapiao_cli <command> --help` describes a command.");
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let stdout = &mut io::stdout().lock();
    let stderr = &mut io::stderr().lock();
    let Some(command) = args.first() else {
        usage(stderr);
        return ExitCode::from(EXIT_USAGE);
    };
    if matches!(command.as_str(), "-h" | "--help" | "help") {
        usage(stdout);
        return ExitCode::SUCCESS;
    }
    match COMMANDS.iter().find(|(name, _, _)| name == command) {
        Some((_, _, run)) => ExitCode::from(run(&args[1..], stdout, stderr)),
        None => {
            let _ = writeln!(stderr, "fapiao_cli: unknown command {command:?}\n");
            usage(stderr);
            ExitCode::from(EXIT_USAGE)
        }
    }
}
