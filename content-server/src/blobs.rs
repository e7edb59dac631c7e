//! Content-addressed blob storage: media, renditions and data sets, each stored under its
//! SHA-256 through `object_store` (a local folder today, an S3-compatible store later).

use std::ops::Range;
use std::path::Path;

use beffroi_protocol::ids::Sha256;
use object_store::local::LocalFileSystem;
use object_store::path::Path as StorePath;
use object_store::{ObjectStoreExt, PutPayload};

/// Why a blob could not be stored or read.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// No blob has this address.
    #[error("no blob {0}")]
    NotFound(Sha256),
    /// The range asked for does not fit the blob.
    #[error("range {start}..{end} is outside blob {sha256} of {size} bytes")]
    Range {
        /// The blob.
        sha256: Sha256,
        /// First byte asked.
        start: u64,
        /// End (exclusive) asked.
        end: u64,
        /// Its size.
        size: u64,
    },
    /// The store failed.
    #[error("blob store: {0}")]
    Store(#[from] object_store::Error),
    /// The hashing task failed.
    #[error("hashing a blob: {0}")]
    Hashing(String),
}

/// The blobs of one server.
#[derive(Debug)]
pub struct Blobs {
    store: LocalFileSystem,
}

fn location(sha: &Sha256) -> StorePath {
    // Two levels of fan-out keep directories small on an SD card's file system.
    let h = sha.as_str();
    StorePath::from(format!("sha256/{}/{}/{h}", &h[..2], &h[2..4]))
}

impl Blobs {
    /// Blobs kept under `dir` (created if needed). Every write is fsynced and renamed into
    /// place, so a power cut never leaves a half-written blob under a valid address.
    pub fn open(dir: &Path) -> Result<Self, BlobError> {
        std::fs::create_dir_all(dir).map_err(|e| object_store::Error::Generic {
            store: "local",
            source: Box::new(e),
        })?;
        let store = LocalFileSystem::new_with_prefix(dir)?.with_fsync(true);
        Ok(Self { store })
    }

    /// Stores `bytes` and returns its address; storing the same bytes twice stores one copy.
    pub async fn put(&self, bytes: Vec<u8>) -> Result<Sha256, BlobError> {
        // Hashing an upload of tens of megabytes takes a while: off the async threads.
        let (sha, bytes) = if bytes.len() > 1 << 20 {
            tokio::task::spawn_blocking(move || (Sha256::of(&bytes), bytes))
                .await
                .map_err(|e| BlobError::Hashing(e.to_string()))?
        } else {
            (Sha256::of(&bytes), bytes)
        };
        if !self.exists(&sha).await? {
            self.store
                .put(&location(&sha), PutPayload::from(bytes))
                .await?;
        }
        Ok(sha)
    }

    /// True when the blob is stored.
    pub async fn exists(&self, sha: &Sha256) -> Result<bool, BlobError> {
        match self.store.head(&location(sha)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// The size of a stored blob.
    pub async fn size(&self, sha: &Sha256) -> Result<u64, BlobError> {
        match self.store.head(&location(sha)).await {
            Ok(meta) => Ok(meta.size),
            Err(object_store::Error::NotFound { .. }) => Err(BlobError::NotFound(sha.clone())),
            Err(e) => Err(e.into()),
        }
    }

    /// The whole blob.
    pub async fn get(&self, sha: &Sha256) -> Result<Vec<u8>, BlobError> {
        let size = self.size(sha).await?;
        self.get_range(sha, 0..size).await
    }

    /// Bytes `range` of the blob (for HTTP `Range` requests and resumed downloads).
    pub async fn get_range(&self, sha: &Sha256, range: Range<u64>) -> Result<Vec<u8>, BlobError> {
        let size = self.size(sha).await?;
        if range.start > range.end || range.end > size {
            return Err(BlobError::Range {
                sha256: sha.clone(),
                start: range.start,
                end: range.end,
                size,
            });
        }
        if range.is_empty() {
            return Ok(Vec::new());
        }
        Ok(self.store.get_range(&location(sha), range).await?.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn blobs_are_addressed_by_their_hash_and_stored_once() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = Blobs::open(&dir.path().join("blobs")).unwrap();
        let poster = b"affiche du marche de Noel".to_vec();
        let sha = blobs.put(poster.clone()).await.unwrap();
        assert_eq!(sha, Sha256::of(&poster));
        assert_eq!(blobs.put(poster.clone()).await.unwrap(), sha);
        assert_eq!(blobs.get(&sha).await.unwrap(), poster);
        assert_eq!(blobs.get_range(&sha, 8..10).await.unwrap(), b"du");
        let h = sha.as_str();
        assert!(
            dir.path()
                .join("blobs/sha256")
                .join(&h[..2])
                .join(&h[2..4])
                .join(h)
                .is_file()
        );
        let files = walk(&dir.path().join("blobs"));
        assert_eq!(files, 1, "one copy, no staging file left");
    }

    #[tokio::test]
    async fn missing_blobs_and_bad_ranges_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = Blobs::open(dir.path()).unwrap();
        let missing = Sha256::of(b"absent");
        assert!(matches!(
            blobs.get(&missing).await,
            Err(BlobError::NotFound(_))
        ));
        let sha = blobs.put(vec![1, 2, 3]).await.unwrap();
        let err = blobs.get_range(&sha, 2..9).await.unwrap_err().to_string();
        assert!(
            err.contains("range 2..9 is outside") && err.contains("3 bytes"),
            "{err}"
        );
    }

    fn walk(dir: &Path) -> usize {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .map(|p| if p.is_dir() { walk(&p) } else { 1 })
            .sum()
    }
}
