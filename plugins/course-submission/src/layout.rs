//! The submission's layout, built in one pass over its entries:
//!
//! ```text
//! 下载数据/<category>/<item>.<ext>        (+ optional <item>.json beside it)
//! 清洗后的数据/<category>/<item>.<ext>
//! 渲染结果/<category>/<item>/<NNN>.png
//! ```
//!
//! Everything inside one common top folder (a zipped folder) is taken as if it were at the top. Operating-system
//! litter (`__MACOSX/`, `.DS_Store`, `Thumbs.db`, hidden files) is ignored.

use std::collections::{BTreeMap, BTreeSet};

use aigc_sdk::submission::Entry;

/// The three top-level folders, in the order of [`DOWNLOADED`], [`CLEANED`], [`RENDERS`].
pub const TOPS: [&str; 3] = ["下载数据", "清洗后的数据", "渲染结果"];
pub const DOWNLOADED: usize = 0;
pub const CLEANED: usize = 1;
pub const RENDERS: usize = 2;

/// A course category: its Chinese folder name and the English slug accepted in its place.
pub struct Category {
    pub chinese: &'static str,
    pub slug: &'static str,
}

pub const CATEGORIES: [Category; 5] = [
    Category { chinese: "动物", slug: "animals" },
    Category { chinese: "植物", slug: "plants" },
    Category { chinese: "文玩", slug: "collectibles" },
    Category { chinese: "游戏形象", slug: "game-characters" },
    Category { chinese: "动漫形象", slug: "anime-characters" },
];

impl Category {
    /// `动物 (animals)`.
    pub fn label(&self) -> String {
        format!("{} ({})", self.chinese, self.slug)
    }
}

/// The category a folder name stands for (the slug in any letter case). `antiques`, the name the crawlers use for
/// 文玩, is accepted as well as `collectibles`.
pub fn category_of(folder: &str) -> Option<usize> {
    if folder.eq_ignore_ascii_case("antiques") {
        return CATEGORIES.iter().position(|c| c.slug == "collectibles");
    }
    CATEGORIES.iter().position(|c| c.chinese == folder || c.slug.eq_ignore_ascii_case(folder))
}

/// Extensions of model files: a file with one of these directly in a category folder is an item.
pub const MODEL_EXTENSIONS: &[&str] =
    &["glb", "gltf", "zip", "obj", "fbx", "stl", "ply", "dae", "3ds", "blend", "usdz", "3mf"];

/// `("cat.model", "glb")` for `cat.model.GLB`; a name without a dot has an empty extension.
pub fn split_extension(name: &str) -> (&str, String) {
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => (stem, ext.to_ascii_lowercase()),
        _ => (name, String::new()),
    }
}

/// A render's name: digits, then `.png` (`000.png`, `011.png`).
pub fn is_render_name(name: &str) -> bool {
    let (stem, ext) = split_extension(name);
    ext == "png" && !stem.is_empty() && stem.bytes().all(|b| b.is_ascii_digit())
}

/// One file: its path in the submission (what reads take) and its size.
#[derive(Clone, Debug)]
pub struct File {
    pub path: String,
    pub size: u64,
    /// Lowercase extension.
    pub ext: String,
}

/// The files of one item in 下载数据 or 清洗后的数据: those named `<item>.*` in its category folder.
#[derive(Default, Debug)]
pub struct Item {
    pub models: Vec<File>,
    pub metadata: Vec<File>,
    pub others: Vec<String>,
}

/// The items of 下载数据 or 清洗后的数据.
#[derive(Default, Debug)]
pub struct ItemSet {
    /// Per category: item name (the file stem) → its files. Only names with at least one model file.
    pub items: [BTreeMap<String, Item>; 5],
    /// Files in a category folder that belong to no item (`cat.json` with no `cat.glb`), sorted.
    pub orphans: Vec<String>,
    /// Per category: model files in subfolders of the category folder, which do not count as items.
    pub nested_models: [Vec<String>; 5],
    /// Model files in subfolders, before it is known whether the subfolder belongs to an item.
    nested: Vec<(usize, String, String)>,
}

impl ItemSet {
    /// Number of items in category `c`.
    pub fn count(&self, c: usize) -> usize {
        self.items[c].len()
    }

    pub fn total(&self) -> usize {
        self.items.iter().map(BTreeMap::len).sum()
    }

    fn add(&mut self, category: usize, name: &str, path: &str, size: u64) {
        let (stem, ext) = split_extension(name);
        let item = self.items[category].entry(stem.to_string()).or_default();
        let file = File { path: path.to_string(), size, ext };
        if MODEL_EXTENSIONS.contains(&file.ext.as_str()) {
            item.models.push(file);
        } else if file.ext == "json" {
            item.metadata.push(file);
        } else {
            item.others.push(file.path);
        }
    }

    /// Moves names without a model file to `orphans` and sorts out nested model files.
    fn finish(&mut self) {
        for items in &mut self.items {
            let empty: Vec<String> =
                items.iter().filter(|(_, i)| i.models.is_empty()).map(|(k, _)| k.clone()).collect();
            for name in empty {
                if let Some(item) = items.remove(&name) {
                    self.orphans.extend(item.metadata.into_iter().map(|f| f.path));
                    self.orphans.extend(item.others);
                }
            }
        }
        self.orphans.sort();
        // A subfolder named like an item holds that item's extra files (textures of `cat.gltf` in `cat/`).
        for (category, folder, path) in std::mem::take(&mut self.nested) {
            if !self.items[category].contains_key(&folder) {
                self.nested_models[category].push(path);
            }
        }
    }
}

/// The renders of one item: `渲染结果/<category>/<item>/`.
#[derive(Default, Debug)]
pub struct RenderFolder {
    /// `渲染结果/<category>/<item>` as the student wrote it.
    pub path: String,
    /// Files named `NNN.png`.
    pub renders: Vec<File>,
    /// Anything else in the folder (`view_1.png`, `000.jpg`, camera poses `000.npy`).
    pub others: Vec<String>,
}

/// Everything the checks need, from one pass over the entries.
#[derive(Default, Debug)]
pub struct Layout {
    /// `"12_2023001/"` when everything was inside that one folder; paths shown to students leave it out.
    pub wrapper: String,
    /// Which of [`TOPS`] are there.
    pub present: [bool; 3],
    /// Other names at the top level (folders end with `/`).
    pub other_top: BTreeSet<String>,
    /// Per category: the folder names used for it anywhere (more than one is mixed spelling).
    pub spellings: [BTreeSet<String>; 5],
    /// Per category and top folder: the name of its folder there (the first seen, if spelled several ways).
    pub folders: [[Option<String>; 3]; 5],
    /// `top/folder` of category folders that name no category → number of files inside.
    pub unknown: BTreeMap<String, u64>,
    /// Files directly inside a top folder, outside any category folder.
    pub loose: Vec<String>,
    pub downloaded: ItemSet,
    pub cleaned: ItemSet,
    /// Per category: item name → its render folder.
    pub renders: [BTreeMap<String, RenderFolder>; 5],
    /// Per category: files directly in `渲染结果/<category>/` instead of an item's folder.
    pub flat_renders: [Vec<String>; 5],
}

/// Litter that operating systems add to archives and folders.
fn is_litter(path: &str) -> bool {
    path.split('/').any(|part| part.starts_with('.') || part == "__MACOSX")
        || path
            .rsplit('/')
            .next()
            .is_some_and(|name| name.eq_ignore_ascii_case("thumbs.db") || name.eq_ignore_ascii_case("desktop.ini"))
}

impl Layout {
    pub fn build(entries: &[Entry]) -> Self {
        let kept: Vec<&Entry> = entries.iter().filter(|e| !is_litter(&e.path)).collect();
        let mut this = Self { wrapper: wrapper_of(&kept), ..Self::default() };
        for entry in kept {
            let Some(inner) = entry.path.strip_prefix(&this.wrapper) else { continue };
            if inner.is_empty() {
                continue;
            }
            this.add(entry, inner);
        }
        this.downloaded.finish();
        this.cleaned.finish();
        for list in &mut this.flat_renders {
            list.sort();
        }
        this.loose.sort();
        this
    }

    /// The path as the student sees it, without the wrapper folder.
    pub fn show<'a>(&self, path: &'a str) -> &'a str {
        path.strip_prefix(&self.wrapper).unwrap_or(path)
    }

    fn add(&mut self, entry: &Entry, inner: &str) {
        let parts: Vec<&str> = inner.split('/').collect();
        let Some(top) = TOPS.iter().position(|t| *t == parts[0]) else {
            let shown = if parts.len() > 1 || entry.is_dir { format!("{}/", parts[0]) } else { parts[0].to_string() };
            self.other_top.insert(shown);
            return;
        };
        if parts.len() == 1 {
            // A file named like a top folder is not the folder.
            if entry.is_dir {
                self.present[top] = true;
            } else {
                self.other_top.insert(parts[0].to_string());
            }
            return;
        }
        self.present[top] = true;
        if parts.len() == 2 && !entry.is_dir {
            self.loose.push(entry.path.clone());
            return;
        }
        let Some(category) = category_of(parts[1]) else {
            let files = self.unknown.entry(format!("{}/{}", parts[0], parts[1])).or_insert(0);
            *files += u64::from(!entry.is_dir);
            return;
        };
        self.spellings[category].insert(parts[1].to_string());
        self.folders[category][top].get_or_insert_with(|| parts[1].to_string());
        if parts.len() == 2 {
            return;
        }
        if top == RENDERS {
            self.add_render(category, &parts, entry);
            return;
        }
        let set = if top == DOWNLOADED { &mut self.downloaded } else { &mut self.cleaned };
        match (parts.len(), entry.is_dir) {
            (_, true) => {}
            (3, false) => set.add(category, parts[2], &entry.path, entry.size),
            (_, false) => {
                let (_, ext) = split_extension(parts[parts.len() - 1]);
                if MODEL_EXTENSIONS.contains(&ext.as_str()) {
                    set.nested.push((category, parts[2].to_string(), entry.path.clone()));
                }
            }
        }
    }

    fn add_render(&mut self, category: usize, parts: &[&str], entry: &Entry) {
        if parts.len() == 3 && !entry.is_dir {
            self.flat_renders[category].push(entry.path.clone());
            return;
        }
        let folder = self.renders[category]
            .entry(parts[2].to_string())
            .or_insert_with(|| RenderFolder { path: parts[..3].join("/"), ..RenderFolder::default() });
        if entry.is_dir {
            return;
        }
        let (_, ext) = split_extension(parts[parts.len() - 1]);
        if parts.len() == 4 && is_render_name(parts[3]) {
            folder.renders.push(File { path: entry.path.clone(), size: entry.size, ext });
        } else {
            folder.others.push(entry.path.clone());
        }
    }
}

/// `"NAME/"` when every entry lies inside the one folder NAME, which is not one of the three top folders.
fn wrapper_of(entries: &[&Entry]) -> String {
    let mut firsts = entries.iter().map(|e| e.path.split('/').next().unwrap_or(""));
    let Some(first) = firsts.next() else { return String::new() };
    let single = firsts.all(|f| f == first);
    let is_folder = entries.iter().any(|e| e.path.starts_with(first) && (e.is_dir || e.path.len() > first.len()));
    if single && is_folder && !TOPS.contains(&first) { format!("{first}/") } else { String::new() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str) -> Entry {
        Entry { path: path.into(), size: 10, is_dir: false }
    }

    #[test]
    fn names_split_and_renders_are_recognised() {
        assert_eq!(split_extension("cat.model.GLB"), ("cat.model", "glb".to_string()));
        assert_eq!(split_extension(".hidden"), (".hidden", String::new()));
        assert_eq!(split_extension("README"), ("README", String::new()));
        assert!(is_render_name("000.png") && is_render_name("12.PNG"));
        assert!(!is_render_name("view_1.png") && !is_render_name("000.jpg") && !is_render_name(".png"));
    }

    #[test]
    fn a_wrapper_folder_and_litter_are_set_aside() {
        let entries = [
            file("12_1/下载数据/动物/cat.glb"),
            file("12_1/下载数据/动物/cat.json"),
            file("12_1/下载数据/动物/dog.json"),
            file("12_1/下载数据/animals/fox.obj"),
            file("12_1/下载数据/动物/cat/textures/a.png"),
            file("12_1/下载数据/动物/deep/owl.glb"),
            file("12_1/.DS_Store"),
            file("__MACOSX/12_1/._下载数据"),
            file("12_1/渲染结果/动物/cat/000.png"),
            file("12_1/渲染结果/动物/cat/view.png"),
            file("12_1/渲染结果/动物/loose.png"),
            file("12_1/渲染结果/other/x.png"),
        ];
        let layout = Layout::build(&entries);
        assert_eq!(layout.wrapper, "12_1/");
        assert_eq!(layout.present, [true, false, true]);
        assert_eq!(layout.downloaded.count(0), 2);
        assert_eq!(layout.downloaded.items[0]["cat"].metadata.len(), 1);
        assert_eq!(layout.downloaded.orphans, ["12_1/下载数据/动物/dog.json"]);
        assert_eq!(layout.downloaded.nested_models[0], ["12_1/下载数据/动物/deep/owl.glb"]);
        assert_eq!(layout.spellings[0].len(), 2);
        assert_eq!(layout.renders[0]["cat"].renders.len(), 1);
        assert_eq!(layout.renders[0]["cat"].others.len(), 1);
        assert_eq!(layout.flat_renders[0].len(), 1);
        assert_eq!(layout.unknown["渲染结果/other"], 1);
        assert_eq!(layout.show("12_1/渲染结果/动物/loose.png"), "渲染结果/动物/loose.png");
    }

    #[test]
    fn no_wrapper_when_the_top_folders_are_at_the_top() {
        let layout = Layout::build(&[file("下载数据/动物/cat.glb")]);
        assert_eq!(layout.wrapper, "");
        let layout = Layout::build(&[file("README.md")]);
        assert_eq!(layout.wrapper, "");
        assert!(layout.other_top.contains("README.md"));
    }
}
