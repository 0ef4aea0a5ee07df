//! The decisions on hand-built statistics; the plugins' tests (tests/all/svg.rs) check them on real renders.

use super::*;

fn rect(x: f32, y: f32, width: f32, height: f32) -> Rect {
    Rect { x, y, width, height }
}

fn solid(bbox: Rect, fill: f32) -> Shape {
    let area = (bbox.area() * fill) as u32;
    Shape { area, bbox, perimeter: (2.0 * (bbox.width + bbox.height)) as u32, ..Shape::default() }
}

fn analysis(components: Vec<Shape>) -> Analysis {
    let drawn = components.iter().map(|c| c.area).sum();
    let bbox = components.iter().map(|c| c.bbox).reduce(|a, b| a.union(&b));
    Analysis {
        size: 256,
        drawn,
        drawn_bbox: bbox,
        component_count: components.len() as u32,
        components,
        ..Analysis::default()
    }
}

#[test]
fn a_text_element_is_text() {
    let a = Analysis { texts: vec!["Hi".into()], ..analysis(vec![solid(rect(10.0, 10.0, 100.0, 100.0), 1.0)]) };
    assert_eq!(no_text(&a, &NoTextConfig::default(), None), Decision::drop("has-text", 1.0));
    let blank = Analysis { texts: vec!["  ".into()], ..a.clone() };
    assert!(no_text(&blank, &NoTextConfig::default(), None).keep);
}

#[test]
fn the_classifier_decides_when_there_is_one() {
    let a = analysis(vec![solid(rect(10.0, 10.0, 100.0, 100.0), 1.0)]);
    assert!(!no_text(&a, &NoTextConfig::default(), Some(0.95)).keep);
    assert!(no_text(&a, &NoTextConfig::default(), Some(0.1)).keep);
}

#[test]
fn a_row_of_thin_letters_is_text_and_a_row_of_blobs_is_not() {
    // Three 40 px tall letters drawn with 6 px strokes, 10 px apart.
    let letter = |x: f32| Shape { area: 6 * 40 * 2, perimeter: 200, ..solid(rect(x, 100.0, 28.0, 40.0), 0.0) };
    let word = analysis(vec![letter(20.0), letter(58.0), letter(96.0)]);
    assert_eq!(no_text(&word, &NoTextConfig::default(), None).reason, "has-text");
    let blobs = analysis(vec![solid(rect(20.0, 100.0, 28.0, 40.0), 0.78), solid(rect(58.0, 100.0, 28.0, 40.0), 0.78)]);
    assert!(no_text(&blobs, &NoTextConfig::default(), None).keep);
}

#[test]
fn four_equal_separate_shapes_are_several_objects() {
    let a = analysis(vec![
        solid(rect(10.0, 10.0, 80.0, 80.0), 1.0),
        solid(rect(160.0, 10.0, 80.0, 80.0), 1.0),
        solid(rect(10.0, 160.0, 80.0, 80.0), 1.0),
        solid(rect(160.0, 160.0, 80.0, 80.0), 1.0),
    ]);
    let d = single_object(&a, &SingleObjectConfig::default(), None);
    assert_eq!(d.reason, "several-objects");
    assert!((d.score - 0.25).abs() < 1e-6);
}

#[test]
fn a_big_object_with_small_decorations_is_one_object() {
    let a = analysis(vec![
        solid(rect(60.0, 20.0, 140.0, 160.0), 0.8),
        solid(rect(10.0, 220.0, 30.0, 30.0), 0.5),
        solid(rect(210.0, 220.0, 30.0, 30.0), 0.5),
    ]);
    assert!(single_object(&a, &SingleObjectConfig::default(), None).keep);
    assert_eq!(single_object(&a, &SingleObjectConfig::default(), Some(0.8)).reason, "several-objects");
    assert_eq!(single_object(&Analysis::default(), &SingleObjectConfig::default(), None).reason, "empty");
}

#[test]
fn the_classifier_and_the_shapes_both_drop_several_objects() {
    let four = analysis(vec![
        solid(rect(10.0, 10.0, 80.0, 80.0), 1.0),
        solid(rect(160.0, 10.0, 80.0, 80.0), 1.0),
        solid(rect(10.0, 160.0, 80.0, 80.0), 1.0),
        solid(rect(160.0, 160.0, 80.0, 80.0), 1.0),
    ]);
    let config = SingleObjectConfig::default();
    // Four separate things the classifier thinks are one: the shapes still drop them (score: their dominance).
    let d = single_object(&four, &config, Some(0.1));
    assert_eq!(d.reason, "several-objects");
    assert!((d.score - 0.25).abs() < 1e-6);
    // Unless the shape test is switched off next to a classifier.
    let alone = SingleObjectConfig { shapes_too: false, ..config.clone() };
    let d = single_object(&four, &alone, Some(0.1));
    assert!(d.keep && (d.score - 0.1).abs() < 1e-12);
    // A family drawn as one overlapping silhouette: one part, so only the classifier can see several people.
    let family = analysis(vec![solid(rect(30.0, 40.0, 190.0, 180.0), 0.7)]);
    assert!(single_object(&family, &config, None).keep);
    assert!(single_object(&family, &config, Some(0.49)).keep);
    let d = single_object(&family, &config, Some(0.5));
    assert_eq!((d.reason, d.keep), ("several-objects", false));
    assert!((d.score - 0.5).abs() < 1e-12);
    let lookup = |key: &str| (key == "shapes_too").then(|| "false".to_string());
    assert!(!SingleObjectConfig::from_lookup(&lookup).unwrap().shapes_too);
}

#[test]
fn a_ring_split_by_a_diagonal_is_a_prohibition_sign() {
    let b = rect(28.0, 28.0, 200.0, 200.0);
    let ring = Shape {
        area: 12000,
        cx: 128.0,
        cy: 128.0,
        holes: vec![
            Hole { area: 9500, bbox: rect(50.0, 50.0, 110.0, 110.0) },
            Hole { area: 9500, bbox: rect(96.0, 96.0, 110.0, 110.0) },
        ],
        ..solid(b, 0.0)
    };
    let a = analysis(vec![ring.clone()]);
    assert_eq!(no_prohibition(&a, &ProhibitionConfig::default()).reason, "prohibition-sign");
    // A thin ring (Noto's signs): two large holes whose centres are 0.15 of the side apart.
    let thin = Shape {
        area: 17500,
        cx: 128.0,
        cy: 128.0,
        holes: vec![
            Hole { area: 13900, bbox: rect(64.0, 28.0, 164.0, 164.0) },
            Hole { area: 13800, bbox: rect(28.0, 66.0, 165.0, 162.0) },
        ],
        ..solid(rect(8.0, 8.0, 240.0, 240.0), 0.0)
    };
    assert_eq!(no_prohibition(&analysis(vec![thin]), &ProhibitionConfig::default()).reason, "prohibition-sign");
    // A round silhouette with two similar holes among several (a line-art animal's eyes, spots and the gaps
    // between its legs) is not a sign, even where the two largest holes sit like a slash's.
    let mut animal = Shape { area: 8000, ..ring.clone() };
    animal.holes.extend([
        Hole { area: 5000, bbox: rect(40.0, 170.0, 60.0, 50.0) },
        Hole { area: 4500, bbox: rect(150.0, 170.0, 60.0, 50.0) },
    ]);
    let two_of_them = Shape { holes: animal.holes[..2].to_vec(), ..animal.clone() };
    assert!(!no_prohibition(&analysis(vec![two_of_them]), &ProhibitionConfig::default()).keep);
    assert!(no_prohibition(&analysis(vec![animal]), &ProhibitionConfig::default()).keep);
    // Two holes side by side (a "69", two letters) are not a slash's: not offset diagonally.
    let side_by_side = Shape {
        holes: vec![
            Hole { area: 9500, bbox: rect(50.0, 80.0, 100.0, 90.0) },
            Hole { area: 9400, bbox: rect(110.0, 90.0, 100.0, 90.0) },
        ],
        ..ring.clone()
    };
    assert!(no_prohibition(&analysis(vec![side_by_side]), &ProhibitionConfig::default()).keep);
    // The same geometry with its ink off-centre (a bow drawn round its string, the arrow across) is not a sign.
    let bow = Shape { cx: 145.0, cy: 112.0, ..ring.clone() };
    assert!(no_prohibition(&analysis(vec![bow]), &ProhibitionConfig::default()).keep);
    // The same ring with one round hole (a plain ring, a donut) is not a sign.
    let donut = Shape { holes: vec![Hole { area: 19000, bbox: rect(60.0, 60.0, 136.0, 136.0) }], ..ring };
    assert!(no_prohibition(&analysis(vec![donut]), &ProhibitionConfig::default()).keep);
}

#[test]
fn config_values_are_read_and_checked() {
    let lookup = |k: &str| (k == "min_glyphs").then(|| "5".to_string());
    assert_eq!(NoTextConfig::from_lookup(&lookup).map(|c| c.min_glyphs), Ok(5));
    let bad = |_: &str| Some("lots".to_string());
    assert!(
        SingleObjectConfig::from_lookup(&bad).unwrap_err().contains("`gap`")
            || SingleObjectConfig::from_lookup(&bad).is_err()
    );
}
