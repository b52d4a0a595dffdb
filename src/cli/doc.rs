//! `docket doc [DIR] [-o FILE]`: a reviewer's document of a policy, as Markdown or HTML.

use crate::{load_engine, report, EXIT_OK, EXIT_UNUSABLE};
use clap::Args;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Write a reviewer's document of a policy: its statuses and what moves a case between them
/// (a diagram read off the rules), its cases, events, every handler's rules in order with
/// their guards, deadlines, tables with their notes, and messages.
///
/// The format follows FILE's extension: `.md` for Markdown (diagrams as Mermaid
/// `stateDiagram-v2` blocks), `.html` for one self-contained page (inline CSS and SVG, no
/// script). Without `-o`, Markdown goes to standard output.
///
/// Exit status: 0 when written, 2 when the policy does not load, FILE's extension is
/// neither, or FILE cannot be written.
#[derive(Args)]
#[command(after_help = "\
Example:
  docket doc rules/icp -o icp.html     # one HTML page to open in a browser
  docket doc my-policy > policy.md     # Markdown
  docket doc                           # the built-in ICP policy, as Markdown")]
pub struct DocArgs {
    /// The policy: a directory of `*.yaml` tables and `*.docket` rule files; default: the
    /// built-in ICP policy
    #[arg(value_name = "DIR")]
    rules: Option<PathBuf>,

    /// Write the document to FILE (`.md` or `.html`) instead of standard output
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
}

enum Format {
    Markdown,
    Html,
}

fn format_of(path: &Path) -> Option<Format> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "md" | "markdown" => Some(Format::Markdown),
        "html" | "htm" => Some(Format::Html),
        _ => None,
    }
}

pub fn doc(args: &DocArgs) -> u8 {
    let format = match &args.output {
        None => Format::Markdown,
        Some(path) => match format_of(path) {
            Some(f) => f,
            None => {
                report(&format!(
                    "error: cannot tell which format to write to `{}`\n  = help: name the file `….md` for Markdown or `….html` for HTML",
                    path.display()
                ));
                return EXIT_UNUSABLE;
            }
        },
    };
    let engine = match load_engine(args.rules.as_deref()) {
        Ok(e) => e,
        Err(e) => {
            report(&e.render());
            return EXIT_UNUSABLE;
        }
    };
    let text = match format {
        Format::Markdown => docket::doc::markdown(&engine),
        Format::Html => docket::doc::html(&engine),
    };
    match &args.output {
        Some(path) => match std::fs::write(path, text) {
            Ok(()) => EXIT_OK,
            Err(e) => {
                report(&format!("error: cannot write `{}`: {e}", path.display()));
                EXIT_UNUSABLE
            }
        },
        None => {
            // a closed standard output (`docket doc | head`) is not an error of the policy
            let _ = io::stdout().lock().write_all(text.as_bytes());
            EXIT_OK
        }
    }
}
