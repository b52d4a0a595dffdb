//! The HTTP side of `docket serve`: routes, the bearer token, request bounds, and answers.
//! Handlers parse on tokio's threads and hand the store's work to the writer thread.

use super::auth::Token;
use super::metrics::Metrics;
use super::readers::{Readers, Rows};
use super::writer::Job;
use crate::{next_line, Line};
use axum::body::Body;
use axum::extract::{MatchedPath, Path, Query, Request, State as Extract};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use docket::{Engine, Record, RecordBody};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch, OwnedSemaphorePermit};

mod due;
mod page;

/// The largest request body taken, in bytes.
pub(crate) const MAX_BODY: usize = 8 << 20;
/// The longest long poll of the journal feed, in seconds.
pub(crate) const MAX_WAIT: u64 = 60;
/// The most journal rows one answer holds: a consumer goes on from the last one's `seq`.
pub(crate) const MAX_ROWS: usize = 10_000;
/// How long a request body may take to arrive.
pub(crate) const BODY_TIMEOUT: Duration = Duration::from_secs(60);
/// How long the service waits, once told to stop, for its open connections to end.
pub(crate) const DRAIN: Duration = Duration::from_secs(10);
/// The request bodies held at once, in KiB (a body counts its declared length, or
/// [`MAX_BODY`] when it declares none, until it is answered): beyond it, requests wait their
/// turn, so that many large posts at once cannot exhaust the memory.
pub(crate) const BODY_BUDGET_KIB: u32 = 256 * 1024;

/// What every handler shares.
#[derive(Clone)]
pub(crate) struct State {
    pub engine: Arc<Engine>,
    pub jobs: mpsc::Sender<Job>,
    /// Journal reads, beside the writer.
    pub readers: Arc<Readers>,
    pub metrics: Arc<Metrics>,
    /// The last journal row committed (the writer's).
    pub committed: watch::Receiver<i64>,
    /// Set when the service is stopping: long polls answer at once.
    pub stopping: watch::Receiver<bool>,
    pub token: Option<Token>,
    /// [`BODY_BUDGET_KIB`] permits.
    pub bodies: Arc<tokio::sync::Semaphore>,
}

/// Every route, with the token, the measures and JSON errors.
pub(crate) fn router(state: State) -> Router {
    Router::new()
        .route("/v1/events", post(events))
        .route("/v1/evaluate", post(evaluate))
        .route("/v1/cases/{case_type}/{key}", get(case))
        .route("/v1/cases/{case_type}/{key}/journal", get(case_journal))
        .route("/v1/journal", get(journal))
        .route("/v1/policy", get(policy))
        .route("/v1/due", get(due::due))
        .route("/metrics", get(metrics))
        .fallback(not_found)
        .route_layer(middleware::from_fn_with_state(state.clone(), authorize))
        // after the layer: the health check needs no token (and tells nothing else)
        .route("/healthz", get(healthz))
        .route("/v1/openapi.json", get(openapi))
        // the operator page: static, and it tells nothing; its calls send the token
        .merge(page::routes())
        .layer(middleware::from_fn(json_errors))
        .layer(middleware::from_fn_with_state(state.clone(), measure))
        .with_state(state)
}

/// Resolves at the first SIGTERM or SIGINT, or when the writer thread has ended, saying
/// which on stderr.
pub(crate) async fn stop_signal(writer_gone: Arc<tokio::sync::Notify>) {
    tokio::select! {
        () = signalled() => {
            crate::report("docket serve: stopping: answering what is in flight");
        }
        () = writer_gone.notified() => {
            crate::report("docket serve: stopping: the writer thread has ended");
        }
    }
}

/// Resolves at the first SIGTERM or SIGINT.
async fn signalled() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = interrupt => {}
                }
            }
            Err(_) => {
                let _ = interrupt.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}

// ── answers ───────────────────────────────────────────────────────────────────

/// `{"error": message}` with `status`.
fn error(status: StatusCode, message: &str) -> Response {
    let body = serde_json::json!({ "error": message }).to_string() + "\n";
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// JSON lines (each line of `lines` is one JSON object), with `status`.
fn json_lines(status: StatusCode, lines: &[String]) -> Response {
    let mut body = String::with_capacity(lines.iter().map(|l| l.len() + 1).sum());
    for line in lines {
        body.push_str(line);
        body.push('\n');
    }
    (
        status,
        [(header::CONTENT_TYPE, "application/x-ndjson")],
        body,
    )
        .into_response()
}

/// One JSON object, with `status`.
fn json(status: StatusCode, text: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        text + "\n",
    )
        .into_response()
}

fn unavailable() -> Response {
    error(
        StatusCode::SERVICE_UNAVAILABLE,
        "the service is stopping or its store failed; nothing of this request was kept",
    )
}

/// Hands `job` to the writer and waits for its answer; `Err` when the writer is gone.
async fn ask<T>(state: &State, job: impl FnOnce(oneshot::Sender<T>) -> Job) -> Result<T, Response> {
    let (reply, answer) = oneshot::channel();
    state
        .jobs
        .send(job(reply))
        .await
        .map_err(|_| unavailable())?;
    answer.await.map_err(|_| unavailable())
}

// ── measures ──────────────────────────────────────────────────────────────────

/// Counts each request by its route and answer, with its latency, for `/metrics`.
async fn measure(Extract(state): Extract<State>, request: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("other", |m| m.as_str())
        .to_string();
    let answer = next.run(request).await;
    state
        .metrics
        .request(&route, answer.status().as_u16(), started.elapsed());
    answer
}

/// Turns the few answers axum writes itself (a method not allowed, a path or query that
/// does not parse) into the service's JSON errors, so that every error a client sees has
/// one shape.
async fn json_errors(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let answer = next.run(request).await;
    let status = answer.status();
    let is_json = answer
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return answer;
    }
    let allow = answer.headers().get(header::ALLOW).cloned();
    let text = axum::body::to_bytes(answer.into_body(), 64 * 1024)
        .await
        .unwrap_or_default();
    let text = String::from_utf8_lossy(&text);
    let message = if status == StatusCode::METHOD_NOT_ALLOWED {
        let allowed = allow
            .as_ref()
            .and_then(|a| a.to_str().ok())
            .unwrap_or("none");
        format!("`{method}` is not allowed on `{path}`; allowed: {allowed}")
    } else if text.trim().is_empty() {
        format!("`{method} {path}`: {status}")
    } else {
        format!("`{method} {path}`: {}", text.trim())
    };
    let mut json = error(status, &message);
    if let Some(allow) = allow {
        json.headers_mut().insert(header::ALLOW, allow);
    }
    json
}

/// `GET /metrics`: the counters in Prometheus' text format.
async fn metrics(Extract(state): Extract<State>) -> Response {
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}

// ── the token ─────────────────────────────────────────────────────────────────

async fn authorize(Extract(state): Extract<State>, request: Request, next: Next) -> Response {
    let Some(token) = &state.token else {
        return next.run(request).await;
    };
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match given {
        Some(given) if token.matches(given.trim()) => next.run(request).await,
        _ => {
            let mut answer = error(
                StatusCode::UNAUTHORIZED,
                "a valid bearer token is required: `Authorization: Bearer TOKEN`",
            );
            answer
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            answer
        }
    }
}

// ── bodies ────────────────────────────────────────────────────────────────────

/// The whole body, at most [`MAX_BODY`] bytes, with its share of [`BODY_BUDGET_KIB`] (to
/// be held until the request is answered).
async fn read_body(
    state: &State,
    headers: &HeaderMap,
    body: Body,
) -> Result<(axum::body::Bytes, OwnedSemaphorePermit), Response> {
    let too_big = || {
        error(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("the request body is over {MAX_BODY} bytes; nothing was kept: send fewer lines per request"),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        return Err(too_big());
    }
    let kib = declared.unwrap_or(MAX_BODY as u64) / 1024 + 1;
    let permit = Arc::clone(&state.bodies)
        .acquire_many_owned(u32::try_from(kib).unwrap_or(u32::MAX))
        .await
        .map_err(|_| unavailable())?;
    let bytes = tokio::time::timeout(BODY_TIMEOUT, axum::body::to_bytes(body, MAX_BODY))
        .await
        .map_err(|_| {
            error(
                StatusCode::REQUEST_TIMEOUT,
                &format!(
                    "the request body did not arrive within {} s; nothing was kept",
                    BODY_TIMEOUT.as_secs()
                ),
            )
        })?
        .map_err(|_| too_big())?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "the request body is empty: send one JSON event, or JSON lines",
        ));
    }
    Ok((bytes, permit))
}

/// The body's lines, read as `docket run` reads its input (numbered from 1, at most
/// [`crate::MAX_LINE`] bytes each, `\r\n` taken, a byte-order mark skipped), except that a body
/// holding one JSON object written over several lines is that one event.
fn body_lines(bytes: &[u8]) -> Vec<Line> {
    let mut input = bytes;
    let (mut buf, mut seq, mut lines) = (Vec::new(), 0usize, Vec::new());
    // reading from memory cannot fail
    while let Ok(Some(line)) = next_line(&mut input, &mut buf, &mut seq) {
        lines.push(line);
    }
    let first_is_json = match lines.first() {
        Some(Line::Text(_, text)) => serde_json::from_str::<serde_json::Value>(text).is_ok(),
        _ => true,
    };
    if lines.len() > 1 && !first_is_json {
        if let Ok(one @ serde_json::Value::Object(_)) = serde_json::from_slice(bytes) {
            return vec![Line::Text(1, one.to_string())];
        }
    }
    lines
}

/// For a body of one line that is not JSON at all, its error record (as the engine gives
/// it, from an empty world: a line that does not parse never reaches the world).
fn not_json(engine: &Engine, lines: &[Line]) -> Option<Record> {
    match lines {
        [Line::Text(n, text)] if serde_json::from_str::<serde_json::Value>(text).is_err() => {
            Some(engine.run_line(&mut docket::World::new(), *n, text))
        }
        [Line::Refused(record)] => Some(record.clone()),
        _ => None,
    }
}

// ── the endpoints ─────────────────────────────────────────────────────────────

/// `POST /v1/events`: the records, each line's once it is committed.
async fn events(Extract(state): Extract<State>, headers: HeaderMap, body: Body) -> Response {
    let (bytes, _held) = match read_body(&state, &headers, body).await {
        Ok(b) => b,
        Err(answer) => return answer,
    };
    let lines = body_lines(&bytes);
    if let Some(record) = not_json(&state.engine, &lines) {
        return json_lines(StatusCode::BAD_REQUEST, &[record.to_json()]);
    }
    let single = lines.len() == 1;
    let records = match ask(&state, |reply| Job::Events { lines, reply }).await {
        Ok(Ok(records)) => records,
        Ok(Err(message)) => return error(StatusCode::SERVICE_UNAVAILABLE, &message),
        Err(answer) => return answer,
    };
    let status = if single && records.iter().any(Record::is_error) {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let lines: Vec<String> = records.iter().map(Record::to_json).collect();
    json_lines(status, &lines)
}

/// `POST /v1/evaluate`: what one event would do; nothing kept.
async fn evaluate(Extract(state): Extract<State>, headers: HeaderMap, body: Body) -> Response {
    let (bytes, _held) = match read_body(&state, &headers, body).await {
        Ok(b) => b,
        Err(answer) => return answer,
    };
    let mut lines = body_lines(&bytes);
    if let Some(record) = not_json(&state.engine, &lines) {
        return json(StatusCode::BAD_REQUEST, record.to_json());
    }
    let line = match lines.pop() {
        Some(Line::Text(_, text)) if lines.is_empty() => text,
        _ => {
            return error(
                StatusCode::BAD_REQUEST,
                "`/v1/evaluate` takes one event: one JSON object",
            )
        }
    };
    match ask(&state, |reply| Job::Evaluate { line, reply }).await {
        Ok(record) => {
            let status = if matches!(record.body, RecordBody::Error(_)) {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::OK
            };
            json(status, record.to_json())
        }
        Err(answer) => answer,
    }
}

fn no_case(case_type: &str, key: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        &format!("there is no case `{case_type}` keyed `{key}`"),
    )
}

/// `GET /v1/cases/{type}/{key}`: the case now, sensitive values masked.
async fn case(
    Extract(state): Extract<State>,
    Path((case_type, key)): Path<(String, String)>,
) -> Response {
    let job = |reply| Job::Case {
        case_type: case_type.clone(),
        key: key.clone(),
        reply,
    };
    match ask(&state, job).await {
        Ok(Some(text)) => json(StatusCode::OK, text),
        Ok(None) => no_case(&case_type, &key),
        Err(answer) => answer,
    }
}

/// `GET /v1/cases/{type}/{key}/journal?since=SEQ&limit=N`: the journal rows of one case
/// (the first [`MAX_ROWS`] after `since`; a consumer goes on from the last one's `seq`).
async fn case_journal(
    Extract(state): Extract<State>,
    Path((case_type, key)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let (since, limit) = match cursor(
        &query,
        &["since", "limit"],
        "/v1/cases/{type}/{key}/journal",
    ) {
        Ok((since, limit, _)) => (since, limit),
        Err(message) => return error(StatusCode::BAD_REQUEST, &message),
    };
    let job = |reply| Job::Case {
        case_type: case_type.clone(),
        key: key.clone(),
        reply,
    };
    // the key as the case holds it (its format's transforms applied)
    let key = match ask(&state, job).await {
        Ok(Some(case)) => serde_json::from_str::<serde_json::Value>(&case)
            .ok()
            .and_then(|c| c["key"].as_str().map(str::to_string))
            .unwrap_or(key),
        Ok(None) => return no_case(&case_type, &key),
        Err(answer) => return answer,
    };
    let rows = Rows {
        since,
        case: Some((case_type, key)),
        limit,
    };
    match state.readers.journal(rows).await {
        Ok(rows) => json_lines(StatusCode::OK, &rows),
        Err(message) => error(StatusCode::SERVICE_UNAVAILABLE, &message),
    }
}

/// The `since`, `limit` and `wait` parameters of a journal read (only those of `allowed`
/// are taken), or what is wrong with them (for a 400).
fn cursor(
    query: &HashMap<String, String>,
    allowed: &[&str],
    path: &str,
) -> Result<(i64, usize, Duration), String> {
    if let Some(name) = query.keys().find(|k| !allowed.contains(&k.as_str())) {
        let names: Vec<String> = allowed.iter().map(|a| format!("`{a}`")).collect();
        return Err(format!(
            "unknown parameter `{name}`: `{path}` takes {}",
            names.join(", ")
        ));
    }
    let since = number(query, "since", 0, i64::MAX as u64)?;
    let limit = number(query, "limit", MAX_ROWS as u64, MAX_ROWS as u64)?;
    if limit == 0 {
        return Err(format!(
            "`limit` must be a whole number from 1 to {MAX_ROWS}, not `0`"
        ));
    }
    let wait = number(query, "wait", 0, MAX_WAIT)?;
    Ok((
        i64::try_from(since).unwrap_or(i64::MAX),
        usize::try_from(limit).unwrap_or(MAX_ROWS),
        Duration::from_secs(wait),
    ))
}

/// A query parameter as a number from 0 to `max`, or what is expected instead.
fn number(
    query: &HashMap<String, String>,
    name: &str,
    default: u64,
    max: u64,
) -> Result<u64, String> {
    let Some(text) = query.get(name) else {
        return Ok(default);
    };
    text.parse::<u64>()
        .ok()
        .filter(|n| *n <= max)
        .ok_or_else(|| format!("`{name}` must be a whole number from 0 to {max}, not `{text}`"))
}

/// `GET /v1/journal?since=SEQ&wait=SECONDS&limit=N`: the rows after `since` (at most
/// `limit`, and [`MAX_ROWS`]); when there is none, waits up to `wait` seconds for one to be
/// committed.
async fn journal(
    Extract(state): Extract<State>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let (since, limit, wait) = match cursor(&query, &["since", "wait", "limit"], "/v1/journal") {
        Ok(c) => c,
        Err(message) => return error(StatusCode::BAD_REQUEST, &message),
    };
    let deadline = tokio::time::Instant::now() + wait;
    let mut committed = state.committed.clone();
    let mut stopping = state.stopping.clone();
    loop {
        committed.borrow_and_update();
        let rows = Rows {
            since,
            case: None,
            limit,
        };
        let rows = match state.readers.journal(rows).await {
            Ok(rows) => rows,
            Err(message) => return error(StatusCode::SERVICE_UNAVAILABLE, &message),
        };
        let now = tokio::time::Instant::now();
        if !rows.is_empty() || now >= deadline || *stopping.borrow() {
            return json_lines(StatusCode::OK, &rows);
        }
        // a commit of this service wakes the poll; a look each second also finds the rows
        // another process wrote to a shared store
        let next_look = deadline.min(now + Duration::from_secs(1));
        tokio::select! {
            changed = committed.changed() => if changed.is_err() { return unavailable() },
            _ = stopping.changed() => {}
            () = tokio::time::sleep_until(next_look) => {}
        }
    }
}

/// `GET /v1/policy`: the policy in force: its version (a SHA-256 of its files) and files.
async fn policy(Extract(state): Extract<State>) -> Response {
    let engine = &state.engine;
    let names = |yaml: bool| -> Vec<String> {
        engine
            .sources()
            .iter()
            .map(|s| {
                s.name
                    .rsplit(['/', '\\'])
                    .next()
                    .unwrap_or(&s.name)
                    .to_string()
            })
            .filter(|n| (n.ends_with(".yaml") || n.ends_with(".yml")) == yaml)
            .collect()
    };
    let body = serde_json::json!({
        "version": engine.version(),
        "tables": names(true),
        "rules": names(false),
        "case_types": engine.case_names(),
    });
    json(StatusCode::OK, body.to_string())
}

/// The OpenAPI description of every route.
pub(crate) const OPENAPI: &str = include_str!("openapi.json");

/// `GET /v1/openapi.json`: the OpenAPI description (no token needed: it tells nothing of the
/// world).
async fn openapi() -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        OPENAPI,
    )
        .into_response()
}

/// `GET /healthz`: the service answers (no token needed; nothing else told).
async fn healthz() -> Response {
    json(StatusCode::OK, r#"{"status":"ok"}"#.to_string())
}

async fn not_found(request: Request) -> Response {
    error(
        StatusCode::NOT_FOUND,
        &format!("there is no `{}` here", request.uri().path()),
    )
}

#[cfg(test)]
mod tests {
    use super::OPENAPI;
    use crate::serve::metrics::ROUTES;
    use serde_json::Value as J;

    /// Every `$ref` in `j`.
    fn refs<'a>(j: &'a J, out: &mut Vec<&'a str>) {
        match j {
            J::Object(m) => {
                if let Some(J::String(r)) = m.get("$ref") {
                    out.push(r);
                }
                m.values().for_each(|v| refs(v, out));
            }
            J::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }

    #[test]
    fn the_openapi_description_names_every_route_and_resolves() {
        let doc: J = serde_json::from_str(OPENAPI).expect("openapi.json is JSON");
        assert_eq!(doc["openapi"], "3.1.0");
        let mut described: Vec<&str> = doc["paths"]
            .as_object()
            .expect("paths")
            .keys()
            .map(String::as_str)
            .collect();
        let mut routes: Vec<&str> = ROUTES.iter().copied().filter(|r| *r != "other").collect();
        described.sort_unstable();
        routes.sort_unstable();
        assert_eq!(
            described, routes,
            "openapi.json's paths are the service's routes"
        );
        let mut found = Vec::new();
        refs(&doc, &mut found);
        assert!(found.len() > 20, "the description uses its components");
        for r in found {
            let pointer = r.strip_prefix('#').expect("a local reference");
            assert!(doc.pointer(pointer).is_some(), "`{r}` resolves");
        }
    }
}
