//! Message texts as templates: literal text and `{…}` placeholders, each placeholder placed
//! in its file so that the checker can point into the YAML at it.
//!
//! `{{` and `}}` are a literal `{` and `}`. A placeholder runs to the `}` that balances its
//! `{` (so `{x matches /^[0-9]{6}$/}` is one placeholder). The expression inside is parsed
//! and checked by the checker, in the scope of each rule that emits the message.

use super::decode::Cx;
use super::error::TableError;
use super::yaml::Node;
use super::{MessageText, Piece};
use crate::span::Span;

/// Reads `value`, the string held by `node`, as a message text. `what` names it in errors
/// ("`text` of message `x`", made only for one); `bound` is where the file's next key after it starts: its
/// placeholders are looked for in the file before it. Every brace problem is reported.
pub(super) fn message_text(
    cx: &mut Cx,
    node: &Node,
    value: &str,
    what: &dyn Fn() -> String,
    bound: usize,
) -> Option<MessageText> {
    if !value.contains(['{', '}']) {
        // no placeholder and no brace to report: the text as it is
        let pieces = if value.is_empty() {
            Vec::new()
        } else {
            vec![Piece::Text(value.to_string())]
        };
        return Some(MessageText { pieces });
    }
    let place = Placer::new(&cx.src.text, node.span, value, bound);
    let mut pieces = Vec::new();
    let mut text = String::new();
    let mut ok = true;
    let mut i = 0;
    while let Some(c) = value[i..].chars().next() {
        let rest = &value[i..];
        if rest.starts_with("{{") || rest.starts_with("}}") {
            text.push(c);
            i += 2;
            continue;
        }
        match c {
            '{' => {
                let Some(close) = closing_brace(rest) else {
                    cx.push(TableError::UnclosedPlaceholder {
                        what: what(),
                        span: place.at(i, 1),
                    });
                    return None;
                };
                let source = &rest[1..close];
                if source.trim().is_empty() {
                    cx.push(TableError::EmptyPlaceholder {
                        what: what(),
                        span: place.at(i, close + 1),
                    });
                    ok = false;
                } else {
                    if !text.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut text)));
                    }
                    let (span, exact) = place.placeholder(i, source);
                    pieces.push(Piece::Placeholder {
                        source: source.to_string(),
                        span,
                        exact,
                    });
                }
                i += close + 1;
            }
            '}' => {
                cx.push(TableError::StrayBrace {
                    what: what(),
                    span: place.at(i, 1),
                });
                ok = false;
                i += 1;
            }
            _ => {
                text.push(c);
                i += c.len_utf8();
            }
        }
    }
    if !text.is_empty() {
        pieces.push(Piece::Text(text));
    }
    ok.then_some(MessageText { pieces })
}

/// The offset in `rest` (which starts with `{`) of the `}` that balances it.
fn closing_brace(rest: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (j, c) in rest.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(j);
                }
            }
            _ => {}
        }
    }
    None
}

/// Where the pieces of one YAML string are in its file.
struct Placer<'a> {
    file: &'a str,
    value: &'a str,
    /// The whole value, the fallback place of anything.
    span: Span,
    /// Where the value starts in the file, when the file holds it verbatim (a plain or
    /// quoted string on one line, without escapes).
    verbatim: Option<usize>,
    /// Where the value may be looked for: from its start to the next key.
    region: Span,
}

impl<'a> Placer<'a> {
    fn new(file: &'a str, span: Span, value: &'a str, bound: usize) -> Placer<'a> {
        let verbatim = file
            .get(span.start..)
            .and_then(|rest| match rest.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let inner = &rest[1..];
                    (inner.starts_with(value) && inner[value.len()..].starts_with(q))
                        .then_some(span.start + 1)
                }
                _ => rest.starts_with(value).then_some(span.start),
            });
        let end = if bound >= span.start {
            bound.min(file.len())
        } else {
            file.len()
        };
        Placer {
            file,
            value,
            span,
            verbatim,
            region: Span::new(span.start, end),
        }
    }

    /// The place of `len` bytes at offset `i` of the value.
    fn at(&self, i: usize, len: usize) -> Span {
        match self.verbatim {
            Some(base) => Span::new(base + i, base + i + len),
            None => self.span,
        }
    }

    /// The place of the expression `source` of the placeholder whose `{` is at offset `i` of
    /// the value, and whether it is exact. A value the file does not hold verbatim (a block
    /// scalar, a string with escapes) is searched for the placeholder's text: its n-th
    /// occurrence in the value is its n-th in the file, from the value's start on.
    fn placeholder(&self, i: usize, source: &str) -> (Span, bool) {
        if let Some(base) = self.verbatim {
            let start = base + i + 1;
            return (Span::new(start, start + source.len()), true);
        }
        let needle = format!("{{{source}}}");
        let before = self.value[..i].matches(needle.as_str()).count();
        let found = self
            .file
            .get(self.region.start..self.region.end)
            .and_then(|region| region.match_indices(needle.as_str()).nth(before));
        match found {
            Some((at, _)) => {
                let start = self.region.start + at + 1;
                (Span::new(start, start + source.len()), true)
            }
            None => (self.span, false),
        }
    }
}
