//! gantry-llm's suites: the client against a real llama-server, and against a
//! fault-injecting server for faults a real one cannot produce on demand.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub,
    dead_code
)]

use gantry_test::fault_server;
mod faults;
#[cfg(feature = "gguf")]
mod gguf;
#[cfg(feature = "gguf")]
mod gguf_parity;
mod minilm;
mod real_server;
