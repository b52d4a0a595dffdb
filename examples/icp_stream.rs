//! Writes the benchmarks' mixed ICP stream (`benches/support/stream.rs`: many filings' lives,
//! interleaved in time, with ticks) to standard output, one JSON event per line, for trying
//! the command line on a large input:
//!
//! ```sh
//! cargo run --release --example icp_stream -- 103000 > /tmp/icp-1m.jsonl   # ≈ 1 000 000 events
//! docket diff rules/icp my-icp /tmp/icp-1m.jsonl
//! ```
//!
//! The argument is the number of filings (default 1 000; about 9.7 events each).

#[path = "../benches/support/mod.rs"]
mod support;

use std::io::{self, BufWriter, Write};

fn main() -> io::Result<()> {
    let filings = match std::env::args().nth(1) {
        None => 1_000,
        Some(n) => n.parse().map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("`{n}` is not a number of filings: {e}"),
            )
        })?,
    };
    let stream = support::stream::mixed(filings);
    let mut out = BufWriter::new(io::stdout().lock());
    for line in &stream.lines {
        out.write_all(line.as_bytes())?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    eprintln!(
        "{} events of {filings} filings: {:?}",
        stream.lines.len(),
        stream.by_type
    );
    Ok(())
}
