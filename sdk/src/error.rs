//! One error type for plugin code, so `?` works on every host call.

use std::fmt;

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

impl<E: std::error::Error> From<E> for Error {
    fn from(error: E) -> Self {
        Self::msg(error)
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
