//! The three dis-sync binaries, built from this checkout, for tests that run them as child
//! processes.
//!
//! Cargo gives a test `CARGO_BIN_EXE_<name>` only for its own package's binaries, and these tests
//! need all three, which live in other packages. So the first test that asks runs the same
//! `cargo build` as `scripts/check-deploy.sh` (which `scripts/test.sh` runs before the tests, so
//! there it finds everything fresh and takes a second) and takes each binary's path from cargo's
//! own JSON messages: cargo decides what is stale, so a test never runs a binary older than the
//! sources, and no path under `target/` is guessed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Paths of the built binaries.
#[derive(Debug, Clone)]
pub struct Binaries {
    pub ingest_api: PathBuf,
    pub worker: PathBuf,
    pub extractor: PathBuf,
}

/// The binaries, built once per test process (later callers wait for the first build).
pub async fn binaries() -> &'static Binaries {
    static BUILT: OnceLock<Binaries> = OnceLock::new();
    if let Some(built) = BUILT.get() {
        return built;
    }
    tokio::task::spawn_blocking(|| BUILT.get_or_init(build))
        .await
        .expect("the build of the binaries did not panic")
}

fn build() -> Binaries {
    // The cargo running these tests (it sets CARGO), on the same target directory.
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| env!("CARGO").to_owned());
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests package sits in the workspace");
    let mut command = Command::new(cargo);
    // What cargo sets for the test it runs, not for builds: build scripts that watch one of these
    // (ring watches CARGO_MANIFEST_DIR) would see it changed and rebuild half the dependencies.
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("CARGO_PKG_")
            || name.starts_with("CARGO_MANIFEST_")
            || [
                "CARGO_CRATE_NAME",
                "CARGO_BIN_NAME",
                "CARGO_PRIMARY_PACKAGE",
                "CARGO_TARGET_TMPDIR",
                "CARGO_RUSTC_CURRENT_DIR",
                "OUT_DIR",
            ]
            .contains(&name.as_ref())
        {
            command.env_remove(name.as_ref());
        }
    }
    let output = command
        .current_dir(workspace)
        .args([
            "build",
            "--locked",
            "--message-format=json-render-diagnostics",
        ])
        .args(["-p", "ingest-api", "-p", "worker", "-p", "extractor"])
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "cargo build of the binaries failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let built = executables(&String::from_utf8_lossy(&output.stdout));
    let path = |name: &str| {
        built
            .get(name)
            .cloned()
            .unwrap_or_else(|| panic!("cargo built no binary {name}: {built:?}"))
    };
    Binaries {
        ingest_api: path("ingest-api"),
        worker: path("worker"),
        extractor: path("extractor"),
    }
}

/// Binary name → path, from cargo's `compiler-artifact` messages.
fn executables(messages: &str) -> BTreeMap<String, PathBuf> {
    messages
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| message["reason"] == "compiler-artifact")
        .filter(|message| {
            message["target"]["kind"]
                .as_array()
                .is_some_and(|kinds| kinds.iter().any(|kind| kind == "bin"))
        })
        .filter_map(|message| {
            let name = message["target"]["name"].as_str()?.to_owned();
            let path = message["executable"].as_str()?.into();
            Some((name, path))
        })
        .collect()
}
