//! Passphrases, hashed with Argon2id (the `argon2` crate's defaults) and a random salt from
//! the operating system. Non-goals: sessions and tokens (see `store`).

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use crate::error::{Error, Result};

/// Hashes a passphrase into a PHC string (algorithm, parameters, salt and hash).
///
/// # Errors
/// When the operating system has no randomness or hashing fails.
pub fn hash_passphrase(passphrase: &str) -> Result<String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| Error::internal(format!("random source: {e}")))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| Error::internal(format!("salt: {e}")))?;
    Argon2::default()
        .hash_password(passphrase.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::internal(format!("hashing: {e}")))
}

/// Whether `passphrase` matches a stored PHC hash (false for a malformed hash).
pub fn verify_passphrase(passphrase: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|h| {
            Argon2::default()
                .verify_password(passphrase.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_differ() {
        let a = hash_passphrase("correct horse battery").unwrap();
        let b = hash_passphrase("correct horse battery").unwrap();
        assert_ne!(a, b, "salts must differ");
        assert!(a.starts_with("$argon2id$"));
        assert!(verify_passphrase("correct horse battery", &a));
        assert!(!verify_passphrase("correct horse batterx", &a));
        assert!(!verify_passphrase("x", "not a hash"));
    }
}
