//! The core error type and its closed set of codes.
//!
//! Every failure inside the core becomes one [`Error`] variant; [`Error::code`] maps it onto the
//! closed [`ErrorCode`] set that the UI branches on (and the CLI prints). A broker's refusal is
//! classified once, in the protocol layer (`remoting::refusal`), so that "wrong address", "dead
//! broker", "bad credentials", "broker busy" and "broker said no" read the same on every path.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Result alias used throughout the core.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The closed set of error codes that cross the IPC boundary. Add one only when the UI branches on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
pub enum ErrorCode {
    /// The input is malformed (bad address list, invalid name, out-of-range value).
    Validation,
    /// The thing asked for does not exist (connection, broker, topic).
    NotFound,
    /// A name server or broker could not be reached at all.
    Unreachable,
    /// A TLS handshake failed: untrusted certificate, a port that does not speak TLS, a client
    /// certificate refused. The detail says which and what to change.
    Tls,
    /// A request was sent but no answer came within the deadline.
    Timeout,
    /// The cluster refused the credentials (ACL).
    Unauthorized,
    /// The connection uses ACL but its secret key is not known this session: ask the user for it.
    SecretRequired,
    /// The broker or name server answered with an error code.
    BrokerRejected,
    /// A mutation was attempted on a read-only connection.
    ReadOnly,
    /// The change conflicts with existing state (duplicate name, concurrent change).
    Conflict,
    /// A request that changes state was sent, but its answer was lost (connection dropped,
    /// deadline passed): it may or may not have taken effect, and was not sent again.
    OutcomeUnknown,
    /// A job was cancelled by the user.
    Cancelled,
    /// The local SQLite store or the OS keychain failed.
    Storage,
    /// A bug or an unexpected condition; the detail says more.
    Internal,
}

impl ErrorCode {
    /// Stable name, as printed by the CLI and logged.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Validation => "Validation",
            Self::NotFound => "NotFound",
            Self::Unreachable => "Unreachable",
            Self::Tls => "Tls",
            Self::Timeout => "Timeout",
            Self::Unauthorized => "Unauthorized",
            Self::SecretRequired => "SecretRequired",
            Self::BrokerRejected => "BrokerRejected",
            Self::ReadOnly => "ReadOnly",
            Self::Conflict => "Conflict",
            Self::OutcomeUnknown => "OutcomeUnknown",
            Self::Cancelled => "Cancelled",
            Self::Storage => "Storage",
            Self::Internal => "Internal",
        }
    }
}

/// Every failure the core can report.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{message}")]
    Validation { message: String },
    #[error("{what} not found")]
    NotFound { what: String },
    #[error("cannot reach {target}")]
    Unreachable { target: String, detail: String },
    #[error("TLS with {target} failed")]
    Tls { target: String, detail: String },
    #[error("{operation} timed out after {} ms", timeout.as_millis())]
    Timeout { operation: String, timeout: Duration },
    #[error("access denied by {target}")]
    Unauthorized { target: String, detail: String },
    #[error("{target} rejected {operation} (code {code})")]
    BrokerRejected {
        target: String,
        operation: String,
        code: i32,
        detail: String,
    },
    /// The broker's flow control refused the request unprocessed: sending it again later is safe.
    #[error("{target} is busy and refused {operation} (code {code})")]
    Busy {
        target: String,
        operation: String,
        code: i32,
        detail: String,
    },
    #[error("the secret key of connection '{connection}' is needed for this session")]
    SecretRequired { connection: String },
    #[error("connection '{connection}' is read-only")]
    ReadOnly { connection: String },
    #[error("{message}")]
    Conflict { message: String },
    #[error("the outcome of {operation} on {target} is unknown")]
    OutcomeUnknown {
        operation: String,
        target: String,
        detail: String,
    },
    #[error("cancelled")]
    Cancelled,
    #[error("local store failed")]
    Storage(#[from] sqlx::Error),
    #[error("local store migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("OS keychain failed")]
    Keychain { detail: String },
    #[error("internal error: {message}")]
    Internal { message: String },
}

impl Error {
    pub fn validation(message: impl Into<String>) -> Self {
        Self::Validation {
            message: message.into(),
        }
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        Self::NotFound { what: what.into() }
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::Internal {
            message: message.into(),
        }
    }

    /// The closed code for this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Validation { .. } => ErrorCode::Validation,
            Self::NotFound { .. } => ErrorCode::NotFound,
            Self::Unreachable { .. } => ErrorCode::Unreachable,
            Self::Tls { .. } => ErrorCode::Tls,
            Self::Timeout { .. } => ErrorCode::Timeout,
            Self::Unauthorized { .. } => ErrorCode::Unauthorized,
            Self::BrokerRejected { .. } | Self::Busy { .. } => ErrorCode::BrokerRejected,
            Self::SecretRequired { .. } => ErrorCode::SecretRequired,
            Self::ReadOnly { .. } => ErrorCode::ReadOnly,
            Self::Conflict { .. } => ErrorCode::Conflict,
            Self::OutcomeUnknown { .. } => ErrorCode::OutcomeUnknown,
            Self::Cancelled => ErrorCode::Cancelled,
            Self::Storage(_) | Self::Migrate(_) | Self::Keychain { .. } => ErrorCode::Storage,
            Self::Internal { .. } => ErrorCode::Internal,
        }
    }

    /// Whether trying the same thing again later may succeed.
    pub fn retryable(&self) -> bool {
        self.is_broker_busy()
            || matches!(
                self,
                Self::Unreachable { .. } | Self::Timeout { .. } | Self::Storage(_)
            )
    }

    /// A broker's flow control: it refused the request unprocessed, so sending it again later is
    /// safe.
    pub fn is_broker_busy(&self) -> bool {
        matches!(self, Self::Busy { .. })
    }

    /// One line for a row's failure note: the code, the message and the detail when there is one
    /// (e.g. `Unreachable: cannot reach 10.0.0.1:10911 (connect: refused (advertised as …))`).
    pub fn summary(&self) -> String {
        match self.detail() {
            Some(d) if !d.is_empty() => format!("{}: {self} ({d})", self.code().as_str()),
            _ => format!("{}: {self}", self.code().as_str()),
        }
    }

    /// Technical detail for the "details" part of an error toast and the log.
    pub fn detail(&self) -> Option<String> {
        match self {
            Self::Unreachable { detail, .. }
            | Self::Tls { detail, .. }
            | Self::Unauthorized { detail, .. }
            | Self::BrokerRejected { detail, .. }
            | Self::Busy { detail, .. }
            | Self::OutcomeUnknown { detail, .. }
            | Self::Keychain { detail } => Some(detail.clone()),
            Self::Storage(e) => Some(e.to_string()),
            Self::Migrate(e) => Some(e.to_string()),
            Self::Timeout { .. }
            | Self::Validation { .. }
            | Self::NotFound { .. }
            | Self::ReadOnly { .. }
            | Self::SecretRequired { .. }
            | Self::Conflict { .. }
            | Self::Cancelled
            | Self::Internal { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_and_retryable_only_for_transient_failures() {
        let unreachable = Error::Unreachable {
            target: "a".into(),
            detail: "d".into(),
        };
        assert_eq!(unreachable.code(), ErrorCode::Unreachable);
        assert!(unreachable.retryable());
        let ro = Error::ReadOnly {
            connection: "prod".into(),
        };
        assert_eq!(ro.code().as_str(), "ReadOnly");
        assert!(!ro.retryable());
        assert_eq!(ro.to_string(), "connection 'prod' is read-only");
    }

    #[test]
    fn an_unknown_outcome_is_not_retryable() {
        let unknown = Error::OutcomeUnknown {
            operation: "send".into(),
            target: "b".into(),
            detail: "d".into(),
        };
        assert!(!unknown.retryable());
        assert_eq!(unknown.code().as_str(), "OutcomeUnknown");
    }
}
