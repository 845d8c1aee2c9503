//! gantry-memory's suites.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)]

mod chunk;
mod exact;
mod extract;
mod faults;
mod graph;
mod hybrid;
mod indexer;
mod ingest;
mod keyword;
mod recall;
mod support;
