//! Running long core work off the main thread.

use crate::error::{AppError, AppResult};

/// Runs `f` on the blocking pool and converts its error; `what` names the
/// work if the thread itself fails ("sealing stopped: …").
pub async fn blocking<T, F>(what: &'static str, f: F) -> AppResult<T>
where
    T: Send + 'static,
    F: FnOnce() -> testigo::Result<T> + Send + 'static,
{
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| AppError::internal(format!("{what} stopped: {e}")))?
        .map_err(AppError::from)
}
