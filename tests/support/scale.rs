//! How much of each random or generated test runs. A plain `cargo test` runs a fifth of the
//! full counts, so that the whole suite stays within minutes on a 2-core machine; CI
//! (`CI=true`) runs them in full, and `DOCKET_PROPTEST_SCALE` sets the factor (`1` for the full
//! counts, `10` for a soak).

/// The factor a plain local run applies to the full counts.
const LOCAL_SCALE: f64 = 0.2;

/// The factor applied to the full counts: `DOCKET_PROPTEST_SCALE` if set, else 1 under CI
/// (`CI` set to anything but `false` or `0`), else [`LOCAL_SCALE`].
pub fn scale() -> f64 {
    if let Some(f) = std::env::var("DOCKET_PROPTEST_SCALE")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|f| f.is_finite() && *f > 0.0)
    {
        return f;
    }
    match std::env::var("CI") {
        Ok(ci) if !ci.is_empty() && ci != "false" && ci != "0" => 1.0,
        _ => LOCAL_SCALE,
    }
}

/// `full` scaled by [`scale`], at least 1.
pub fn scaled(full: u32) -> u32 {
    (f64::from(full) * scale())
        .round()
        .clamp(1.0, f64::from(u32::MAX)) as u32
}
