//! The course's submission grader (`plugins/course-submission`) on generated project-2 submissions: a valid one
//! gets full marks, and each kind of mistake fails the check that names it, with a message that says what to fix.
//! Most tests lower the thresholds (`min_per_category=20`, `min_renders=3`); one grades a full-size submission at
//! the defaults (500 per category, 12 renders) and prints how long it takes.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use aigc_tests::zips::{Files, write_folder, write_zip};
use aigc_tests::{aigc, plugins};
use serde_json::Value;

const CATEGORIES: [&str; 5] = ["动物", "植物", "文玩", "游戏形象", "动漫形象"];
const SLUGS: [&str; 5] = ["animals", "plants", "collectibles", "game-characters", "anime-characters"];
/// The thresholds of the small submissions.
const SMALL: [&str; 4] = ["--set", "min_per_category=20", "--set", "min_renders=3"];
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0\x90wS\xde";

/// The first bytes of a model file of each format the grader checks.
fn model(ext: &str) -> Vec<u8> {
    match ext {
        "glb" => [b"glTF\x02\0\0\0\x20\0\0\0".as_slice(), &[0; 20]].concat(),
        "gltf" => br#"{"asset":{"version":"2.0"},"scenes":[{"nodes":[]}]}"#.to_vec(),
        "zip" => [b"PK\x03\x04\x14\0\0\0\0\0".as_slice(), &[0; 30]].concat(),
        "obj" => b"# Blender 4.1\nmtllib item.mtl\no Item\nv 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n".to_vec(),
        other => panic!("no sample for .{other}"),
    }
}

/// A valid submission with `per_category` downloaded items per category (glb, gltf, zip and obj in turn, each
/// with metadata), nine in ten of them kept as cleaned items, each of those with `renders` renders. `names` are
/// the category folder names.
fn valid(per_category: usize, renders: usize, names: &[&str; 5]) -> Files {
    let mut files = Files::new();
    for category in names {
        for i in 0..per_category {
            let ext = ["glb", "gltf", "zip", "obj"][i % 4];
            let item = format!("m{i:04}");
            files.insert(format!("下载数据/{category}/{item}.{ext}"), model(ext));
            files.insert(format!("下载数据/{category}/{item}.json"), br#"{"source":"sketchfab"}"#.to_vec());
            if i % 10 == 9 {
                continue;
            }
            files.insert(format!("清洗后的数据/{category}/{item}.{ext}"), model(ext));
            for r in 0..renders {
                files.insert(format!("渲染结果/{category}/{item}/{r:03}.png"), PNG.to_vec());
            }
        }
    }
    files
}

fn small() -> Files {
    valid(20, 3, &CATEGORIES)
}

/// `aigc-host grade course-submission SUBMISSIONS... --json FLAGS...`; every submission must be graded.
fn grade(submissions: &[PathBuf], flags: &[&str]) -> Value {
    let mut args: Vec<String> = vec!["grade".into(), plugins::COURSE_SUBMISSION.into(), "--json".into()];
    args.extend(submissions.iter().map(|p| p.display().to_string()));
    args.extend(flags.iter().map(|s| s.to_string()));
    let out = aigc(args);
    out.assert_ok();
    out.json()
}

/// Grades one small submission written as the zip `name`.
fn grade_small(name: &str, files: &Files, flags: &[&str]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let path = write_zip(dir.path(), name, files, "");
    let mut report = grade(&[path], &[&SMALL[..], flags].concat());
    report["submissions"][0].take()
}

fn check<'a>(submission: &'a Value, name: &str) -> &'a Value {
    submission["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no check {name} in {submission:#}"))
}

fn message(submission: &Value, name: &str) -> String {
    check(submission, name)["message"].as_str().unwrap().to_string()
}

/// Exactly the checks `failing` fail; the others pass with full points.
fn assert_failing(submission: &Value, failing: &[&str]) {
    assert!(submission["error"].is_null(), "{submission:#}");
    let failed: Vec<&str> = submission["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["passed"] == false)
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(failed, failing, "{submission:#}");
    for c in submission["checks"].as_array().unwrap() {
        if c["passed"] == true {
            assert_eq!(c["points"], c["max_points"], "{c}");
        } else {
            assert!(c["points"].as_f64().unwrap() < c["max_points"].as_f64().unwrap(), "{c}");
        }
    }
}

fn assert_full_marks(submission: &Value) {
    assert_failing(submission, &[]);
    assert_eq!(submission["score"], 100.0, "{submission:#}");
    assert_eq!(submission["max_score"], 100.0, "{submission:#}");
}

#[test]
fn a_valid_submission_gets_full_marks_as_a_zip_or_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    let files = small();
    let zip = write_zip(dir.path(), "12_2023001.zip", &files, "");
    let folder = write_folder(dir.path(), "13_2023002", &files);
    let report = grade(&[zip, folder], &SMALL);
    for submission in report["submissions"].as_array().unwrap() {
        assert_full_marks(submission);
        assert_eq!(check(submission, "count:animals")["max_points"], 7.0);
        assert!(message(submission, "cleaned-subset").contains("all 90 cleaned items"), "{submission:#}");
        assert!(message(submission, "file-formats").contains("190 model files, 100 metadata files"), "{submission:#}");
    }
    let names: Vec<&str> =
        report["submissions"][0]["checks"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "zip-name",
            "top-folders",
            "count:animals",
            "count:plants",
            "count:collectibles",
            "count:game-characters",
            "count:anime-characters",
            "category-folders",
            "cleaned-subset",
            "renders",
            "file-formats",
            "file-sizes"
        ]
    );
}

#[test]
fn a_missing_top_folder_is_named() {
    let mut files = small();
    files.retain(|path, _| !path.starts_with("渲染结果/"));
    files.insert("report.pdf".into(), b"%PDF-1.7".to_vec());
    let s = grade_small("12_2023001.zip", &files, &[]);
    assert_failing(&s, &["top-folders", "renders"]);
    let says = message(&s, "top-folders");
    assert!(says.contains("missing top-level folder(s): 渲染结果") && says.contains("report.pdf"), "{says}");
    assert_eq!(check(&s, "top-folders")["points"], 6.6, "two of three folders, in tenths rounded down");
    assert!(message(&s, "renders").contains("90 of 90 cleaned items lack renders"), "{s:#}");
}

#[test]
fn a_short_category_is_named_with_its_count() {
    let mut files = small();
    // Two downloaded items of 植物 that were not kept: only the count is short.
    files.retain(|path, _| !path.starts_with("下载数据/植物/m0009.") && !path.starts_with("下载数据/植物/m0019."));
    let s = grade_small("12_2023001.zip", &files, &[]);
    assert_failing(&s, &["count:plants"]);
    let says = message(&s, "count:plants");
    assert!(
        says.contains("植物") && says.contains("18 downloaded items") && says.contains("2 short of the 20"),
        "{says}"
    );
    assert_eq!(check(&s, "count:plants")["points"], 6.3, "partial credit: 18 of 20");
    let s = grade_small("12_2023001.zip", &files, &["--set", "partial_credit=false"]);
    assert_eq!(check(&s, "count:plants")["points"], 0.0);
    assert_eq!(s["score"], 93.0);

    // Items nested one folder too deep are not counted, and the message says so.
    let mut files = small();
    let nested: Vec<(String, Vec<u8>)> = files
        .iter()
        .filter(|(p, _)| p.starts_with("下载数据/文玩/"))
        .map(|(p, b)| (p.replace("下载数据/文玩/", "下载数据/文玩/batch1/"), b.clone()))
        .collect();
    files.retain(|p, _| !p.starts_with("下载数据/文玩/"));
    files.extend(nested);
    let s = grade_small("12_2023001.zip", &files, &[]);
    let says = message(&s, "count:collectibles");
    assert!(says.contains("0 downloaded items") && says.contains("20 model files in subfolders"), "{says}");
}

#[test]
fn cleaned_items_without_renders_are_listed() {
    let mut files = small();
    files.retain(|path, _| {
        !path.starts_with("渲染结果/动物/m0000/") && !path.starts_with("渲染结果/文玩/m0001/002") // 2 of 3 left
    });
    // Renders under a wrong name do not count, and are pointed out.
    let wrong: Vec<(String, Vec<u8>)> =
        (0..3).map(|r| (format!("渲染结果/植物/m0002/view_{r}.png"), PNG.to_vec())).collect();
    files.retain(|path, _| !path.starts_with("渲染结果/植物/m0002/"));
    files.extend(wrong);
    let s = grade_small("12_2023001.zip", &files, &[]);
    assert_failing(&s, &["renders"]);
    let says = message(&s, "renders");
    assert!(says.contains("3 of 90 cleaned items lack renders"), "{says}");
    assert!(
        says.contains("动物/m0000 (none)") && says.contains("文玩/m0001 (2)") && says.contains("植物/m0002 (none)"),
        "{says}"
    );
    assert!(says.contains("渲染结果/植物/m0002/view_0.png"), "the misnamed renders are named: {says}");
    assert_eq!(check(&s, "renders")["points"], 14.5, "87 of 90");
}

#[test]
fn a_cleaned_item_not_among_the_downloads_is_named() {
    let mut files = small();
    files.insert("清洗后的数据/动物/stranger.glb".into(), model("glb"));
    for r in 0..3 {
        files.insert(format!("渲染结果/动物/stranger/{r:03}.png"), PNG.to_vec());
    }
    // A downloaded item that was not kept before: now cleaned, it lacks renders.
    files.insert("清洗后的数据/游戏形象/m0009.glb".into(), model("glb"));
    let s = grade_small("12_2023001.zip", &files, &[]);
    assert_failing(&s, &["cleaned-subset", "renders"]);
    let says = message(&s, "cleaned-subset");
    assert!(says.contains("1 of 92 cleaned items has no downloaded item"), "{says}");
    assert!(says.contains("清洗后的数据/动物/stranger.glb (no 下载数据/动物/stranger.*)"), "{says}");
    assert!(message(&s, "renders").contains("游戏形象/m0009 (none)"), "{s:#}");
}

#[test]
fn files_that_are_not_what_their_extension_says_are_named() {
    let mut files = small();
    files.insert("下载数据/动物/m0000.glb".into(), PNG.to_vec());
    files.insert("下载数据/植物/m0003.obj".into(), b"<!DOCTYPE html>\n<html><head><title>Log in".to_vec());
    files.insert("下载数据/文玩/m0002.zip".into(), b"Rar!\x1a\x07\x01\0".to_vec());
    files.insert("下载数据/文玩/m0001.json".into(), b"not json".to_vec());
    files.insert("渲染结果/动漫形象/m0005/001.png".into(), b"\xff\xd8\xff\xe0\0\x10JFIF".to_vec());
    let s = grade_small("12_2023001.zip", &files, &["--set", "render_sample=1000"]);
    assert_failing(&s, &["file-formats"]);
    let says = message(&s, "file-formats");
    for expected in [
        "5 of 560 files checked",
        "下载数据/动物/m0000.glb is a PNG image (a .glb file must start with the bytes `glTF`)",
        "下载数据/植物/m0003.obj is an HTML web page",
        "下载数据/文玩/m0002.zip is a RAR archive",
        "下载数据/文玩/m0001.json is text starting with `not json`",
        "渲染结果/动漫形象/m0005/001.png is a JPEG image",
    ] {
        assert!(says.contains(expected), "{expected}\n{says}");
    }

    // The render sample is bounded and evenly spaced: 200 of 270 renders, one in every 2.
    let s = grade_small("12_2023001.zip", &small(), &[]);
    assert!(message(&s, "file-formats").contains("135 of 270 renders (one in every 2)"), "{s:#}");

    // Sizes: an empty model and one over the limit.
    let mut files = small();
    files.insert("下载数据/动物/m0004.glb".into(), Vec::new());
    files.insert("清洗后的数据/动物/m0004.glb".into(), Vec::new());
    files.insert("下载数据/动物/m0008.glb".into(), [model("glb"), vec![0; 2 << 20]].concat());
    let s = grade_small("12_2023001.zip", &files, &["--set", "max_model_mib=1"]);
    assert_failing(&s, &["file-sizes"]);
    let says = message(&s, "file-sizes");
    assert!(says.contains("3 of 190 model files"), "{says}");
    assert!(says.contains("下载数据/动物/m0004.glb is empty (0 bytes)"), "{says}");
    assert!(says.contains("清洗后的数据/动物/m0004.glb is empty (0 bytes)"), "{says}");
    assert!(says.contains("下载数据/动物/m0008.glb is 2.0 MiB, over the 1 MiB limit"), "{says}");
}

#[test]
fn a_wrong_zip_name_is_shown_with_the_pattern() {
    let dir = tempfile::tempdir().unwrap();
    let files = small();
    let subs = ["group12.zip", "12-2023001.zip", "12_2023001.ZIP", "12_2023001_final.zip"]
        .map(|name| write_zip(dir.path(), name, &files, ""));
    let report = grade(&subs, &SMALL);
    for (s, name) in report["submissions"].as_array().unwrap().iter().zip([
        "group12.zip",
        "12-2023001.zip",
        "12_2023001.ZIP",
        "12_2023001_final.zip",
    ]) {
        assert_failing(s, &["zip-name"]);
        assert_eq!(s["score"], 95.0);
        let says = message(s, "zip-name");
        assert!(says.contains(&format!("found `{name}`")) && says.contains(r"^\d+_\d+\.zip$"), "{says}");
    }
    assert!(message(&report["submissions"][1], "zip-name").contains("underscore"));
    assert!(message(&report["submissions"][2], "zip-name").contains("lower case"));
}

#[test]
fn english_category_slugs_are_accepted_but_not_mixed() {
    let s = grade_small("12_2023001.zip", &valid(20, 3, &SLUGS), &[]);
    assert_full_marks(&s);
    assert!(message(&s, "category-folders").contains("animals, plants"), "{s:#}");

    // Downloads under the Chinese names, cleaned data and renders under the slugs: matched, but flagged.
    let mixed: Files = small()
        .into_iter()
        .map(|(path, bytes)| {
            let mut parts: Vec<String> = path.split('/').map(String::from).collect();
            if parts[0] != "下载数据" {
                let c = CATEGORIES.iter().position(|c| *c == parts[1]).unwrap();
                parts[1] = SLUGS[c].to_string();
            }
            (parts.join("/"), bytes)
        })
        .collect();
    let mut files = mixed;
    files.insert("下载数据/vehicles/car.glb".into(), model("glb"));
    let s = grade_small("12_2023001.zip", &files, &[]);
    assert_failing(&s, &["category-folders"]);
    let says = message(&s, "category-folders");
    assert!(says.contains("unknown category folders") && says.contains("下载数据/vehicles (1 file)"), "{says}");
    assert!(says.contains("category 动物 (animals) is spelled 2 ways: animals, 动物"), "{says}");
}

#[test]
fn a_single_top_folder_is_taken_as_the_top() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = small();
    // What macOS's Archive Utility adds: litter that is ignored.
    files.insert(".DS_Store".into(), vec![0; 8]);
    files.insert("下载数据/动物/._m0000.glb".into(), vec![0; 8]);
    let mut wrapped = write_zip(dir.path(), "12_2023001.zip", &files, "12_2023001/");
    {
        // A __MACOSX folder beside the wrapper does not count as a second top folder.
        let mut zip =
            zip::ZipWriter::new_append(std::fs::OpenOptions::new().read(true).write(true).open(&wrapped).unwrap())
                .unwrap();
        zip.start_file("__MACOSX/12_2023001/._下载数据", zip::write::SimpleFileOptions::default()).unwrap();
        zip.write_all(b"\0\x05\x16\x07").unwrap();
        zip.finish().unwrap();
    }
    let inner = write_folder(&dir.path().join("outer"), "13_2023002/13_2023002", &small());
    let report = grade(&[wrapped.clone(), inner.parent().unwrap().to_path_buf()], &SMALL);
    let s = &report["submissions"][0];
    assert_full_marks(s);
    assert!(message(s, "top-folders").contains("inside the folder `12_2023001`"), "{s:#}");
    assert!(message(s, "file-sizes").contains("largest: 下载数据/"), "paths are shown without the wrapper: {s:#}");
    assert_full_marks(&report["submissions"][1]);

    // Two folders deep is one too many: the message shows what the top holds.
    wrapped = write_zip(dir.path(), "14_2023003.zip", &small(), "a/b/");
    let report = grade(&[wrapped], &SMALL);
    let s = &report["submissions"][0];
    assert!(message(s, "top-folders").contains("besides those it holds: b/"), "{s:#}");
}

/// Writes a full-size submission (the default thresholds: 500 items per category, 12 renders per cleaned item) and
/// returns its path and file count.
fn full_size(dir: &Path, name: &str) -> (PathBuf, usize) {
    let files = valid(500, 12, &CATEGORIES);
    (write_zip(dir, name, &files, ""), files.len())
}

#[test]
fn a_full_size_submission_is_graded_quickly() {
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let (path, count) = full_size(dir.path(), "12_2023001.zip");
    let written = started.elapsed();
    let started = Instant::now();
    let report = grade(&[path], &[]);
    let took = started.elapsed();
    println!(
        "full-size submission: {count} files ({} MiB zip) written in {written:.2?}, graded in {took:.2?}",
        std::fs::metadata(dir.path().join("12_2023001.zip")).unwrap().len() >> 20
    );
    let s = &report["submissions"][0];
    assert_full_marks(s);
    assert!(message(s, "count:anime-characters").contains("500 downloaded items"), "{s:#}");
    assert!(message(s, "renders").contains("all 2250 cleaned items have at least 12 renders"), "{s:#}");
    assert!(message(s, "file-formats").contains("200 of 27000 renders (one in every 135)"), "{s:#}");
    assert!(took.as_secs() < 60, "grading one full-size submission took {took:?}");
}

/// 40 full-size submissions (a course's worth), two at a time. Slow; run with `--run-ignored only`.
#[test]
#[ignore]
fn forty_full_size_submissions() {
    let dir = tempfile::tempdir().unwrap();
    let (first, _) = full_size(dir.path(), "1_2023001.zip");
    let mut subs = vec![first.clone()];
    for g in 2..=40 {
        let path = dir.path().join(format!("{g}_20230{g:02}.zip"));
        std::fs::copy(&first, &path).unwrap();
        subs.push(path);
    }
    let started = Instant::now();
    let report = grade(&subs, &["--jobs", "2"]);
    println!("40 full-size submissions graded in {:.2?} with --jobs 2", started.elapsed());
    for s in report["submissions"].as_array().unwrap() {
        assert_full_marks(s);
    }
}
