//! `docket test --coverage`: printing the coverage and checking `--min-coverage`.

use docket::Coverage;
use std::io::{self, Write};

/// Prints the coverage on stdout (a table, or JSON), and, when some measure is below
/// `min` percent, says which on stderr. Returns whether one is.
pub fn report(coverage: &Coverage, json: bool, min: Option<f64>) -> bool {
    let mut out = io::stdout().lock();
    let _ = if json {
        writeln!(out, "{}", coverage.to_json())
    } else {
        write!(out, "\ncoverage:\n{}", coverage.render())
    };
    let _ = out.flush();
    let Some(min) = min else {
        return false;
    };
    let below = coverage.below(min);
    if below.is_empty() {
        return false;
    }
    let list: Vec<String> = below
        .iter()
        .map(|(m, p)| format!("{} {:.1}%", m.name(), (p * 10.0).floor() / 10.0))
        .collect();
    crate::report(&format!(
        "error: coverage below the minimum of {min}%: {}",
        list.join(", ")
    ));
    true
}
