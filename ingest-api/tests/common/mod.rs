//! What the binary's tests share: running it as a child process, and a database and queue
//! namespace of each test's own (the same files as the end-to-end tests' harness).

#[allow(dead_code)] // each test file uses its part
#[path = "../../../tests/src/child.rs"]
pub mod child;
#[allow(dead_code)] // each test file uses its part
#[path = "../../../tests/src/scratch.rs"]
pub mod scratch;

#[allow(unused_imports)] // each test file uses its part
pub use scratch::{closed_port, pairs, redis_url, refusing_port, server_url, Scratch};

pub const BIN: &str = env!("CARGO_BIN_EXE_ingest-api");
