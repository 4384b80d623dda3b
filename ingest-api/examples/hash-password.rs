//! Prints the Argon2id hash of a password read from standard input, for an entry
//! `name:<hash>` of `DIS_OPS_USERS` (an operator who signs in to the dashboard with a password):
//!
//! ```sh
//! printf '%s' 'the password' | cargo run -q -p ingest-api --example hash-password
//! ```

use std::io::Read;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHasher, SaltString};
use argon2::Argon2;

fn main() -> anyhow::Result<()> {
    let mut password = String::new();
    std::io::stdin().read_to_string(&mut password)?;
    let password = password.trim_end_matches(['\r', '\n']);
    anyhow::ensure!(!password.is_empty(), "give the password on standard input");
    let salt = SaltString::generate(&mut OsRng);
    let hash = Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))?;
    println!("{hash}");
    Ok(())
}
