//! The repository's commented example config file, staged for tests: each binary's tests load it
//! so that it can never name a setting that does not exist or a value that does not parse.

use std::path::PathBuf;

/// `dis-sync.example.toml`, as in the repository.
pub const EXAMPLE: &str = include_str!("../../dis-sync.example.toml");

/// The secrets the example names, with these contents, next to a copy of it.
pub const SECRETS: &[(&str, &str)] = &[
    (
        "secrets/mysql-url",
        "mysql://dis:example-password@127.0.0.1:3306/dis\n",
    ),
    ("secrets/redis-url", "redis://127.0.0.1:6379\n"),
    (
        "secrets/api-keys",
        "ci:ingest:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n",
    ),
    ("secrets/api-token", "example-token\n"),
    ("secrets/erp-password", "example-erp-password\n"),
];

/// Copies the example and its secret files into a fresh folder; returns the copy's path.
pub fn stage(name: &str) -> PathBuf {
    let folder = std::env::temp_dir().join(format!("dis-example-{}-{name}", std::process::id()));
    std::fs::create_dir_all(folder.join("secrets")).expect("a temporary folder");
    for (path, content) in SECRETS {
        std::fs::write(folder.join(path), content).expect("a secret file");
    }
    let path = folder.join("dis-sync.toml");
    std::fs::write(&path, EXAMPLE).expect("the example");
    path
}
