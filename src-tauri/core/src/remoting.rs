//! The protocol layer: the one path from a domain module to a name-server or broker socket.
//!
//! - [`code`]: every request and response code (from rocketmq-protocol), and which requests are
//!   safe to send twice.
//! - [`dial`]: the per-connection dialer under every socket: address rewrite and TLS.
//! - [`frame`]: encoding a request (ACL-signed) and decoding a reply frame.
//! - [`header`]: request headers as typed structs, with the field names servers read.
//! - [`transport`]: pooled connections owned by a connection's live client, deadlines on connect,
//!   write and read, replies matched by opaque, no second send of a mutation.
//! - [`link`]: the request builder ([`Link`]: transport + credentials + deadline), batches, and the
//!   one classifier of broker refusals ([`check`]).
//! - [`refusal`]: the one classifier of a broker's refusal (ACL, flow control, anything else).
//! - [`fastjson`]: a tolerant reader of the non-standard JSON Java brokers write.
//! - [`wire`]: reply bodies decoded here for every server version (cluster table, client
//!   connections).
//!
//! Why a layer of our own under the rocketmq-rust crates: rocketmq-protocol 1.0 decodes
//! `GET_BROKER_CLUSTER_INFO` (106) into a struct whose `enableActingMaster` field is mandatory (4.x
//! name servers never send it), some batched calls are not public in the client, and the console
//! needs control over retries (a mutation is never re-sent) and over every socket (deadlines,
//! shutdown). The crates stay for protocol codes, ACL signing and message-id decoding.

pub mod code;
pub mod dial;
pub mod fastjson;
pub mod frame;
pub mod header;
pub mod link;
pub mod refusal;
pub mod transport;
pub mod wire;

pub use dial::{DialSpec, Dialer, Rewrite, TlsSession, TlsSpec, TlsVerify};
pub use fastjson::{decode_json, object_keyed_entries, quote_numeric_keys, raw_elements, raw_entries};
pub use frame::Reply;
pub use header::{Fields, Header};
pub use link::{Link, Request, check, while_busy};
pub use refusal::refusal;
pub use transport::{Transport, WINDOW};
pub use wire::{BrokerEntry, ClusterTable, decode_cluster_table};
pub(crate) use wire::{ConnectionBody, language_of};

#[cfg(test)]
pub(crate) use frame::take_request_headers;

#[cfg(test)]
mod tests;
