//! One connection's reads and writes under their deadlines: a request and its reply, a pipelined
//! batch matched by opaque, and how a socket failure becomes an error (sent or not, TLS hints).

use std::collections::HashMap;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

use crate::error::{Error, Result};
use crate::remoting::code;
use crate::remoting::dial::{Conn, refused_client};
use crate::remoting::frame::{MAX_FRAME, Reply, decode_reply};

use super::{Failure, WINDOW};

/// The error to report for a failed exchange of `code`: a mutation whose frame was written has an
/// unknown outcome.
pub(super) fn settle(f: Failure, code: i32, addr: &str) -> Error {
    match f {
        Failure::NotSent(e) => e,
        Failure::AfterWrite { error, .. } if code::is_idempotent(code) => error,
        Failure::AfterWrite { error, .. } => Error::OutcomeUnknown {
            operation: format!("request {code}"),
            target: addr.to_owned(),
            detail: format!(
                "the request was sent but no answer could be read ({error}); the broker may or may \
                 not have applied it, so it was not sent again: check the result before retrying"
            ),
        },
    }
}

/// A copy of a transport error for each request of a failed pipeline (they are all of these kinds).
pub(super) fn clone_error(e: &Error) -> Error {
    match e {
        Error::Unreachable { target, detail } => Error::Unreachable {
            target: target.clone(),
            detail: detail.clone(),
        },
        Error::Timeout { operation, timeout } => Error::Timeout {
            operation: operation.clone(),
            timeout: *timeout,
        },
        Error::Tls { target, detail } => Error::Tls {
            target: target.clone(),
            detail: detail.clone(),
        },
        Error::Cancelled => Error::Cancelled,
        Error::Validation { message } => Error::Validation {
            message: message.clone(),
        },
        Error::BrokerRejected {
            target,
            operation,
            code,
            detail,
        } => Error::BrokerRejected {
            target: target.clone(),
            operation: operation.clone(),
            code: *code,
            detail: detail.clone(),
        },
        other => Error::internal(other.to_string()),
    }
}

/// Whether a pooled connection is still open: a non-blocking peek sees the peer's FIN (0 bytes)
/// or bytes nobody asked for (the stream is out of step); only "would block" means usable.
pub(super) fn alive(stream: &TcpStream) -> bool {
    let mut buf = [std::mem::MaybeUninit::<u8>::uninit(); 1];
    match socket2::SockRef::from(stream).peek(&mut buf) {
        Ok(_) => false,
        Err(e) => e.kind() == std::io::ErrorKind::WouldBlock,
    }
}

fn io_failure(addr: &str, e: &std::io::Error) -> Failure {
    // A TLS alert after the handshake (TLS 1.3 reports a refused client certificate on the first
    // read) is a TLS failure, not a network one.
    let tls = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>());
    let error = match tls {
        Some(t) => Error::Tls {
            target: addr.to_owned(),
            detail: refused_client(t).unwrap_or_else(|| format!("the server ended the TLS session: {t}")),
        },
        None => Error::Unreachable {
            target: addr.to_owned(),
            detail: format!("i/o: {e}"),
        },
    };
    Failure::AfterWrite { error, io: true }
}

/// A read that failed: a plain connection the server hung up on without a word is what a
/// TLS-only server (`tls.server.mode=enforcing`) does to a plain client, and is said so.
fn read_failure(addr: &str, e: &std::io::Error, plain: bool) -> Failure {
    // A clean hang-up (FIN) only: a reset is what a broker killed mid-request does, and stays a
    // network failure.
    let hung_up = e.kind() == std::io::ErrorKind::UnexpectedEof;
    if !(plain && hung_up) {
        return io_failure(addr, e);
    }
    Failure::AfterWrite {
        error: Error::Tls {
            target: addr.to_owned(),
            detail: format!(
                "the server closed the connection without answering ({e}): it may accept TLS only \
                 (tls.server.mode=enforcing) — turn TLS on for this connection"
            ),
        },
        io: true,
    }
}

fn timed_out(addr: &str, timeout: Duration) -> Failure {
    Failure::AfterWrite {
        error: Error::Timeout {
            operation: format!("request to {addr}"),
            timeout,
        },
        io: false,
    }
}

/// Reads one reply frame (its payload after the length prefix), refusing oversized ones.
async fn read_frame(reader: &mut (impl AsyncReadExt + Unpin)) -> std::io::Result<Vec<u8>> {
    let total = usize::try_from(reader.read_u32().await?).unwrap_or(usize::MAX);
    if total > MAX_FRAME {
        return Err(std::io::Error::other(format!(
            "reply of {total} bytes exceeds the {MAX_FRAME}-byte limit"
        )));
    }
    let mut payload = vec![0u8; total];
    reader.read_exact(&mut payload).await?;
    Ok(payload)
}

/// Writes one request frame on `stream` and reads its reply, before `deadline`.
pub(super) async fn round_trip(
    stream: &mut Conn,
    addr: &str,
    (opaque, frame): (i32, &[u8]),
    (deadline, timeout): (Instant, Duration),
    plain: bool,
) -> std::result::Result<Reply, Failure> {
    // Flushed: over TLS, a written frame can wait inside the session's buffer until flushed.
    let write = async {
        stream.write_all(frame).await?;
        stream.flush().await
    };
    match tokio::time::timeout_at(deadline, write).await {
        Err(_) => return Err(timed_out(addr, timeout)),
        Ok(Err(e)) => return Err(io_failure(addr, &e)),
        Ok(Ok(())) => {}
    }
    let payload = match tokio::time::timeout_at(deadline, read_frame(stream)).await {
        Err(_) => return Err(timed_out(addr, timeout)),
        Ok(Err(e)) => return Err(read_failure(addr, &e, plain)),
        Ok(Ok(p)) => p,
    };
    let reply = decode_reply(&payload).map_err(|error| Failure::AfterWrite { error, io: false })?;
    if reply.opaque != opaque {
        // An answer to another request: the stream is out of step and cannot be trusted.
        return Err(Failure::AfterWrite {
            error: Error::Unreachable {
                target: addr.to_owned(),
                detail: format!("{addr} answered request {} instead of {opaque}", reply.opaque),
            },
            io: false,
        });
    }
    Ok(reply)
}

/// Writes `frames` on `stream`, at most [`WINDOW`] unanswered at a time, and reads replies into
/// `answered` by opaque until all came or the connection failed.
pub(super) async fn exchange_pipelined(
    stream: &mut Conn,
    addr: &str,
    frames: &[(i32, i32, Vec<u8>)],
    (answered, sent): (&mut HashMap<i32, Result<Reply>>, &mut usize),
    timeout: Duration,
    plain: bool,
) -> Option<Failure> {
    let index: HashMap<i32, usize> = frames.iter().enumerate().map(|(i, f)| (f.1, i)).collect();
    // Writes and reads take turns, so one buffered reader serves both (writes go to its inner
    // stream; what it buffered of the replies stays).
    let mut reader = tokio::io::BufReader::with_capacity(64 * 1024, stream);
    let mut batch = Vec::new();
    while answered.len() < frames.len() {
        // Top the window up with one write.
        batch.clear();
        while *sent < frames.len() && *sent - answered.len() < WINDOW {
            batch.extend_from_slice(&frames[*sent].2);
            *sent += 1;
        }
        if !batch.is_empty() {
            let conn = reader.get_mut();
            let write = async {
                conn.write_all(&batch).await?;
                conn.flush().await
            };
            match tokio::time::timeout(timeout, write).await {
                Err(_) => return Some(timed_out(addr, timeout)),
                Ok(Err(e)) => return Some(io_failure(addr, &e)),
                Ok(Ok(())) => {}
            }
        }
        // Each write and each reply within the deadline, counted afresh (a batch of thousands
        // takes longer than one request's deadline, but never waits that long for one step).
        let payload = match tokio::time::timeout(timeout, read_frame(&mut reader)).await {
            Err(_) => return Some(timed_out(addr, timeout)),
            Ok(Err(e)) => return Some(read_failure(addr, &e, plain && answered.is_empty())),
            Ok(Ok(p)) => p,
        };
        match decode_reply(&payload) {
            // Only answers to requests already written, once each.
            Ok(r)
                if index.get(&r.opaque).is_some_and(|i| *i < *sent) && !answered.contains_key(&r.opaque) =>
            {
                answered.insert(r.opaque, Ok(r));
            }
            // A reply to nothing we sent (or one that cannot be read): the stream cannot be trusted.
            Ok(r) => {
                return Some(Failure::AfterWrite {
                    error: Error::Unreachable {
                        target: addr.to_owned(),
                        detail: format!("{addr} answered an unknown request ({})", r.opaque),
                    },
                    io: false,
                });
            }
            Err(error) => return Some(Failure::AfterWrite { error, io: false }),
        }
    }
    None
}
