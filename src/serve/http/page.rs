//! `GET /`: the operator page, read-only. Three static files compiled into the binary; they
//! hold no data and need no token (the page's own calls to the API send the token the
//! operator types in).

use super::State;
use axum::http::{header, HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

const HTML: &str = include_str!("../page/index.html");
const SCRIPT: &str = include_str!("../page/page.js");
const STYLE: &str = include_str!("../page/page.css");

/// Everything the page may load comes from this service; no inline script or style, no
/// frame, no form posted anywhere.
const POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
                      img-src 'self'; connect-src 'self'; object-src 'none'; \
                      base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The page's routes (outside the token's layer).
pub(super) fn routes() -> Router<State> {
    Router::new()
        .route(
            "/",
            get(|| async { file(HTML, "text/html; charset=utf-8") }),
        )
        .route(
            "/page/page.js",
            get(|| async { file(SCRIPT, "text/javascript; charset=utf-8") }),
        )
        .route(
            "/page/page.css",
            get(|| async { file(STYLE, "text/css; charset=utf-8") }),
        )
}

/// One static file, with the headers that keep a browser from doing more with it.
fn file(body: &'static str, content_type: &'static str) -> Response {
    let headers: [(HeaderName, HeaderValue); 6] = [
        (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(POLICY),
        ),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ),
        // a new binary may bring a new page: the browser asks again each time
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
    ];
    (headers, body).into_response()
}
