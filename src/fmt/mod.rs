//! `docket fmt`: one canonical layout for `.docket` rule files.
//!
//! The formatter changes only the whitespace between tokens: every token and every comment
//! stays, in order. It walks the parse tree (it is the one reader of pest's pairs outside
//! `dsl`, because it works on the syntax as written, not on its meaning) and takes each token
//! from the source text, printing the comments it passes on the way. Before returning, it
//! checks its own output: it must parse, with the same tokens and comments as the input; a
//! formatter bug is an [`FmtError::Internal`], never a changed file.
//!
//! The layout: declarations at the left margin, blocks indented two spaces, one item a line;
//! at most one blank line kept wherever the author left some; the `=` of formats on
//! consecutive lines lined up; `{ … }` lists of enums, events and record types on one line when
//! written so and shorter than [`WIDTH`] columns, else one item a line; one space around
//! operators; the author's line breaks inside expressions and rule headers kept, the next
//! line starting where the expression starts.

mod expr;
mod layout;
mod printer;
mod tokens;

#[cfg(test)]
mod tests;

use crate::diag::{self, Diagnostic};
use crate::dsl;
use crate::span::Source;

pub use printer::WIDTH;

/// Why a rule file could not be formatted. The file is never changed then.
#[derive(Debug, thiserror::Error)]
pub enum FmtError {
    /// `rule r when { }`: the file does not parse; the same diagnostics as `docket check`.
    #[error("{}", diag::render_all_in(.diagnostics, std::slice::from_ref(.file), "the rule file"))]
    Parse {
        /// The problems, in position order.
        diagnostics: Vec<Diagnostic>,
        /// The file they point into.
        file: Source,
    },
    /// A bug of the formatter: it lost its place in the file, or its output would not have
    /// read the same as the input.
    #[error(
        "internal error of the formatter in `{name}` (at {at}): the file is left as it was\n  = help: please report this with the file"
    )]
    Internal {
        /// The file's name as given.
        name: String,
        /// Where it went wrong: a byte of the file, or the index of the first token that
        /// its output changed.
        at: usize,
    },
}

/// The canonical layout of the rule file `text` (`name` is how diagnostics name it).
pub fn format(name: &str, text: &str) -> Result<String, FmtError> {
    let source = Source::new(name, text);
    if let Err(diagnostics) = dsl::parse_file(0, &source) {
        return Err(FmtError::Parse {
            diagnostics,
            file: source,
        });
    }
    let internal = |at| FmtError::Internal {
        name: name.to_string(),
        at,
    };
    let top = match dsl::syntax_tree(text).map(|mut t| t.next()) {
        Ok(Some(top)) => top,
        Ok(None) => return Err(internal(0)),
        Err(e) => {
            return Err(FmtError::Parse {
                diagnostics: vec![e.to_diagnostic(0)],
                file: source,
            })
        }
    };
    let mut p = printer::Printer::new(text);
    layout::file(&mut p, top.clone()).map_err(|l| internal(l.0))?;
    let out = p.finish().map_err(|l| internal(l.0))?;
    verify(text, top, &out).map_err(internal)?;
    Ok(out)
}

/// Checks that `out` parses, with the tokens and comments of `text` in the same order;
/// the error is the index of the first token that differs.
fn verify(text: &str, top: pest::iterators::Pair<'_, dsl::Rule>, out: &str) -> Result<(), usize> {
    if dsl::parse_file(0, &Source::new("", out)).is_err() {
        return Err(0);
    }
    let out_top = match dsl::syntax_tree(out).map(|mut t| t.next()) {
        Ok(Some(t)) => t,
        _ => return Err(0),
    };
    let before = tokens::tokens(text, top);
    let after = tokens::tokens(out, out_top);
    match before.iter().zip(&after).position(|(a, b)| a != b) {
        Some(i) => Err(i),
        None if before.len() != after.len() => Err(before.len().min(after.len())),
        None => Ok(()),
    }
}
