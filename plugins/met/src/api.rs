//! The parts of The Met Collection API the crawler reads.
//!
//! Objects are read field by field from their raw JSON rather than through a strict struct: the API leaves many
//! fields empty (`""`), sometimes `null`, and adds fields over time; one odd field must not lose an artwork. The raw
//! JSON is kept whole as the item's metadata.

use aigc_sdk::web::origin;
use serde_json::Value;

/// CC0 1.0: The Met releases images of public-domain works under it (Open Access).
pub const CC0: &str = "CC0-1.0";
pub const CC0_URL: &str = "https://creativecommons.org/publicdomain/zero/1.0/";

/// The object ids of a search answer (`{"total": N, "objectIDs": [...]}`; `objectIDs` is `null` when nothing
/// matched), in the API's order, without repeats. Entries that are not positive integers are counted in the second
/// value and left out. `None` when the answer is not a search answer at all.
pub fn search_ids(answer: &Value) -> Option<(Vec<u64>, usize)> {
    let object = answer.as_object()?;
    let ids = match object.get("objectIDs") {
        None | Some(Value::Null) => return Some((Vec::new(), 0)),
        Some(Value::Array(ids)) => ids,
        Some(_) => return None,
    };
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(ids.len());
    let mut odd = 0;
    for id in ids {
        match id.as_u64().filter(|id| *id > 0) {
            Some(id) => {
                if seen.insert(id) {
                    out.push(id);
                }
            }
            None => odd += 1,
        }
    }
    Some((out, odd))
}

/// A fingerprint of an id list (FNV-1a, 64 bits, over the decimal ids joined by commas): a saved cursor is an index
/// into one exact list, and this tells whether a fresh search returned the same list.
pub fn fingerprint(ids: &[u64]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, id) in ids.iter().enumerate() {
        let text = if i == 0 { id.to_string() } else { format!(",{id}") };
        for byte in text.bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

/// Which image of an object to download.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ImageSize {
    /// `primaryImageSmall` (the `web-large` rendition, about 800 px), falling back to `primaryImage`.
    Small,
    /// `primaryImage` (the original file, often several thousand pixels), falling back to `primaryImageSmall`.
    Large,
}

/// An object of `GET /public/collection/v1/objects/{id}`, read from its raw JSON.
pub struct Object<'a> {
    raw: &'a Value,
}

impl<'a> Object<'a> {
    /// The answer as an object, or none when it is not a JSON object.
    pub fn new(raw: &'a Value) -> Option<Self> {
        raw.as_object().map(|_| Self { raw })
    }

    /// A text field, trimmed; none when missing, not a string or empty.
    pub fn text(&self, key: &str) -> Option<&'a str> {
        self.raw.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
    }

    /// `objectID`, when it is a number.
    pub fn id(&self) -> Option<u64> {
        self.raw.get("objectID").and_then(Value::as_u64)
    }

    /// `isPublicDomain` is exactly `true`: anything else (false, missing, a string) is not public domain.
    pub fn is_public_domain(&self) -> bool {
        self.raw.get("isPublicDomain") == Some(&Value::Bool(true))
    }

    /// True when `wanted` is empty or the object's `classification` is one of `wanted` (lowercase), compared
    /// without case. A classification such as `Paintings|Drawings` matches on either part.
    pub fn classified_as(&self, wanted: &[String]) -> bool {
        if wanted.is_empty() {
            return true;
        }
        let Some(classification) = self.text("classification") else { return false };
        classification.split('|').map(|part| part.trim().to_lowercase()).any(|part| wanted.contains(&part))
    }

    /// The URL of the image to download at `size`, falling back to the other size; none when the object has no
    /// http(s) image.
    pub fn image_url(&self, size: ImageSize) -> Option<&'a str> {
        let order = match size {
            ImageSize::Small => ["primaryImageSmall", "primaryImage"],
            ImageSize::Large => ["primaryImage", "primaryImageSmall"],
        };
        order.into_iter().filter_map(|key| self.text(key)).find(|url| origin(url).is_some())
    }

    /// The artist as the Met displays them (`artistDisplayName`), if named.
    pub fn artist(&self) -> Option<&'a str> {
        self.text("artistDisplayName")
    }

    /// A page about the artist: Wikidata, else the Getty ULAN entry.
    pub fn artist_url(&self) -> Option<&'a str> {
        ["artistWikidata_URL", "artistULAN_URL"]
            .into_iter()
            .filter_map(|key| self.text(key))
            .find(|url| origin(url).is_some())
    }

    /// The object's page on metmuseum.org (`objectURL`), else the page the Met uses for every object id.
    pub fn page_url(&self, id: u64) -> String {
        self.text("objectURL")
            .filter(|url| origin(url).is_some())
            .map_or_else(|| format!("https://www.metmuseum.org/art/collection/search/{id}"), String::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_search_answers() {
        let (ids, odd) = search_ids(&json!({"total": 4, "objectIDs": [45734, 437133, 45734, "x", -1, 0]})).unwrap();
        assert_eq!((ids, odd), (vec![45734, 437133], 3));
        assert_eq!(search_ids(&json!({"total": 0, "objectIDs": null})), Some((vec![], 0)));
        assert_eq!(search_ids(&json!({"total": 0})), Some((vec![], 0)));
        assert_eq!(search_ids(&json!({"objectIDs": "45734"})), None);
        assert_eq!(search_ids(&json!(["45734"])), None);
    }

    #[test]
    fn fingerprints_tell_lists_apart() {
        assert_eq!(fingerprint(&[1, 2, 3]), fingerprint(&[1, 2, 3]));
        assert_ne!(fingerprint(&[1, 2, 3]), fingerprint(&[1, 23]));
        assert_ne!(fingerprint(&[1, 2, 3]), fingerprint(&[3, 2, 1]));
        assert_eq!(fingerprint(&[]).len(), 16);
    }

    #[test]
    fn reads_objects_leniently() {
        let raw = json!({
            "objectID": 45734, "isPublicDomain": true, "classification": "Paintings",
            "primaryImage": "https://images.metmuseum.org/CRDImages/as/original/DP251139.jpg",
            "primaryImageSmall": "", "artistDisplayName": " Kiyohara Yukinobu ", "artistWikidata_URL": "",
            "artistULAN_URL": "http://vocab.getty.edu/page/ulan/500034433", "objectURL": null, "title": 7
        });
        let object = Object::new(&raw).unwrap();
        assert_eq!(object.id(), Some(45734));
        assert!(object.is_public_domain());
        assert_eq!(object.artist(), Some("Kiyohara Yukinobu"));
        assert_eq!(object.artist_url(), Some("http://vocab.getty.edu/page/ulan/500034433"));
        assert_eq!(object.text("title"), None);
        assert_eq!(object.page_url(45734), "https://www.metmuseum.org/art/collection/search/45734");
        // The small image is empty: the original is the fallback.
        assert_eq!(object.image_url(ImageSize::Small), object.image_url(ImageSize::Large));
        assert!(object.classified_as(&[]));
        assert!(object.classified_as(&["drawings".into(), "paintings".into()]));
        assert!(!object.classified_as(&["prints".into()]));

        let raw =
            json!({"isPublicDomain": "true", "classification": "Prints|Ephemera", "primaryImage": "javascript:x"});
        let object = Object::new(&raw).unwrap();
        assert!(!object.is_public_domain(), "only the boolean true counts");
        assert!(object.classified_as(&["ephemera".into()]));
        assert_eq!(object.image_url(ImageSize::Small), None);
        assert!(Object::new(&json!([1])).is_none());
    }
}
