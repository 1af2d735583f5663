//! A request's body must arrive within the header timeout too. A client that sends a head and
//! then trickles or stalls its body would otherwise hold a handler, and a connection slot the cap
//! never evicts (a request in progress), for as long as it likes: it is answered 408 and its
//! connection closed. Bodies are read here whole (at most the 64 KiB every handler allows, or the
//! device import's 16 MiB), so a handler never waits on the network.

use std::time::Duration;

use axum::body::{Body, HttpBody};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::super::error::ApiErr;

pub async fn read_body_within(
    State((deadline, max)): State<(Duration, usize)>,
    req: Request,
    next: Next,
) -> Response {
    if req.body().size_hint().exact() == Some(0) {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    match tokio::time::timeout(deadline, axum::body::to_bytes(body, max)).await {
        Ok(Ok(bytes)) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Ok(Err(e)) => {
            let too_large = e
                .into_inner()
                .downcast_ref::<http_body_util::LengthLimitError>()
                .is_some();
            if too_large {
                ApiErr::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "PAYLOAD_TOO_LARGE",
                    format!("the request body is larger than {}", size(max)),
                )
                .into_response()
            } else {
                ApiErr::bad_request("the request body was cut off").into_response()
            }
        }
        Err(_) => {
            let mut resp = ApiErr::new(
                StatusCode::REQUEST_TIMEOUT,
                "REQUEST_TIMEOUT",
                format!("the request body did not arrive within {deadline:?}"),
            )
            .into_response();
            resp.headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            resp
        }
    }
}

/// `64 KiB`, `16 MiB`.
fn size(bytes: usize) -> String {
    if bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0 {
        format!("{} MiB", bytes / (1024 * 1024))
    } else {
        format!("{} KiB", bytes / 1024)
    }
}
