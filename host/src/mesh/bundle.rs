//! The files one model may be read from: an item's own files, with any zip archive among them opened in place.
//! References inside a model (glTF buffer and image URIs, OBJ `mtllib` and texture names) resolve only here.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};
use std::sync::Mutex;

use super::{Format, Limits, MeshError};

type Archive = zip::ZipArchive<Cursor<Vec<u8>>>;

enum Entry {
    Bytes(Vec<u8>),
    /// Entry `index` of archive `archive`, read when asked for.
    Zipped {
        archive: usize,
        index: usize,
    },
}

/// Files by normalised path (`textures/wood.png`); archive entries keep their folders, item files are top level.
pub struct Bundle {
    entries: BTreeMap<String, Entry>,
    archives: Vec<Mutex<Archive>>,
    limits: Limits,
}

impl std::fmt::Debug for Bundle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bundle").field("paths", &self.entries.keys().collect::<Vec<_>>()).finish()
    }
}

impl Bundle {
    /// A bundle of `(name, bytes)` files; every `.zip` among them is opened and its entries added under their own
    /// paths (an archive inside an archive is not opened).
    pub fn new(files: Vec<(String, Vec<u8>)>, limits: &Limits) -> Result<Self, MeshError> {
        let mut bundle = Self { entries: BTreeMap::new(), archives: Vec::new(), limits: limits.clone() };
        for (name, data) in files {
            if name.to_ascii_lowercase().ends_with(".zip") {
                bundle.add_archive(&name, data)?;
            } else if let Some(path) = normalise(&name) {
                bundle.entries.insert(path, Entry::Bytes(data));
            }
        }
        Ok(bundle)
    }

    fn add_archive(&mut self, name: &str, data: Vec<u8>) -> Result<(), MeshError> {
        let mut archive = zip::ZipArchive::new(Cursor::new(data))
            .map_err(|e| MeshError::Malformed(format!("`{name}` is not a readable zip archive ({e})")))?;
        if archive.len() > self.limits.archive_entries {
            return Err(MeshError::Limit(format!(
                "`{name}` has {} entries; the limit is {}",
                archive.len(),
                self.limits.archive_entries
            )));
        }
        let slot = self.archives.len();
        for index in 0..archive.len() {
            let Ok(entry) = archive.by_index_raw(index) else { continue };
            if entry.is_dir() || entry.encrypted() {
                continue;
            }
            let Ok(raw) = entry.name().map(|n| n.to_string()) else { continue };
            // macOS resource forks shadow real files with junk of the same name.
            if raw.starts_with("__MACOSX/") || raw.rsplit('/').next().is_some_and(|n| n.starts_with("._")) {
                continue;
            }
            if let Some(path) = normalise(&raw) {
                self.entries.entry(path).or_insert(Entry::Zipped { archive: slot, index });
            }
        }
        self.archives.push(Mutex::new(archive));
        Ok(())
    }

    /// Every path in the bundle, sorted.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    /// The bytes at `path` (normalised), read from its archive if it is in one, within the per-file cap.
    pub fn read(&self, path: &str) -> Result<Vec<u8>, MeshError> {
        let key =
            normalise(path).ok_or_else(|| MeshError::Missing(format!("`{path}` is not a path inside the item")))?;
        match self.entries.get(&key) {
            None => Err(MeshError::Missing(format!("`{path}` is not among the item's files"))),
            Some(Entry::Bytes(data)) => {
                if data.len() as u64 > self.limits.file_bytes {
                    return Err(self.too_big(path));
                }
                Ok(data.clone())
            }
            Some(Entry::Zipped { archive, index }) => {
                let mut archive = self.archives[*archive].lock().unwrap_or_else(|p| p.into_inner());
                let entry = archive
                    .by_index(*index)
                    .map_err(|e| MeshError::Malformed(format!("cannot read `{path}` from the archive ({e})")))?;
                if entry.size() > self.limits.file_bytes {
                    return Err(self.too_big(path));
                }
                let mut data = Vec::with_capacity(entry.size().min(64 << 20) as usize);
                // The header's size may lie (a zip bomb); `take` holds the cap whatever it says.
                entry
                    .take(self.limits.file_bytes + 1)
                    .read_to_end(&mut data)
                    .map_err(|e| MeshError::Malformed(format!("cannot read `{path}` from the archive ({e})")))?;
                if data.len() as u64 > self.limits.file_bytes {
                    return Err(self.too_big(path));
                }
                Ok(data)
            }
        }
    }

    fn too_big(&self, path: &str) -> MeshError {
        MeshError::Limit(format!("`{path}` is larger than {} bytes", self.limits.file_bytes))
    }

    /// The file a reference made from inside `from` (a model file's path) names: relative to `from`'s folder,
    /// percent-decoded; failing that, the only file with the same base name (items store files flat, so
    /// `textures/a.png` may be stored as `a.png`). Absolute paths, `..` above the root and URLs find nothing.
    pub fn resolve(&self, from: &str, reference: &str) -> Result<String, MeshError> {
        let decoded = percent_decode(reference);
        let missing = || MeshError::Missing(format!("`{reference}` (referred to by `{from}`)"));
        if decoded.contains("://") || decoded.starts_with('/') || decoded.starts_with('\\') {
            return Err(missing());
        }
        let folder = from.rsplit_once('/').map(|(dir, _)| dir).unwrap_or("");
        let joined = if folder.is_empty() { decoded.clone() } else { format!("{folder}/{decoded}") };
        if let Some(path) = normalise(&joined).filter(|p| self.entries.contains_key(p)) {
            return Ok(path);
        }
        let base = decoded.rsplit(['/', '\\']).next().unwrap_or(&decoded).to_ascii_lowercase();
        let mut same: Vec<&String> = self
            .entries
            .keys()
            .filter(|p| p.rsplit('/').next().is_some_and(|n| n.to_ascii_lowercase() == base))
            .collect();
        match (same.pop(), same.is_empty()) {
            (Some(only), true) => Ok(only.clone()),
            _ => Err(missing()),
        }
    }

    /// The model file: a `.glb` or `.gltf` before an `.obj`, then the shallowest path, then by name. Sketchfab
    /// archives put `scene.gltf` at the top and sometimes a source model deeper down.
    pub fn find_model(&self) -> Result<(String, Format), MeshError> {
        let rank = |f: Format| match f {
            Format::Glb | Format::Gltf => 0,
            Format::Obj => 1,
        };
        self.entries
            .keys()
            .filter_map(|p| Format::of(p).map(|f| (rank(f), p.matches('/').count(), p.clone(), f)))
            .min()
            .map(|(_, _, path, format)| (path, format))
            .ok_or_else(|| {
                let listed: Vec<&str> = self.paths().take(8).collect();
                MeshError::NoModel(format!(
                    "none of the files is a .glb, .gltf or .obj (found: {})",
                    if listed.is_empty() { "nothing".to_string() } else { listed.join(", ") }
                ))
            })
    }
}

/// `a/./b/../c` as `a/c`, backslashes as slashes; None when the path climbs above the root or is empty.
fn normalise(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// `%20` as a space; malformed escapes stay as they are.
pub(super) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Reads a `Format` model's related bytes by reference, checking the running total against the cap.
pub(super) struct Budget<'a> {
    pub bundle: &'a Bundle,
    used: std::cell::Cell<u64>,
}

impl<'a> Budget<'a> {
    pub fn new(bundle: &'a Bundle) -> Self {
        Self { bundle, used: std::cell::Cell::new(0) }
    }

    pub fn read(&self, path: &str) -> Result<Vec<u8>, MeshError> {
        let data = self.bundle.read(path)?;
        let used = self.used.get() + data.len() as u64;
        if used > self.bundle.limits.total_bytes {
            return Err(MeshError::Limit(format!(
                "the model's files add up to more than {} bytes",
                self.bundle.limits.total_bytes
            )));
        }
        self.used.set(used);
        Ok(data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_normalise_and_stay_inside() {
        assert_eq!(normalise("a/./b/../c.png").as_deref(), Some("a/c.png"));
        assert_eq!(normalise("..\\x"), None);
        assert_eq!(percent_decode("my%20tex.png"), "my tex.png");
        assert_eq!(percent_decode("50%"), "50%");
    }

    #[test]
    fn references_resolve_only_to_bundle_files() {
        let files = vec![("scene.gltf".to_string(), b"{}".to_vec()), ("wood.png".to_string(), vec![1])];
        let bundle = Bundle::new(files, &Limits::default()).unwrap();
        assert_eq!(bundle.resolve("scene.gltf", "textures/wood.png").unwrap(), "wood.png");
        assert!(bundle.resolve("scene.gltf", "/etc/passwd").is_err());
        assert!(bundle.resolve("scene.gltf", "../../etc/passwd").is_err());
        assert!(bundle.resolve("scene.gltf", "https://example.com/a.bin").is_err());
    }
}
