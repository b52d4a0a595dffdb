//! `GET /metrics`: the service's counters in Prometheus' text format (version 0.0.4):
//! requests by route and status with their latencies, events accepted and refused, the
//! writer's commits and their durations, the journal's last row and the world's cases.
//! Everything is a relaxed atomic: a scrape sees each number as it was at some instant.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// The routes measured, as their path templates (anything else counts as `other`).
pub(crate) const ROUTES: [&str; 12] = [
    "/v1/events",
    "/v1/evaluate",
    "/v1/cases/{case_type}/{key}",
    "/v1/cases/{case_type}/{key}/journal",
    "/v1/journal",
    "/v1/due",
    "/v1/policy",
    "/v1/openapi.json",
    "/metrics",
    "/healthz",
    "/",
    "other",
];

/// The status classes counted.
const CLASSES: [&str; 4] = ["2xx", "4xx", "5xx", "other"];

/// A latency histogram: counts per bucket (not cumulative), the sum in microseconds.
#[derive(Default)]
struct Histogram {
    buckets: [AtomicU64; BUCKETS.len() + 1],
    sum_micros: AtomicU64,
}

impl Histogram {
    fn observe(&self, took: Duration) {
        let secs = took.as_secs_f64();
        let i = BUCKETS
            .iter()
            .position(|b| secs <= *b)
            .unwrap_or(BUCKETS.len());
        self.buckets[i].fetch_add(1, Relaxed);
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        self.sum_micros.fetch_add(micros, Relaxed);
    }

    /// The `_bucket`, `_sum` and `_count` lines of `name` with `labels` (`a="b",` or empty).
    fn write(&self, out: &mut String, name: &str, labels: &str) {
        let mut total = 0;
        for (i, bound) in BUCKETS.iter().enumerate() {
            total += self.buckets[i].load(Relaxed);
            out.push_str(&format!(
                "{name}_bucket{{{labels}le=\"{bound}\"}} {total}\n"
            ));
        }
        total += self.buckets[BUCKETS.len()].load(Relaxed);
        out.push_str(&format!("{name}_bucket{{{labels}le=\"+Inf\"}} {total}\n"));
        let sum = self.sum_micros.load(Relaxed) as f64 / 1e6;
        let labels = labels.trim_end_matches(',');
        let labels = if labels.is_empty() {
            String::new()
        } else {
            format!("{{{labels}}}")
        };
        out.push_str(&format!("{name}_sum{labels} {sum}\n"));
        out.push_str(&format!("{name}_count{labels} {total}\n"));
    }
}

/// Every counter of the service.
#[derive(Default)]
pub(crate) struct Metrics {
    requests: [[AtomicU64; CLASSES.len()]; ROUTES.len()],
    latency: [Histogram; ROUTES.len()],
    accepted: AtomicU64,
    refused: AtomicU64,
    commits: AtomicU64,
    commit_time: Histogram,
    failed_commits: AtomicU64,
    seq: AtomicU64,
    cases: AtomicU64,
}

impl Metrics {
    /// A request to `route` (a path template) answered with `status` after `took`.
    pub(crate) fn request(&self, route: &str, status: u16, took: Duration) {
        let r = ROUTES
            .iter()
            .position(|x| *x == route)
            .unwrap_or(ROUTES.len() - 1);
        let class = match status {
            200..=299 => 0,
            400..=499 => 1,
            500..=599 => 2,
            _ => 3,
        };
        self.requests[r][class].fetch_add(1, Relaxed);
        self.latency[r].observe(took);
    }

    /// A batch committed after `took`: `accepted` lines journaled, `refused` answered with
    /// an error record; the journal's last row is now `seq` and the world holds `cases`.
    pub(crate) fn commit(
        &self,
        accepted: u64,
        refused: u64,
        took: Duration,
        seq: i64,
        cases: usize,
    ) {
        self.accepted.fetch_add(accepted, Relaxed);
        self.refused.fetch_add(refused, Relaxed);
        self.commits.fetch_add(1, Relaxed);
        self.commit_time.observe(took);
        self.state(seq, cases);
    }

    /// A batch that could not be committed (nothing of it kept).
    pub(crate) fn failed_commit(&self) {
        self.failed_commits.fetch_add(1, Relaxed);
    }

    /// The journal's last row and the world's number of cases, now.
    pub(crate) fn state(&self, seq: i64, cases: usize) {
        self.seq.store(u64::try_from(seq).unwrap_or(0), Relaxed);
        self.cases.store(cases as u64, Relaxed);
    }

    /// The text a scrape gets.
    pub(crate) fn render(&self) -> String {
        let mut out = String::with_capacity(16 * 1024);
        out.push_str(
            "# HELP docket_http_requests_total HTTP requests answered, by route and status class.\n\
             # TYPE docket_http_requests_total counter\n",
        );
        for (r, route) in ROUTES.iter().enumerate() {
            for (c, class) in CLASSES.iter().enumerate() {
                let n = self.requests[r][c].load(Relaxed);
                if n > 0 {
                    out.push_str(&format!(
                        "docket_http_requests_total{{route=\"{route}\",status=\"{class}\"}} {n}\n"
                    ));
                }
            }
        }
        out.push_str(
            "# HELP docket_http_request_duration_seconds Time from a request's arrival to its answer.\n\
             # TYPE docket_http_request_duration_seconds histogram\n",
        );
        for (r, route) in ROUTES.iter().enumerate() {
            self.latency[r].write(
                &mut out,
                "docket_http_request_duration_seconds",
                &format!("route=\"{route}\","),
            );
        }
        let counters = [
            (
                "docket_events_accepted_total",
                "Events accepted and journaled.",
                &self.accepted,
            ),
            (
                "docket_events_refused_total",
                "Events answered with an error record (nothing kept).",
                &self.refused,
            ),
            (
                "docket_commits_total",
                "Batches committed by the writer.",
                &self.commits,
            ),
            (
                "docket_commit_failures_total",
                "Batches the store could not commit.",
                &self.failed_commits,
            ),
        ];
        for (name, help, value) in counters {
            out.push_str(&format!(
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}\n",
                value.load(Relaxed)
            ));
        }
        out.push_str(
            "# HELP docket_commit_duration_seconds Time to run and commit one batch.\n\
             # TYPE docket_commit_duration_seconds histogram\n",
        );
        self.commit_time
            .write(&mut out, "docket_commit_duration_seconds", "");
        let gauges = [
            (
                "docket_journal_seq",
                "The journal's last committed row.",
                &self.seq,
            ),
            ("docket_cases", "Cases in the world.", &self.cases),
        ];
        for (name, help, value) in gauges {
            out.push_str(&format!(
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {}\n",
                value.load(Relaxed)
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scrape_counts_requests_and_commits() {
        let m = Metrics::default();
        m.request("/v1/events", 200, Duration::from_micros(700));
        m.request("/v1/events", 422, Duration::from_millis(3));
        m.request("/nowhere", 404, Duration::from_millis(30));
        m.commit(5, 1, Duration::from_millis(2), 5, 3);
        let text = m.render();
        for line in [
            "docket_http_requests_total{route=\"/v1/events\",status=\"2xx\"} 1",
            "docket_http_requests_total{route=\"/v1/events\",status=\"4xx\"} 1",
            "docket_http_requests_total{route=\"other\",status=\"4xx\"} 1",
            "docket_http_request_duration_seconds_bucket{route=\"/v1/events\",le=\"0.0005\"} 0",
            "docket_http_request_duration_seconds_bucket{route=\"/v1/events\",le=\"0.001\"} 1",
            "docket_http_request_duration_seconds_bucket{route=\"/v1/events\",le=\"0.005\"} 2",
            "docket_http_request_duration_seconds_bucket{route=\"/v1/events\",le=\"+Inf\"} 2",
            "docket_http_request_duration_seconds_count{route=\"/v1/events\"} 2",
            "docket_events_accepted_total 5",
            "docket_events_refused_total 1",
            "docket_commits_total 1",
            "docket_commit_duration_seconds_count 1",
            "docket_journal_seq 5",
            "docket_cases 3",
        ] {
            assert!(text.lines().any(|l| l == line), "no `{line}` in\n{text}");
        }
        // every sample line is `name{labels} number` or `name number`
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let value = line.rsplit(' ').next().unwrap_or_default();
            assert!(value.parse::<f64>().is_ok(), "{line}");
        }
    }
}
