//! OpenAgenda JSON exports. Placeholder: being written.

use crate::{Read, ReadError};

/// Reads an OpenAgenda answer (one event or a list).
pub fn read(_bytes: &[u8]) -> Result<Read, ReadError> {
    Err(ReadError("not written yet".into()))
}
