//! serde_yaml's and libyaml's error messages, reworded in the house style and placed.

use super::{LineIndex, YamlError, TAGS_UNSUPPORTED};
use crate::span::Span;

/// Turns a serde_yaml error into the house style.
pub(super) fn translate(e: &serde_yaml::Error, lines: &LineIndex) -> YamlError {
    let span = e
        .location()
        .map(|l| lines.offset(l.line(), l.column()))
        .map_or(Span::default(), |o| Span::new(o, o));
    let full = e.to_string();
    let (message, help) = if full.contains(TAGS_UNSUPPORTED) {
        (TAGS_UNSUPPORTED.to_string(), Some("remove the `!…` tag"))
    } else {
        reword(&strip_positions(&full))
    };
    YamlError {
        message,
        help: help.map(str::to_string),
        span,
    }
}

/// serde_yaml's and libyaml's wording, with positions removed, into ours.
fn reword(raw: &str) -> (String, Option<&'static str>) {
    const REWORDS: &[(&str, &str, Option<&str>)] = &[
        (
            "mapping values are not allowed in this context",
            "unexpected `:`",
            Some("a value that contains `: ` must be quoted, e.g. `note: \"seed: within 24 hours\"`; otherwise check the indentation"),
        ),
        (
            "could not find expected ':'",
            "missing `:` after a key",
            Some("write each entry as `key: value`"),
        ),
        (
            "did not find expected key",
            "this line does not fit the mapping it is in",
            Some("check its indentation and that it has the form `key: value`"),
        ),
        (
            "did not find expected node content",
            "a value is missing",
            Some("write a value after the `:` or `- `, e.g. `\"\"` or `[]` for an empty one"),
        ),
        (
            "did not find expected ',' or ']'",
            "expected `,` or `]`",
            Some("close the `[ … ]` with `]`, separate its items with `,`, and quote items that contain `,` or `: `"),
        ),
        (
            "did not find expected ',' or '}'",
            "expected `,` or `}`",
            Some("close the `{ … }` with `}`, separate its entries with `,`, and quote values that contain `,` or `: `"),
        ),
        (
            "did not find expected '-' indicator",
            "this line does not fit the list it is in",
            Some("check its indentation and that it starts with `- `"),
        ),
        (
            "block sequence entries are not allowed in this context",
            "a list item `- ` is not allowed here",
            Some("check the indentation"),
        ),
        (
            "found a tab character that violates indentation",
            "a tab is used for indentation",
            Some("indent YAML with spaces"),
        ),
        (
            "found character that cannot start any token",
            "a character that cannot start a value",
            Some("indent with spaces, not tabs, and quote values that start with `@`, `` ` `` or `%`"),
        ),
        (
            "found unexpected end of stream",
            "unexpected end of file",
            Some("a quoted string or a `[`/`{` is not closed"),
        ),
        (
            "found unknown escape character",
            "unknown escape in a double-quoted string",
            Some("write `\\\\` for a backslash, or use single quotes, which have no escapes"),
        ),
        (
            "control characters are not allowed",
            "the file contains control characters",
            Some("a table file must be plain text"),
        ),
        (
            "recursion limit exceeded",
            "the file nests too deeply",
            Some("a table nests a few levels at most: flatten the lists and mappings"),
        ),
        (
            "more than one document",
            "the file holds more than one YAML document",
            Some("a table file is one document: remove the `---` separators"),
        ),
        (
            "unknown anchor",
            "an alias `*…` refers to no anchor `&…`",
            Some("define the anchor `&name` before the alias `*name`, or write the value out"),
        ),
        (
            "repetition limit exceeded",
            "aliases expand to too much data",
            Some("write the values out instead of repeating aliases of aliases"),
        ),
    ];
    for (pattern, ours, help) in REWORDS {
        if raw.contains(pattern) {
            return (ours.to_string(), *help);
        }
    }
    (
        raw.to_string(),
        Some("check the indentation (spaces only), the `key: value` form, and the quotes and brackets around this point"),
    )
}

/// Removes serde_yaml's ` at line L column C` and ` at position N` from a message.
pub(super) fn strip_positions(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(i) = rest.find(" at ") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 4..];
        let skipped = skip_position(after);
        if skipped == 0 {
            out.push_str(" at ");
        }
        rest = &after[skipped..];
    }
    out.push_str(rest);
    out
}

/// The length of `line L column C` or `position N` at the start of `s`, or 0.
fn skip_position(s: &str) -> usize {
    let digits = |s: &str| s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    if let Some(after) = s.strip_prefix("line ") {
        let n = digits(after);
        if let Some(col) = after[n..].strip_prefix(" column ") {
            let m = digits(col);
            if n > 0 && m > 0 {
                return "line ".len() + n + " column ".len() + m;
            }
        }
    } else if let Some(after) = s.strip_prefix("position ") {
        let n = digits(after);
        if n > 0 {
            return "position ".len() + n;
        }
    }
    0
}
