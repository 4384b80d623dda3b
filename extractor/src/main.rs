//! The `extractor` binary; everything lives in the library so the tests can drive it.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    extractor::cli::main().await
}
