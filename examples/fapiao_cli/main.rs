//! `fapiao_cli`: the operator's tool.
//!
//! ```text
//! cargo run --example fapiao_cli -- <command> [options]
//! ```
//!
//! `main` only dispatches; each command is a sibling module. Exit codes are
//! shared: 0 success, 1 the input was read and refused, 2 usage errors or
//! unreadable input.

mod verify_chain;

fn usage() -> String {
    format!(
        "usage: fapiao_cli <command> [options]\n\ncommands:\n  {:<14} {}\n\n`fapiao_cli <command> --help` describes a command.",
        verify_chain::NAME,
        verify_chain::SUMMARY
    )
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = match args.first().map(String::as_str) {
        Some(verify_chain::NAME) => verify_chain::run(&args[1..]),
        Some("-h" | "--help" | "help") => {
            println!("{}", usage());
            0
        }
        Some(other) => {
            eprintln!("fapiao_cli: unknown command {other:?}\n{}", usage());
            2
        }
        None => {
            eprintln!("{}", usage());
            2
        }
    };
    std::process::exit(code);
}
