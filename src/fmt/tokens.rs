//! A rule file as the sequence of its tokens and comments, whitespace aside: what the
//! formatter promises to keep, and checks that it kept.

use crate::dsl::{is_infix, Rule};
use pest::iterators::Pair;

/// One token of a rule file, or one comment (its text without trailing whitespace).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Token<'s> {
    /// A word, a literal or a punctuation mark, exactly as written.
    Text(&'s str),
    /// `// …`, trailing spaces and a carriage return dropped.
    Comment(&'s str),
}

/// The tokens and comments of `text`, in order, given its parse tree. The tree's leaves
/// (names, literals, operators; a string literal whole) are tokens; between them lie only
/// whitespace, comments and the grammar's fixed words and marks (`rule`, `{`, `->`…), which
/// are read here from the text.
pub(crate) fn tokens<'s>(text: &'s str, top: Pair<'s, Rule>) -> Vec<Token<'s>> {
    let mut leaves = Vec::new();
    leaf_spans(top, &mut leaves);
    let mut out = Vec::new();
    let mut at = 0;
    for (start, end) in leaves {
        gap_tokens(text, at, start, &mut out);
        out.push(Token::Text(&text[start..end]));
        at = end;
    }
    gap_tokens(text, at, text.len(), &mut out);
    out
}

/// The spans of the tree's leaves, in order.
pub(crate) fn leaf_spans(pair: Pair<'_, Rule>, out: &mut Vec<(usize, usize)>) {
    if is_leaf(pair.as_rule()) {
        let span = pair.as_span();
        out.push((span.start(), span.end()));
        return;
    }
    for p in pair.into_inner() {
        leaf_spans(p, out);
    }
}

/// Whether a pair of this rule is one token: a name, a literal, an operator or a word of its
/// own. A string literal is one token, its interpolations part of its text. Other pairs are
/// made of their inner pairs and fixed words and marks (an empty `{}` block has no inner pair).
pub(crate) fn is_leaf(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::name
            | Rule::regex
            | Rule::transform
            | Rule::sensitive
            | Rule::erase_word
            | Rule::migrate_word
            | Rule::drop_word
            | Rule::rename_word
            | Rule::to_word
            | Rule::from_word
            | Rule::in_word
            | Rule::set_word
            | Rule::status_word
            | Rule::optional
            | Rule::type_word
            | Rule::new_case
            | Rule::not_op
            | Rule::neg_op
            | Rule::is_set
            | Rule::is_unset
            | Rule::period
            | Rule::instant
            | Rule::duration
            | Rule::integer
            | Rule::boolean
            | Rule::unset_lit
            | Rule::now
            | Rule::quant_kind
            | Rule::event_kw
            | Rule::string
    ) || is_infix(rule)
}

/// Splits `text[from..to]`, which holds no leaf, into fixed words, marks and comments.
fn gap_tokens<'s>(text: &'s str, from: usize, to: usize, out: &mut Vec<Token<'s>>) {
    let bytes = text.as_bytes();
    let mut i = from;
    while i < to {
        let b = bytes[i];
        if b.is_ascii_whitespace() {
            i += 1;
        } else if text[i..to].starts_with("//") {
            let end = text[i..to].find('\n').map_or(to, |n| i + n);
            out.push(Token::Comment(text[i..end].trim_end()));
            i = end;
        } else if b.is_ascii_alphanumeric() || b == b'_' {
            let end = text[i..to]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .map_or(to, |n| i + n);
            out.push(Token::Text(&text[i..end]));
            i = end;
        } else {
            let len = if text[i..to].starts_with("->") {
                2
            } else {
                text[i..to].chars().next().map_or(1, char::len_utf8)
            };
            out.push(Token::Text(&text[i..i + len]));
            i += len;
        }
    }
}
