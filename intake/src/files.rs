//! Small file helpers over the core's private files.

use std::io::Write as _;
use std::path::Path;

use anyhow::Result;
use testigo_core::error::{Error, IoContext};
use testigo_core::private;

/// Writes `bytes` to `path` atomically, 0600 (`.part`, synced, renamed).
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    private::write_atomically(path, |w| {
        w.write_all(bytes)
            .map_err(Error::io(IoContext::Writing(path.into())))
    })?;
    Ok(())
}
