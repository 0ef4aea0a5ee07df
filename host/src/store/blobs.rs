//! Content-addressed blob files: `blobs/<first 2 hex>/<sha256 hex>`.
//!
//! Naming a file by its hash stores identical content once and lets a reader check the bytes it gets back. The
//! two-character shard keeps directories small enough for file systems that slow down with huge listings.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};

use super::StoreError;

/// Where unfinished blobs are written. Inside the dataset, so the final rename never crosses file systems (which
/// would make it a copy, and not atomic); the leading dot keeps it out of any shard name.
const TMP_DIR: &str = ".tmp";

/// A temp file this old was left by a killed writer: a live one renames its file moments after its last write.
const STALE_TEMP_AGE: Duration = Duration::from_secs(60 * 60);

pub(super) struct Blobs {
    /// The dataset root, for error messages.
    root: PathBuf,
    /// `root/blobs`.
    dir: PathBuf,
}

impl Blobs {
    pub(super) fn new(root: &Path) -> Self {
        Self { root: root.to_path_buf(), dir: root.join("blobs") }
    }

    /// Makes `blobs/` and its temp dir up front, so a dataset is complete on disk as soon as it exists.
    pub(super) fn prepare(&self) -> Result<(), StoreError> {
        fs::create_dir_all(self.dir.join(TMP_DIR)).map_err(StoreError::io(&self.root, "creating `blobs/.tmp`"))
    }

    /// Deletes temp files that killed writers left behind. Best effort: leftovers only waste space, so a
    /// failure here must not stop the dataset from opening.
    pub(super) fn sweep_stale_temps(&self) {
        let Ok(entries) = fs::read_dir(self.dir.join(TMP_DIR)) else { return };
        let now = SystemTime::now();
        for entry in entries.flatten() {
            let modified = entry.metadata().and_then(|m| m.modified());
            if modified.is_ok_and(|t| now.duration_since(t).is_ok_and(|age| age > STALE_TEMP_AGE)) {
                match fs::remove_file(entry.path()) {
                    Ok(()) => tracing::debug!(path = %entry.path().display(), "removed stale temp blob"),
                    Err(e) => {
                        tracing::debug!(path = %entry.path().display(), error = %e, "could not remove stale temp blob")
                    }
                }
            }
        }
    }

    /// The path a blob has or would have. Only a 64-hex-digit hash names a real blob; other text still yields a
    /// path under `blobs/`, never outside it, because the caller may pass user input.
    pub(super) fn path(&self, sha256: &str) -> PathBuf {
        if !is_sha256_hex(sha256) {
            return self.dir.join("invalid-hash");
        }
        self.dir.join(&sha256[..2]).join(sha256)
    }

    /// Stores `data` and returns its hash once it is on stable storage, so a manifest row written afterwards can
    /// never outlive the bytes it names, even across power loss.
    pub(super) fn put(&self, data: &[u8]) -> Result<String, StoreError> {
        let sha256 = sha256_hex(data);
        let dest = self.path(&sha256);
        let shard = self.dir.join(&sha256[..2]);
        let io_err = |action: &str| StoreError::io(&self.root, format!("{action} blob `{}`", dest.display()));

        // An earlier writer may have renamed the blob into place and died before syncing its directory; syncing
        // again is cheap and makes the entry durable before we point at it.
        if fs::metadata(&dest).is_ok_and(|m| m.len() == data.len() as u64) {
            sync_dir(&shard).map_err(io_err("syncing the directory of"))?;
            sync_dir(&self.dir).map_err(io_err("syncing the directory of"))?;
            return Ok(sha256);
        }

        let tmp_dir = self.dir.join(TMP_DIR);
        fs::create_dir_all(&tmp_dir).map_err(io_err("creating the temp dir for"))?;
        // `NamedTempFile` deletes itself if anything below fails, so errors leave no debris.
        let mut tmp = tempfile::NamedTempFile::new_in(&tmp_dir).map_err(io_err("creating a temp file for"))?;
        tmp.write_all(data).map_err(io_err("writing"))?;
        tmp.as_file().sync_all().map_err(io_err("syncing"))?;

        match fs::create_dir(&shard) {
            Ok(()) => sync_dir(&self.dir).map_err(io_err("syncing the shard directory of"))?,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(io_err("creating the shard directory of")(e)),
        }
        // Rename is atomic: readers see the whole blob or none. Replacing an existing file is fine, since a
        // same-named blob can only differ from ours if it was damaged.
        tmp.persist(&dest).map_err(|e| io_err("moving into place")(e.error))?;
        sync_dir(&shard).map_err(io_err("syncing the directory of"))?;
        tracing::trace!(blob = %sha256, bytes = data.len(), "stored blob");
        Ok(sha256)
    }

    /// Stores many blobs at once with the same guarantee as [`Blobs::put`] but far fewer serial fsyncs: file
    /// syncs run in parallel, and each shard directory is synced once for the whole batch. Returns the hashes in
    /// order. This is what makes a page of a crawl cost about one disk round trip instead of three per item.
    pub(super) fn put_many(&self, datas: &[&[u8]]) -> Result<Vec<String>, StoreError> {
        let io_err = |action: String| StoreError::io(&self.root, action);
        let tmp_dir = self.dir.join(TMP_DIR);
        fs::create_dir_all(&tmp_dir).map_err(|e| io_err("creating the blob temp dir".into())(e))?;
        let hashes: Vec<String> = datas.iter().map(|d| sha256_hex(d)).collect();
        let threads = datas.len().clamp(1, 16);
        let chunk = datas.len().div_ceil(threads).max(1);
        let results: Vec<Result<(), StoreError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = datas
                .chunks(chunk)
                .zip(hashes.chunks(chunk))
                .map(|(datas, hashes)| {
                    scope.spawn(move || -> Result<(), StoreError> {
                        for (data, sha256) in datas.iter().zip(hashes) {
                            self.write_unsynced_dir(data, sha256)?;
                        }
                        Ok(())
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|_| Err(StoreError::invalid(&self.root, "a blob writer panicked"))))
                .collect()
        });
        results.into_iter().collect::<Result<(), _>>()?;
        // Now make every rename durable: one sync per shard directory touched, in parallel, then the top.
        let mut shards: Vec<PathBuf> = hashes.iter().map(|h| self.dir.join(&h[..2])).collect();
        shards.sort();
        shards.dedup();
        let chunk = shards.len().div_ceil(16).max(1);
        let synced: Vec<io::Result<()>> = std::thread::scope(|scope| {
            let handles: Vec<_> = shards
                .chunks(chunk)
                .map(|dirs| scope.spawn(move || dirs.iter().try_for_each(|d| sync_dir(d))))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err(io::Error::other("panicked")))).collect()
        });
        for result in synced {
            result.map_err(|e| io_err("syncing blob directories".into())(e))?;
        }
        sync_dir(&self.dir).map_err(|e| io_err("syncing the blob directory".into())(e))?;
        Ok(hashes)
    }

    /// Writes and syncs one blob's bytes and renames it into place; the caller syncs the directories.
    fn write_unsynced_dir(&self, data: &[u8], sha256: &str) -> Result<(), StoreError> {
        let dest = self.path(sha256);
        let shard = self.dir.join(&sha256[..2]);
        let io_err = |action: &str| StoreError::io(&self.root, format!("{action} blob `{}`", dest.display()));
        if fs::metadata(&dest).is_ok_and(|m| m.len() == data.len() as u64) {
            return Ok(());
        }
        let mut tmp =
            tempfile::NamedTempFile::new_in(self.dir.join(TMP_DIR)).map_err(io_err("creating a temp file for"))?;
        tmp.write_all(data).map_err(io_err("writing"))?;
        tmp.as_file().sync_all().map_err(io_err("syncing"))?;
        match fs::create_dir(&shard) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(io_err("creating the shard directory of")(e)),
        }
        tmp.persist(&dest).map_err(|e| io_err("moving into place")(e.error))?;
        Ok(())
    }

    /// Reads a blob and checks it still hashes to its name, so damaged bytes are reported rather than served.
    pub(super) fn read_verified(&self, sha256: &str) -> Result<Vec<u8>, StoreError> {
        let path = self.path(sha256);
        let corrupt = |problem: String| StoreError::CorruptBlob { dir: self.root.clone(), path: path.clone(), problem };
        let data = match fs::read(&path) {
            Ok(data) => data,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(corrupt("the file is missing".into())),
            Err(e) => return Err(StoreError::io(&self.root, format!("reading blob `{}`", path.display()))(e)),
        };
        let actual = sha256_hex(&data);
        if actual != sha256 {
            return Err(corrupt(format!("its content hashes to {actual}")));
        }
        Ok(data)
    }
}

pub(super) fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A rename or create is only durable once the directory holding the entry is synced (POSIX leaves it to the
/// file system otherwise). Windows cannot open directories this way and its renames need no such step.
pub(super) fn sync_dir(dir: &Path) -> io::Result<()> {
    if cfg!(unix) { File::open(dir)?.sync_all() } else { Ok(()) }
}
