//! Several nodes may share one PostgreSQL, and one of them at a time routes a workspace (it
//! holds the workspace's routing lease). A routing command that reaches another node (a new
//! conversation, an offer accepted, an agent stepping away) is passed on to the node that
//! routes, and that node's answer comes back as this one's: clients may talk to any node.
//!
//! A request is passed on once at most: one that arrives passed on is answered where it lands,
//! and one that cannot be passed on (the routing node is unreachable) gets the 503 it had.

use std::sync::LazyLock;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, Method, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::telemetry::BODY_LIMIT;

/// Marks a request one node passed on to another.
pub const PASSED_ON: HeaderName = HeaderName::from_static("x-switchboard-passed-on");

/// Put on the response of a routing command by a node that does not route its workspace: the
/// URL of the node that does.
#[derive(Debug, Clone)]
pub struct RoutingNode(pub String);

/// How long the routing node may take, as long as this node gives any request.
const TIMEOUT: Duration = Duration::from_secs(30);

static CLIENT: LazyLock<reqwest::Client> = LazyLock::new(|| {
    reqwest::Client::builder()
        .timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client without TLS builds")
});

/// Middleware for the routes of routing commands: runs the request here, and when the answer
/// names another node as the workspace's routing node, answers with what that node answers.
pub async fn to_routing_node(request: Request, next: Next) -> Response {
    if request.headers().contains_key(&PASSED_ON) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, BODY_LIMIT).await else {
        return ApiError::PayloadTooLarge.into_response();
    };
    let (method, uri, headers) = (
        parts.method.clone(),
        parts.uri.clone(),
        parts.headers.clone(),
    );
    let here = next
        .run(Request::from_parts(parts, Body::from(body.clone())))
        .await;
    let Some(RoutingNode(node)) = here.extensions().get::<RoutingNode>().cloned() else {
        return here;
    };
    match pass_on(&node, method, &uri, headers, body).await {
        Ok(there) => there,
        Err(error) => {
            tracing::warn!(%error, %node, "could not pass a routing command on to its node");
            here
        }
    }
}

async fn pass_on(
    node: &str,
    method: Method,
    uri: &Uri,
    mut headers: HeaderMap,
    body: Bytes,
) -> reqwest::Result<Response> {
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    without_hop_headers(&mut headers);
    headers.insert(PASSED_ON, header::HeaderValue::from_static("1"));
    let answer = CLIENT
        .request(method, format!("{}{path}", node.trim_end_matches('/')))
        .headers(headers)
        .body(body)
        .send()
        .await?;
    let status = answer.status();
    let mut headers = answer.headers().clone();
    without_hop_headers(&mut headers);
    let mut response = Response::new(Body::from(answer.bytes().await?));
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    Ok(response)
}

/// Drops the headers that describe one connection rather than the message (RFC 9110 §7.6.1),
/// and the length, which the next hop sets for the body it sends.
fn without_hop_headers(headers: &mut HeaderMap) {
    for name in [
        header::CONNECTION,
        header::HOST,
        header::CONTENT_LENGTH,
        header::TRANSFER_ENCODING,
        header::TE,
        header::TRAILER,
        header::UPGRADE,
        header::PROXY_AUTHORIZATION,
        HeaderName::from_static("keep-alive"),
    ] {
        headers.remove(name);
    }
}
