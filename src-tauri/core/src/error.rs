//! The core error type and its closed set of codes.
//!
//! Every failure inside the core becomes one [`Error`] variant; [`Error::code`] maps it onto the
//! closed [`ErrorCode`] set that the UI branches on (and the CLI prints). RocketMQ client errors are
//! classified once, here, by their descriptor class and broker response code, so that "wrong
//! address", "dead broker", "bad credentials" and "broker said no" read differently everywhere.

use std::time::Duration;

use rocketmq_client_rust::ClientError;
use rocketmq_error::ErrorClass;
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
            Self::Timeout => "Timeout",
            Self::Unauthorized => "Unauthorized",
            Self::SecretRequired => "SecretRequired",
            Self::BrokerRejected => "BrokerRejected",
            Self::ReadOnly => "ReadOnly",
            Self::Conflict => "Conflict",
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
const ACL_RESPONSE_CODES: [i32; 1] = [16];

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
            Self::Timeout { .. } => ErrorCode::Timeout,
            Self::Unauthorized { .. } => ErrorCode::Unauthorized,
            Self::BrokerRejected { .. } => ErrorCode::BrokerRejected,
            Self::SecretRequired { .. } => ErrorCode::SecretRequired,
            Self::ReadOnly { .. } => ErrorCode::ReadOnly,
            Self::Conflict { .. } => ErrorCode::Conflict,
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

    /// Technical detail for the "details" part of an error toast and the log.
    pub fn detail(&self) -> Option<String> {
        match self {
            Self::Unreachable { detail, .. }
            | Self::Unauthorized { detail, .. }
            | Self::BrokerRejected { detail, .. }
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

    /// Classifies a RocketMQ client error raised while running `operation` against `target`.
    pub fn from_client(operation: &str, target: &str, error: &ClientError) -> Self {
        let descriptor = error.descriptor();
        let target = error
            .broker_addr()
            .map_or_else(|| target.to_owned(), str::to_owned);
        // The client redacts its own message; the broker's answer is in the source chain.
        let mut chain = vec![error.to_string()];
        let mut src = std::error::Error::source(error);
        while let Some(e) = src {
            chain.push(e.to_string());
            src = e.source();
        }
        chain.dedup();
        let detail = format!(
            "{operation}: {} [{}]",
            chain.join(": "),
            descriptor.code().as_str()
        );
        tracing::debug!(?error, %detail, "client error");
        let remote_code = error.broker_response_code().or_else(|| response_code_in(&detail));
        if ACL_MARKERS.iter().any(|m| detail.contains(m))
            || remote_code.is_some_and(|c| ACL_RESPONSE_CODES.contains(&c))
        {
            return Self::Unauthorized { target, detail };
        }
        if let Some(code) = remote_code {
            return Self::BrokerRejected {
                target,
                operation: operation.to_owned(),
                code,
                detail,
            };
        }
        let class = descriptor.class();
        if class == ErrorClass::AUTHENTICATION || class == ErrorClass::AUTHORIZATION {
            Self::Unauthorized { target, detail }
        } else if class == ErrorClass::TIMEOUT {
            Self::Timeout {
                operation: format!("{operation} on {target}"),
                timeout: Duration::ZERO,
            }
        } else if class == ErrorClass::UNAVAILABLE || class == ErrorClass::IO || class == ErrorClass::ROUTING
        {
            Self::Unreachable { target, detail }
        } else {
            Self::BrokerRejected {
                target,
                operation: operation.to_owned(),
                code: -1,
                detail,
            }
        }
    }
}

/// `ResponseCode.SYSTEM_BUSY`.
const SYSTEM_BUSY: i32 = 2;

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

/// The broker response code in a client error text ("CODE: 1  DESC: …").
fn response_code_in(text: &str) -> Option<i32> {
    let rest = &text[text.find("CODE: ")? + 6..];
    let digits: String = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '-')
        .collect();
    digits.parse().ok()
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
    fn client_timeouts_and_broker_codes_are_classified() {
        let timeout = ClientError::timeout("getBrokerClusterInfo", 3000);
        assert_eq!(
            Error::from_client("cluster info", "ns", &timeout).code(),
            ErrorCode::Timeout
        );
        let rejected = ClientError::broker_operation_failed("getBrokerConfig", 1, "system error");
        assert_eq!(
            Error::from_client("config", "b", &rejected).code(),
            ErrorCode::BrokerRejected
        );
        let denied = ClientError::broker_operation_failed("getBrokerConfig", 16, "no permission");
        assert_eq!(
            Error::from_client("config", "b", &denied).code(),
            ErrorCode::Unauthorized
        );
        assert_eq!(response_code_in("x CODE: 1  DESC: y"), Some(1));
        assert_eq!(response_code_in("no code"), None);
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
