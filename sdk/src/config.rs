//! The run's configuration: `--set KEY=VALUE` values, else the manifest's defaults.

use crate::bindings::aigc::plugin::config as raw;
use crate::{Error, Result};
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

/// The value of `key` split on commas, trimmed, empty parts dropped.
pub fn list(key: &str) -> Vec<String> {
    raw::get(key)
        .map(|v| v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect())
        .unwrap_or_default()
}

/// Every key that has a value.
pub fn all() -> Vec<(String, String)> {
    raw::get_all()
}
