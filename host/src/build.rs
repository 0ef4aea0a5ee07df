//! `aigc-host build`: turns a plugin's source folder into a component the host runs, whatever its language.
//!
//! The language is told by the project file in the folder: `Cargo.toml` (Rust, built with cargo for
//! `wasm32-wasip2`; the SDK's `manifest!` macro writes the manifest), `pyproject.toml` with a `[tool.aigc]` table
//! (Python, built with componentize-py) or `package.json` with an `"aigc"` object (JavaScript, built with
//! componentize-js). For Python and JavaScript the host writes the manifest itself, from the project file, as one
//! top-level `aigc:manifest` custom section ([`embed_manifest`], also `aigc-host manifest embed` for any other
//! toolchain). Every build ends the same way: the result is read back with [`crate::manifest::parse`] and its
//! imports are checked against the world of its kind ([`check_imports`]), so a component the host would refuse to
//! load is refused here, with the fix for its language.
//!
//! Generators for Python and JavaScript are pinned and installed the first time into [`Tools`], a cache shared by
//! every build on the machine, under a file lock so parallel builds (the test suite's) never race.

mod js;
mod python;
mod rust;
pub mod templates;

use std::fmt;
use std::fs::File;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::manifest::{Kind, Manifest, ManifestError, SECTION};

/// The WIT package every build targets.
pub const WIT_PACKAGE: &str = "aigc:plugin@0.1.1";

/// The host's own WIT, the one plugins are built against.
static WIT: include_dir::Dir<'static> = include_dir::include_dir!("$CARGO_MANIFEST_DIR/../wit");

/// The language of a plugin's source folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Rust,
    Python,
    Js,
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Lang::Rust => "Rust",
            Lang::Python => "Python",
            Lang::Js => "JavaScript",
        })
    }
}

impl Lang {
    /// The project file that marks a folder as a plugin of this language.
    pub fn project_file(self) -> &'static str {
        match self {
            Lang::Rust => "Cargo.toml",
            Lang::Python => "pyproject.toml",
            Lang::Js => "package.json",
        }
    }

    /// How a plugin of this language declares its manifest, for messages.
    pub fn manifest_fix(self) -> &'static str {
        match self {
            Lang::Rust => "declare it with `aigc_sdk::manifest!` in the crate and build with `aigc-host build`",
            Lang::Python => "declare it in pyproject.toml's `[tool.aigc]` table and build with `aigc-host build`",
            Lang::Js => "declare it in package.json's `\"aigc\"` object and build with `aigc-host build`",
        }
    }
}

/// A plugin source folder read from its project file (Python and JavaScript; a Rust crate's manifest comes from
/// its `manifest!` macro, so it is known only after the build).
#[derive(Debug, Clone)]
pub struct Project {
    /// The folder holding the project file.
    pub dir: PathBuf,
    pub lang: Lang,
    /// Name and version from the project file, `wit` = [`WIT_PACKAGE`], and the declared part.
    pub manifest: Manifest,
}

/// Why a build failed. Every message says what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(
        "`{}` holds no plugin project: a Rust plugin has a Cargo.toml, a Python one a pyproject.toml with a \
         `[tool.aigc]` table, a JavaScript one a package.json with an `\"aigc\"` object; start one with \
         `aigc-host new KIND NAME --lang rust|python|js`",
        dir.display()
    )]
    NoProject { dir: PathBuf },
    #[error("`{}` is not a valid plugin project file: {reason}", file.display())]
    Project { file: PathBuf, reason: String },
    #[error("cannot {what}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot install {tool}: {reason}")]
    Install { tool: String, reason: String },
    #[error("{tool} failed to build `{}`{}", dir.display(), output_tail(output))]
    Generator { tool: String, dir: PathBuf, output: String },
    #[error("`{}` is not a WebAssembly component: {reason}", path.display())]
    NotComponent { path: PathBuf, reason: String },
    #[error(
        "`{}` already has an `{SECTION}` section; a component carries one manifest (build it without one, or keep \
         the one it has)",
        path.display()
    )]
    ManifestExists { path: PathBuf },
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error("{0}")]
    ForeignImports(ForeignImports),
    #[error("there is no {kind} template for {lang}; the templates this host has: {available}")]
    NoTemplate { lang: Lang, kind: Kind, available: String },
    #[error("the {lang} backend of `aigc-host build` is not built yet; {hint}")]
    Unavailable { lang: Lang, hint: String },
}

fn output_tail(output: &str) -> String {
    let tail = crate::plugin_text::cap_tail(output.trim(), crate::plugin_text::MESSAGE_CAP);
    if tail.is_empty() { String::new() } else { format!(":\n{tail}") }
}

impl BuildError {
    /// An I/O error with what was being done (`"read `X`"`).
    pub fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> BuildError {
        let what = what.into();
        move |source| BuildError::Io { what, source }
    }
}

/// The toolchain cache: pinned generators (componentize-py, componentize-js and their runtimes) installed once per
/// machine, and the host's WIT written out for them.
#[derive(Debug, Clone)]
pub struct Tools {
    root: PathBuf,
}

impl Tools {
    /// The cache at `<cache dir>/aigc-host/toolchains` (`~/.cache/aigc-host/toolchains` on Linux), or
    /// `$AIGC_HOST_TOOLCHAINS` when set.
    pub fn new() -> Result<Self, BuildError> {
        let root = match std::env::var_os("AIGC_HOST_TOOLCHAINS") {
            Some(root) => PathBuf::from(root),
            None => directories::ProjectDirs::from("", "", "aigc-host")
                .map(|dirs| dirs.cache_dir().join("toolchains"))
                .ok_or_else(|| BuildError::Io {
                    what: "find a cache folder for the toolchains (no home directory); set AIGC_HOST_TOOLCHAINS".into(),
                    source: std::io::Error::from(std::io::ErrorKind::NotFound),
                })?,
        };
        Self::at(root)
    }

    /// A cache at `root` (created if missing).
    pub fn at(root: PathBuf) -> Result<Self, BuildError> {
        std::fs::create_dir_all(&root).map_err(BuildError::io(format!("create `{}`", root.display())))?;
        Ok(Self { root })
    }

    /// The cache folder; each tool installs under its own sub-folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Runs `install` holding an exclusive lock named `name` (a file `<root>/<name>.lock`), so that builds in
    /// parallel processes install a tool once and never see it half-installed. `install` must be idempotent: it
    /// checks whether the work is already done (a marker file written last) and returns early if so.
    pub fn locked<T>(&self, name: &str, install: impl FnOnce() -> Result<T, BuildError>) -> Result<T, BuildError> {
        let path = self.root.join(format!("{name}.lock"));
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(BuildError::io(format!("open the lock `{}`", path.display())))?;
        file.lock().map_err(BuildError::io(format!("lock `{}`", path.display())))?;
        let outcome = install();
        // Closing the file releases the lock too; unlocking first says so.
        let _ = file.unlock();
        outcome
    }

    /// The host's WIT files, written once into a folder named by their content hash (`<root>/wit-<hash>/`), for
    /// the generators to read.
    pub fn wit_dir(&self) -> Result<PathBuf, BuildError> {
        let files: Vec<(PathBuf, &[u8])> = WIT.files().map(|f| (f.path().to_path_buf(), f.contents())).collect();
        self.laid_out("wit", &files)
    }

    /// Writes `files` (paths relative to the folder, and their contents) once into `<root>/<prefix>-<hash>/`,
    /// named by a hash of their paths and contents, and returns that folder. The write happens under the
    /// folder's lock and a marker written last says it is whole, so parallel builds write it once and a build
    /// killed halfway leaves a folder the next one rewrites; a host with other files gets another folder.
    pub fn laid_out(&self, prefix: &str, files: &[(PathBuf, &[u8])]) -> Result<PathBuf, BuildError> {
        let mut sorted: Vec<&(PathBuf, &[u8])> = files.iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
        let mut hash = Sha256::new();
        for (path, contents) in &sorted {
            hash.update(path.to_string_lossy().as_bytes());
            hash.update([0]);
            hash.update(contents);
            hash.update([0]);
        }
        let name = format!("{prefix}-{}", &hex::encode(hash.finalize())[..16]);
        let dir = self.root.join(&name);
        let done = dir.join(".complete");
        if done.exists() {
            return Ok(dir);
        }
        self.locked(&name, || {
            if done.exists() {
                return Ok(dir.clone());
            }
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).map_err(BuildError::io(format!("create `{}`", dir.display())))?;
            for (relative, contents) in &sorted {
                let path = dir.join(relative);
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent)
                        .map_err(BuildError::io(format!("create `{}`", parent.display())))?;
                }
                std::fs::write(&path, contents).map_err(BuildError::io(format!("write `{}`", path.display())))?;
            }
            std::fs::write(&done, b"").map_err(BuildError::io(format!("write `{}`", done.display())))?;
            Ok(dir.clone())
        })
    }
}

/// What [`build`] made.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Built {
    /// The component written.
    pub path: PathBuf,
    pub lang: Lang,
    /// Its size in bytes.
    pub size: u64,
    pub sha256: String,
    /// The manifest it carries, as the host reads it.
    pub manifest: Manifest,
}

/// Which language the project in `dir` is written in, from its project file.
pub fn detect(dir: &Path) -> Result<Lang, BuildError> {
    if dir.join("Cargo.toml").is_file() {
        return Ok(Lang::Rust);
    }
    let pyproject = dir.join("pyproject.toml");
    if pyproject.is_file() {
        let text = read_text(&pyproject)?;
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| BuildError::Project { file: pyproject.clone(), reason: e.to_string() })?;
        if table.get("tool").and_then(|t| t.get("aigc")).is_some() {
            return Ok(Lang::Python);
        }
        return Err(BuildError::Project {
            file: pyproject,
            reason: "it has no `[tool.aigc]` table; declare the plugin's kind there (`kind = \"cleaner\"`)".into(),
        });
    }
    let package = dir.join("package.json");
    if package.is_file() {
        let text = read_text(&package)?;
        let value: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| BuildError::Project { file: package.clone(), reason: e.to_string() })?;
        if value.get("aigc").is_some() {
            return Ok(Lang::Js);
        }
        return Err(BuildError::Project {
            file: package,
            reason:
                "it has no `\"aigc\"` object; declare the plugin's kind there (`\"aigc\": {\"kind\": \"cleaner\"}`)"
                    .into(),
        });
    }
    Err(BuildError::NoProject { dir: dir.to_path_buf() })
}

/// Reads a project file as text.
pub(crate) fn read_text(path: &Path) -> Result<String, BuildError> {
    std::fs::read_to_string(path).map_err(BuildError::io(format!("read `{}`", path.display())))
}

/// Builds the plugin in `dir` and writes the component to `out` (default: `<dir>/<name>.wasm`).
pub fn build(dir: &Path, out: Option<&Path>) -> Result<Built, BuildError> {
    let lang = detect(dir)?;
    let (bytes, default_name) = match lang {
        Lang::Rust => {
            let built = rust::build(dir)?;
            let bytes = std::fs::read(&built.artifact)
                .map_err(BuildError::io(format!("read `{}`", built.artifact.display())))?;
            (bytes, built.name)
        }
        Lang::Python | Lang::Js => {
            let project = match lang {
                Lang::Python => python::read_project(dir)?,
                _ => js::read_project(dir)?,
            };
            let tools = Tools::new()?;
            let scratch = tempfile::Builder::new()
                .prefix(".aigc-build-")
                .tempdir_in(tools.root())
                .map_err(BuildError::io(format!("create a folder under `{}`", tools.root().display())))?;
            let raw = scratch.path().join("component.wasm");
            match lang {
                Lang::Python => python::compile(&project, &tools, &raw)?,
                _ => js::compile(&project, &tools, &raw)?,
            }
            let bytes = std::fs::read(&raw).map_err(BuildError::io(format!("read `{}`", raw.display())))?;
            let bytes = embed_manifest(bytes, &project.manifest)?;
            (bytes, project.manifest.name.clone())
        }
    };
    let out = match out {
        Some(out) => out.to_path_buf(),
        None => dir.join(format!("{default_name}.wasm")),
    };
    let manifest = crate::manifest::parse(&out, &bytes)?;
    check_imports(&out, &bytes, manifest.plugin.kind, Some(lang))?;
    write_atomic(&out, &bytes)?;
    Ok(Built { path: out, lang, size: bytes.len() as u64, sha256: hex::encode(Sha256::digest(&bytes)), manifest })
}

/// Writes `bytes` to `path` through a temporary file in the same folder, so a reader never sees half a plugin.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), BuildError> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(BuildError::io(format!("create `{}`", parent.display())))?;
    let mut tmp = tempfile::NamedTempFile::new_in(&parent)
        .map_err(BuildError::io(format!("create a file in `{}`", parent.display())))?;
    std::io::Write::write_all(&mut tmp, bytes).map_err(BuildError::io(format!("write `{}`", path.display())))?;
    // A temporary file is private (0600); a plugin is as readable as any file the person writes.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = tmp.as_file().set_permissions(std::fs::Permissions::from_mode(0o644));
    }
    tmp.persist(path).map_err(|e| BuildError::Io { what: format!("write `{}`", path.display()), source: e.error })?;
    Ok(())
}

/// Appends `manifest` as one top-level `aigc:manifest` custom section to `component`. Refuses a core module, a
/// component that already has a manifest section (top level or nested), and a manifest the host would refuse
/// (bad name, version, hosts): the result always reads back with [`crate::manifest::parse`].
pub fn embed_manifest(component: Vec<u8>, manifest: &Manifest) -> Result<Vec<u8>, BuildError> {
    embed_manifest_at(Path::new("the component"), component, manifest)
}

/// [`embed_manifest`], naming `path` in its messages.
pub fn embed_manifest_at(path: &Path, component: Vec<u8>, manifest: &Manifest) -> Result<Vec<u8>, BuildError> {
    let not_component = |reason: String| BuildError::NotComponent { path: path.to_path_buf(), reason };
    if !component.starts_with(b"\0asm") || component.len() < 8 {
        return Err(not_component("it does not start with the WebAssembly magic bytes".into()));
    }
    if component[4..8] == [1, 0, 0, 0] {
        return Err(not_component(
            "it is a core module; make a component of it first (`wasm-tools component new MODULE -o COMPONENT`, with \
             the WASI adapter for a wasip1 module)"
                .into(),
        ));
    }
    for payload in wasmparser::Parser::new(0).parse_all(&component) {
        let payload = payload.map_err(|e| not_component(e.to_string()))?;
        if let wasmparser::Payload::CustomSection(section) = payload
            && section.name() == SECTION
        {
            return Err(BuildError::ManifestExists { path: path.to_path_buf() });
        }
    }
    let json = serde_json::to_vec(manifest)
        .map_err(|e| BuildError::Io { what: "write the manifest as JSON".into(), source: std::io::Error::other(e) })?;
    let mut out = component;
    let mut body = Vec::with_capacity(json.len() + SECTION.len() + 10);
    leb128(&mut body, SECTION.len() as u64);
    body.extend_from_slice(SECTION.as_bytes());
    body.extend_from_slice(&json);
    out.push(0);
    leb128(&mut out, body.len() as u64);
    out.extend_from_slice(&body);
    crate::manifest::parse(path, &out)?;
    Ok(out)
}

fn leb128(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// Imports of a component that the world of its kind does not give, with the fix.
#[derive(Debug, Clone)]
pub struct ForeignImports {
    pub path: PathBuf,
    pub kind: Kind,
    /// The import names, as in the component (`wasi:http/types@0.2.3`).
    pub imports: Vec<String>,
    /// The language it was built from, when known (the fix is named for it; else for every language).
    pub lang: Option<Lang>,
}

impl fmt::Display for ForeignImports {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` imports {} that the {} world does not give: {}. The host links only WASI 0.2 without \
             `wasi:http` (no files, sockets or environment are granted) and the `{WIT_PACKAGE}` interfaces the \
             world imports ({}); ",
            self.path.display(),
            if self.imports.len() == 1 { "an interface" } else { "interfaces" },
            self.kind,
            self.imports.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", "),
            world_imports(self.kind).join(", "),
        )?;
        let http = self.imports.iter().any(|i| i.starts_with("wasi:http/"));
        let fixes: Vec<(Lang, &str)> = vec![
            (
                Lang::Js,
                if http {
                    "JavaScript: build with `aigc-host build` (it passes componentize-js `disableFeatures: ['http', \
                     'fetch-event']`), or pass `-d http -d fetch-event` yourself; fetch pages with the SDK's `http` \
                     import, not `fetch`"
                } else {
                    "JavaScript: build with `aigc-host build`, which targets the world of the plugin's kind"
                },
            ),
            (
                Lang::Python,
                "Python: build with `aigc-host build`, which targets the world of the plugin's kind; do not import \
                 modules that need other WASI interfaces (use the SDK's `http` for the network)",
            ),
            (
                Lang::Rust,
                "Rust: build for `wasm32-wasip2` with the aigc-sdk and use the SDK's `http` (not a crate that \
                 brings `wasi:http`)",
            ),
        ];
        let shown: Vec<&str> = match self.lang {
            Some(lang) => fixes.iter().filter(|(l, _)| *l == lang).map(|(_, fix)| *fix).collect(),
            None => fixes.iter().map(|(_, fix)| *fix).collect(),
        };
        write!(f, "to fix it: {}", shown.join("; "))
    }
}

/// The WASI 0.2 packages the host links (wasmtime-wasi's p2 linker less `wasi:http`); their interfaces grant
/// nothing beyond clocks and randomness, since the context is empty.
const WASI_PACKAGES: &[&str] =
    &["wasi:cli", "wasi:clocks", "wasi:filesystem", "wasi:io", "wasi:random", "wasi:sockets"];

/// The `aigc:plugin` interfaces the world of `kind` imports, read from the host's own WIT: those it imports or
/// `use`s, and those these `use` in turn (`types` for its error variant, `dataset` for `provenance`).
pub fn world_imports(kind: Kind) -> Vec<String> {
    let uses = |text: &str| -> Vec<String> {
        text.lines()
            .map(str::trim)
            .filter_map(|line| {
                let name = line.strip_prefix("import ").and_then(|l| l.strip_suffix(';'));
                name.or_else(|| line.strip_prefix("use ").and_then(|l| l.split_once(".{")).map(|(name, _)| name))
            })
            .map(|name| name.trim().to_string())
            .collect()
    };
    let worlds = WIT.get_file("worlds.wit").and_then(|f| f.contents_utf8()).unwrap_or_default();
    let header = format!("world {kind} {{");
    let world: String = worlds
        .lines()
        .skip_while(|line| line.trim() != header)
        .take_while(|line| line.trim() != "}")
        .collect::<Vec<_>>()
        .join("\n");
    let mut imports = uses(&world);
    let mut next = 0;
    while next < imports.len() {
        let file = format!("{}.wit", imports[next]);
        if let Some(text) = WIT.get_file(&file).and_then(|f| f.contents_utf8()) {
            for used in uses(text) {
                if !imports.contains(&used) {
                    imports.push(used);
                }
            }
        }
        next += 1;
    }
    imports
}

/// The top-level instance and function imports of a component (its own, not those of components nested in it;
/// type imports, which a world's `use` makes, are bound to the instances' types and need nothing of the host).
pub fn component_imports(path: &Path, bytes: &[u8]) -> Result<Vec<String>, BuildError> {
    let not_component = |reason: String| BuildError::NotComponent { path: path.to_path_buf(), reason };
    let mut depth = 0usize;
    let mut imports = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        match payload.map_err(|e| not_component(e.to_string()))? {
            wasmparser::Payload::Version { .. } => depth += 1,
            wasmparser::Payload::End(_) => depth = depth.saturating_sub(1),
            wasmparser::Payload::ComponentImportSection(reader) if depth == 1 => {
                for import in reader {
                    let import = import.map_err(|e| not_component(e.to_string()))?;
                    if matches!(import.ty, wasmparser::ComponentTypeRef::Type(_)) {
                        continue;
                    }
                    imports.push(import.name.name.to_string());
                }
            }
            _ => {}
        }
    }
    Ok(imports)
}

/// The imports of `bytes` that the world of `kind` does not give (see [`ForeignImports`]).
pub fn foreign_imports(path: &Path, bytes: &[u8], kind: Kind) -> Result<Vec<String>, BuildError> {
    let world = world_imports(kind);
    let given = |name: &str| {
        let (package, rest) = name.split_once('/').unwrap_or((name, ""));
        let (interface, version) = rest.split_once('@').unwrap_or((rest, ""));
        if WASI_PACKAGES.contains(&package) {
            return version.is_empty() || version.starts_with("0.2.");
        }
        package == "aigc:plugin"
            && crate::manifest::SUPPORTED_WIT.contains(&format!("aigc:plugin@{version}").as_str())
            && world.iter().any(|w| w == interface)
    };
    Ok(component_imports(path, bytes)?.into_iter().filter(|name| !given(name)).collect())
}

/// Refuses a component that imports an interface the world of `kind` does not give, naming the fix for `lang`
/// (or for every language when it is not known).
pub fn check_imports(path: &Path, bytes: &[u8], kind: Kind, lang: Option<Lang>) -> Result<(), BuildError> {
    let imports = foreign_imports(path, bytes, kind)?;
    if imports.is_empty() {
        return Ok(());
    }
    Err(BuildError::ForeignImports(ForeignImports { path: path.to_path_buf(), kind, imports, lang }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn world_imports_read_from_the_wit() {
        assert_eq!(world_imports(Kind::Crawler), ["log", "config", "dataset", "collect", "http", "types"]);
        assert_eq!(world_imports(Kind::Grader), ["log", "config", "submission", "image", "svg", "types"]);
        let cleaner = world_imports(Kind::Cleaner);
        assert!(cleaner.contains(&"svg".to_string()) && cleaner.contains(&"types".to_string()), "{cleaner:?}");
        assert!(!world_imports(Kind::Annotator).contains(&"http".to_string()));
    }

    #[test]
    fn leb128_encodes() {
        let mut out = Vec::new();
        leb128(&mut out, 624485);
        assert_eq!(out, [0xe5, 0x8e, 0x26]);
    }
}
