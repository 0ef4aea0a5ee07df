//! Model execution on libtorch: the host's preprocessing, tokenization and TorchScript calls give the same
//! numbers as Python torch on the same small models (made by `models/make_tiny_models.py`), batching changes
//! nothing, and plugins reach models only through their manifest.

use std::path::{Path, PathBuf};

use aigc_host::models::engine::ModelEngine;
use aigc_host::models::registry::Registry;
use aigc_tests::{aigc, command, plugins, root};

fn tiny() -> PathBuf {
    root().join("models/tiny")
}

fn reference() -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(tiny().join("reference.json")).unwrap()).unwrap()
}

fn floats(v: &serde_json::Value) -> Vec<Vec<f32>> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|row| row.as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect())
        .collect()
}

fn max_abs_diff(a: &[Vec<f32>], b: &[Vec<f32>]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .flat_map(|(x, y)| {
            assert_eq!(x.len(), y.len());
            x.iter().zip(y).map(|(p, q)| (p - q).abs())
        })
        .fold(0.0, f32::max)
}

fn images(reference: &serde_json::Value) -> Vec<Vec<u8>> {
    reference["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| std::fs::read(tiny().join(i["file"].as_str().unwrap())).unwrap())
        .collect()
}

fn engine() -> ModelEngine {
    ModelEngine::new(Registry::at(&tiny()), tch::Device::Cpu)
}

#[tokio::test]
async fn clip_outputs_match_python_torch() {
    let reference = reference();
    let clip = &reference["tiny-clip"];
    let model = engine().model("tiny-clip").unwrap();
    let prompts: Vec<String> =
        reference["prompts"].as_array().unwrap().iter().map(|p| p.as_str().unwrap().to_string()).collect();

    let tokens = model.tokenize(&prompts).unwrap();
    let ids: Vec<Vec<i64>> = Vec::try_from(&tokens).unwrap();
    let want_ids: Vec<Vec<i64>> = clip["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_array().unwrap().iter().map(|x| x.as_i64().unwrap()).collect())
        .collect();
    assert_eq!(ids, want_ids, "token ids, as the tokenizer.json defines them");

    let pixels = model.preprocess(&images(&reference)).unwrap();
    let (image_embeddings, text_embeddings) = model.raw(Some(pixels), Some(tokens)).await.unwrap();
    let image_diff = max_abs_diff(&image_embeddings, &floats(&clip["image_embeddings"]));
    let text_diff = max_abs_diff(&text_embeddings, &floats(&clip["text_embeddings"]));
    assert!(image_diff <= 1e-4, "image embeddings differ from Python by {image_diff}");
    assert!(text_diff <= 1e-4, "text embeddings differ from Python by {text_diff}");
}

#[tokio::test]
async fn batching_gives_the_same_numbers_as_one_by_one() {
    let reference = reference();
    let model = engine().model("tiny-clip").unwrap();
    let all = images(&reference);
    let together = model.embed_images(model.preprocess(&all).unwrap()).await.unwrap();
    // Many concurrent single-image calls: the worker batches them dynamically.
    let mut calls = Vec::new();
    for image in &all {
        let model = std::sync::Arc::clone(&model);
        let pixels = model.preprocess(std::slice::from_ref(image)).unwrap();
        calls.push(tokio::spawn(async move { model.embed_images(pixels).await.unwrap().remove(0) }));
    }
    let mut alone = Vec::new();
    for call in calls {
        alone.push(call.await.unwrap());
    }
    let diff = max_abs_diff(&together, &alone);
    assert!(diff <= 1e-5, "batched and single results differ by {diff}");
    assert!(model.stats.batches.load(std::sync::atomic::Ordering::Relaxed) >= 1);
}

/// Several workers run passes side by side on one loaded module, batches are capped, and a request larger than
/// a batch runs in slices: every way gives the numbers of one pass over everything.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn side_by_side_workers_and_sliced_batches_give_the_same_numbers() {
    use aigc_host::models::plan::Plan;
    let reference = reference();
    let all = images(&reference);
    let prompts: Vec<String> =
        reference["prompts"].as_array().unwrap().iter().map(|p| p.as_str().unwrap().to_string()).collect();
    let one_pass = engine().model("tiny-clip").unwrap();
    let want_images = one_pass.embed_images(one_pass.preprocess(&all).unwrap()).await.unwrap();
    let want_texts = one_pass.embed_texts(one_pass.tokenize(&prompts).unwrap()).await.unwrap();

    let plan = Plan { max_batch: 2, ..Plan::new(tch::Device::Cpu, 4, 64, Some(1)) };
    assert_eq!(plan.workers, 4);
    let model = ModelEngine::with_plan(Registry::at(&tiny()), tch::Device::Cpu, plan).model("tiny-clip").unwrap();
    // The whole set as one request, more rows than a batch: sliced into passes of two.
    let sliced = model.embed_images(model.preprocess(&all).unwrap()).await.unwrap();
    assert!(max_abs_diff(&sliced, &want_images) <= 1e-5);
    // Images and texts one by one, all at once: the workers take them in batches of one kind.
    let mut image_calls = Vec::new();
    let mut text_calls = Vec::new();
    for round in 0..4 {
        for image in &all {
            let model = std::sync::Arc::clone(&model);
            let pixels = model.preprocess(std::slice::from_ref(image)).unwrap();
            image_calls.push(tokio::spawn(async move { model.embed_images(pixels).await.unwrap().remove(0) }));
        }
        for prompt in &prompts {
            let model = std::sync::Arc::clone(&model);
            let tokens = model.tokenize(std::slice::from_ref(prompt)).unwrap();
            text_calls.push(tokio::spawn(async move { (round, model.embed_texts(tokens).await.unwrap().remove(0)) }));
        }
    }
    let mut images_alone = Vec::new();
    for call in image_calls {
        images_alone.push(call.await.unwrap());
    }
    for (k, chunk) in images_alone.chunks(all.len()).enumerate() {
        let diff = max_abs_diff(chunk, &want_images);
        assert!(diff <= 1e-5, "round {k}: images differ by {diff}");
    }
    let mut texts_alone = Vec::new();
    for call in text_calls {
        texts_alone.push(call.await.unwrap().1);
    }
    for chunk in texts_alone.chunks(prompts.len()) {
        assert!(max_abs_diff(chunk, &want_texts) <= 1e-5);
    }
    let batches = model.stats.batches.load(std::sync::atomic::Ordering::Relaxed);
    let rows = model.stats.rows.load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(rows as usize, all.len() * 5 + prompts.len() * 4, "every row ran once");
    assert!(batches as usize >= rows as usize / 2, "{batches} batches for {rows} rows: more than two in one");
}

#[tokio::test]
async fn captions_match_python_torch() {
    let reference = reference();
    let captioner = &reference["tiny-captioner"];
    let model = engine().model("tiny-captioner").unwrap();
    let captions = model.caption(model.preprocess(&images(&reference)).unwrap()).await.unwrap();
    let want: Vec<String> =
        captioner["captions"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string()).collect();
    assert_eq!(captions, want);
}

#[test]
fn registry_checks_folders_and_sha256s() {
    let dir = tempfile::tempdir().unwrap();
    let registry = Registry::at(dir.path());
    let added = registry.add(&tiny().join("tiny-clip"), Some("clip")).unwrap();
    assert_eq!(added.name, "clip");
    assert_eq!(registry.list().len(), 1);
    // A tampered weights file is refused.
    let outside = tempfile::tempdir().unwrap();
    let broken = outside.path().join("broken");
    std::fs::create_dir_all(&broken).unwrap();
    for f in ["model.json", "model.pt", "tokenizer.json"] {
        std::fs::copy(tiny().join("tiny-clip").join(f), broken.join(f)).unwrap();
    }
    std::fs::write(broken.join("model.pt"), b"not torchscript").unwrap();
    let error = Registry::at(&dir.path().join("other")).add(&broken, None).unwrap_err().to_string();
    assert!(error.contains("sha256"), "{error}");
    registry.remove("clip").unwrap();
    assert!(registry.list().is_empty());
}

/// A dataset of the reference images with categories, and a registry with the tiny models as `clip` and `captioner`.
fn dataset_with_models(dir: &Path) -> (PathBuf, PathBuf) {
    let models = dir.join("models");
    for (folder, name) in [("tiny-clip", "clip"), ("tiny-captioner", "captioner")] {
        let out = command(["models", "add", tiny().join(folder).to_str().unwrap(), "--name", name])
            .env("AIGC_HOST_MODELS", &models)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let ds = dir.join("ds");
    aigc(["dataset", "import", ds.to_str().unwrap(), tiny().join("inputs").to_str().unwrap(), "--category", "flower"])
        .assert_ok();
    (ds, models)
}

fn with_models(models: &Path, args: &[&str]) -> aigc_tests::Output {
    let out = command(args).env("AIGC_HOST_MODELS", models).output().unwrap();
    aigc_tests::Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn plugins_score_caption_and_refine_through_the_host() {
    let dir = tempfile::tempdir().unwrap();
    let (ds, models) = dataset_with_models(dir.path());
    let ds = ds.to_str().unwrap();

    let out = with_models(
        &models,
        &["clean", ds, "--rule", plugins::CLIP_RELEVANCE, "--set", "threshold=0.0", "--device", "cpu", "--json"],
    );
    out.assert_ok();
    let summary = out.json();
    assert_eq!(summary["checked"], 7);
    assert_eq!(summary["scores"]["clip-relevance"]["count"], 7, "{summary}");

    let out = with_models(&models, &["annotate", ds, "--with", plugins::CAPTION, "--json"]);
    out.assert_ok();
    assert_eq!(out.json()["annotated"], 7);
    let ls = aigc(["dataset", "ls", ds, "--json"]).json();
    let id = ls["items"].as_array().unwrap().iter().find(|i| i["title"] == "solid_red.png").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let shown = aigc(["dataset", "show", ds, &id, "--json"]).json();
    let caption = shown["annotations"].as_array().unwrap().iter().find(|a| a["key"] == "caption").unwrap();
    let want = reference()["tiny-captioner"]["captions"][0].as_str().unwrap().to_string();
    assert_eq!(caption["value"], want, "the stored caption is the model's");

    // Refinement: with a threshold in the middle of the scores some captions are dropped, and the summary reports
    // the distribution used to choose it.
    let flagged =
        with_models(&models, &["clean", ds, "--rule", plugins::CAPTION_REFINE, "--set", "action=flag", "--json"]);
    flagged.assert_ok();
    let median = flagged.json()["scores"]["caption-refine"]["median"].as_f64().unwrap();
    let threshold = format!("threshold={median}");
    let refined =
        with_models(&models, &["clean", ds, "--rule", plugins::CAPTION_REFINE, "--set", &threshold, "--json"]);
    refined.assert_ok();
    let refined = refined.json();
    assert!(refined["dropped"].as_u64().unwrap() >= 1 && refined["kept"].as_u64().unwrap() >= 1, "{refined}");
    let shown = aigc(["dataset", "show", ds, &id, "--json"]).json();
    assert!(
        shown["annotations"].as_array().unwrap().iter().any(|a| a["key"] == "caption-score" && a["score"].is_number())
    );
}

#[test]
fn missing_models_and_devices_are_clear_errors_before_any_item_is_touched() {
    let dir = tempfile::tempdir().unwrap();
    let (ds, _) = dataset_with_models(dir.path());
    let empty = dir.path().join("no-models");
    let out = with_models(&empty, &["clean", ds.to_str().unwrap(), "--rule", plugins::CLIP_RELEVANCE]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("needs model `clip`") && out.stderr.contains("models add"), "{}", out.stderr);
    let out =
        with_models(&empty, &["clean", ds.to_str().unwrap(), "--rule", plugins::CLIP_RELEVANCE, "--device", "cuda:7"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("--device") && out.stderr.contains("not available"), "{}", out.stderr);
    let stats = aigc(["dataset", "stats", ds.to_str().unwrap(), "--json"]).json();
    assert_eq!(stats["by_status"]["pending"], 7, "no verdicts were written");
}

#[test]
fn pull_downloads_checks_and_registers_a_zipped_model() {
    use sha2::Digest;
    let mut zipped = Vec::new();
    {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(&mut zipped));
        let options = zip::write::SimpleFileOptions::default();
        for f in ["model.json", "model.pt", "tokenizer.json"] {
            zip.start_file(format!("tiny-clip/{f}"), options).unwrap();
            std::io::Write::write_all(&mut zip, &std::fs::read(tiny().join("tiny-clip").join(f)).unwrap()).unwrap();
        }
        zip.finish().unwrap();
    }
    let sha = hex::encode(sha2::Sha256::digest(&zipped));
    let body = zipped.clone();
    let server = aigc_tests::http_server::Server::start(move |_| aigc_tests::http_server::Reply::ok(body.clone()));
    let dir = tempfile::tempdir().unwrap();
    let models = dir.path().join("models");
    let url = server.url("/tiny-clip.zip");
    let wrong = with_models(&models, &["models", "pull", &url, "--sha256", &"0".repeat(64)]);
    assert_eq!(wrong.code, 1);
    assert!(wrong.stderr.contains("nothing was registered"), "{}", wrong.stderr);
    with_models(&models, &["models", "pull", &url, "--sha256", &sha, "--name", "pulled"]).assert_ok();
    let listed = with_models(&models, &["models", "list", "--json"]).json();
    assert_eq!(listed["models"][0]["name"], "pulled");
    assert_eq!(listed["models"][0]["spec"]["task"], "clip");
}
