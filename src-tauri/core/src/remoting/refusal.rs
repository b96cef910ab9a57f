//! The one classifier of a broker's refusal (a reply with a non-zero code and its remark): ACL
//! refusals become `Unauthorized`, flow control `Busy` (safe to send again later), everything else
//! `BrokerRejected`. Raw replies and batched ones both come here, so an authentication failure or a
//! busy broker reads the same on every path.

use super::code::{NO_PERMISSION, SYSTEM_BUSY};
use crate::error::Error;

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
/// (Response code 17 is TOPIC_NOT_EXIST and 18 TOPIC_EXIST_ALREADY; ACL signature failures come
/// back as SYSTEM_ERROR with an AclException remark, permission failures as NO_PERMISSION.)
const ACL_MARKERS: [&str; 4] = [
    "AclException",
    "AuthenticationException",
    "AuthorizationException",
    "No accessKey",
];

/// Classifies a refusal of `operation` by `target`: `code` and the remark (`detail`) it came with.
pub fn refusal(target: &str, operation: &str, code: i32, detail: String) -> Error {
    if code == NO_PERMISSION || ACL_MARKERS.iter().any(|m| detail.contains(m)) {
        Error::Unauthorized {
            target: target.to_owned(),
            detail,
        }
    } else if code == SYSTEM_BUSY || BUSY_MARKERS.iter().any(|m| detail.contains(m)) {
        Error::Busy {
            target: target.to_owned(),
            operation: operation.to_owned(),
            code,
            detail,
        }
    } else {
        Error::BrokerRejected {
            target: target.to_owned(),
            operation: operation.to_owned(),
            code,
            detail,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn acl_refusals_are_unauthorized_whatever_code_carries_them() {
        // A 5.x authentication failure: SYSTEM_ERROR with an AuthenticationException remark.
        let remark =
            "org.apache.rocketmq.auth.authentication.exception.AuthenticationException: User:x is not found";
        assert_eq!(
            refusal("b", "get config", 1, remark.into()).code(),
            ErrorCode::Unauthorized
        );
        // 4.x plain ACL: the same, with an AclException.
        let acl = "org.apache.rocketmq.acl.common.AclException: No acl config";
        assert_eq!(
            refusal("b", "get config", 1, acl.into()).code(),
            ErrorCode::Unauthorized
        );
        assert_eq!(
            refusal("b", "x", 16, String::new()).code(),
            ErrorCode::Unauthorized
        );
        assert_eq!(
            refusal("b", "x", 17, "topic not exist".into()).code(),
            ErrorCode::BrokerRejected
        );
    }

    #[test]
    fn broker_flow_control_is_busy_and_retryable() {
        let clean_queue = refusal(
            "b",
            "send batch",
            2,
            "[TIMEOUT_CLEAN_QUEUE]broker busy, start flow control for a while, period in queue: 228ms".into(),
        );
        assert!(clean_queue.is_broker_busy());
        assert!(clean_queue.retryable());
        assert_eq!(clean_queue.code(), ErrorCode::BrokerRejected);
        let sync = refusal(
            "b",
            "send batch",
            1,
            "[PC_SYNCHRONIZED]broker busy, start flow control".into(),
        );
        assert!(sync.is_broker_busy());
        let other = refusal("b", "send batch", 1, "topic not allowed".into());
        assert!(!other.is_broker_busy());
        assert!(!other.retryable());
        assert!(!Error::validation("x").is_broker_busy());
    }
}
