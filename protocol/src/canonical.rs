//! Canonical JSON (RFC 8785 style) so that a manifest hashes the same wherever it is built.
//!
//! Object keys are sorted by their UTF-16 code units, no insignificant whitespace is written,
//! strings are escaped as ECMAScript's `JSON.stringify` does, and integers are written in
//! plain decimal. Floating-point numbers are refused outright: their shortest round-trip
//! form differs between serialisers, and the content model has no need for them
//! (milliseconds, per-mille and integer pixels instead).

use std::cmp::Ordering;
use std::fmt::Write as _;

use serde_json::Value;

/// Why a value has no canonical form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CanonicalError {
    /// A floating-point number was found at this path.
    #[error("{path}: {number} is a floating-point number; canonical documents use integers only")]
    Float {
        /// JSON path of the number (`$.a.b[2]`).
        path: String,
        /// The number as written.
        number: String,
    },
    /// The value could not be turned into JSON at all.
    #[error("cannot serialise: {0}")]
    Serialize(String),
}

/// Writes `value` in canonical form.
pub fn to_string(value: &Value) -> Result<String, CanonicalError> {
    let mut out = String::new();
    let mut path = String::from("$");
    write_value(value, &mut out, &mut path)?;
    Ok(out)
}

/// Serialises any `T` and writes it in canonical form.
pub fn to_canonical<T: serde::Serialize>(value: &T) -> Result<String, CanonicalError> {
    let value =
        serde_json::to_value(value).map_err(|e| CanonicalError::Serialize(e.to_string()))?;
    to_string(&value)
}

/// Encodes a data set (or any document) as a canonical JSON blob and its reference.
pub fn encode_blob<T: serde::Serialize>(
    value: &T,
) -> Result<(crate::manifest::BlobRef, Vec<u8>), CanonicalError> {
    let bytes = to_canonical(value)?.into_bytes();
    Ok((crate::manifest::BlobRef::of(&bytes), bytes))
}

fn write_value(value: &Value, out: &mut String, path: &mut String) -> Result<(), CanonicalError> {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            if n.is_f64() {
                return Err(CanonicalError::Float {
                    path: path.clone(),
                    number: n.to_string(),
                });
            }
            let _ = write!(out, "{n}");
        }
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let len = path.len();
                let _ = write!(path, "[{i}]");
                write_value(item, out, path)?;
                path.truncate(len);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| utf16_cmp(a.0, b.0));
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(key, out);
                out.push(':');
                let len = path.len();
                let _ = write!(path, ".{key}");
                write_value(item, out, path)?;
                path.truncate(len);
            }
            out.push('}');
        }
    }
    Ok(())
}

/// Orders keys by UTF-16 code units as RFC 8785 requires (differs from UTF-8 byte order for
/// characters above U+FFFF against U+E000–U+FFFF).
fn utf16_cmp(a: &str, b: &str) -> Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sorts_keys_and_drops_whitespace() {
        let v: Value =
            serde_json::from_str(r#"{ "b": [1, {"z": null, "a": true}], "a": "x" }"#).unwrap();
        assert_eq!(
            to_string(&v).unwrap(),
            r#"{"a":"x","b":[1,{"a":true,"z":null}]}"#
        );
    }

    #[test]
    fn escapes_like_json_stringify() {
        let v = json!({"t": "é\u{202f}!\n\u{1}\"\\/"});
        assert_eq!(
            to_string(&v).unwrap(),
            "{\"t\":\"é\u{202f}!\\n\\u0001\\\"\\\\/\"}"
        );
    }

    #[test]
    fn orders_keys_by_utf16_code_units() {
        // U+1F600 is D83D DE00 in UTF-16, which sorts before U+FB01 (FB01), unlike in UTF-8.
        let v = json!({"\u{fb01}": 1, "\u{1f600}": 2});
        assert_eq!(to_string(&v).unwrap(), "{\"\u{1f600}\":2,\"\u{fb01}\":1}");
    }

    #[test]
    fn refuses_floats_naming_the_path() {
        let err = to_string(&json!({"a": [{"b": 0.5}]})).unwrap_err();
        assert_eq!(
            err,
            CanonicalError::Float {
                path: "$.a[0].b".into(),
                number: "0.5".into()
            }
        );
        assert!(to_string(&json!({"big": u64::MAX, "neg": -3})).is_ok());
    }
}
