//! Opening a file that must be a regular file, without ever blocking on one that is not.
//!
//! `open()` on a FIFO waits for a writer (forever, in a submission nobody writes to), and opening a device can
//! have effects of its own. Listings refuse such entries up front from their `symlink_metadata` file type
//! ([`special_kind`]), but an entry can be swapped between the listing and the open. So files are opened with
//! `O_NONBLOCK`, which makes opening a FIFO return at once instead of waiting (and changes nothing for reading a
//! regular file), optionally with `O_NOFOLLOW`, and the opened handle's own metadata must say "regular file"
//! before a byte is read.

use std::fs::{File, FileType};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Why a file was not opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("`{path}` is a {kind}, not a regular file")]
    NotRegular { path: PathBuf, kind: &'static str },
    #[error("cannot open `{path}`: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

/// Whether the last component of the path may be a symbolic link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Links {
    /// A link is refused (submissions: a link swapped in after the listing must not lead elsewhere).
    Refuse,
    /// A link is followed (paths the operator names on the command line).
    Follow,
}

/// What a file type is when it is neither a regular file, a folder nor a symbolic link; None for those three.
pub fn special_kind(file_type: FileType) -> Option<&'static str> {
    if file_type.is_file() || file_type.is_dir() || file_type.is_symlink() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return Some("FIFO (named pipe)");
        }
        if file_type.is_socket() {
            return Some("socket");
        }
        if file_type.is_block_device() || file_type.is_char_device() {
            return Some("device");
        }
    }
    Some("special file")
}

/// Opens `path` for reading if, once open, it is a regular file.
pub fn open(path: &Path, links: Links) -> Result<File, OpenError> {
    let io = |source| OpenError::Io { path: path.to_path_buf(), source };
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let nofollow = if links == Links::Refuse { libc::O_NOFOLLOW } else { 0 };
        options.custom_flags(libc::O_NONBLOCK | nofollow);
    }
    let file = options.open(path).map_err(|e| match e.raw_os_error() {
        // What O_NOFOLLOW answers for a link.
        #[cfg(unix)]
        Some(libc::ELOOP) if links == Links::Refuse => {
            OpenError::NotRegular { path: path.to_path_buf(), kind: "symbolic link" }
        }
        _ => io(e),
    })?;
    let file_type = file.metadata().map_err(io)?.file_type();
    if !file_type.is_file() {
        let kind = if file_type.is_dir() { "folder" } else { special_kind(file_type).unwrap_or("special file") };
        return Err(OpenError::NotRegular { path: path.to_path_buf(), kind });
    }
    Ok(file)
}

/// The whole of the regular file at `path`.
pub fn read(path: &Path, links: Links) -> Result<Vec<u8>, OpenError> {
    let mut file = open(path, links)?;
    let mut data = Vec::new();
    file.read_to_end(&mut data).map_err(|source| OpenError::Io { path: path.to_path_buf(), source })?;
    Ok(data)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Runs `f` on a thread and fails the test if it has not returned within 10 s (a FIFO's `open()` would
    /// otherwise hang the test instead of failing it).
    pub(crate) fn within_seconds<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(f());
        });
        rx.recv_timeout(std::time::Duration::from_secs(10)).expect("the call blocked: it opened a FIFO and waited")
    }

    pub(crate) fn mkfifo(path: &Path) {
        let status = std::process::Command::new("mkfifo").arg(path).status().expect("mkfifo runs");
        assert!(status.success(), "mkfifo {}", path.display());
    }

    #[test]
    fn a_fifo_is_refused_at_once_not_waited_on() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        mkfifo(&fifo);
        let path = fifo.clone();
        let result = within_seconds(move || open(&path, Links::Follow).map(|_| ()));
        match result {
            Err(OpenError::NotRegular { kind, .. }) => assert!(kind.contains("FIFO"), "{kind}"),
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert_eq!(special_kind(std::fs::symlink_metadata(&fifo).unwrap().file_type()), Some("FIFO (named pipe)"));
    }

    #[test]
    fn regular_files_open_and_everything_else_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.txt");
        std::fs::write(&file, "content").unwrap();
        assert_eq!(read(&file, Links::Refuse).unwrap(), b"content");
        assert!(matches!(open(dir.path(), Links::Follow), Err(OpenError::NotRegular { kind: "folder", .. })));
        assert!(matches!(
            read(Path::new("/dev/null"), Links::Follow),
            Err(OpenError::NotRegular { kind: "device", .. })
        ));
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        assert_eq!(read(&link, Links::Follow).unwrap(), b"content");
        assert!(matches!(open(&link, Links::Refuse), Err(OpenError::NotRegular { kind: "symbolic link", .. })));
        assert!(matches!(open(&dir.path().join("missing"), Links::Follow), Err(OpenError::Io { .. })));
        assert_eq!(special_kind(std::fs::symlink_metadata(&file).unwrap().file_type()), None);
    }
}
