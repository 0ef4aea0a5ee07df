//! The course's five categories and how a dataset's categories map onto them.

use std::collections::BTreeMap;

use super::{ExportError, Result};

/// Chinese folder name and English slug of each course category, in the grader's order.
pub const COURSE: [(&str, &str); 5] = [
    ("动物", "animals"),
    ("植物", "plants"),
    ("文玩", "collectibles"),
    ("游戏形象", "game-characters"),
    ("动漫形象", "anime-characters"),
];

/// What `--category-map` calls items without a category.
pub const NONE: &str = "(none)";

/// The course category a name stands for: its Chinese name or slug (any letter case), or `antiques`, the name
/// the crawlers use for 文玩.
pub fn known(name: &str) -> Option<usize> {
    let name = name.trim();
    if name.eq_ignore_ascii_case("antiques") {
        return Some(2);
    }
    COURSE.iter().position(|(chinese, slug)| *chinese == name || slug.eq_ignore_ascii_case(name))
}

/// The known spellings, for messages: `动物 (animals), 植物 (plants), ...`.
pub fn listing() -> String {
    let names: Vec<String> = COURSE.iter().map(|(chinese, slug)| format!("{chinese} ({slug})")).collect();
    format!("{} (antiques is taken for 文玩)", names.join(", "))
}

/// Dataset categories to course categories: the known spellings, plus `--category-map FROM=TO` pairs.
#[derive(Debug, Default)]
pub struct CategoryMap {
    extra: BTreeMap<String, usize>,
}

impl CategoryMap {
    pub fn new(pairs: &[(String, String)]) -> Result<Self> {
        let mut extra = BTreeMap::new();
        for (from, to) in pairs {
            let course = known(to).ok_or_else(|| {
                ExportError::Refused(format!(
                    "--category-map {from}={to}: `{to}` is not a course category; use one of {}",
                    listing()
                ))
            })?;
            extra.insert(from.trim().to_string(), course);
        }
        Ok(Self { extra })
    }

    /// The course category of a dataset category (`None`: the item has none).
    pub fn course(&self, category: Option<&str>) -> Option<usize> {
        let name = category.unwrap_or(NONE);
        self.extra.get(name.trim()).copied().or_else(|| category.and_then(known))
    }

    /// Every category of `categories` that maps to nothing, with its item count, as one refusal.
    pub fn require_all<'a>(&self, categories: impl IntoIterator<Item = Option<&'a str>>) -> Result<()> {
        let mut unknown: BTreeMap<&str, u64> = BTreeMap::new();
        for category in categories {
            if self.course(category).is_none() {
                *unknown.entry(category.unwrap_or(NONE)).or_default() += 1;
            }
        }
        if unknown.is_empty() {
            return Ok(());
        }
        let list: Vec<String> = unknown.iter().map(|(name, n)| format!("`{name}` ({n} items)")).collect();
        let example = unknown.keys().next().copied().unwrap_or(NONE);
        Err(ExportError::Refused(format!(
            "these dataset categories are not course categories: {}; the course's are {}; map each with \
             --category-map, e.g. --category-map '{example}=animals'",
            list.join(", "),
            listing()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_and_maps_resolve_and_unknown_ones_are_listed() {
        assert_eq!(known("动物"), Some(0));
        assert_eq!(known("Game-Characters"), Some(3));
        assert_eq!(known("antiques"), Some(2));
        assert_eq!(known("cars"), None);
        let map = CategoryMap::new(&[("cars".into(), "文玩".into()), (NONE.into(), "plants".into())]).unwrap();
        assert_eq!(map.course(Some("cars")), Some(2));
        assert_eq!(map.course(None), Some(1));
        assert_eq!(map.course(Some("animals")), Some(0));
        let refused = CategoryMap::default().require_all([Some("cars"), Some("cars"), None, Some("plants")]);
        let message = refused.unwrap_err().to_string();
        assert!(message.contains("`cars` (2 items)") && message.contains("`(none)` (1 items)"), "{message}");
        assert!(message.contains("动物 (animals)") && message.contains("--category-map"), "{message}");
        assert!(CategoryMap::new(&[("x".into(), "cats".into())]).is_err());
    }
}
