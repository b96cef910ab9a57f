//! The core error type and its closed set of codes.
//!
//! Every failure inside the core becomes one [`Error`] variant; [`Error::code`] maps it onto the
//! closed [`ErrorCode`] set that the UI branches on (and the CLI prints). A broker's refusal is
//! classified once, here ([`Error::refused`]), so that "wrong address", "dead broker", "bad
//! credentials" and "broker said no" read the same on every path.

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

/// ACL failures answered with a response code: NO_PERMISSION (16). (17 is TOPIC_NOT_EXIST and 18
/// TOPIC_EXIST_ALREADY; ACL signature failures come back as SYSTEM_ERROR with an AclException remark.)
const ACL_RESPONSE_CODES: [i32; 1] = [crate::remoting::code::NO_PERMISSION];

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
            Self::BrokerRejected { .. } => ErrorCode::BrokerRejected,
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

    /// A broker's flow control: it refused the request unprocessed (`SYSTEM_BUSY`, 2, or a
    /// `SYSTEM_ERROR` carrying one of its busy markers), so sending it again later is safe.
    pub fn is_broker_busy(&self) -> bool {
        match self {
            Self::BrokerRejected { code, detail, .. } => {
                *code == SYSTEM_BUSY || BUSY_MARKERS.iter().any(|m| detail.contains(m))
            }
            _ => false,
        }
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

    /// The one classifier of a broker's refusal (a reply with a non-zero `code` and its remark):
    /// ACL refusals — `NO_PERMISSION`, or a 4.x/5.x ACL exception in the remark — are
    /// `Unauthorized`, everything else `BrokerRejected`. Raw replies and client errors both come
    /// here, so an authentication failure reads the same on every path.
    pub fn refused(target: &str, operation: &str, code: i32, detail: String) -> Self {
        if ACL_RESPONSE_CODES.contains(&code) || ACL_MARKERS.iter().any(|m| detail.contains(m)) {
            Self::Unauthorized {
                target: target.to_owned(),
                detail,
            }
        } else {
            Self::BrokerRejected {
                target: target.to_owned(),
                operation: operation.to_owned(),
                code,
                detail,
            }
        }
    }
}

use crate::remoting::code::SYSTEM_BUSY;

/// The remarks of a broker's flow control (`BrokerFastFailure`, the commit log lock, a full
/// request queue).
const BUSY_MARKERS: [&str; 5] = [
    "[TIMEOUT_CLEAN_QUEUE]",
    "[PCBUSY_CLEAN_QUEUE]",
    "[PC_SYNCHRONIZED]",
    "[REJECTREQUEST]",
    "broker busy",
];

/// Words of a broker's ACL rejection (4.x plain ACL, 5.x authentication) in its error remark.
const ACL_MARKERS: [&str; 4] = [
    "AclException",
    "AuthenticationException",
    "AuthorizationException",
    "No accessKey",
];

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
    fn acl_refusals_are_unauthorized_whatever_code_carries_them() {
        // A 5.x authentication failure: SYSTEM_ERROR with an AuthenticationException remark.
        let remark =
            "org.apache.rocketmq.auth.authentication.exception.AuthenticationException: User:x is not found";
        assert_eq!(
            Error::refused("b", "get config", 1, remark.into()).code(),
            ErrorCode::Unauthorized
        );
        // 4.x plain ACL: the same, with an AclException.
        assert_eq!(
            Error::refused(
                "b",
                "get config",
                1,
                "org.apache.rocketmq.acl.common.AclException: No acl config".into()
            )
            .code(),
            ErrorCode::Unauthorized
        );
        assert_eq!(
            Error::refused("b", "x", 16, String::new()).code(),
            ErrorCode::Unauthorized
        );
        assert_eq!(
            Error::refused("b", "x", 17, "topic not exist".into()).code(),
            ErrorCode::BrokerRejected
        );
        let unknown = Error::OutcomeUnknown {
            operation: "send".into(),
            target: "b".into(),
            detail: "d".into(),
        };
        assert!(!unknown.retryable());
        assert_eq!(unknown.code().as_str(), "OutcomeUnknown");
    }

    #[test]
    fn broker_flow_control_is_busy_and_retryable() {
        let busy = |code: i32, detail: &str| Error::BrokerRejected {
            target: "b".into(),
            operation: "send batch".into(),
            code,
            detail: detail.into(),
        };
        let clean_queue = busy(
            2,
            "[TIMEOUT_CLEAN_QUEUE]broker busy, start flow control for a while, period in queue: 228ms",
        );
        assert!(clean_queue.is_broker_busy());
        assert!(clean_queue.retryable());
        assert!(busy(1, "[PC_SYNCHRONIZED]broker busy, start flow control").is_broker_busy());
        let other = busy(1, "topic not allowed");
        assert!(!other.is_broker_busy());
        assert!(!other.retryable());
        assert!(!Error::validation("x").is_broker_busy());
    }
}
