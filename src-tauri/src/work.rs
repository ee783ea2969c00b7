//! Running long core work off the main thread.

use crate::error::{AppError, AppResult};

/// Runs `f` on the blocking pool and converts its error; `what` names the
/// work in English and Spanish if the thread itself fails ("sealing
/// stopped: …").
pub async fn blocking<T, F>(what: (&'static str, &'static str), f: F) -> AppResult<T>
where
    T: Send + 'static,
    F: FnOnce() -> testigo_core::Result<T> + Send + 'static,
{
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| {
            AppError::internal(
                format!("{} stopped: {e}", what.0),
                format!("{} se detuvo: {e}", what.1),
            )
        })?
        .map_err(AppError::from)
}
