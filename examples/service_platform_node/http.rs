//! The node's two resources, and how an error becomes an HTTP status.
//!
//! * `POST /v1/envelope`: the body is a sealed envelope
//!   (`Content-Type: application/octet-stream`), the answer (200) the service
//!   platform's sealed answer. Every message of the method goes here: the cloud
//!   platform's orders and ticket queries, the front end's pulls and results
//!   (`ServicePlatform::handle` tells them apart by their signer and content).
//! * `GET /v1/health`: 200 `ok NODE-ID` while the store answers, 503 otherwise.
//!
//! A refusal is text/plain with the error's message: 503 with `Retry-After`
//! when the error is retryable (`fapiao::Error::disposition`; nothing was
//! recorded, so the same envelope may go to any node), 413 for a body over the
//! envelope policy's limit, 400 for a body that is not an envelope at all, 422
//! for an envelope the service platform refuses (not for it, from a party it
//! has not pinned, a replay, a signature that does not verify), 500 for a
//! failure of the node's own store.

use std::io::{Cursor, Read};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{SystemTime, UNIX_EPOCH};

use fapiao::device::Disposition;
use fapiao::{EnvelopeError, Error, ServicePlatform};
use tiny_http::{Header, Method, Request, Response, StatusCode};

use crate::node_store::NodeStore;

/// How long a client is told to wait before sending a refused-for-now message
/// again (`Retry-After`, seconds).
pub const RETRY_AFTER_SECONDS: u64 = 1;

/// An answer, before it is written.
pub struct Reply {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
    /// `Retry-After`, on a 503.
    retry_after: Option<u64>,
    /// `Allow`, on a 405.
    allow: Option<&'static str>,
}

impl Reply {
    /// A text/plain answer.
    pub fn text(status: u16, message: impl Into<String>) -> Self {
        let mut body = message.into().into_bytes();
        body.push(b'\n');
        Self {
            status,
            content_type: "text/plain; charset=utf-8",
            body,
            retry_after: (status == 503).then_some(RETRY_AFTER_SECONDS),
            allow: None,
        }
    }

    fn sealed(answer: Vec<u8>) -> Self {
        Self {
            status: 200,
            content_type: "application/octet-stream",
            body: answer,
            retry_after: None,
            allow: None,
        }
    }

    fn method_not_allowed(allow: &'static str) -> Self {
        Self {
            allow: Some(allow),
            ..Self::text(405, format!("method not allowed: use {allow}"))
        }
    }

    /// Writes the answer to `request`'s connection. A client that went away
    /// is not the node's failure: the error is dropped.
    pub fn send(self, request: Request) {
        let header = |name: &str, value: &str| Header::from_bytes(name, value).ok();
        let mut response = Response::new(
            StatusCode(self.status),
            Vec::new(),
            Cursor::new(self.body.as_slice()),
            Some(self.body.len()),
            None,
        );
        let retry_after = self.retry_after.map(|seconds| seconds.to_string());
        let headers = [
            Some(("Content-Type", self.content_type)),
            retry_after
                .as_deref()
                .map(|seconds| ("Retry-After", seconds)),
            self.allow.map(|allow| ("Allow", allow)),
        ];
        for (name, value) in headers.into_iter().flatten() {
            if let Some(header) = header(name, value) {
                response.add_header(header);
            }
        }
        let _ = request.respond(response);
    }
}

/// A service-platform node: the platform, its store and its name.
pub struct Node {
    service: ServicePlatform,
    store: NodeStore,
    id: String,
    /// The largest body read: the envelope policy's size limit.
    max_body: usize,
}

impl Node {
    /// A node serving `service`, whose store is `store`.
    pub fn new(service: ServicePlatform, store: NodeStore, id: String) -> Self {
        let max_body = service.envelope_policy().max_envelope_size;
        Self {
            service,
            store,
            id,
            max_body,
        }
    }

    /// The node's name.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The service platform (for the operator's periodic work).
    pub fn service(&self) -> &ServicePlatform {
        &self.service
    }

    /// Answers one request. A panic while answering (there should be none)
    /// becomes a 500, and the worker goes on.
    pub fn respond(&self, mut request: Request) {
        let reply = catch_unwind(AssertUnwindSafe(|| self.route(&mut request)))
            .unwrap_or_else(|_| Reply::text(500, "internal error while answering"));
        if reply.status != 200 {
            let first_line = String::from_utf8_lossy(&reply.body);
            eprintln!(
                "{}: {} {} -> {} {}",
                self.id,
                request.method(),
                request.url(),
                reply.status,
                first_line.trim_end()
            );
        }
        reply.send(request);
    }

    fn route(&self, request: &mut Request) -> Reply {
        let path = request
            .url()
            .split('?')
            .next()
            .unwrap_or_default()
            .to_owned();
        match (path.as_str(), request.method()) {
            ("/v1/envelope", Method::Post) => self.envelope(request),
            ("/v1/envelope", _) => Reply::method_not_allowed("POST"),
            ("/v1/health", Method::Get) => self.health(),
            ("/v1/health", _) => Reply::method_not_allowed("GET"),
            _ => Reply::text(
                404,
                format!(
                    "no resource {path}: this node serves POST /v1/envelope and GET /v1/health"
                ),
            ),
        }
    }

    fn health(&self) -> Reply {
        match self.store.check() {
            Ok(()) => Reply::text(200, format!("ok {}", self.id)),
            Err(e) => Reply::text(503, format!("unavailable {}: {e}", self.id)),
        }
    }

    fn envelope(&self, request: &mut Request) -> Reply {
        let content_type = request
            .headers()
            .iter()
            .find(|h| h.field.equiv("Content-Type"))
            .map(|h| {
                h.value
                    .as_str()
                    .split(';')
                    .next()
                    .unwrap_or_default()
                    .trim()
            });
        if !content_type.is_some_and(|t| t.eq_ignore_ascii_case("application/octet-stream")) {
            return Reply::text(
                415,
                "the body must be a sealed envelope sent as application/octet-stream",
            );
        }
        let body = match self.read_body(request) {
            Ok(body) => body,
            Err(reply) => return reply,
        };
        let now = match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(since) => since.as_secs(),
            Err(_) => return Reply::text(500, "the node's clock is before 1970"),
        };
        match self.service.handle(&body, now) {
            Ok(answer) => Reply::sealed(answer),
            Err(e) => Reply::text(status_of(&e), e.to_string()),
        }
    }

    /// The body, at most the envelope policy's limit: a longer one (by its
    /// Content-Length, or read in chunks) is 413 before more is taken in.
    fn read_body(&self, request: &mut Request) -> Result<Vec<u8>, Reply> {
        let too_large = |size: String| {
            Reply::text(
                413,
                format!(
                    "envelope of {size} bytes exceeds the limit of {} bytes",
                    self.max_body
                ),
            )
        };
        if let Some(length) = request.body_length() {
            if length > self.max_body {
                return Err(too_large(length.to_string()));
            }
        }
        let limit = u64::try_from(self.max_body)
            .unwrap_or(u64::MAX)
            .saturating_add(1);
        let mut body = Vec::new();
        request
            .as_reader()
            .take(limit)
            .read_to_end(&mut body)
            .map_err(|e| Reply::text(400, format!("the body could not be read: {e}")))?;
        if body.len() > self.max_body {
            return Err(too_large(format!("more than {}", self.max_body)));
        }
        if body.is_empty() {
            return Err(Reply::text(400, "empty body: expected a sealed envelope"));
        }
        Ok(body)
    }
}

/// The HTTP status for an error of `ServicePlatform::handle`.
pub fn status_of(error: &Error) -> u16 {
    if error.disposition() == Disposition::Retryable {
        return 503;
    }
    match error {
        Error::Envelope(EnvelopeError::TooLarge { .. }) => 413,
        Error::Envelope(
            EnvelopeError::Malformed { .. }
            | EnvelopeError::Empty { .. }
            | EnvelopeError::UnexpectedContentType { .. },
        ) => 400,
        Error::Store(_) => 500,
        _ => 422,
    }
}
