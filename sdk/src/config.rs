//! The run's configuration: `--set KEY=VALUE` values, else the manifest's defaults.
//!
//! Besides plain values, the shapes crawler settings share: comma lists ([`list`]), lists of category names
//! ([`names`]), `NAME=QUERY` pairs ([`pairs`]) and an http(s) base URL with its origin ([`http_url`]). Each
//! reports a value it cannot use as an error that names the key.

use crate::bindings::aigc::plugin::config as raw;
use crate::{Error, Result, web};
use std::str::FromStr;

/// The value of `key`, if it has one.
pub fn get(key: &str) -> Option<String> {
    raw::get(key)
}

/// The value of `key`, or `default` when it has none.
pub fn get_or(key: &str, default: &str) -> String {
    raw::get(key).unwrap_or_else(|| default.to_string())
}

/// The value of `key` parsed as `T`, or `default` when it has none; a value that does not parse is an error
/// naming the key.
pub fn parse_or<T: FromStr>(key: &str, default: T) -> Result<T>
where
    T::Err: std::fmt::Display,
{
    match raw::get(key) {
        None => Ok(default),
        Some(text) => {
            text.trim().parse().map_err(|e| Error::msg(format!("config `{key}` = `{text}` is not valid: {e}")))
        }
    }
}

/// The value of `key` split on commas, trimmed, empty parts dropped (see [`split_list`]).
pub fn list(key: &str) -> Vec<String> {
    raw::get(key).map(|v| split_list(&v)).unwrap_or_default()
}

/// `text` split on commas, each part trimmed, empty parts dropped: `"a, b,,c"` → `["a", "b", "c"]`.
pub fn split_list(text: &str) -> Vec<String> {
    text.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect()
}

/// Every key that has a value.
pub fn all() -> Vec<(String, String)> {
    raw::get_all()
}

/// True for a name made of lowercase ASCII letters, digits, `-` and `_` (not empty): what category and style
/// names must be, as they go into item categories, crawl state keys and config keys (`query.NAME`).
pub fn is_name(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// The comma list `key` as names (see [`is_name`]): an error naming the first entry that is not one, or saying
/// that the list is empty.
pub fn names(key: &str) -> Result<Vec<String>> {
    check_names(key, list(key))
}

fn check_names(key: &str, names: Vec<String>) -> Result<Vec<String>> {
    if let Some(bad) = names.iter().find(|name| !is_name(name)) {
        return Err(Error::msg(format!(
            "config `{key}`: `{bad}` is not a name of lowercase letters, digits and dashes"
        )));
    }
    if names.is_empty() {
        return Err(Error::msg(format!("config `{key}` is empty")));
    }
    Ok(names)
}

/// The comma list `key` as `NAME=QUERY` pairs (see [`parse_pairs`]), `noun` naming what a NAME is in messages.
pub fn pairs(key: &str, noun: &str) -> Result<Vec<(String, String)>> {
    parse_pairs(key, noun, &list(key))
}

/// Reads the entries of the comma list `key` as `NAME=QUERY` pairs (`ink-wash=ink landscape`), both sides
/// trimmed; a bare `NAME` pairs the name with itself. Names are at most 64 of the characters [`is_name`] allows,
/// each at most once; queries are not empty; and there is at least one pair. An error names `key` and calls a NAME
/// a `noun` (`style`).
pub fn parse_pairs(key: &str, noun: &str, entries: &[String]) -> Result<Vec<(String, String)>> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for entry in entries {
        let (name, query) = match entry.split_once('=') {
            Some((name, query)) => (name.trim(), query.trim()),
            None => (entry.trim(), entry.trim()),
        };
        if !is_name(name) || name.len() > 64 {
            return Err(Error::msg(format!(
                "config `{key}`: `{name}` (in `{entry}`) is not a {noun} name of lowercase letters, digits, - and _"
            )));
        }
        if query.is_empty() {
            return Err(Error::msg(format!("config `{key}`: {noun} `{name}` has an empty query")));
        }
        if pairs.iter().any(|(other, _)| other == name) {
            return Err(Error::msg(format!("config `{key}`: {noun} `{name}` is listed twice")));
        }
        pairs.push((name.to_string(), query.to_string()));
    }
    if pairs.is_empty() {
        return Err(Error::msg(format!("config `{key}` is empty")));
    }
    Ok(pairs)
}

/// The value of `key` (else `default`) as an http(s) URL, trimmed and without trailing slashes, and its origin
/// (see [`web::origin`]): `(base, origin)`. A value that is not such a URL is an error naming the key.
pub fn http_url(key: &str, default: &str) -> Result<(String, String)> {
    check_http_url(key, &get_or(key, default))
}

fn check_http_url(key: &str, value: &str) -> Result<(String, String)> {
    let url = value.trim().trim_end_matches('/').to_string();
    match web::origin(&url) {
        Some(origin) => Ok((url, origin)),
        None => Err(Error::msg(format!("config `{key}` = `{url}` is not an http(s) URL"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message<T: std::fmt::Debug>(result: Result<T>) -> String {
        result.expect_err("an error").to_string()
    }

    #[test]
    fn splits_comma_lists() {
        assert_eq!(split_list(" a, b ,,c,"), ["a", "b", "c"]);
        assert!(split_list("").is_empty() && split_list(" , ").is_empty());
        assert_eq!(split_list("ink-wash=ink landscape"), ["ink-wash=ink landscape"]);
    }

    #[test]
    fn names_are_lowercase_slugs() {
        assert!(is_name("game-characters") && is_name("ukiyo_e") && is_name("3d"));
        for bad in ["", "Animals", "a b", "../x", "a=b", "é"] {
            assert!(!is_name(bad), "{bad}");
        }
        assert_eq!(check_names("categories", split_list("animals,plants")).unwrap(), ["animals", "plants"]);
        assert_eq!(
            message(check_names("categories", split_list("animals,Plants"))),
            "config `categories`: `Plants` is not a name of lowercase letters, digits and dashes"
        );
        assert_eq!(message(check_names("categories", Vec::new())), "config `categories` is empty");
    }

    #[test]
    fn parses_name_query_pairs() {
        let pairs =
            parse_pairs("styles", "style", &split_list("impressionism, ink-wash = ink landscape,ukiyo-e=ukiyo-e"))
                .unwrap();
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(n, q)| (n.as_str(), q.as_str())).collect();
        assert_eq!(pairs, [("impressionism", "impressionism"), ("ink-wash", "ink landscape"), ("ukiyo-e", "ukiyo-e")]);
        for bad in ["", "Impressionism", "a b=c", "a=", "a=x,a=y", "../x=y", &"x".repeat(65)] {
            assert!(parse_pairs("styles", "style", &split_list(bad)).is_err(), "{bad}");
        }
        assert!(parse_pairs("styles", "style", &split_list(&"x".repeat(64))).is_ok());
        assert_eq!(
            message(parse_pairs("styles", "style", &split_list("a="))),
            "config `styles`: style `a` has an empty query"
        );
        assert_eq!(
            message(parse_pairs("styles", "style", &split_list("a,a"))),
            "config `styles`: style `a` is listed twice"
        );
        assert_eq!(message(parse_pairs("styles", "style", &[])), "config `styles` is empty");
        assert_eq!(
            message(parse_pairs("styles", "style", &split_list("Baroque"))),
            "config `styles`: `Baroque` (in `Baroque`) is not a style name of lowercase letters, digits, - and _"
        );
    }

    #[test]
    fn http_urls_lose_trailing_slashes_and_give_their_origin() {
        let (base, origin) = check_http_url("base_url", " https://API.example.org/v1// ").unwrap();
        assert_eq!((base.as_str(), origin.as_str()), ("https://API.example.org/v1", "https://api.example.org"));
        assert_eq!(
            message(check_http_url("base_url", "ftp://x/")),
            "config `base_url` = `ftp://x` is not an http(s) URL"
        );
        assert!(check_http_url("base_url", "").is_err());
    }
}
