//! From IconifyJSON icon data to a standalone SVG file, as Iconify's own `iconToSVG` does it: aliases resolved
//! through their parents, the set's default box, per-icon overrides, and rotations and flips turned into a
//! `<g transform>` around the body.

use crate::api::{IconProps, IconSet};
use serde_json::Value;

/// Longest alias chain followed (Iconify's sets use one or two levels).
const MAX_ALIAS_DEPTH: usize = 8;
/// Largest icon body accepted, in bytes.
const MAX_BODY: usize = 512 * 1024;

/// An icon with every property resolved.
#[derive(Clone, Debug, PartialEq)]
pub struct Icon {
    pub body: String,
    pub left: f64,
    pub top: f64,
    pub width: f64,
    pub height: f64,
    /// Quarter turns clockwise, 0..=3.
    pub rotate: i64,
    pub h_flip: bool,
    pub v_flip: bool,
    /// The icon this one is an alias of (the end of the chain), when it is an alias.
    pub alias_of: Option<String>,
}

/// The icon `name` of `set`, following aliases; an error says why it cannot be built.
pub fn resolve(set: &IconSet, name: &str) -> Result<Icon, String> {
    let props = |name: &str, map: &std::collections::BTreeMap<String, Value>| -> Result<Option<IconProps>, String> {
        match map.get(name) {
            None => Ok(None),
            Some(raw) => serde_json::from_value(raw.clone())
                .map(Some)
                .map_err(|e| format!("the data of `{name}` is not an icon: {e}")),
        }
    };
    // The chain from `name` to the icon that has the body: each alias's props, nearest first.
    let mut chain: Vec<IconProps> = Vec::new();
    let mut current = name.to_string();
    let icon = loop {
        if let Some(icon) = props(&current, &set.icons)? {
            break icon;
        }
        let Some(alias) = props(&current, &set.aliases)? else {
            return Err(if chain.is_empty() {
                "not in the answer".to_string()
            } else {
                format!("alias parent `{current}` is not in the answer")
            });
        };
        let Some(parent) = alias.parent.clone() else {
            return Err(format!("alias `{current}` has no parent"));
        };
        if chain.len() >= MAX_ALIAS_DEPTH {
            return Err(format!("alias chain longer than {MAX_ALIAS_DEPTH}"));
        }
        chain.push(alias);
        current = parent;
    };
    let body = icon.body.clone().filter(|b| !b.trim().is_empty()).ok_or("empty body")?;
    if body.len() > MAX_BODY {
        return Err(format!("body larger than {MAX_BODY} bytes"));
    }
    let lowered = body.to_ascii_lowercase();
    if lowered.contains("<script") || lowered.contains("<foreignobject") {
        return Err("the body holds a script or foreign object".into());
    }
    // Dimensions: the nearest alias that sets one, else the icon, else the set, else Iconify's defaults.
    let pick = |get: fn(&IconProps) -> Option<f64>, set_value: Option<f64>, default: f64| {
        chain.iter().map(get).chain([get(&icon)]).flatten().next().or(set_value).unwrap_or(default)
    };
    let left = pick(|p| p.left, set.left, 0.0);
    let top = pick(|p| p.top, set.top, 0.0);
    let width = pick(|p| p.width, set.width, 16.0);
    let height = pick(|p| p.height, set.height, 16.0);
    if !(width.is_finite() && height.is_finite() && left.is_finite() && top.is_finite())
        || width <= 0.0
        || height <= 0.0
    {
        return Err(format!("bad box {left} {top} {width} {height}"));
    }
    // Transformations add up along the chain.
    let all = || chain.iter().chain([&icon]);
    let rotate = all().map(|p| p.rotate.unwrap_or(0)).sum::<i64>().rem_euclid(4);
    let h_flip = all().filter(|p| p.h_flip == Some(true)).count() % 2 == 1;
    let v_flip = all().filter(|p| p.v_flip == Some(true)).count() % 2 == 1;
    Ok(Icon {
        body,
        left,
        top,
        width,
        height,
        rotate,
        h_flip,
        v_flip,
        alias_of: (!chain.is_empty()).then_some(current),
    })
}

/// The box of the rendered SVG, `(left, top, width, height)`, after rotations and flips.
pub type ViewBox = (f64, f64, f64, f64);

/// The icon as a standalone SVG document, and its view box.
pub fn render(icon: &Icon) -> (String, ViewBox) {
    let (mut left, mut top, mut width, mut height) = (icon.left, icon.top, icon.width, icon.height);
    let mut transforms: Vec<String> = Vec::new();
    let mut rotation = icon.rotate;
    if icon.h_flip {
        if icon.v_flip {
            rotation += 2;
        } else {
            transforms.push(format!("translate({} {})", num(width + left), num(-top)));
            transforms.push("scale(-1 1)".into());
            left = 0.0;
            top = 0.0;
        }
    } else if icon.v_flip {
        transforms.push(format!("translate({} {})", num(-left), num(height + top)));
        transforms.push("scale(1 -1)".into());
        left = 0.0;
        top = 0.0;
    }
    match rotation.rem_euclid(4) {
        1 => {
            let centre = num(height / 2.0 + top);
            transforms.insert(0, format!("rotate(90 {centre} {centre})"));
        }
        2 => transforms.insert(0, format!("rotate(180 {} {})", num(width / 2.0 + left), num(height / 2.0 + top))),
        3 => {
            let centre = num(width / 2.0 + left);
            transforms.insert(0, format!("rotate(-90 {centre} {centre})"));
        }
        _ => {}
    }
    if rotation.rem_euclid(2) == 1 {
        std::mem::swap(&mut left, &mut top);
        std::mem::swap(&mut width, &mut height);
    }
    let body = if transforms.is_empty() {
        icon.body.clone()
    } else {
        format!("<g transform=\"{}\">{}</g>", transforms.join(" "), icon.body)
    };
    let xlink = if body.contains("xlink:") { " xmlns:xlink=\"http://www.w3.org/1999/xlink\"" } else { "" };
    let svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\"{xlink} width=\"{w}\" height=\"{h}\" viewBox=\"{l} {t} {w} {h}\">{body}</svg>",
        w = num(width),
        h = num(height),
        l = num(left),
        t = num(top),
    );
    (svg, (left, top, width, height))
}

/// A number as JavaScript prints it for these values: `24`, `0.5`, `-1` (never `24.0`).
pub fn num(value: f64) -> String {
    if value == value.trunc() && value.abs() < 1e15 { format!("{}", value as i64) } else { format!("{value}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(json: &str) -> IconSet {
        serde_json::from_str(json).expect("icon set JSON")
    }

    const SET: &str = r#"{"prefix":"x","width":24,"height":24,
        "icons":{"home":{"body":"<path d=\"M0 0h1\"/>"},"wide":{"body":"<g/>","width":32,"left":-2,"top":1},
                 "turned":{"body":"<g/>","rotate":1,"width":20}},
        "aliases":{"house":{"parent":"home"},"house-flipped":{"parent":"house","hFlip":true},
                   "wide-tall":{"parent":"wide","height":30},"loop":{"parent":"loop"},"orphan":{"parent":"nope"},
                   "both":{"parent":"home","hFlip":true,"vFlip":true}}}"#;

    #[test]
    fn renders_a_plain_icon_with_the_set_box() {
        let (svg, view_box) = render(&resolve(&set(SET), "home").expect("home"));
        assert_eq!(
            svg,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"24\" height=\"24\" viewBox=\"0 0 24 24\">\
             <path d=\"M0 0h1\"/></svg>"
        );
        assert_eq!(view_box, (0.0, 0.0, 24.0, 24.0));
    }

    #[test]
    fn per_icon_overrides_and_alias_overrides_win() {
        let wide = resolve(&set(SET), "wide").expect("wide");
        assert_eq!(render(&wide).1, (-2.0, 1.0, 32.0, 24.0));
        let tall = resolve(&set(SET), "wide-tall").expect("alias");
        assert_eq!(tall.alias_of.as_deref(), Some("wide"));
        assert!(render(&tall).0.contains("viewBox=\"-2 1 32 30\""));
    }

    #[test]
    fn aliases_follow_chains_and_flip() {
        let icon = resolve(&set(SET), "house-flipped").expect("chain");
        assert_eq!(icon.alias_of.as_deref(), Some("home"));
        let (svg, _) = render(&icon);
        assert!(svg.contains("<g transform=\"translate(24 0) scale(-1 1)\"><path"), "{svg}");
        let (svg, _) = render(&resolve(&set(SET), "both").expect("both"));
        assert!(svg.contains("<g transform=\"rotate(180 12 12)\">"), "{svg}");
    }

    #[test]
    fn rotation_swaps_the_box() {
        let (svg, view_box) = render(&resolve(&set(SET), "turned").expect("turned"));
        assert_eq!(view_box, (0.0, 0.0, 24.0, 20.0));
        assert!(svg.contains("rotate(90 12 12)"), "{svg}");
    }

    #[test]
    fn refuses_broken_data() {
        let s = set(SET);
        assert!(resolve(&s, "loop").unwrap_err().contains("chain"));
        assert!(resolve(&s, "orphan").unwrap_err().contains("nope"));
        assert!(resolve(&s, "missing").is_err());
        let bad = set(
            r#"{"icons":{"a":{"body":"<script>alert(1)</script>"},"b":{"body":""},"c":{"body":"<g/>","width":0}}}"#,
        );
        for name in ["a", "b", "c"] {
            assert!(resolve(&bad, name).is_err(), "{name}");
        }
        let plain = resolve(&bad, "x");
        assert!(plain.is_err());
    }

    #[test]
    fn defaults_are_16_and_xlink_is_declared() {
        let s = set(r##"{"icons":{"a":{"body":"<use xlink:href=\"#b\"/>"}}}"##);
        let (svg, view_box) = render(&resolve(&s, "a").expect("a"));
        assert_eq!(view_box, (0.0, 0.0, 16.0, 16.0));
        assert!(
            svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\"")
        );
    }

    #[test]
    fn numbers_print_like_javascript() {
        assert_eq!(num(24.0), "24");
        assert_eq!(num(-1.0), "-1");
        assert_eq!(num(0.5), "0.5");
        assert_eq!(num(12.25), "12.25");
    }
}
