//! The issuing world of the platform tests: `fapiao-testkit` (testkit/), whose
//! [`World`] is a cloud platform, a service platform hosting a device, and an
//! enterprise front end with its own device, each on its own SQLite store,
//! pinned to each other by real certificate exchanges on the fixture PKI.
#![allow(unused_imports)]

pub use fapiao_testkit::*;
