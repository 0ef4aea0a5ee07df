//! Configuration: the crawl's settings, and for each course category the Sketchfab search that fills it.

use aigc_sdk::{Error, Result, config, web};

/// Which archive to download from the download endpoint.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ArchiveFormat {
    Glb,
    Gltf,
}

impl ArchiveFormat {
    /// The key in the download endpoint's answer.
    pub fn key(self) -> &'static str {
        match self {
            Self::Glb => "glb",
            Self::Gltf => "gltf",
        }
    }

    /// The file name and media type the archive is stored under.
    pub fn file(self) -> (&'static str, &'static str) {
        match self {
            Self::Glb => ("model.glb", "model/gltf-binary"),
            Self::Gltf => ("model.zip", "application/zip"),
        }
    }

    /// The format to fall back on when this one is not offered.
    pub fn other(self) -> Self {
        match self {
            Self::Glb => Self::Gltf,
            Self::Gltf => Self::Glb,
        }
    }
}

/// Everything the crawl reads from the configuration.
pub struct Settings {
    /// `base_url` without a trailing slash.
    pub base: String,
    /// `scheme://host[:port]` of `base`: `next` links must stay on it.
    pub origin: String,
    pub categories: Vec<Category>,
    pub per_category: u64,
    /// `download=auto`: try the download endpoint (the host adds the token when the operator granted it).
    pub download: bool,
    pub archive_format: ArchiveFormat,
    /// Licence slugs to search for; empty for any.
    pub licenses: Vec<String>,
}

/// One course category and the Sketchfab search behind it.
pub struct Category {
    /// The course's name, stored as the item's category (`animals`).
    pub name: String,
    /// Sketchfab category slug (`animals-pets`), from `categories.NAME`.
    pub slug: Option<String>,
    /// Search keywords, from `query.NAME`.
    pub query: Option<String>,
}

impl Settings {
    pub fn from_config() -> Result<Self> {
        let (base, origin) = config::http_url("base_url", "https://api.sketchfab.com")?;
        let categories = config::names("categories")?.iter().map(|name| Category::from_config(name)).collect();
        let download = match config::get_or("download", "auto").trim() {
            "auto" => true,
            "off" => false,
            other => return Err(Error::msg(format!("config `download` = `{other}`: expected auto or off"))),
        };
        let archive_format = match config::get_or("archive_format", "glb").trim() {
            "glb" => ArchiveFormat::Glb,
            "gltf" => ArchiveFormat::Gltf,
            other => return Err(Error::msg(format!("config `archive_format` = `{other}`: expected glb or gltf"))),
        };
        let licenses = config::list("licenses");
        if let Some(bad) = licenses.iter().find(|l| !config::is_name(l)) {
            return Err(Error::msg(format!("config `licenses`: `{bad}` is not a licence slug (by, by-sa, cc0, ...)")));
        }
        Ok(Self {
            base,
            origin,
            categories,
            per_category: config::parse_or("per_category", 500)?,
            download,
            archive_format,
            licenses,
        })
    }

    /// The first search page of `category`, its parameters always in this order (fixtures depend on it):
    /// `{base}/v3/search?type=models&downloadable=true&count=24[&categories=SLUG][&q=QUERY][&licenses=SLUG]...`,
    /// values percent-encoded with [`web::encode`] (a space is `%20`), one `licenses=` per licence slug.
    pub fn first_search_url(&self, category: &Category) -> String {
        let mut url = format!("{}/v3/search?type=models&downloadable=true&count=24", self.base);
        if let Some(slug) = &category.slug {
            url.push_str(&format!("&categories={}", web::encode(slug)));
        }
        if let Some(query) = &category.query {
            url.push_str(&format!("&q={}", web::encode(query)));
        }
        for licence in &self.licenses {
            url.push_str(&format!("&licenses={}", web::encode(licence)));
        }
        url
    }

    /// `GET` this for the signed archive URLs of model `uid`.
    pub fn download_url(&self, uid: &str) -> String {
        format!("{}/v3/models/{uid}/download", self.base)
    }
}

impl Category {
    /// Reads `categories.NAME` and `query.NAME` of a category `name` ([`config::names`] checked it). A category the
    /// manifest does not declare has neither; it is searched with its name as keywords (`sci-fi-props` →
    /// `sci fi props`) in every Sketchfab category.
    fn from_config(name: &str) -> Self {
        let value = |key: String| config::get(&key).map(|v| v.trim().to_string());
        let slug = value(format!("categories.{name}"));
        let query = value(format!("query.{name}"));
        let (slug, query) = match (slug, query) {
            (None, None) => (None, Some(name.replace(['-', '_'], " "))),
            (slug, query) => (slug.filter(|s| !s.is_empty()), query.filter(|q| !q.is_empty())),
        };
        Self { name: name.to_string(), slug, query }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fixtures' `first_url` of each category (written by examples/sketchfab/make_fixtures.py) must be the URL
    /// this plugin builds, or the offline replay does not match.
    #[test]
    fn first_search_urls_match_the_fixtures() {
        let expected: serde_json::Value =
            serde_json::from_str(include_str!("../../../examples/sketchfab/expected.json")).expect("expected.json");
        let settings = |licenses: Vec<String>| Settings {
            base: "https://api.sketchfab.com".into(),
            origin: "https://api.sketchfab.com".into(),
            categories: Vec::new(),
            per_category: 500,
            download: true,
            archive_format: ArchiveFormat::Glb,
            licenses,
        };
        let text = |value: &serde_json::Value, key: &str| value[key].as_str().map(String::from);
        let categories = expected.as_object().expect("an object");
        assert_eq!(categories.len(), 5);
        for (name, fixture) in categories {
            let category = Category {
                name: name.clone(),
                slug: text(fixture, "sketchfab_category"),
                query: text(fixture, "query"),
            };
            assert_eq!(Some(settings(Vec::new()).first_search_url(&category)), text(fixture, "first_url"), "{name}");
        }
        let category = Category { name: "x".into(), slug: None, query: Some("game character".into()) };
        assert_eq!(
            settings(vec!["by".into(), "cc0".into()]).first_search_url(&category),
            "https://api.sketchfab.com/v3/search?type=models&downloadable=true&count=24&q=game%20character\
             &licenses=by&licenses=cc0"
        );
    }
}
