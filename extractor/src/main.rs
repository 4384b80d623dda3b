//! The `extractor` binary; everything lives in the library so the tests can drive it.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    extractor::cli::main().await
}
