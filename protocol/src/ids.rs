//! Identifiers shared by every document: object ids, content hashes and commune codes.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Longest id accepted; ids travel in URLs, file names and log lines.
pub const MAX_ID_LEN: usize = 64;

/// Checks an object id: 1–64 characters from `A-Z a-z 0-9 - _ . :`.
///
/// Ids are chosen by the server (or a person writing a layout) and must be safe in a URL path
/// and a file name without escaping.
pub fn check_id(id: &str) -> Result<(), String> {
    if id.is_empty() {
        return Err("must not be empty".into());
    }
    if id.len() > MAX_ID_LEN {
        return Err(format!("\"{id}\" is longer than {MAX_ID_LEN} characters"));
    }
    if let Some(c) = id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':')))
    {
        return Err(format!(
            "\"{id}\" contains {c:?}; ids use letters, digits, '-', '_', '.' and ':'"
        ));
    }
    Ok(())
}

/// Error returned when parsing a [`Sha256`] or an [`Insee`] code fails.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseIdError(pub(crate) String);

/// A SHA-256 digest as 64 lowercase hexadecimal digits: the address of a blob.
///
/// Lowercase hex so that a person can compare it with the output of `sha256sum`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Sha256(String);

impl Sha256 {
    /// The digest of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        use sha2::Digest;
        Self(hex::encode(sha2::Sha256::digest(bytes)))
    }

    /// The digest of everything `reader` yields, read in 64 KiB chunks.
    pub fn of_reader(reader: &mut impl std::io::Read) -> std::io::Result<Self> {
        use sha2::Digest;
        let mut hasher = sha2::Sha256::new();
        let mut buf = vec![0u8; 64 << 10];
        loop {
            match reader.read(&mut buf)? {
                0 => break,
                n => hasher.update(&buf[..n]),
            }
        }
        Ok(Self(hex::encode(hasher.finalize())))
    }

    /// The 64 hex digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sha256({})", self.0)
    }
}

impl fmt::Display for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Sha256 {
    type Err = ParseIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            Ok(Self(s.to_owned()))
        } else {
            Err(ParseIdError(format!(
                "\"{s}\" is not a SHA-256 digest (64 lowercase hexadecimal digits)"
            )))
        }
    }
}

impl TryFrom<String> for Sha256 {
    type Error = ParseIdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Sha256> for String {
    fn from(h: Sha256) -> String {
        h.0
    }
}

/// A French commune's INSEE code (code officiel géographique), e.g. `62364` for Fruges.
///
/// Five characters: digits, or `2A`/`2B` followed by three digits for Corsica.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Insee(String);

impl Insee {
    /// The five-character code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Insee {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Insee {
    type Err = ParseIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let b = s.as_bytes();
        let dept_ok = b.len() == 5
            && (b[..2].iter().all(u8::is_ascii_digit) || matches!(&b[..2], b"2A" | b"2B"));
        if dept_ok && b[2..].iter().all(u8::is_ascii_digit) {
            Ok(Self(s.to_owned()))
        } else {
            Err(ParseIdError(format!(
                "\"{s}\" is not an INSEE commune code (five characters such as 62364 or 2A004)"
            )))
        }
    }
}

impl TryFrom<String> for Insee {
    type Error = ParseIdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Insee> for String {
    fn from(c: Insee) -> String {
        c.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_empty_input_matches_sha256sum() {
        assert_eq!(
            Sha256::of(b"").as_str(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn sha256_refuses_uppercase_and_short_digests() {
        let upper = "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855";
        assert!(
            upper
                .parse::<Sha256>()
                .unwrap_err()
                .to_string()
                .contains("lowercase")
        );
        assert!("abc".parse::<Sha256>().is_err());
    }

    #[test]
    fn insee_accepts_corsica_and_refuses_postcodes_with_letters() {
        assert!("2A004".parse::<Insee>().is_ok());
        assert!("62364".parse::<Insee>().is_ok());
        assert!("6236".parse::<Insee>().is_err());
        assert!("62B64".parse::<Insee>().is_err());
    }

    #[test]
    fn ids_refuse_slashes_spaces_and_long_names() {
        assert!(check_id("matin-fruges_2.a:b").is_ok());
        assert!(check_id("a/b").unwrap_err().contains("'/'"));
        assert!(check_id("a b").is_err());
        assert!(check_id("").is_err());
        assert!(check_id(&"x".repeat(65)).is_err());
    }
}
