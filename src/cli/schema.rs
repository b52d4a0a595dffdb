//! `docket schema [KIND]`: prints the JSON Schema of a table kind, for YAML editors.

use crate::{report, EXIT_OK, EXIT_UNUSABLE};
use clap::Args;
use std::io::{self, Write};

/// Print the JSON Schema of a table kind, for YAML editors (the same as `schemas/KIND.json`).
///
/// Without KIND, the schema of a table of any kind (`schemas/table.json`), chosen by its
/// `kind`. Exit status: 0, or 2 for an unknown KIND.
#[derive(Args)]
#[command(after_help = "\
Example:
  docket schema limits > limits.schema.json
  docket schema          # any table kind")]
pub struct SchemaArgs {
    /// `requirements`, `limits`, `messages` or `calendar`; default: any of them
    #[arg(value_name = "KIND")]
    pub kind: Option<String>,
}

/// Prints the schema, or reports an unknown kind; the exit status.
pub fn schema(args: &SchemaArgs) -> u8 {
    match docket::schema::schema_text(args.kind.as_deref()) {
        Some(text) => {
            let mut out = io::stdout().lock();
            let _ = out.write_all(text.as_bytes());
            let _ = out.flush();
            EXIT_OK
        }
        None => {
            let kind = args.kind.as_deref().unwrap_or_default();
            let kinds: Vec<String> = docket::schema::KINDS
                .iter()
                .map(|k| format!("`{k}`"))
                .collect();
            report(&format!(
                "error: unknown table kind `{kind}`\n  = help: the kinds are {}",
                kinds.join(", ")
            ));
            EXIT_UNUSABLE
        }
    }
}
