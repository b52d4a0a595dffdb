//! `GET /v1/due?before=INSTANT&limit=N`: the obligations view, the open deadlines of the
//! world, earliest first (read by the writer thread, as a case is).

use super::{ask, error, json, number, State};
use crate::serve::writer::Job;
use axum::extract::{Query, State as Extract};
use axum::http::StatusCode;
use axum::response::Response;
use std::collections::HashMap;

/// How many open deadlines an answer holds when `limit` is not given.
pub(crate) const DEFAULT_LIMIT: u64 = 1_000;
/// The most open deadlines one answer holds.
pub(crate) const MAX_LIMIT: u64 = 10_000;

/// `GET /v1/due`: `{"due":[{"at","type","key","status","deadline"}…],"more":BOOL}`.
pub(super) async fn due(
    Extract(state): Extract<State>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let (before, limit) = match parameters(&query) {
        Ok(p) => p,
        Err(message) => return error(StatusCode::BAD_REQUEST, &message),
    };
    match ask(&state, |reply| Job::Due {
        before,
        limit,
        reply,
    })
    .await
    {
        Ok(text) => json(StatusCode::OK, text),
        Err(answer) => answer,
    }
}

/// `before` and `limit`, or what is wrong with the query.
fn parameters(query: &HashMap<String, String>) -> Result<(Option<jiff::Timestamp>, usize), String> {
    if let Some(name) = query
        .keys()
        .find(|k| !matches!(k.as_str(), "before" | "limit"))
    {
        return Err(format!(
            "unknown parameter `{name}`: `/v1/due` takes `before` and `limit`"
        ));
    }
    let before = match query.get("before") {
        None => None,
        Some(text) => Some(instant(text)?),
    };
    let limit = number(query, "limit", DEFAULT_LIMIT, MAX_LIMIT)
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| {
            let given = query.get("limit").map_or("", String::as_str);
            format!("`limit` must be a whole number from 1 to {MAX_LIMIT}, not `{given}`")
        })?;
    Ok((before, usize::try_from(limit).unwrap_or(usize::MAX)))
}

/// An RFC 3339 instant with its offset, as events give `at`.
fn instant(text: &str) -> Result<jiff::Timestamp, String> {
    text.parse().map_err(|_| {
        let plus = if text.contains(' ') {
            " (in a query, `+` is written `%2B`)"
        } else {
            ""
        };
        format!(
            "`before` must be an RFC 3339 instant with an offset, such as `2026-11-29T10:45:00+08:00`{plus}, not `{text}`"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::{parameters, MAX_LIMIT};
    use std::collections::HashMap;

    fn query(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn parameters_are_read_or_refused_clearly() {
        assert_eq!(parameters(&query(&[])), Ok((None, 1000)));
        let (before, limit) = parameters(&query(&[
            ("before", "2026-11-29T10:45:00+08:00"),
            ("limit", "10000"),
        ]))
        .expect("good");
        assert_eq!(
            before.map(|t| t.to_string()).as_deref(),
            Some("2026-11-29T02:45:00Z")
        );
        assert_eq!(limit, MAX_LIMIT as usize);
        for (pairs, said) in [
            (vec![("since", "1")], "unknown parameter `since`"),
            (vec![("limit", "0")], "from 1 to 10000, not `0`"),
            (vec![("limit", "10001")], "from 1 to 10000, not `10001`"),
            (vec![("limit", "-1")], "not `-1`"),
            (vec![("before", "tomorrow")], "not `tomorrow`"),
            (vec![("before", "2026-11-29T10:45:00")], "with an offset"),
            (vec![("before", "2026-11-29T10:45:00 08:00")], "`%2B`"),
        ] {
            let refused = parameters(&query(&pairs)).expect_err("refused");
            assert!(refused.contains(said), "{refused}");
        }
    }
}
