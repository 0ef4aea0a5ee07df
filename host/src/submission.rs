//! Submissions as graders see them: a folder or a zip archive, checked and listed once, read lazily and boundedly.
//! Nothing is extracted: a file is decompressed from the archive into memory only when a grader reads it, at most
//! its declared size, so a zip bomb costs a capped amount of memory and no disk at all.
//!
//! What makes a submission unreadable (path traversal, absolute paths and drive letters, symlinks, FIFOs, devices
//! and sockets, duplicate names, too many entries, encrypted entries, compression ratios or total sizes of a bomb)
//! is a per-submission error naming the entry. A folder's files are opened only through [`regular_file::open`], so
//! an entry swapped for a FIFO after the listing is refused instead of blocking the grader forever.
//!
//! File names of zips made on Chinese Windows without the UTF-8 flag are GBK; a name that is not valid UTF-8 is
//! decoded as GB18030 (a superset of GBK) rather than the CP437 the format assumes.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::regular_file::{self, Links, OpenError};

/// What one submission may contain.
#[derive(Debug, Clone)]
pub struct IngestLimits {
    pub max_entries: usize,
    /// Sum of the declared uncompressed sizes.
    pub max_total_bytes: u64,
    /// Largest declared uncompressed size over compressed size, for entries over 1 MiB.
    pub max_ratio: u64,
    /// Largest file a grader may read in one call.
    pub max_read_bytes: u64,
}

impl Default for IngestLimits {
    fn default() -> Self {
        Self { max_entries: 100_000, max_total_bytes: 64 << 30, max_ratio: 200, max_read_bytes: 64 << 20 }
    }
}

/// Why a submission cannot be graded.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum IngestError {
    #[error("`{0}` does not exist")]
    Missing(String),
    #[error("`{0}` is neither a folder nor a zip archive")]
    NotSubmission(String),
    #[error("`{archive}` is not a readable zip archive: {reason}")]
    Corrupt { archive: String, reason: String },
    #[error("entry `{entry}` leaves the submission (path traversal); nothing was graded")]
    Traversal { entry: String },
    #[error("entry `{entry}` is an absolute path or names a drive; nothing was graded")]
    Absolute { entry: String },
    #[error("entry `{entry}` is a symbolic link, which submissions may not contain")]
    Symlink { entry: String },
    #[error("entry `{entry}` is a {kind}; submissions may hold only regular files and folders")]
    Special { entry: String, kind: &'static str },
    #[error("entry `{entry}` appears twice")]
    Duplicate { entry: String },
    #[error("the submission has more than {max} entries")]
    TooManyEntries { max: usize },
    #[error("entry `{entry}` is encrypted; hand in an archive without a password")]
    Encrypted { entry: String },
    #[error("entry `{entry}` would expand {ratio}x (over {max}x): this looks like a zip bomb")]
    Bomb { entry: String, ratio: u64, max: u64 },
    #[error("the files add up to {total} bytes uncompressed, over the {max}-byte limit")]
    TooLarge { total: u64, max: u64 },
    #[error("cannot read `{path}`: {reason}")]
    Io { path: String, reason: String },
}

/// One file or folder of a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub path: String,
    pub size: u64,
    pub is_dir: bool,
}

/// Why a read failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    NotFound(String),
    Invalid(String),
    TooLarge(String),
    Other(String),
}

enum Source {
    Folder(PathBuf),
    /// The archive stays open; `index` maps a path to its entry number.
    Zip {
        archive: Mutex<zip::ZipArchive<File>>,
        index: HashMap<String, usize>,
    },
}

/// A checked submission.
pub struct Submission {
    name: String,
    entries: Vec<Entry>,
    by_path: HashMap<String, usize>,
    source: Source,
    limits: IngestLimits,
}

impl Submission {
    /// Checks and lists a folder or a zip archive.
    pub fn open(path: &Path, limits: &IngestLimits) -> Result<Self, IngestError> {
        let shown = path.display().to_string();
        let meta = std::fs::symlink_metadata(path).map_err(|_| IngestError::Missing(shown.clone()))?;
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| shown.clone());
        let (files, source) = if meta.is_dir() {
            (list_folder(path, limits)?, Source::Folder(path.to_path_buf()))
        } else if meta.is_file() {
            let (files, archive, index) = list_zip(path, limits)?;
            (files, Source::Zip { archive: Mutex::new(archive), index })
        } else {
            return Err(IngestError::NotSubmission(shown));
        };
        let mut this = Self { name, entries: Vec::new(), by_path: HashMap::new(), source, limits: limits.clone() };
        this.set_entries(files);
        Ok(this)
    }

    /// Files plus every folder they imply (archives often omit folder entries), sorted by path.
    fn set_entries(&mut self, files: BTreeMap<String, Entry>) {
        let mut all = files;
        let dirs: Vec<String> = all
            .keys()
            .flat_map(|p| {
                let parts: Vec<&str> = p.split('/').collect();
                (1..parts.len()).map(move |n| parts[..n].join("/")).collect::<Vec<_>>()
            })
            .collect();
        for dir in dirs {
            all.entry(dir.clone()).or_insert(Entry { path: dir, size: 0, is_dir: true });
        }
        self.entries = all.into_values().collect();
        self.by_path = self.entries.iter().enumerate().map(|(i, e)| (e.path.clone(), i)).collect();
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn stat(&self, path: &str) -> Option<&Entry> {
        self.by_path.get(path).map(|&i| &self.entries[i])
    }

    /// Up to `length` bytes of the file at `path` from `offset`.
    pub fn read_range(&self, path: &str, offset: u64, length: u64) -> Result<Vec<u8>, ReadError> {
        let entry =
            self.stat(path).ok_or_else(|| ReadError::NotFound(format!("the submission has no file `{path}`")))?;
        if entry.is_dir {
            return Err(ReadError::Invalid(format!("`{path}` is a folder")));
        }
        let length = length.min(entry.size.saturating_sub(offset));
        if length > self.limits.max_read_bytes {
            return Err(ReadError::TooLarge(format!(
                "`{path}` is {} bytes; one read hands over at most {} MiB (use read-range)",
                entry.size,
                self.limits.max_read_bytes >> 20
            )));
        }
        let mut out = Vec::with_capacity(usize::try_from(length).unwrap_or(0));
        let io = |e: std::io::Error| ReadError::Other(format!("reading `{path}`: {e}"));
        match &self.source {
            Source::Folder(root) => {
                let mut file = regular_file::open(&root.join(path), Links::Refuse).map_err(|e| match e {
                    OpenError::NotRegular { kind, .. } => ReadError::Invalid(format!("`{path}` is now a {kind}")),
                    OpenError::Io { source, .. } => io(source),
                })?;
                std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(offset)).map_err(io)?;
                file.take(length).read_to_end(&mut out).map_err(io)?;
            }
            Source::Zip { archive, index } => {
                let number = *index.get(path).ok_or_else(|| ReadError::NotFound(path.to_string()))?;
                let mut archive = archive.lock().unwrap_or_else(|p| p.into_inner());
                let file = archive.by_index(number).map_err(|e| ReadError::Other(format!("`{path}`: {e}")))?;
                // Never more than the declared size, whatever the stream would produce.
                let mut limited = file.take(entry.size);
                std::io::copy(&mut (&mut limited).take(offset), &mut std::io::sink()).map_err(io)?;
                limited.take(length).read_to_end(&mut out).map_err(io)?;
            }
        }
        Ok(out)
    }
}

/// Normalises an archive path to `a/b/c`, refusing what could leave the submission.
fn clean_path(raw: &str) -> Result<String, IngestError> {
    let unified = raw.replace('\\', "/");
    if unified.starts_with('/') || unified.as_bytes().get(1) == Some(&b':') || unified.contains('\0') {
        return Err(IngestError::Absolute { entry: raw.to_string() });
    }
    let mut parts = Vec::new();
    for part in unified.split('/') {
        match part {
            "" | "." => {}
            ".." => return Err(IngestError::Traversal { entry: raw.to_string() }),
            p => parts.push(p),
        }
    }
    Ok(parts.join("/"))
}

/// A zip entry's name: UTF-8 when it is (flagged or not), else GB18030.
fn decode_name(raw: &[u8]) -> String {
    match std::str::from_utf8(raw) {
        Ok(text) => text.to_string(),
        Err(_) => encoding_rs::GB18030.decode_without_bom_handling(raw).0.into_owned(),
    }
}

type ZipListing = (BTreeMap<String, Entry>, zip::ZipArchive<File>, HashMap<String, usize>);

fn list_zip(path: &Path, limits: &IngestLimits) -> Result<ZipListing, IngestError> {
    let shown = path.display().to_string();
    let corrupt = |reason: String| IngestError::Corrupt { archive: shown.clone(), reason };
    let file = regular_file::open(path, Links::Refuse).map_err(|e| match e {
        OpenError::NotRegular { .. } => IngestError::NotSubmission(shown.clone()),
        OpenError::Io { source, .. } => IngestError::Io { path: shown.clone(), reason: source.to_string() },
    })?;
    let mut archive = zip::ZipArchive::new(file).map_err(|e| match e {
        zip::result::ZipError::InvalidArchive(_) | zip::result::ZipError::UnsupportedArchive(_) => {
            IngestError::NotSubmission(shown.clone())
        }
        other => corrupt(other.to_string()),
    })?;
    if archive.len() > limits.max_entries {
        return Err(IngestError::TooManyEntries { max: limits.max_entries });
    }
    if archive.has_duplicate_names() {
        return Err(IngestError::Duplicate { entry: "(several entries)".into() });
    }
    let mut files = BTreeMap::new();
    let mut index = HashMap::new();
    let mut total: u64 = 0;
    for number in 0..archive.len() {
        let entry = archive.by_index_raw(number).map_err(|e| corrupt(e.to_string()))?;
        let raw_name = decode_name(entry.name_raw());
        if entry.is_symlink() {
            return Err(IngestError::Symlink { entry: raw_name });
        }
        let path = clean_path(&raw_name)?;
        if entry.encrypted() {
            return Err(IngestError::Encrypted { entry: raw_name });
        }
        if path.is_empty() {
            continue;
        }
        if entry.is_dir() {
            files.insert(path.clone(), Entry { path, size: 0, is_dir: true });
            continue;
        }
        let (size, compressed) = (entry.size(), entry.compressed_size());
        if size > 1 << 20 {
            let ratio = size / compressed.max(1);
            if ratio > limits.max_ratio {
                return Err(IngestError::Bomb { entry: raw_name, ratio, max: limits.max_ratio });
            }
        }
        total = total.saturating_add(size);
        if total > limits.max_total_bytes {
            return Err(IngestError::TooLarge { total, max: limits.max_total_bytes });
        }
        if files.insert(path.clone(), Entry { path: path.clone(), size, is_dir: false }).is_some() {
            return Err(IngestError::Duplicate { entry: raw_name });
        }
        index.insert(path, number);
    }
    Ok((files, archive, index))
}

fn list_folder(root: &Path, limits: &IngestLimits) -> Result<BTreeMap<String, Entry>, IngestError> {
    let mut files = BTreeMap::new();
    let mut total: u64 = 0;
    for entry in walkdir::WalkDir::new(root).follow_links(false).min_depth(1) {
        let entry = entry.map_err(|e| IngestError::Io { path: root.display().to_string(), reason: e.to_string() })?;
        let relative = entry.path().strip_prefix(root).unwrap_or(entry.path());
        let path = relative.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
        if entry.file_type().is_symlink() {
            return Err(IngestError::Symlink { entry: path });
        }
        // The walk does not follow links, so this is the entry's own type (lstat), read without opening it.
        if let Some(kind) = regular_file::special_kind(entry.file_type()) {
            return Err(IngestError::Special { entry: path, kind });
        }
        if files.len() >= limits.max_entries {
            return Err(IngestError::TooManyEntries { max: limits.max_entries });
        }
        if entry.file_type().is_dir() {
            files.insert(path.clone(), Entry { path, size: 0, is_dir: true });
            continue;
        }
        let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
        total = total.saturating_add(size);
        if total > limits.max_total_bytes {
            return Err(IngestError::TooLarge { total, max: limits.max_total_bytes });
        }
        files.insert(path.clone(), Entry { path, size, is_dir: false });
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_cleaned_or_refused() {
        assert_eq!(clean_path("a/./b//c.txt").unwrap(), "a/b/c.txt");
        assert_eq!(clean_path("dir\\file.txt").unwrap(), "dir/file.txt");
        assert!(matches!(clean_path("../etc/passwd"), Err(IngestError::Traversal { .. })));
        assert!(matches!(clean_path("a/../../b"), Err(IngestError::Traversal { .. })));
        assert!(matches!(clean_path("/etc/passwd"), Err(IngestError::Absolute { .. })));
        assert!(matches!(clean_path("C:\\Windows\\x"), Err(IngestError::Absolute { .. })));
        assert!(matches!(clean_path("c:evil"), Err(IngestError::Absolute { .. })));
    }

    /// A FIFO in a folder is refused while listing, by its file type, without opening it; and a file swapped
    /// for a FIFO after the listing is refused when read instead of blocking the grader forever.
    #[test]
    fn fifos_are_refused_not_opened() {
        use crate::regular_file::tests::{mkfifo, within_seconds};
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("sub");
        std::fs::create_dir_all(root.join("data")).unwrap();
        std::fs::write(root.join("README.md"), "hi").unwrap();
        mkfifo(&root.join("data/pipe"));
        let listed = within_seconds({
            let root = root.clone();
            move || Submission::open(&root, &IngestLimits::default()).map(|_| ())
        });
        assert_eq!(listed, Err(IngestError::Special { entry: "data/pipe".into(), kind: "FIFO (named pipe)" }));

        std::fs::remove_file(root.join("data/pipe")).unwrap();
        std::fs::write(root.join("data/file"), "x").unwrap();
        let submission = Submission::open(&root, &IngestLimits::default()).unwrap();
        std::fs::remove_file(root.join("data/file")).unwrap();
        mkfifo(&root.join("data/file"));
        let read = within_seconds(move || submission.read_range("data/file", 0, 10));
        match read {
            Err(ReadError::Invalid(message)) => {
                assert!(message.contains("data/file") && message.contains("FIFO"), "{message}");
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn gbk_names_decode() {
        // "下载数据" in GBK.
        let gbk = [0xCF, 0xC2, 0xD4, 0xD8, 0xCA, 0xFD, 0xBE, 0xDD];
        assert_eq!(decode_name(&gbk), "下载数据");
        assert_eq!(decode_name("下载数据".as_bytes()), "下载数据");
    }
}
