//! DATAtourisme JSON-LD records. Placeholder: being written.

use jiff::Timestamp;

use crate::{Read, ReadError};

/// Reads a DATAtourisme record or a list of records; periods ended before `now` are dropped.
pub fn read(_bytes: &[u8], _now: Timestamp) -> Result<Read, ReadError> {
    Err(ReadError("not written yet".into()))
}
