//! A raw zip writer for tests: it writes what real tools refuse to (traversal names, symlinks, duplicate names,
//! encrypted flags, lying sizes, GBK names without the UTF-8 flag), so the host's checks meet real bytes.

/// One entry to write, stored (not compressed).
pub struct RawEntry {
    pub name: Vec<u8>,
    pub data: Vec<u8>,
    /// Sets general-purpose flag bit 11 (names are UTF-8).
    pub utf8_flag: bool,
    /// Sets flag bit 0 (encrypted).
    pub encrypted: bool,
    /// Unix mode in the external attributes (0o120777 for a symlink).
    pub unix_mode: u32,
    /// The uncompressed size written in the headers, when it should lie.
    pub declared_size: Option<u32>,
}

impl RawEntry {
    pub fn file(name: &str, data: &[u8]) -> Self {
        Self {
            name: name.as_bytes().to_vec(),
            data: data.to_vec(),
            utf8_flag: true,
            encrypted: false,
            unix_mode: 0o100644,
            declared_size: None,
        }
    }
}

/// The bytes of a zip archive holding `entries`.
pub fn write(entries: &[RawEntry]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for e in entries {
        let offset = out.len() as u32;
        let crc = crc32(&e.data);
        let flags: u16 = (if e.utf8_flag { 1 << 11 } else { 0 }) | u16::from(e.encrypted);
        let size = e.data.len() as u32;
        let declared = e.declared_size.unwrap_or(size);
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        for v in [20u16, flags, 0, 0, 0] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for v in [crc, size, declared] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&(e.name.len() as u16).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(&e.name);
        out.extend_from_slice(&e.data);

        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        for v in [(3u16 << 8) | 20, 20, flags, 0, 0, 0] {
            central.extend_from_slice(&v.to_le_bytes());
        }
        for v in [crc, size, declared] {
            central.extend_from_slice(&v.to_le_bytes());
        }
        for v in [e.name.len() as u16, 0, 0, 0, 0] {
            central.extend_from_slice(&v.to_le_bytes());
        }
        central.extend_from_slice(&(e.unix_mode << 16).to_le_bytes());
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(&e.name);
    }
    let cd_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    for v in [0u16, 0, entries.len() as u16, entries.len() as u16] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// A submission's files: relative path → bytes.
pub type Files = std::collections::BTreeMap<String, Vec<u8>>;

/// Writes `files` as the zip `dir/name` with the `zip` crate (stored, uncompressed: fastest), everything under
/// `prefix`, as an ordinary tool would.
pub fn write_zip(dir: &std::path::Path, name: &str, files: &Files, prefix: &str) -> std::path::PathBuf {
    use std::io::Write;
    let path = dir.join(name);
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (file, bytes) in files {
        zip.start_file(format!("{prefix}{file}"), options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
    path
}

/// Writes `files` as the folder `dir/name`.
pub fn write_folder(dir: &std::path::Path, name: &str, files: &Files) -> std::path::PathBuf {
    let root = dir.join(name);
    for (file, bytes) in files {
        let path = root.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    root
}
