//! The `worker` binary; everything lives in the library (`worker::cli`).

#[tokio::main]
async fn main() -> std::process::ExitCode {
    worker::cli::main().await
}
