//! The `ingest-api` binary; everything lives in the library (`ingest_api::cli`).

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    ingest_api::cli::main().await
}
