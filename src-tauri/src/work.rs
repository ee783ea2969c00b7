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
                format!("{} stopped unexpectedly; nothing half-done was kept: try again", what.0),
                format!("{} se detuvo de forma inesperada; no se guardó nada a medias: inténtalo de nuevo", what.1),
            )
            .with_detail(e)
        })?
        .map_err(AppError::from)
}
