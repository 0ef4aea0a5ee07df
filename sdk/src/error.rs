//! One error type for plugin code, so `?` works on every host call.

use std::fmt;

use crate::bindings::aigc::plugin::types::Error as HostError;

/// An error a plugin returns to the host; the host reports it with the plugin's name.
///
/// Any standard error converts into it with `?`; make one from a message with [`Error::msg`].
pub struct Error {
    message: String,
}

/// `Result<T, aigc_sdk::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error carrying `message`.
    pub fn msg(message: impl fmt::Display) -> Self {
        Self { message: message.to_string() }
    }

    /// Prefixes the message with what was being done: `"fetching page 3: timeout"`.
    pub fn context(self, what: impl fmt::Display) -> Self {
        Self { message: format!("{what}: {}", self.message) }
    }
}

impl<E: std::error::Error + 'static> From<E> for Error {
    fn from(error: E) -> Self {
        // A host call's error reads as its kind and message ("invalid: ..."), not as the WIT variant's Debug text.
        if let Some(host) = (&error as &dyn std::any::Any).downcast_ref::<HostError>() {
            return Self::msg(describe(host));
        }
        Self::msg(error)
    }
}

/// A host error for people: its kind, then the host's message.
fn describe(error: &HostError) -> String {
    match error {
        HostError::NotFound(m) => format!("not found: {m}"),
        HostError::Denied(m) => format!("denied: {m}"),
        HostError::Invalid(m) => format!("invalid: {m}"),
        HostError::Limit(m) => format!("limit reached: {m}"),
        HostError::Other(m) => m.clone(),
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_errors_read_as_kind_and_message() {
        let from_host: Error = HostError::Invalid("size 3: give a side between 8 and 4096".into()).into();
        assert_eq!(from_host.to_string(), "invalid: size 3: give a side between 8 and 4096");
        let other: Error = HostError::Other("the model worker stopped".into()).into();
        assert_eq!(other.to_string(), "the model worker stopped");
    }
}
