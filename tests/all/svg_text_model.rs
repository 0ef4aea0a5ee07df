//! The committed `svg-text` classifier (models/svg-text, trained by its train.py) runs through the same registry
//! and engine code users run, and gives Python torch's probabilities on the committed 64 px renders; classifier
//! model folders are checked (labels, no tokenizer) and register with `models add`; once registered, the
//! `svg-no-text` rule drops a Twemoji keycap and keeps a dog through `model.classify` (the plugin path).

use std::path::PathBuf;

use aigc_host::models::engine::ModelEngine;
use aigc_host::models::registry::{Registry, Task};
use aigc_tests::{command, root};

fn folder() -> PathBuf {
    root().join("models/svg-text")
}

fn reference() -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(folder().join("parity/reference.json")).unwrap()).unwrap()
}

#[tokio::test]
async fn svg_text_probabilities_match_python_torch() {
    let reference = reference();
    let tolerance = reference["tolerance"].as_f64().unwrap() as f32;
    let gap_tolerance = reference["gap_tolerance"].as_f64().unwrap() as f32;
    let labels: Vec<String> =
        reference["labels"].as_array().unwrap().iter().map(|l| l.as_str().unwrap().to_string()).collect();
    // The registry reads models/ itself: svg-text is a model folder there, as `models add` would copy it.
    let model = ModelEngine::new(Registry::at(&root().join("models")), tch::Device::Cpu).model("svg-text").unwrap();
    assert_eq!(model.registered.spec.task, Task::Classifier);
    assert_eq!(model.registered.spec.labels, labels);

    let images = reference["images"].as_array().unwrap();
    let pngs: Vec<Vec<u8>> =
        images.iter().map(|i| std::fs::read(folder().join(i["file"].as_str().unwrap())).unwrap()).collect();
    let probabilities = model.label_probabilities(model.preprocess(&pngs).unwrap()).await.unwrap();
    let mut text_votes = 0;
    for (image, got) in images.iter().zip(&probabilities) {
        for (label, p) in labels.iter().zip(got) {
            let want = image["probabilities"][label].as_f64().unwrap() as f32;
            assert!((p - want).abs() <= tolerance, "{}: P({label}) is {p} here and {want} in Python", image["file"]);
        }
        // ln(p_text / p_no_text) is the logit gap, which saturated probabilities would hide.
        let gap = got[0].ln() - got[1].ln();
        let want_gap = image["logit_gap"].as_f64().unwrap() as f32;
        assert!(
            (gap - want_gap).abs() <= gap_tolerance,
            "{}: logit gap {gap} here and {want_gap} in Python",
            image["file"]
        );
        text_votes += usize::from(got[0] > 0.5);
    }
    // Two of the four renders carry text (a keycap, the FREE button), two do not (a dog, a family).
    assert_eq!(text_votes, 2, "{probabilities:?}");

    // Labels are asked for by name, in any order; an unknown one is an error that lists the known ones.
    assert_eq!(model.label_indices(&["no-text".into(), "text".into()]).unwrap(), vec![1, 0]);
    let error = model.label_indices(&["letters".into()]).unwrap_err();
    assert!(error.contains("letters") && error.contains("text, no-text"), "{error}");
    // A classifier takes no text.
    assert!(model.tokenize(&["hello".into()]).unwrap_err().contains("no tokenizer"));
}

#[test]
fn classifier_folders_are_checked_and_registered() {
    let dir = tempfile::tempdir().unwrap();
    let models = dir.path().join("models");
    let out = command(["models", "add", folder().to_str().unwrap()]).env("AIGC_HOST_MODELS", &models).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = command(["models", "list", "--json"]).env("AIGC_HOST_MODELS", &models).output().unwrap();
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(listed.contains("svg-text") && listed.contains("classifier"), "{listed}");

    // A classifier whose model.json lists fewer than two labels, or one twice, is refused before anything is copied.
    for labels in [r#"["text"]"#, r#"["text", "text"]"#] {
        let broken = dir.path().join("broken");
        std::fs::create_dir_all(&broken).unwrap();
        std::fs::copy(folder().join("model.pt"), broken.join("model.pt")).unwrap();
        let spec = std::fs::read_to_string(folder().join("model.json")).unwrap();
        let mut spec: serde_json::Value = serde_json::from_str(&spec).unwrap();
        spec["labels"] = serde_json::from_str(labels).unwrap();
        std::fs::write(broken.join("model.json"), spec.to_string()).unwrap();
        let error = Registry::at(&dir.path().join("other")).add(&broken, None).unwrap_err().to_string();
        assert!(error.contains("label"), "{labels}: {error}");
    }
}

#[test]
fn svg_no_text_drops_by_the_registered_classifier() {
    let dir = tempfile::tempdir().unwrap();
    let models = dir.path().join("models");
    let out = command(["models", "add", folder().to_str().unwrap()]).env("AIGC_HOST_MODELS", &models).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let src = dir.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    for name in ["keycap_1", "dog_face"] {
        // The Twemoji sources of the parity renders: the rule rasterizes them itself, through the host.
        std::fs::copy(folder().join(format!("parity/{name}.svg")), src.join(format!("{name}.svg"))).unwrap();
    }
    let ds = dir.path().join("ds");
    aigc_tests::aigc(["dataset", "import", ds.to_str().unwrap(), src.to_str().unwrap()]).assert_ok();
    let out = command([
        "clean",
        ds.to_str().unwrap(),
        "--rule",
        aigc_tests::plugins::SVG_NO_TEXT,
        "--device",
        "cpu",
        "--json",
    ])
    .env("AIGC_HOST_MODELS", &models)
    .output()
    .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let ls = aigc_tests::aigc(["dataset", "ls", ds.to_str().unwrap(), "--json"]).json();
    let mut seen = 0;
    for item in ls["items"].as_array().unwrap() {
        let verdict = &item["verdicts"][0];
        let score = verdict["score"].as_f64().unwrap();
        match item["title"].as_str().unwrap() {
            "keycap_1.svg" => {
                assert!(verdict["keep"] == false && verdict["reason"] == "has-text" && score > 0.99, "{verdict}")
            }
            "dog_face.svg" => assert!(verdict["keep"] == true && score < 0.1, "{verdict}"),
            other => panic!("unexpected item {other}"),
        }
        seen += 1;
    }
    assert_eq!(seen, 2);
}
