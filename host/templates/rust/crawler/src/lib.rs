//! {{description}}: fetches a JSON list of `{"url", "category", "licence"}` entries from `list_url` and stores
//! each file as an item.
//!
//! Edit `parse_list` and the manifest below, then `aigc-host build` and
//! `aigc-host run {{name}}.wasm --dataset DATASET --set list_url=URL --allow-host HOST`. `cargo test` runs the
//! tests at the bottom on your machine.

use aigc_sdk::collect::{self, NewFile, NewItem};
use aigc_sdk::dataset::Provenance;
use aigc_sdk::{Crawler, Result, config, http, log};

aigc_sdk::manifest!({
    "kind": "crawler",
    "description": "{{description}}",
    "hosts": [],
    "config": {
        "list_url": { "default": "", "help": "URL of a JSON list of {\"url\", \"category\", \"licence\"} objects" }
    }
});

/// One entry of the list.
#[derive(Debug, PartialEq, serde::Deserialize)]
struct Entry {
    url: String,
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    licence: Option<String>,
}

struct {{camel}};

impl Crawler for {{camel}} {
    fn crawl() -> Result<()> {
        let list_url = config::get_or("list_url", "");
        if list_url.is_empty() {
            return Err(aigc_sdk::Error::msg("set the list's URL with `--set list_url=URL`"));
        }
        let entries = parse_list(&http::get(&list_url)?.error_for_status()?.text())?;
        for entry in entries {
            let page = http::get(&entry.url)?.error_for_status()?;
            let media_type = page.header("content-type").unwrap_or("application/octet-stream").to_string();
            let put = collect::put(&NewItem {
                source_key: format!("{{name}}:{}", entry.url),
                category: entry.category,
                title: None,
                provenance: Provenance {
                    source_url: entry.url.clone(),
                    licence: entry.licence,
                    licence_url: None,
                    author: None,
                    author_url: None,
                },
                metadata: "{}".into(),
                files: vec![NewFile::new("file", media_type, page.body)],
                parent: None,
            })?;
            log::info(&format!("{} -> {} (new: {})", entry.url, put.id, put.created));
        }
        Ok(())
    }
}

/// The list's entries.
fn parse_list(text: &str) -> Result<Vec<Entry>> {
    serde_json::from_str(text).map_err(|e| aigc_sdk::Error::msg(format!("the list is not a JSON array of entries: {e}")))
}

aigc_sdk::export_crawler!({{camel}});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_list() {
        let list = parse_list(r#"[{"url": "http://a/1.png", "category": "cats"}]"#).unwrap();
        assert_eq!(list[0].url, "http://a/1.png");
        assert_eq!(list[0].category.as_deref(), Some("cats"));
        assert!(parse_list("{}").is_err());
    }
}
