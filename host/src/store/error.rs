//! Errors from the dataset store.
//!
//! Every message names the dataset directory and ends with what the person can do about it, because these
//! reach the terminal unchanged through the CLI's error chain.

use std::path::{Path, PathBuf};

use rusqlite::ErrorCode;

/// What went wrong in a dataset, with the directory it happened in.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The directory has no manifest, or its manifest was not made by aigc-host.
    #[error(
        "`{}` is not an aigc-host dataset ({reason}); create one with `aigc-host dataset import` or `aigc-host run`",
        .dir.display()
    )]
    NotADataset { dir: PathBuf, reason: String },

    /// A newer aigc-host wrote the manifest; guessing at an unknown schema could lose data.
    #[error(
        "dataset `{}` has schema version {found}, but this aigc-host understands up to {supported}; upgrade aigc-host to use it",
        .dir.display()
    )]
    SchemaTooNew { dir: PathBuf, found: i64, supported: i64 },

    /// The caller passed something the store refuses to record.
    #[error("dataset `{}`: {message}", .dir.display())]
    Invalid { dir: PathBuf, message: String },

    /// A blob's bytes no longer hash to its name (or it is gone), so its content cannot be trusted.
    #[error(
        "dataset `{}`: blob `{}` is damaged ({problem}); restore the dataset from a backup or re-create the item in a new dataset",
        .dir.display(),
        .path.display()
    )]
    CorruptBlob { dir: PathBuf, path: PathBuf, problem: String },

    /// A file-system operation failed.
    #[error("dataset `{}`: {action} failed: {source}{}", .dir.display(), io_hint(.source))]
    Io {
        dir: PathBuf,
        action: String,
        #[source]
        source: std::io::Error,
    },

    /// The SQLite manifest refused an operation.
    #[error("dataset `{}`: {action} failed: {source}{}", .dir.display(), sqlite_hint(.source))]
    Sqlite {
        dir: PathBuf,
        action: String,
        #[source]
        source: rusqlite::Error,
    },
}

impl StoreError {
    pub(super) fn invalid(dir: &Path, message: impl Into<String>) -> Self {
        Self::Invalid { dir: dir.to_path_buf(), message: message.into() }
    }

    /// For `map_err`: the closure form keeps call sites on one line.
    pub(super) fn io(dir: &Path, action: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let (dir, action) = (dir.to_path_buf(), action.into());
        move |source| Self::Io { dir, action, source }
    }

    pub(super) fn sqlite(dir: &Path, action: impl Into<String>) -> impl FnOnce(rusqlite::Error) -> Self {
        let (dir, action) = (dir.to_path_buf(), action.into());
        move |source| Self::Sqlite { dir, action, source }
    }
}

fn io_hint(e: &std::io::Error) -> &'static str {
    match e.kind() {
        std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem => {
            "; check that you may write to the dataset directory"
        }
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded => {
            "; free some disk space and run the command again"
        }
        _ => "",
    }
}

fn sqlite_hint(e: &rusqlite::Error) -> &'static str {
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            "; another process kept the dataset locked too long; wait for it to finish and run the command again"
        }
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => {
            "; the manifest is damaged or not an aigc-host manifest; restore the dataset from a backup"
        }
        Some(ErrorCode::DiskFull) => "; free some disk space and run the command again",
        Some(ErrorCode::ReadOnly | ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => {
            "; check that you may write to the dataset directory and its manifest.sqlite"
        }
        _ => "",
    }
}
