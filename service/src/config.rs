//! How a listener is run: who may replace the model, what callers may assert, and its limits.

use std::fmt;
use std::path::Path;
use std::time::Duration;

use subtle::ConstantTimeEq;

use crate::error::ConfigError;

/// The largest model `POST /model` accepts by default, in bytes ([`Limits::max_model_bytes`]).
pub const MODEL_BODY_LIMIT: usize = 8 * 1024 * 1024;

/// The shortest admin token [`AdminToken::new`] accepts, in bytes.
pub const MIN_TOKEN_LEN: usize = 16;

/// What one listener serves and to whom: the settings [`router_with`](crate::router_with) and
/// [`serve`](crate::serve) read.
///
/// The default is the safe one: model updates refused, server-side starts refused, the limits of
/// [`Limits::default`].
#[derive(Debug, Clone, Default)]
pub struct ServiceConfig {
    /// Who may replace the model with `POST /model`.
    pub model_updates: ModelUpdates,
    /// Whether a flow request may assert a server-side start (`"start": "schedule"` or
    /// `"trigger"`). Such a start runs without a caller and is not checked against the flow's
    /// permissions, so over HTTP only a caller the operator trusts may claim it. Default `false`:
    /// such requests are answered 403, code `untrusted_assertion`.
    pub trust_server_starts: bool,
    /// Sizes, timeouts and the connection bound.
    pub limits: Limits,
}

/// Who may replace the model on a listener.
#[derive(Debug, Clone, Default)]
pub enum ModelUpdates {
    /// Nobody: `POST /model` is answered 403, code `model_updates_disabled`. The default, and
    /// what the binary uses on its public listener when no admin token is configured or when a
    /// separate admin listener takes the updates.
    #[default]
    Disabled,
    /// Callers presenting `Authorization: Bearer <token>`; others get 401, code `unauthorized`.
    Token(AdminToken),
    /// Anyone who reaches the listener. Only for an admin listener that only trusted callers
    /// can reach (a loopback or management address).
    Open,
}

/// Sizes, timeouts and the connection bound of one listener. Every field has a default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The most connections served at once; the others wait in the listen queue until one
    /// closes. Default 512.
    pub max_connections: usize,
    /// How long a client has to send a request's headers, the first request's as well as each
    /// following one on a kept-alive connection; then the connection is closed. Default 10 s.
    pub header_read_timeout: Duration,
    /// How long a client has to send a whole request body once the headers are in; then it is
    /// answered 408, code `request_timeout`, and the connection is closed. Default 30 s.
    pub body_read_timeout: Duration,
    /// The largest `POST /authorize` body, in bytes; larger ones get 413. Default 64 KiB.
    pub max_request_bytes: usize,
    /// The largest `POST /model` body, in bytes; larger ones get 413. Default
    /// [`MODEL_BODY_LIMIT`], 8 MiB.
    pub max_model_bytes: usize,
    /// The longest request target (path and query), in bytes; longer ones get 414. Default
    /// 8 KiB.
    pub max_uri_bytes: usize,
    /// After a shutdown signal, how long in-flight requests have to finish before their
    /// connections are dropped. Default 30 s.
    pub shutdown_grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 512,
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(30),
            max_request_bytes: 64 * 1024,
            max_model_bytes: MODEL_BODY_LIMIT,
            max_uri_bytes: 8 * 1024,
            shutdown_grace: Duration::from_secs(30),
        }
    }
}

/// The bearer token that authorizes model updates. Its `Debug` does not show it.
///
/// ```
/// use accessgate_service::AdminToken;
///
/// let token = AdminToken::new("correct-horse-battery-staple")?;
/// assert!(token.matches(b"correct-horse-battery-staple"));
/// assert!(!token.matches(b"correct-horse-battery-stapler"));
/// assert!(AdminToken::new("short").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct AdminToken {
    secret: Box<[u8]>,
}

impl AdminToken {
    /// A token, with surrounding whitespace (a file's final newline) removed.
    ///
    /// # Errors
    /// [`ConfigError::TokenTooShort`] when what is left is shorter than [`MIN_TOKEN_LEN`] bytes,
    /// [`ConfigError::TokenWhitespace`] when it contains whitespace or control characters, which
    /// cannot travel in an `Authorization` header intact.
    pub fn new(token: &str) -> Result<Self, ConfigError> {
        let token = token.trim();
        if token.len() < MIN_TOKEN_LEN {
            return Err(ConfigError::TokenTooShort {
                len: token.len(),
                min: MIN_TOKEN_LEN,
            });
        }
        if token.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(ConfigError::TokenWhitespace);
        }
        Ok(AdminToken {
            secret: token.as_bytes().into(),
        })
    }

    /// Reads a token from a file, as [`new`](Self::new).
    ///
    /// # Errors
    /// [`ConfigError::TokenFile`] when the file cannot be read or is not UTF-8, else as
    /// [`new`](Self::new).
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::TokenFile {
            path: path.to_owned(),
            source,
        })?;
        AdminToken::new(&text)
    }

    /// Whether `presented` is this token. The comparison takes the same time wherever the first
    /// difference is; only the length can be learnt from its timing.
    pub fn matches(&self, presented: &[u8]) -> bool {
        self.secret.as_ref().ct_eq(presented).into()
    }
}

impl fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AdminToken(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A token file's newline is not part of the token, and `Debug` never shows the secret.
    #[test]
    fn token_is_trimmed_and_redacted() {
        let token = AdminToken::new("0123456789abcdef\n").unwrap();
        assert!(token.matches(b"0123456789abcdef"));
        assert!(!token.matches(b"0123456789abcdef\n"));
        assert!(!token.matches(b""));
        assert!(!format!("{token:?}").contains("0123"));
    }

    /// A token with inner whitespace is refused rather than silently never matching.
    #[test]
    fn token_with_inner_whitespace_is_refused() {
        assert!(matches!(
            AdminToken::new("0123456789 abcdef"),
            Err(ConfigError::TokenWhitespace)
        ));
    }
}
