//! The `testigo:` URI scheme: serves thumbnails and originals from the
//! encrypted vault to `<img>` tags, decrypted in memory, so no image ever
//! goes to a temporary file. `testigo://localhost/thumb/<item id>` and
//! `testigo://localhost/original/<item id>`.

use tauri::http::{Request, Response, StatusCode, header};
use tauri::{Manager, Runtime, UriSchemeContext};

use crate::state::AppState;

/// Answers one request of the scheme.
pub fn handle<R: Runtime>(
    ctx: UriSchemeContext<'_, R>,
    request: Request<Vec<u8>>,
) -> Response<Vec<u8>> {
    let state = ctx.app_handle().state::<AppState>();
    let path = request.uri().path().trim_start_matches('/').to_string();
    let result = state.with_vault(|v| {
        let (kind, key) = path.split_once('/').unwrap_or(("", ""));
        match kind {
            "thumb" => match v.thumbnail(key)? {
                Some(bytes) => Ok((bytes, "image/jpeg".to_string())),
                None => Err(crate::error::AppError::internal(
                    "this item has no thumbnail",
                    "este elemento no tiene miniatura",
                )),
            },
            "original" => {
                let item = v.item(key)?;
                let bytes = v.artifact_bytes(item.sha256.as_deref().unwrap_or_default())?;
                Ok((
                    bytes,
                    item.media_type
                        .unwrap_or_else(|| "application/octet-stream".into()),
                ))
            }
            _ => Err(crate::error::AppError::internal(
                "unknown image address",
                "dirección de imagen desconocida",
            )),
        }
    });
    match result {
        Ok((bytes, media_type)) => Response::builder()
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, media_type)
            .header(header::CACHE_CONTROL, "no-store")
            .body(bytes),
        Err(e) => Response::builder()
            .status(StatusCode::NOT_FOUND)
            .header(header::CONTENT_TYPE, "text/plain")
            .body(e.message.into_bytes()),
    }
    .unwrap_or_else(|_| Response::new(Vec::new()))
}
