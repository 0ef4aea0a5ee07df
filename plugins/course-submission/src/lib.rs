//! The course's grader for project 2 (single-image 3D reconstruction): checks that a submission
//! `组号_组长学号.zip` has the layout the course asks for, enough models per category, a cleaned subset with renders,
//! and files that are what their names say. The format is described for students in
//! `examples/course-submission/README.md`.
//!
//! The grader lists the submission once and reads at most 64 bytes of a file (model files, metadata, and an evenly
//! spaced sample of the renders), so a full-size submission (2,500 models and tens of thousands of renders) is
//! graded in well under a second of grader time.

mod layout;
mod sniff;

use std::collections::BTreeMap;

use aigc_sdk::{Check, Error, Grader, Report, Result, config, log, submission};
use layout::{CATEGORIES, CLEANED, DOWNLOADED, File, ItemSet, Layout, RENDERS, TOPS};
use sniff::Format;

aigc_sdk::manifest!({
    "kind": "grader",
    "description": "Course grader for project 2 (single-image 3D): the 组号_组长学号.zip layout (下载数据, 清洗后的数据, 渲染结果), models per category, cleaned subset, renders, file formats and sizes",
    "config": {
        "min_per_category": { "default": "500", "help": "downloaded items each of the five categories needs" },
        "min_renders": { "default": "12", "help": "renders (NNN.png) each cleaned item needs in 渲染结果/<category>/<item>/" },
        "max_model_mib": { "default": "200", "help": "largest model file accepted, in MiB" },
        "render_sample": { "default": "200", "help": "most renders whose PNG signature is checked (an evenly spaced sample in path order)" },
        "partial_credit": { "default": "true", "help": "true: a failed count-based check earns points in proportion to what is right; false: all or nothing" },
        "points.zip-name": { "default": "5", "help": "points for a file name like 12_2023001.zip" },
        "points.top-folders": { "default": "10", "help": "points for the three top folders (a third each)" },
        "points.count": { "default": "7", "help": "points for each category with enough downloaded items (five categories)" },
        "points.category-folders": { "default": "5", "help": "points for category folders that are all known and spelled one way" },
        "points.cleaned-subset": { "default": "10", "help": "points for cleaned items that are all among the downloaded ones" },
        "points.renders": { "default": "15", "help": "points for renders of every cleaned item" },
        "points.file-formats": { "default": "15", "help": "points for files that are what their extension says" },
        "points.file-sizes": { "default": "5", "help": "points for model files that are neither empty nor too large" }
    }
});

/// Offenders listed in a message, at most.
const LIST: usize = 10;

struct Settings {
    min_per_category: usize,
    min_renders: usize,
    max_model_bytes: u64,
    max_model_mib: u64,
    render_sample: usize,
    partial: bool,
    points: BTreeMap<&'static str, f64>,
}

impl Settings {
    fn read() -> Result<Self> {
        let mut points = BTreeMap::new();
        for key in [
            "zip-name",
            "top-folders",
            "count",
            "category-folders",
            "cleaned-subset",
            "renders",
            "file-formats",
            "file-sizes",
        ] {
            let value: f64 = config::parse_or(&format!("points.{key}"), 0.0)?;
            if !value.is_finite() || value < 0.0 {
                return Err(Error::msg(format!("config `points.{key}` must be a number of points, 0 or more")));
            }
            points.insert(key, value);
        }
        let max_model_mib: u64 = config::parse_or("max_model_mib", 200)?;
        let partial = config::get_or("partial_credit", "true");
        Ok(Self {
            min_per_category: config::parse_or("min_per_category", 500)?,
            min_renders: config::parse_or("min_renders", 12)?,
            max_model_bytes: max_model_mib.saturating_mul(1 << 20),
            max_model_mib,
            render_sample: config::parse_or("render_sample", 200)?,
            partial: match partial.trim() {
                "true" | "yes" | "1" => true,
                "false" | "no" | "0" => false,
                other => {
                    return Err(Error::msg(format!("config `partial_credit` must be true or false, not `{other}`")));
                }
            },
            points,
        })
    }

    fn max(&self, check: &str) -> f64 {
        self.points.get(check).copied().unwrap_or(0.0)
    }

    /// A check over `total` things of which `good` are right: full points when all are, else a share of them
    /// (with partial credit) that is always below the full points.
    fn check(&self, name: &str, good: usize, total: usize, message: String) -> Check {
        let max = self.max(name.split(':').next().unwrap_or(name));
        let passed = good >= total;
        let points = if passed {
            max
        } else if self.partial && total > 0 {
            // In tenths, rounded down (the epsilon keeps 1260/20 from flooring to 62), and a tenth below full
            // points at most, so a failed check never shows full points.
            let share = (max * 10.0 * good as f64 / total as f64 + 1e-9).floor() / 10.0;
            share.min(max - 0.1).max(0.0)
        } else {
            0.0
        };
        Check { name: name.to_string(), passed, points, max_points: max, message }
    }

    /// A check that is right or wrong as a whole.
    fn all_or_nothing(&self, name: &str, passed: bool, message: String) -> Check {
        let max = self.max(name);
        Check { name: name.to_string(), passed, points: if passed { max } else { 0.0 }, max_points: max, message }
    }
}

struct CourseSubmission;

impl Grader for CourseSubmission {
    fn grade() -> Result<Report> {
        let settings = Settings::read()?;
        let name = submission::name();
        let layout = Layout::build(&submission::entries());
        let mut checks = vec![zip_name(&settings, &name), top_folders(&settings, &layout)];
        checks.extend((0..CATEGORIES.len()).map(|c| count(&settings, &layout, c)));
        checks.push(category_folders(&settings, &layout));
        checks.push(cleaned_subset(&settings, &layout));
        checks.push(renders(&settings, &layout));
        checks.push(file_formats(&settings, &layout));
        checks.push(file_sizes(&settings, &layout));
        Ok(Report { checks })
    }
}

aigc_sdk::export_grader!(CourseSubmission);

/// `a, b, c and 4 more` from the first [`LIST`] of `shown`, out of `total`.
fn listing(shown: &[String], total: usize) -> String {
    let mut text = shown.iter().take(LIST).cloned().collect::<Vec<_>>().join("; ");
    let listed = shown.len().min(LIST);
    if total > listed {
        text.push_str(&format!("; and {} more", total - listed));
    }
    text
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `12.3 MiB`, `4.0 KiB` or `512 bytes`.
fn mib(bytes: u64) -> String {
    match bytes {
        0..1024 => format!("{bytes} bytes"),
        1024..1_048_576 => format!("{:.1} KiB", bytes as f64 / 1024.0),
        _ => format!("{:.1} MiB", bytes as f64 / 1_048_576.0),
    }
}

/// Check 1: `<group>_<leader's student id>.zip`, digits only (a folder named `12_2023001` too).
fn zip_name(settings: &Settings, name: &str) -> Check {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let stem = name.strip_suffix(".zip").unwrap_or(name);
    let passed = stem.split_once('_').is_some_and(|(group, id)| digits(group) && digits(id));
    let message = if passed {
        format!("`{name}` is named <group number>_<leader's student id>.zip")
    } else {
        let mut hint = String::new();
        let lower = name.to_lowercase();
        if [".rar", ".7z", ".tar", ".gz"].iter().any(|e| lower.ends_with(e)) {
            hint = " Hand in a .zip archive.".into();
        } else if lower.ends_with(".zip") && !name.ends_with(".zip") {
            hint = " Write the extension in lower case: .zip.".into();
        } else if name.contains('＿') || name.contains('-') || name.contains(' ') {
            hint = " Separate the two numbers with one ASCII underscore `_`, no spaces or dashes.".into();
        }
        format!(
            "the submission must be named <group number>_<leader's student id>.zip with digits only, like \
             12_2023001.zip (pattern ^\\d+_\\d+\\.zip$); found `{name}`.{hint}"
        )
    };
    settings.all_or_nothing("zip-name", passed, message)
}

/// Check 2: the three top folders.
fn top_folders(settings: &Settings, layout: &Layout) -> Check {
    let missing: Vec<&str> = TOPS.iter().zip(layout.present).filter(|(_, p)| !p).map(|(t, _)| *t).collect();
    let mut message = if missing.is_empty() {
        format!("{} are present", TOPS.join(", "))
    } else {
        let found: Vec<&str> = layout.other_top.iter().map(String::as_str).collect();
        let found = if found.is_empty() { "nothing else".to_string() } else { found.join(", ") };
        format!(
            "missing top-level folder(s): {}. The zip must hold exactly the folders {} at its top (or inside one \
             folder); besides those it holds: {found}",
            missing.join(", "),
            TOPS.join(", ")
        )
    };
    if !layout.wrapper.is_empty() {
        message.push_str(&format!(
            ". Everything is inside the folder `{}`, which was taken as the top",
            layout.wrapper.trim_end_matches('/')
        ));
    }
    if missing.is_empty() && !layout.other_top.is_empty() {
        let others: Vec<&str> = layout.other_top.iter().map(String::as_str).collect();
        message.push_str(&format!(" (also at the top, ignored: {})", others.join(", ")));
    }
    settings.check("top-folders", 3 - missing.len(), 3, message)
}

/// Check 3: one per category, enough downloaded items.
fn count(settings: &Settings, layout: &Layout, c: usize) -> Check {
    let category = &CATEGORIES[c];
    let n = layout.downloaded.count(c);
    let min = settings.min_per_category;
    let folder = layout.folders[c][DOWNLOADED].as_deref().unwrap_or(category.chinese);
    let mut message = if n >= min {
        format!("{}: {n} downloaded items in {}/{folder} (at least {min} required)", category.label(), TOPS[DOWNLOADED])
    } else {
        format!(
            "{}: {} in {}/{folder}, {} short of the {min} required",
            category.label(),
            plural(n, "downloaded item", "downloaded items"),
            TOPS[DOWNLOADED],
            min - n
        )
    };
    if layout.folders[c][DOWNLOADED].is_none() {
        message.push_str(&format!(". {} has no folder {} (or {})", TOPS[DOWNLOADED], category.chinese, category.slug));
    }
    let nested = &layout.downloaded.nested_models[c];
    if !nested.is_empty() {
        message.push_str(&format!(
            ". {} in subfolders were not counted (e.g. {}): put each item directly in the category folder as \
             <item>.<ext>",
            plural(nested.len(), "model file", "model files"),
            layout.show(&nested[0])
        ));
    }
    if n < min && n > 0 {
        message.push_str(&format!(
            ". Items are model files ({}) directly in the category folder",
            layout::MODEL_EXTENSIONS.join(", ")
        ));
    }
    settings.check(&format!("count:{}", category.slug), n.min(min), min, message)
}

/// Check 4: every category folder names a category, and each category is spelled one way.
fn category_folders(settings: &Settings, layout: &Layout) -> Check {
    let mut problems = Vec::new();
    if !layout.unknown.is_empty() {
        let names: Vec<String> =
            layout.unknown.iter().map(|(f, n)| format!("{f} ({})", plural(*n as usize, "file", "files"))).collect();
        problems.push(format!(
            "unknown category folders, whose files were not counted: {}. Category folders must be named {} (or {})",
            listing(&names, names.len()),
            CATEGORIES.iter().map(|c| c.chinese).collect::<Vec<_>>().join(", "),
            CATEGORIES.iter().map(|c| c.slug).collect::<Vec<_>>().join(", ")
        ));
    }
    for (category, spellings) in CATEGORIES.iter().zip(&layout.spellings) {
        if spellings.len() > 1 {
            let names: Vec<&str> = spellings.iter().map(String::as_str).collect();
            problems.push(format!(
                "category {} is spelled {} ways: {}; use one spelling in all three top folders",
                category.label(),
                names.len(),
                names.join(", ")
            ));
        }
    }
    let any = layout.spellings.iter().any(|s| !s.is_empty());
    if !any && layout.unknown.is_empty() {
        problems.push("no category folders found: put the files in <top folder>/<category>/".to_string());
    }
    let passed = problems.is_empty();
    let mut message = if passed {
        let used: Vec<String> = layout.spellings.iter().flatten().cloned().collect();
        format!("category folders are known and spelled one way: {}", used.join(", "))
    } else {
        problems.join(". ")
    };
    let mut notes = Vec::new();
    if !layout.loose.is_empty() {
        let shown: Vec<String> = layout.loose.iter().map(|p| layout.show(p).to_string()).collect();
        notes.push(format!("files outside any category folder, ignored: {}", listing(&shown, shown.len())));
    }
    let orphans: Vec<String> = [&layout.downloaded, &layout.cleaned]
        .iter()
        .flat_map(|set| set.orphans.iter().map(|p| layout.show(p).to_string()))
        .collect();
    if !orphans.is_empty() {
        notes.push(format!(
            "files that belong to no model (no <item>.<model extension> beside them), ignored: {}",
            listing(&orphans, orphans.len())
        ));
    }
    if !notes.is_empty() {
        message.push_str(&format!(". Note: {}", notes.join("; ")));
    }
    settings.all_or_nothing("category-folders", passed, message)
}

/// Check 5: every cleaned item is one of the downloaded items (same category, same name).
fn cleaned_subset(settings: &Settings, layout: &Layout) -> Check {
    let total = layout.cleaned.total();
    if total == 0 {
        let message = format!(
            "{} holds no items: put the models you kept there as {}/<category>/<item>.<ext>, named as in {}",
            TOPS[CLEANED], TOPS[CLEANED], TOPS[DOWNLOADED]
        );
        return settings.check("cleaned-subset", 0, 1, message);
    }
    let mut offenders = Vec::new();
    let mut bad = 0;
    for (c, items) in layout.cleaned.items.iter().enumerate() {
        for (name, item) in items {
            if !layout.downloaded.items[c].contains_key(name) {
                bad += 1;
                if offenders.len() < LIST {
                    offenders.push(format!(
                        "{} (no {}/{}/{name}.*)",
                        layout.show(&item.models[0].path),
                        TOPS[DOWNLOADED],
                        CATEGORIES[c].chinese
                    ));
                }
            }
        }
    }
    let kept: Vec<String> = (0..CATEGORIES.len())
        .map(|c| format!("{} {}/{}", CATEGORIES[c].chinese, layout.cleaned.count(c), layout.downloaded.count(c)))
        .collect();
    let message = if bad == 0 {
        format!("all {total} cleaned items are among the downloaded ones (kept per category: {})", kept.join(", "))
    } else {
        format!(
            "{bad} of {total} cleaned items {} no downloaded item of the same category and name; cleaned data must \
             be a subset of {}: {}",
            if bad == 1 { "has" } else { "have" },
            TOPS[DOWNLOADED],
            listing(&offenders, bad)
        )
    };
    settings.check("cleaned-subset", total - bad, total, message)
}

/// Check 6: every cleaned item has at least `min_renders` renders named NNN.png.
fn renders(settings: &Settings, layout: &Layout) -> Check {
    let min = settings.min_renders;
    let total = layout.cleaned.total();
    let where_ = format!("{}/<category>/<item>/", TOPS[RENDERS]);
    if total == 0 {
        let message =
            format!("no cleaned items, so no renders to check: each cleaned item needs {min} renders in {where_}");
        return settings.check("renders", 0, 1, message);
    }
    let mut lacking = Vec::new();
    let mut bad = 0;
    for (c, items) in layout.cleaned.items.iter().enumerate() {
        for name in items.keys() {
            let n = layout.renders[c].get(name).map_or(0, |f| f.renders.len());
            if n < min {
                bad += 1;
                if lacking.len() < LIST {
                    let found = if n == 0 { "none".to_string() } else { n.to_string() };
                    lacking.push(format!("{}/{name} ({found})", CATEGORIES[c].chinese));
                }
            }
        }
    }
    let mut message = if bad == 0 {
        format!("all {total} cleaned items have at least {min} renders (NNN.png) in {where_}")
    } else {
        format!(
            "{bad} of {total} cleaned items {} renders: each needs at least {min} PNG files named 000.png, 001.png, \
             … in {where_}, where <item> is the cleaned file's name without its extension: {}",
            if bad == 1 { "lacks" } else { "lack" },
            listing(&lacking, bad)
        )
    };
    let mut notes = Vec::new();
    let mut misnamed = Vec::new();
    let mut misnamed_total = 0;
    let mut strays = Vec::new();
    for (c, folders) in layout.renders.iter().enumerate() {
        for (name, folder) in folders {
            if !layout.cleaned.items[c].contains_key(name) {
                strays.push(folder.path.clone());
            }
            misnamed_total += folder.others.len();
            misnamed.extend(folder.others.iter().take(LIST).map(|p| layout.show(p).to_string()));
        }
    }
    if !strays.is_empty() {
        notes.push(format!("render folders that match no cleaned item: {}", listing(&strays, strays.len())));
    }
    let flat: Vec<String> = layout.flat_renders.iter().flatten().map(|p| layout.show(p).to_string()).collect();
    if !flat.is_empty() {
        notes.push(format!(
            "files directly in a category folder of {} (renders go in one folder per item): {}",
            TOPS[RENDERS],
            listing(&flat, flat.len())
        ));
    }
    if misnamed_total > 0 && bad > 0 {
        notes.push(format!("files not named NNN.png, not counted: {}", listing(&misnamed, misnamed_total)));
    }
    if !notes.is_empty() {
        message.push_str(&format!(". Note: {}", notes.join("; ")));
    }
    settings.check("renders", total - bad, total, message)
}

/// Check 7: model files, metadata and a sample of the renders are what their extensions say.
fn file_formats(settings: &Settings, layout: &Layout) -> Check {
    let mut judged = 0;
    let mut bad = 0;
    let mut offenders = Vec::new();
    let mut unverified: BTreeMap<&str, usize> = BTreeMap::new();
    let (mut models, mut metadata) = (0, 0);
    let mut judge = |file: &File, format: Format| {
        judged += 1;
        let problem = match submission::read_range(&file.path, 0, sniff::HEAD) {
            Ok(head) if format.matches(&head, file.size > head.len() as u64) => None,
            Ok(head) => Some(format!("is {} ({})", sniff::describe(&head), format.rule(&file.ext))),
            Err(e) => Some(format!("cannot be read: {e}")),
        };
        if let Some(problem) = problem {
            bad += 1;
            if offenders.len() < LIST {
                offenders.push(format!("{} {problem}", layout.show(&file.path)));
            }
        }
    };
    for set in [&layout.downloaded, &layout.cleaned] {
        for item in set.items.iter().flat_map(|items| items.values()) {
            // Empty files are the size check's business.
            for file in item.models.iter().filter(|f| f.size > 0) {
                match Format::for_extension(&file.ext) {
                    Some(format) => {
                        models += 1;
                        judge(file, format);
                    }
                    None => *unverified.entry(file.ext.as_str()).or_insert(0) += 1,
                }
            }
            for file in item.metadata.iter().filter(|f| f.size > 0) {
                metadata += 1;
                judge(file, Format::Json);
            }
        }
    }
    let sample = render_sample(layout, settings.render_sample);
    for file in &sample.files {
        judge(file, Format::Png);
    }
    log::debug(&format!("read the first bytes of {judged} files"));
    let model_files = count_models(&layout.downloaded) + count_models(&layout.cleaned);
    if model_files == 0 {
        let message = format!("no model files found in {} or {}", TOPS[DOWNLOADED], TOPS[CLEANED]);
        return settings.check("file-formats", 0, 1, message);
    }
    let checked = format!(
        "{}, {} and {}",
        plural(models, "model file", "model files"),
        plural(metadata, "metadata file", "metadata files"),
        sample.description
    );
    let mut message = if bad == 0 {
        format!("checked the first bytes of {checked}: all are what their extension says")
    } else {
        format!(
            "{bad} of {judged} files checked {} not what their extension says (checked {checked}); fix or replace \
             them: {}",
            if bad == 1 { "is" } else { "are" },
            listing(&offenders, bad)
        )
    };
    if !unverified.is_empty() {
        let kinds: Vec<String> = unverified.iter().map(|(ext, n)| format!("{n} .{ext}")).collect();
        message.push_str(&format!(". Not checked (no reliable signature): {}", kinds.join(", ")));
    }
    settings.check("file-formats", judged - bad, judged, message)
}

fn count_models(set: &ItemSet) -> usize {
    set.items.iter().flat_map(|items| items.values()).map(|i| i.models.len()).sum()
}

struct Sample<'a> {
    files: Vec<&'a File>,
    description: String,
}

/// At most `max` renders, evenly spaced in path order: every k-th, from the first.
fn render_sample(layout: &Layout, max: usize) -> Sample<'_> {
    let mut all: Vec<&File> =
        layout.renders.iter().flat_map(|folders| folders.values()).flat_map(|f| f.renders.iter()).collect();
    all.sort_by(|a, b| a.path.cmp(&b.path));
    let n = all.len();
    if n <= max {
        return Sample { files: all, description: plural(n, "render", "renders") };
    }
    if max == 0 {
        return Sample { files: Vec::new(), description: format!("none of the {n} renders") };
    }
    let step = n.div_ceil(max);
    let files: Vec<&File> = all.into_iter().step_by(step).take(max).collect();
    let description = format!("{} of {n} renders (one in every {step})", files.len());
    Sample { files, description }
}

/// Check 8: no model file is empty or over `max_model_mib`.
fn file_sizes(settings: &Settings, layout: &Layout) -> Check {
    let mut total = 0;
    let mut bad = 0;
    let mut offenders = Vec::new();
    let mut largest: Option<&File> = None;
    for set in [&layout.downloaded, &layout.cleaned] {
        for file in set.items.iter().flat_map(|items| items.values()).flat_map(|i| i.models.iter()) {
            total += 1;
            if largest.is_none_or(|l| file.size > l.size) {
                largest = Some(file);
            }
            let problem = if file.size == 0 {
                Some("is empty (0 bytes)".to_string())
            } else if file.size > settings.max_model_bytes {
                Some(format!("is {}, over the {} MiB limit", mib(file.size), settings.max_model_mib))
            } else {
                None
            };
            if let Some(problem) = problem {
                bad += 1;
                if offenders.len() < LIST {
                    offenders.push(format!("{} {problem}", layout.show(&file.path)));
                }
            }
        }
    }
    let Some(largest) = largest else {
        let message = format!("no model files found in {} or {}", TOPS[DOWNLOADED], TOPS[CLEANED]);
        return settings.check("file-sizes", 0, 1, message);
    };
    let message = if bad == 0 {
        format!(
            "none of the {total} model files is empty or over {} MiB (largest: {}, {})",
            settings.max_model_mib,
            layout.show(&largest.path),
            mib(largest.size)
        )
    } else {
        format!(
            "{bad} of {total} model files {} empty or over {} MiB; download them again or leave them out: {}",
            if bad == 1 { "is" } else { "are" },
            settings.max_model_mib,
            listing(&offenders, bad)
        )
    };
    settings.check("file-sizes", total - bad, total, message)
}
