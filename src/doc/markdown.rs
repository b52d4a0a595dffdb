//! The document as Markdown (CommonMark with pipe tables); status diagrams as Mermaid.

use super::diagram::mermaid;
use super::{Block, Doc, Inline, Item};
use std::fmt::Write as _;

/// Text with every character Markdown could read as markup escaped, on one line.
/// An `_` inside a word (`next_step`) is no emphasis and stays as it is.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let word = |j: Option<usize>| {
            j.and_then(|j| chars.get(j))
                .is_some_and(|c| c.is_alphanumeric())
        };
        match c {
            '_' if word(i.checked_sub(1)) && word(Some(i + 1)) => out.push(c),
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '~' | '&' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A code span fenced by more backticks than it holds in a row; in a table cell, `|` is
/// escaped too (pipe tables split cells before reading code spans).
fn code_span(s: &str, in_table: bool) -> String {
    let s: String = s
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    let s = if in_table { s.replace('|', "\\|") } else { s };
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') || s.is_empty() {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{s}{pad}{fence}")
}

fn inline(line: &[Inline], in_table: bool) -> String {
    line.iter()
        .map(|i| match i {
            Inline::Text(t) => escape(t),
            Inline::Code(c) => code_span(c, in_table),
            Inline::Strong(t) => format!("**{}**", escape(t)),
        })
        .collect()
}

fn list(out: &mut String, items: &[Item], ordered: bool, indent: usize) {
    for (n, item) in items.iter().enumerate() {
        let marker = if ordered {
            format!("{}. ", n + 1)
        } else {
            "- ".to_string()
        };
        let _ = writeln!(
            out,
            "{}{marker}{}",
            " ".repeat(indent),
            inline(&item.line, false)
        );
        if !item.children.is_empty() {
            list(out, &item.children, false, indent + marker.len());
        }
    }
}

pub(super) fn render(doc: &Doc) -> String {
    let mut out = String::new();
    for b in &doc.blocks {
        match b {
            Block::Heading { level, text, .. } => {
                let _ = writeln!(
                    out,
                    "{} {}\n",
                    "#".repeat(*level as usize),
                    inline(text, false)
                );
            }
            Block::Para(line) => {
                let _ = writeln!(out, "{}\n", inline(line, false));
            }
            Block::Table { head, rows } => {
                let cells = |cs: Vec<String>| format!("| {} |", cs.join(" | "));
                let _ = writeln!(out, "{}", cells(head.iter().map(|h| escape(h)).collect()));
                let _ = writeln!(
                    out,
                    "{}",
                    cells(head.iter().map(|_| "---".to_string()).collect())
                );
                for row in rows {
                    let _ = writeln!(
                        out,
                        "{}",
                        cells(row.iter().map(|c| inline(c, true)).collect())
                    );
                }
                out.push('\n');
            }
            Block::List { ordered, items } => {
                list(&mut out, items, *ordered, 0);
                out.push('\n');
            }
            Block::Diagram(g) => {
                let _ = writeln!(out, "```mermaid\n{}```\n", mermaid(g));
            }
        }
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_policy_text_is_escaped() {
        assert_eq!(escape("a <b>|*c*_\n"), "a \\<b\\>\\|\\*c\\*\\_ ");
        assert_eq!(escape("next_step _x_"), "next_step \\_x\\_");
        assert_eq!(code_span("a`b", false), "``a`b``");
        assert_eq!(code_span("`x", false), "`` `x ``");
        assert_eq!(code_span("a | b", true), "`a \\| b`");
    }
}
