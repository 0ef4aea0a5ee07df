//! The parts of the Sketchfab Data API v3 the crawler reads: JSON types with only the fields used (the raw JSON
//! of each model is kept separately, as the item's metadata), licence names, and uid checks.

use serde::Deserialize;
use serde_json::Value;

/// One page of `GET /v3/search?type=models`.
#[derive(Deserialize)]
pub struct SearchPage {
    /// Model objects, kept raw: each is parsed into a [`Model`] on its own, so one odd result skips one model.
    #[serde(default)]
    pub results: Vec<Value>,
    /// The absolute URL of the next page; none on the last page.
    #[serde(default)]
    pub next: Option<String>,
}

/// A model of a search page.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Model {
    pub uid: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub viewer_url: Option<String>,
    #[serde(default)]
    pub tags: Option<Vec<Tag>>,
    #[serde(default)]
    pub thumbnails: Option<Thumbnails>,
    #[serde(default)]
    pub user: Option<User>,
    #[serde(default)]
    pub license: Option<License>,
}

#[derive(Deserialize)]
pub struct Tag {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub slug: Option<String>,
}

#[derive(Deserialize)]
pub struct Thumbnails {
    #[serde(default)]
    pub images: Option<Vec<Image>>,
}

#[derive(Deserialize)]
pub struct Image {
    pub url: String,
    #[serde(default)]
    pub width: Option<u64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub profile_url: Option<String>,
}

#[derive(Deserialize)]
pub struct License {
    #[serde(default)]
    pub label: Option<String>,
    /// Only on some responses (the model detail endpoint).
    #[serde(default)]
    pub url: Option<String>,
}

/// The answer of `GET /v3/models/{uid}/download`: short-lived signed URLs per archive type.
#[derive(Deserialize)]
pub struct DownloadLinks {
    #[serde(default)]
    pub glb: Option<Link>,
    #[serde(default)]
    pub gltf: Option<Link>,
}

#[derive(Deserialize)]
pub struct Link {
    pub url: String,
}

impl Model {
    /// True when a tag's slug or name is `noai` (any case): the author forbids use in generative AI datasets.
    pub fn is_noai(&self) -> bool {
        self.tags
            .iter()
            .flatten()
            .any(|tag| [&tag.slug, &tag.name].into_iter().flatten().any(|t| t.trim().eq_ignore_ascii_case("noai")))
    }

    /// The widest thumbnail at most 1024 pixels wide, else the narrowest one.
    pub fn thumbnail_url(&self) -> Option<&str> {
        let images = self.thumbnails.as_ref()?.images.as_ref()?;
        let width = |image: &Image| image.width.unwrap_or(0);
        images
            .iter()
            .filter(|image| width(image) <= 1024)
            .max_by_key(|image| width(image))
            .or_else(|| images.iter().min_by_key(|image| width(image)))
            .map(|image| image.url.as_str())
    }

    /// The author's display name, else their username.
    pub fn author(&self) -> Option<String> {
        let user = self.user.as_ref()?;
        [&user.display_name, &user.username].into_iter().flatten().find(|s| !s.trim().is_empty()).cloned()
    }
}

/// The licence label as an SPDX id where one is known, with the licence's URL; other labels are returned as given.
pub fn licence(license: &License) -> (Option<String>, Option<String>) {
    let Some(label) = license.label.as_deref().map(str::trim).filter(|l| !l.is_empty()) else {
        return (None, license.url.clone());
    };
    let known = match label.to_ascii_lowercase().as_str() {
        "cc attribution" => Some(("CC-BY-4.0", "https://creativecommons.org/licenses/by/4.0/")),
        "cc attribution-sharealike" => Some(("CC-BY-SA-4.0", "https://creativecommons.org/licenses/by-sa/4.0/")),
        "cc attribution-noderivs" => Some(("CC-BY-ND-4.0", "https://creativecommons.org/licenses/by-nd/4.0/")),
        "cc attribution-noncommercial" => Some(("CC-BY-NC-4.0", "https://creativecommons.org/licenses/by-nc/4.0/")),
        "cc attribution-noncommercial-sharealike" => {
            Some(("CC-BY-NC-SA-4.0", "https://creativecommons.org/licenses/by-nc-sa/4.0/"))
        }
        "cc attribution-noncommercial-noderivs" => {
            Some(("CC-BY-NC-ND-4.0", "https://creativecommons.org/licenses/by-nc-nd/4.0/"))
        }
        "cc0 public domain" => Some(("CC0-1.0", "https://creativecommons.org/publicdomain/zero/1.0/")),
        _ => None,
    };
    match known {
        Some((id, url)) => (Some(id.to_string()), Some(license.url.clone().unwrap_or_else(|| url.to_string()))),
        None => (Some(label.to_string()), license.url.clone()),
    }
}

/// A Sketchfab uid is 32 hex digits; anything else in a URL path is refused (a hostile API could steer it).
pub fn is_valid_uid(uid: &str) -> bool {
    !uid.is_empty() && uid.len() <= 64 && uid.bytes().all(|b| b.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(json: &str) -> Model {
        serde_json::from_str(json).expect("model JSON")
    }

    #[test]
    fn maps_licence_labels() {
        let id = |label: &str| licence(&License { label: Some(label.into()), url: None });
        assert_eq!(id("CC Attribution").0.as_deref(), Some("CC-BY-4.0"));
        assert_eq!(id("CC0 Public Domain").0.as_deref(), Some("CC0-1.0"));
        assert_eq!(id("CC Attribution-NonCommercial-ShareAlike").0.as_deref(), Some("CC-BY-NC-SA-4.0"));
        assert_eq!(id("CC Attribution-NoDerivs").1.as_deref(), Some("https://creativecommons.org/licenses/by-nd/4.0/"));
        assert_eq!(id("Free Standard"), (Some("Free Standard".into()), None));
    }

    #[test]
    fn picks_the_widest_thumbnail_up_to_1024() {
        let m = model(
            r#"{"uid":"a","thumbnails":{"images":[{"url":"big","width":1920},{"url":"mid","width":1024},
            {"url":"small","width":64},{"url":"odd","width":null}]}}"#,
        );
        assert_eq!(m.thumbnail_url(), Some("mid"));
        let m =
            model(r#"{"uid":"a","thumbnails":{"images":[{"url":"big","width":1920},{"url":"huge","width":4096}]}}"#);
        assert_eq!(m.thumbnail_url(), Some("big"));
        assert_eq!(model(r#"{"uid":"a","thumbnails":null}"#).thumbnail_url(), None);
    }

    #[test]
    fn detects_noai_by_slug_or_name() {
        assert!(model(r#"{"uid":"a","tags":[{"name":"x","slug":"NOAI"}]}"#).is_noai());
        assert!(model(r#"{"uid":"a","tags":[{"name":"noAI","slug":"noai-1"}]}"#).is_noai());
        assert!(!model(r#"{"uid":"a","tags":[{"name":"noaitest","slug":"createdwithai"}]}"#).is_noai());
        assert!(!model(r#"{"uid":"a","tags":null}"#).is_noai());
    }

    #[test]
    fn uids_are_alphanumeric() {
        assert!(is_valid_uid("4737a3b84e00415b9d8bb42ae44285b2"));
        assert!(!is_valid_uid("../../v3/me"));
        assert!(!is_valid_uid(""));
    }
}
