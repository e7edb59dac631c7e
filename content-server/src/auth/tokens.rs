//! Random secrets and their stored form: 256 random bits in hex, kept as SHA-256 hashes.

use sha2::{Digest, Sha256};

/// Prefix of user API tokens, so that a leaked one is recognisable in a log or a repository.
pub const USER_TOKEN_PREFIX: &str = "bfu_";
/// Prefix of device tokens.
pub const DEVICE_TOKEN_PREFIX: &str = "bfd_";

/// 32 bytes from the operating system's generator, in lowercase hex.
pub fn random_hex() -> String {
    let mut bytes = [0u8; 32];
    // The OS generator failing means the machine cannot make secrets at all; refusing to go on
    // is the only safe answer.
    getrandom::fill(&mut bytes).expect("the operating system's random generator failed");
    hex::encode(bytes)
}

/// A new token with `prefix`.
pub fn new_token(prefix: &str) -> String {
    format!("{prefix}{}", random_hex())
}

/// The stored form of a token: its SHA-256 in hex. A fast hash is right here: the token is
/// 256 random bits, so there is nothing to stretch, and every request checks one.
pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Compares two strings in time independent of where they differ (CSRF tokens).
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_prefixed_and_hashed() {
        let a = new_token(DEVICE_TOKEN_PREFIX);
        let b = new_token(DEVICE_TOKEN_PREFIX);
        assert_ne!(a, b);
        assert!(a.starts_with("bfd_") && a.len() == 4 + 64);
        assert_eq!(hash(&a), hash(&a));
        assert_ne!(hash(&a), hash(&b));
        assert_eq!(hash(&a).len(), 64);
    }

    #[test]
    fn comparison_is_exact() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "abcd"));
    }
}
