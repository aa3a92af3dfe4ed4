//! [`ServiceNodes`]: the service platform behind one or more HTTP nodes
//! (`examples/service_platform_node`), reached with a blocking client.
//!
//! Each envelope goes to the next node in turn (round-robin). A node that is
//! down, times out, or answers 503 (retryable: it recorded nothing) or another
//! 5xx is passed over for the next one; after a round in which every node
//! failed the client waits and tries again, a few rounds at most. An answer
//! may be lost after the node committed (the connection dropped on the way
//! back): then the message is sent again *resealed* where its sender can
//! reseal it (the cloud platform's journal countersigns an order afresh, so
//! the service platform's idempotency answers with what it already did); the
//! same bytes again would be refused as a replay. A 4xx is the node's final
//! word on the message and goes back to the caller.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// A fresh envelope for the same message, where its sender can make one.
pub type Reseal<'a> = Option<&'a dyn Fn() -> Result<Vec<u8>, fapiao::Error>>;

/// How many times every node is tried for one message.
const ROUNDS: u32 = 3;
/// The wait after the first round in which every node failed; it doubles.
const FIRST_PAUSE: Duration = Duration::from_millis(200);
/// The longest a node's `Retry-After` makes the client wait.
const LONGEST_PAUSE: Duration = Duration::from_secs(2);
/// The largest answer read from a node (a sealed answer is far smaller).
const MAX_ANSWER: u64 = 16 * 1024 * 1024;

/// Why a message got no answer from any node.
#[derive(Debug)]
pub enum NodeError {
    /// A node refused the message for good (4xx), with its reason.
    Refused {
        /// The node's URL.
        node: String,
        /// The HTTP status.
        status: u16,
        /// The node's text/plain reason.
        message: String,
    },
    /// No node answered it, after every round.
    Unreachable {
        /// What the last attempt met.
        last: String,
    },
    /// The sender could not reseal the message for another attempt.
    Reseal(fapiao::Error),
}

impl fmt::Display for NodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Refused {
                node,
                status,
                message,
            } => write!(
                f,
                "service-platform node {node} refused the message ({status}): {message}"
            ),
            Self::Unreachable { last } => write!(
                f,
                "no service-platform node answered after {ROUNDS} rounds; last: {last}"
            ),
            Self::Reseal(e) => write!(f, "resealing the message for another node failed: {e}"),
        }
    }
}

impl std::error::Error for NodeError {}

/// One attempt's failure that sends the message on to the next node.
struct Passed {
    /// What happened, for the error when every node failed.
    what: String,
    /// The node's `Retry-After`, when it gave one.
    retry_after: Option<Duration>,
}

/// The service platform's nodes, tried in turn.
pub struct ServiceNodes {
    agent: ureq::Agent,
    /// `http://HOST:PORT/v1/envelope` of each node.
    endpoints: Vec<String>,
    next: AtomicUsize,
}

impl ServiceNodes {
    /// The nodes at `urls` (`http://HOST:PORT`, as `--service-platform` takes
    /// them); an empty list or a URL of another form is refused.
    pub fn new(urls: &[String]) -> Result<Self, String> {
        if urls.is_empty() {
            return Err("no service-platform node given".to_owned());
        }
        let mut endpoints = Vec::with_capacity(urls.len());
        for url in urls {
            let authority = url
                .strip_prefix("http://")
                .map(|rest| rest.trim_end_matches('/'))
                .filter(|a| !a.is_empty() && !a.contains('/'))
                .ok_or_else(|| {
                    format!("--service-platform {url}: expected http://HOST:PORT (plain HTTP)")
                })?;
            endpoints.push(format!("http://{authority}/v1/envelope"));
        }
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(2)))
            .timeout_global(Some(Duration::from_secs(60)))
            .build();
        Ok(Self {
            agent: ureq::Agent::new_with_config(config),
            endpoints,
            next: AtomicUsize::new(0),
        })
    }

    /// Sends `envelope` to a node and returns its sealed answer; on a failure
    /// that may have reached the node, sends `reseal`'s fresh envelope instead
    /// of the same bytes when the sender can make one.
    pub fn send(&self, envelope: &[u8], reseal: Reseal<'_>) -> Result<Vec<u8>, NodeError> {
        let mut current = envelope.to_vec();
        let mut pause = FIRST_PAUSE;
        let mut last = String::new();
        for round in 0..ROUNDS {
            let mut longest_retry_after = None;
            for _ in 0..self.endpoints.len() {
                let i = self.next.fetch_add(1, Ordering::Relaxed) % self.endpoints.len();
                let endpoint = &self.endpoints[i];
                match self.post(endpoint, &current)? {
                    Ok(answer) => return Ok(answer),
                    Err(passed) => {
                        last = format!("{endpoint}: {}", passed.what);
                        longest_retry_after = longest_retry_after.max(passed.retry_after);
                        if let Some(reseal) = reseal {
                            current = reseal().map_err(NodeError::Reseal)?;
                        }
                    }
                }
            }
            if round + 1 < ROUNDS {
                std::thread::sleep(longest_retry_after.unwrap_or(pause).min(LONGEST_PAUSE));
                pause *= 2;
            }
        }
        Err(NodeError::Unreachable { last })
    }

    /// One attempt at one node: the answer, a failure that passes the message
    /// on (`Ok(Err)`), or the node's final refusal (`Err`).
    fn post(&self, endpoint: &str, envelope: &[u8]) -> Result<Result<Vec<u8>, Passed>, NodeError> {
        let passed = |what: String, retry_after| Ok(Err(Passed { what, retry_after }));
        let mut response = match self
            .agent
            .post(endpoint)
            .header("Content-Type", "application/octet-stream")
            .send(envelope)
        {
            Ok(response) => response,
            Err(e) => return passed(e.to_string(), None),
        };
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()?.trim().parse().ok())
            .map(Duration::from_secs);
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_ANSWER)
            .read_to_vec();
        let body = match body {
            Ok(body) => body,
            Err(e) => return passed(format!("status {status}, answer unread: {e}"), None),
        };
        match status {
            200 => Ok(Ok(body)),
            400..=499 => Err(NodeError::Refused {
                node: endpoint.to_owned(),
                status,
                message: String::from_utf8_lossy(&body).trim().to_owned(),
            }),
            _ => passed(
                format!("status {status}: {}", String::from_utf8_lossy(&body).trim()),
                retry_after,
            ),
        }
    }
}
