//! Report files and upload chunks, in a folder or an S3-compatible bucket,
//! through one interface: the `object_store` crate. The folder is written
//! with fsync (a file and its folder are on disk before a write returns);
//! S3 stores acknowledge a write once it is durable.

use std::sync::Arc;

use anyhow::{Context, Result};
use bytes::Bytes;
use futures_util::StreamExt as _;
use futures_util::stream::BoxStream;
use object_store::path::Path as Key;
use object_store::{ObjectStore, ObjectStoreExt as _, WriteMultipart};

use crate::config::S3;

/// The store.
#[derive(Clone)]
pub struct Blobs {
    store: Arc<dyn ObjectStore>,
}

/// The key of a chunk of an upload: its uploads's id and starting offset.
pub fn chunk_key(upload: &str, start: u64) -> Key {
    Key::from(format!("uploads/{upload}/{start:020}"))
}

/// The key of a report received, by the SHA-256 of its bytes.
pub fn report_key(sha256: &str) -> Key {
    Key::from(format!("reports/{sha256}"))
}

impl Blobs {
    /// A folder (made if missing).
    pub fn folder(dir: &std::path::Path) -> Result<Blobs> {
        testigo_core::private::create_dir_all(dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let store = object_store::local::LocalFileSystem::new_with_prefix(dir)?.with_fsync(true);
        Ok(Blobs {
            store: Arc::new(store),
        })
    }

    /// An S3-compatible bucket (path-style requests; plain HTTP allowed for
    /// an endpoint on the same machine or network).
    pub fn s3(s3: &S3) -> Result<Blobs> {
        let store = object_store::aws::AmazonS3Builder::new()
            .with_endpoint(&s3.endpoint)
            .with_bucket_name(&s3.bucket)
            .with_region(&s3.region)
            .with_access_key_id(&s3.access_key_id)
            .with_secret_access_key(&s3.secret_access_key)
            .with_virtual_hosted_style_request(false)
            .with_allow_http(s3.endpoint.starts_with("http://"))
            .build()
            .context("the [storage.s3] settings do not make an S3 client")?;
        Ok(Blobs {
            store: Arc::new(store),
        })
    }

    /// Starts writing `key` in parts; nothing is visible under it until
    /// [`WriteMultipart::finish`].
    pub async fn writer(&self, key: &Key) -> Result<WriteMultipart> {
        let upload = self.store.put_multipart(key).await?;
        Ok(WriteMultipart::new(upload))
    }

    /// Reads `key` as a stream of bytes.
    pub async fn read(&self, key: &Key) -> Result<BoxStream<'static, Result<Bytes>>> {
        let got = self.store.get(key).await?;
        Ok(got
            .into_stream()
            .map(|r| r.map_err(anyhow::Error::from))
            .boxed())
    }

    /// The size of `key`, if it is there.
    pub async fn size(&self, key: &Key) -> Result<Option<u64>> {
        match self.store.head(key).await {
            Ok(m) => Ok(Some(m.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Removes `key` (nothing when it is not there).
    pub async fn delete(&self, key: &Key) -> Result<()> {
        match self.store.delete(key).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

/// Copies the report with this SHA-256 to `out`, atomically (`.part`,
/// synced, renamed; removed on failure), checking its hash on the way.
pub async fn export(
    blobs: &Blobs,
    sha256: &str,
    out: &std::path::Path,
) -> Result<std::path::PathBuf> {
    use sha2::Digest as _;
    use tokio::io::AsyncWriteExt as _;
    let out = std::path::absolute(out)?;
    let mut part = out.as_os_str().to_owned();
    part.push(".part");
    let part = std::path::PathBuf::from(part);
    let write = async {
        let file = testigo_core::private::create_file(&part)
            .with_context(|| format!("cannot create {}", part.display()))?;
        let mut file = tokio::fs::File::from_std(file);
        let mut hash = sha2::Sha256::new();
        let mut stream = blobs.read(&report_key(sha256)).await?;
        while let Some(bytes) = stream.next().await {
            let bytes = bytes?;
            hash.update(&bytes);
            file.write_all(&bytes).await?;
        }
        file.sync_all().await?;
        if hex::encode(hash.finalize()) != sha256 {
            anyhow::bail!(
                "the stored report does not have the SHA-256 it was received with; the storage is damaged"
            );
        }
        tokio::fs::rename(&part, &out).await?;
        Ok(())
    };
    match write.await {
        Ok(()) => Ok(out),
        Err(e) => {
            let _ = std::fs::remove_file(&part);
            Err(e)
        }
    }
}
