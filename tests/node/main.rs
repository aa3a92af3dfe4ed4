//! The service platform over the network: `examples/service_platform_node`
//! started as a process on a free port, the main example
//! (`examples/issue_invoice --service-platform URL`) run against it, the
//! node's HTTP answers to bad requests, and a graceful stop (SIGTERM) in the
//! middle of a run. The issuing tests run whole example processes (several
//! seconds each in a debug build).

#[path = "../../examples/fapiao_cli/args.rs"]
#[allow(dead_code)]
mod args;
#[path = "../../examples/fapiao_cli/reconcile.rs"]
#[allow(dead_code)]
mod reconcile;

mod node_http;
mod node_issuing;
mod node_process;
