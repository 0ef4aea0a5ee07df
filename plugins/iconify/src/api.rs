//! The parts of the Iconify API the crawler reads (`/collections`, `/search`, `/{prefix}.json?icons=`): JSON types
//! with only the fields used, lenient where the API is loose, and icon name checks.
//!
//! Field names follow the API's own types (`iconify/api` `src/types/server/v2.ts`, `@iconify/types`).

use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// Facts about an icon set (`IconifyInfo`), as `/collections` and `/search` give them.
#[derive(Clone, Default, Deserialize)]
pub struct Info {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub author: Option<Author>,
    #[serde(default)]
    pub license: Option<License>,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub total: Option<u64>,
    /// The set's category on iconify.design ("Material", "Emoji", ...).
    #[serde(default)]
    pub category: Option<String>,
    /// True when the icons have their own colours (emoji), false for monotone icons drawn in `currentColor`.
    #[serde(default)]
    pub palette: Option<bool>,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
}

#[derive(Clone, Default, Deserialize)]
pub struct Author {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
}

#[derive(Clone, Default, Deserialize)]
pub struct License {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub spdx: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
}

/// One answer of `GET /search`: the icons from `start` up to `limit` (the server never returns more than
/// `limit` matches in all), with `total` the number of matches up to `limit`. `total == limit` means there are
/// more: ask again with a larger `limit` and `start` where this answer ended.
#[derive(Deserialize)]
pub struct SearchPage {
    #[serde(default)]
    pub icons: Vec<Value>,
    #[serde(default)]
    pub total: u64,
    #[serde(default)]
    pub limit: u64,
    /// Info about the icon sets of `icons`, kept raw: an odd entry spoils only itself.
    #[serde(default)]
    pub collections: BTreeMap<String, Value>,
}

/// `GET /{prefix}.json?icons=...`: icon data in the IconifyJSON format.
#[derive(Deserialize)]
pub struct IconSet {
    #[serde(default)]
    pub prefix: Option<String>,
    #[serde(default)]
    pub icons: BTreeMap<String, Value>,
    #[serde(default)]
    pub aliases: BTreeMap<String, Value>,
    /// Set-wide defaults for icons that do not set their own.
    #[serde(default)]
    pub left: Option<f64>,
    #[serde(default)]
    pub top: Option<f64>,
    #[serde(default)]
    pub width: Option<f64>,
    #[serde(default)]
    pub height: Option<f64>,
    /// Names asked for that the set does not have.
    #[serde(default)]
    pub not_found: Vec<String>,
}

/// An icon or an alias: every field optional, as aliases set only what they change.
#[derive(Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IconProps {
    #[serde(default)]
    pub body: Option<String>,
    /// Set on aliases only: the icon (or alias) this one is a variant of.
    #[serde(default)]
    pub parent: Option<String>,
    #[serde(default)]
    pub left: Option<f64>,
    #[serde(default)]
    pub top: Option<f64>,
    #[serde(default)]
    pub width: Option<f64>,
    #[serde(default)]
    pub height: Option<f64>,
    /// Quarter turns clockwise.
    #[serde(default)]
    pub rotate: Option<i64>,
    #[serde(default)]
    pub h_flip: Option<bool>,
    #[serde(default)]
    pub v_flip: Option<bool>,
}

/// Parses an `IconifyInfo` object; none when it is not one.
pub fn parse_info(raw: &Value) -> Option<Info> {
    raw.as_object()?;
    serde_json::from_value(raw.clone()).ok()
}

/// Splits `prefix:name` into its parts when both are valid Iconify names.
pub fn split_icon(full: &str) -> Option<(&str, &str)> {
    let (prefix, name) = full.split_once(':')?;
    (is_valid_name(prefix) && is_valid_name(name)).then_some((prefix, name))
}

/// Icon and prefix names are lowercase letters, digits and dashes (Iconify's own rule). Anything else is refused:
/// the names go into URL paths, and a hostile answer could steer them.
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 100
        && !name.starts_with('-')
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_only_valid_icon_names() {
        assert_eq!(split_icon("mdi:home-outline"), Some(("mdi", "home-outline")));
        assert_eq!(split_icon("fa6-solid:cat"), Some(("fa6-solid", "cat")));
        for odd in ["mdi", "mdi:", ":home", "mdi:Home", "mdi:../x", "mdi:a b", "a:b:c", "mdi:-x", "../mdi:x"] {
            assert_eq!(split_icon(odd), None, "{odd}");
        }
    }

    #[test]
    fn reads_info_and_icon_sets_leniently() {
        let info = parse_info(&serde_json::json!({
            "name": "Font Awesome Solid", "total": 1388, "author": {"name": "Dave Gandy"},
            "license": {"title": "CC BY 4.0", "spdx": "CC-BY-4.0"}, "height": [16, 32], "palette": false,
            "unknown": {"extra": true}
        }))
        .expect("info");
        assert_eq!(info.license.and_then(|l| l.spdx).as_deref(), Some("CC-BY-4.0"));
        assert!(parse_info(&serde_json::json!("nope")).is_none());
        let set: IconSet = serde_json::from_str(
            r#"{"prefix":"mdi","icons":{"home":{"body":"<path/>"}},"aliases":{"house":{"parent":"home","hFlip":true}},
               "width":24,"height":24,"not_found":["nope"]}"#,
        )
        .expect("icon set");
        assert_eq!(set.not_found, ["nope"]);
        let alias: IconProps = serde_json::from_value(set.aliases["house"].clone()).expect("alias");
        assert_eq!((alias.parent.as_deref(), alias.h_flip), (Some("home"), Some(true)));
    }
}
