//! The examples run as tests (`fapiao_cli`, `issue_invoice`) and the fuzz
//! targets' seed corpora.

#[path = "../../examples/fapiao_cli/args.rs"]
#[allow(dead_code)]
mod args;
#[path = "../common/mod.rs"]
mod common;
#[path = "../platform_support/mod.rs"]
mod platform_support;

mod cli_envelope;
#[cfg(feature = "gm")]
mod cli_gm;
mod cli_reconcile;
mod cli_store_check;
mod cli_verify_chain;
mod fuzz_seeds;
mod issue_invoice_example;
