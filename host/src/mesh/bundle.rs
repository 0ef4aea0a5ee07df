//! The files one model may be read from: an item's own files, with any zip archive among them opened in place.
//! References inside a model (glTF buffer and image URIs, OBJ `mtllib` and texture names) resolve only here.
//!
//! Item files are shared, never copied ([`Arc`]); an archive entry is inflated when first asked for, after its
//! declared size is checked against the caps and charged, and never past that size.

use std::collections::{BTreeMap, HashMap};
use std::io::{Cursor, Read};
use std::sync::{Arc, Mutex};

use super::{Format, Limits, MeshError, cost, zip_directory};
use crate::budget::Work;

type Archive = zip::ZipArchive<Cursor<Vec<u8>>>;

enum Entry {
    Bytes(Arc<Vec<u8>>),
    /// Entry `index` of archive `archive`, read when asked for; `size` is what its header declares.
    Zipped {
        archive: usize,
        index: usize,
        size: u64,
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
        Self::new_with(files, limits, &mut super::standalone("the model's files"))
    }

    /// [`Bundle::new`], charging each archive's directory to `work` before it is parsed.
    pub fn new_with(files: Vec<(String, Vec<u8>)>, limits: &Limits, work: &mut Work) -> Result<Self, MeshError> {
        let mut bundle = Self { entries: BTreeMap::new(), archives: Vec::new(), limits: limits.clone() };
        for (name, data) in files {
            if name.to_ascii_lowercase().ends_with(".zip") {
                bundle.add_archive(&name, data, work)?;
            } else if let Some(path) = normalise(&name) {
                bundle.entries.insert(path, Entry::Bytes(Arc::new(data)));
            }
        }
        Ok(bundle)
    }

    fn add_archive(&mut self, name: &str, data: Vec<u8>, work: &mut Work) -> Result<(), MeshError> {
        // The count the archive declares is checked and charged before the `zip` crate reads its directory.
        if let Some(declared) = zip_directory::declared_entries(&data) {
            if declared > self.limits.archive_entries as u64 {
                return Err(MeshError::Limit(format!(
                    "`{name}` declares {declared} entries; the limit is {}",
                    self.limits.archive_entries
                )));
            }
            cost::charge(work, || format!("opening `{name}` ({declared} entries)"), cost::zip_directory(declared))?;
        }
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
            let size = entry.size();
            let Ok(raw) = entry.name().map(|n| n.to_string()) else { continue };
            // macOS resource forks shadow real files with junk of the same name.
            if raw.starts_with("__MACOSX/") || raw.rsplit('/').next().is_some_and(|n| n.starts_with("._")) {
                continue;
            }
            if let Some(path) = normalise(&raw) {
                self.entries.entry(path).or_insert(Entry::Zipped { archive: slot, index, size });
            }
        }
        self.archives.push(Mutex::new(archive));
        Ok(())
    }

    /// Every path in the bundle, sorted.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    /// The bytes at `path` (normalised): an item file as it is, or an archive entry inflated (its declared size
    /// checked against the per-file cap and charged to `work` first; an entry that inflates past its declared
    /// size is refused, so a lying header cannot outgrow its charge).
    pub fn read(&self, path: &str, work: &mut Work) -> Result<Arc<Vec<u8>>, MeshError> {
        let key =
            normalise(path).ok_or_else(|| MeshError::Missing(format!("`{path}` is not a path inside the item")))?;
        match self.entries.get(&key) {
            None => Err(MeshError::Missing(format!("`{path}` is not among the item's files"))),
            Some(Entry::Bytes(data)) => {
                if data.len() as u64 > self.limits.file_bytes {
                    return Err(self.too_big(path));
                }
                Ok(Arc::clone(data))
            }
            Some(&Entry::Zipped { archive, index, size }) => {
                if size > self.limits.file_bytes {
                    return Err(self.too_big(path));
                }
                cost::charge(work, || format!("inflating `{path}` ({size} bytes)"), cost::inflate(size))?;
                let mut archive = self.archives[archive].lock().unwrap_or_else(|p| p.into_inner());
                let entry = archive
                    .by_index(index)
                    .map_err(|e| MeshError::Malformed(format!("cannot read `{path}` from the archive ({e})")))?;
                let mut data = Vec::with_capacity(size as usize);
                entry
                    .take(size + 1)
                    .read_to_end(&mut data)
                    .map_err(|e| MeshError::Malformed(format!("cannot read `{path}` from the archive ({e})")))?;
                if data.len() as u64 > size {
                    return Err(MeshError::Malformed(format!(
                        "`{path}` in the archive inflates past the {size} bytes its header declares"
                    )));
                }
                Ok(Arc::new(data))
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
pub fn percent_decode(text: &str) -> String {
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

/// The files one model load reads, each read (and counted against the model's byte cap) once however many
/// references name it: a thousand images naming one file share one copy.
pub(super) struct Files<'a> {
    pub bundle: &'a Bundle,
    read: HashMap<String, Arc<Vec<u8>>>,
    used: u64,
}

impl<'a> Files<'a> {
    pub fn new(bundle: &'a Bundle) -> Self {
        Self { bundle, read: HashMap::new(), used: 0 }
    }

    pub fn read(&mut self, path: &str, work: &mut Work) -> Result<Arc<Vec<u8>>, MeshError> {
        if let Some(data) = self.read.get(path) {
            return Ok(Arc::clone(data));
        }
        let data = self.bundle.read(path, work)?;
        let used = self.used.saturating_add(data.len() as u64);
        if used > self.bundle.limits.total_bytes {
            return Err(MeshError::Limit(format!(
                "the model's files add up to more than {} bytes",
                self.bundle.limits.total_bytes
            )));
        }
        self.used = used;
        self.read.insert(path.to_string(), Arc::clone(&data));
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
