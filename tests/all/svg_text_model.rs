//! The committed `svg-text` classifier (models/svg-text, trained by its train.py) runs through the same registry
//! and engine code users run, and gives Python torch's probabilities on the committed 64 px renders; classifier
//! model folders are checked (labels, no tokenizer) and register with `models add`.

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
