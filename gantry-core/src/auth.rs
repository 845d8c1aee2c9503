//! Secrets: password hashing (argon2id) and session tokens (stored only as SHA-256).
//!
//! Pure computation; the stores only ever see the hashes.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use sha2::{Digest, Sha256};

use crate::{Error, Result, validate};

/// Hashes a password with argon2id and a random salt, as a PHC string.
pub fn hash_password(password: &str) -> Result<String> {
    validate::password(password)?;
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt)
        .map_err(|e| Error::internal_from("reading randomness", e.to_string()))?;
    let salt = SaltString::encode_b64(&salt)
        .map_err(|e| Error::internal_from("encoding a salt", e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| Error::internal_from("hashing a password", e.to_string()))
}

/// Whether `password` matches a hash made by [`hash_password`]. A malformed hash never matches.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// A new bearer token: 32 random bytes, hex-encoded. Give it to the client once; store
/// only [`hash_token`] of it.
pub fn new_token() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| Error::internal_from("reading randomness", e.to_string()))?;
    Ok(hex::encode(bytes))
}

/// The SHA-256 of a token, hex-encoded. Tokens carry 256 random bits, so a fast hash is
/// enough: nothing can be guessed from a leaked table.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_round_trip() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("wrong horse battery", &hash));
        assert!(!verify_password("correct horse battery", "not a hash"));
    }

    #[test]
    fn short_password_is_rejected() {
        assert_eq!(
            hash_password("short").unwrap_err().invalid_field(),
            Some("password")
        );
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let (a, b) = (new_token().unwrap(), new_token().unwrap());
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_ne!(hash_token(&a), a);
        assert_eq!(hash_token(&a), hash_token(&a));
    }
}
