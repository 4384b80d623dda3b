//! Operators' passwords: Argon2id hashes in PHC strings (`DIS_OPS_USERS`), made by
//! `ingest-api hash-password` and checked at sign-in.

use std::sync::LazyLock;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

use super::config::OpsUser;
use super::session::random_token;

/// The PHC string of `password` with Argon2id's default parameters and a random salt.
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("Argon2 hashes with its default parameters")
        .to_string()
}

/// A hash of nothing anyone knows, checked for unknown names so that they take as long as
/// known ones and timing does not tell which names exist.
static DECOY: LazyLock<String> = LazyLock::new(|| hash_password(&random_token()));

/// Whether `name` is an operator whose password is `password`. Slow on purpose (Argon2): call
/// it off the async threads.
pub fn verify_password(users: &[OpsUser], name: &str, password: &str) -> bool {
    let user = users.iter().find(|u| u.name == name);
    let hash = user.map_or(DECOY.as_str(), |u| u.password_hash.as_str());
    let matches = PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    });
    matches && user.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(name: &str, password: &str) -> OpsUser {
        // Cheap parameters: the PHC string carries them, and a test need not be slow.
        let params = argon2::Params::new(64, 1, 1, None).unwrap();
        let argon = Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        let salt = SaltString::generate(&mut OsRng);
        OpsUser {
            name: name.into(),
            password_hash: argon
                .hash_password(password.as_bytes(), &salt)
                .unwrap()
                .to_string(),
        }
    }

    #[test]
    fn a_password_signs_in_only_its_own_operator() {
        let users = vec![
            user("ana", "correct horse"),
            user("bruno", "battery staple"),
        ];
        assert!(verify_password(&users, "ana", "correct horse"));
        assert!(!verify_password(&users, "ana", "battery staple"));
        assert!(!verify_password(&users, "carla", "correct horse"));
    }

    #[test]
    fn a_made_hash_is_an_argon2id_phc_string_that_verifies() {
        let hash = hash_password("s3nha forte");
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        let users = vec![OpsUser {
            name: "ana".into(),
            password_hash: hash,
        }];
        assert!(verify_password(&users, "ana", "s3nha forte"));
    }
}
