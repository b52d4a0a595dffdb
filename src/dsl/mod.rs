//! The rule-file parser: pest grammar (`grammar/docket.pest`) → [`crate::ast`].
//!
//! `Pair`/`Rule` never leave this module: callers get an AST or diagnostics.

mod bidi;
mod hints;
mod lower;

/// Whether a grammar rule reads a binary (infix) operator (the operators are listed once,
/// in [`crate::ast::BinOp`]).
pub(crate) fn is_infix(rule: Rule) -> bool {
    lower::rule_op(rule).is_some()
}

pub use bidi::bidi_warnings;

use crate::ast::{BinOp, File, Prec};
use crate::diag::{Code, Diagnostic};
use crate::span::{Source, Span};
use pest::Parser;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/docket.pest"]
struct DocketParser;

/// How deeply brackets may nest in a rule file; deeper input is refused before parsing so that
/// no input can exhaust the stack.
pub const MAX_NESTING: usize = 48;

/// How deep an expression's tree may be: operators (`not not not …`, `a + a + …`) nest without
/// brackets. The checker and the evaluator recurse over this tree; the bound keeps them well
/// inside a 2 MiB thread stack even in a debug build.
pub const MAX_EXPR_DEPTH: usize = 64;

/// A problem that stops a rule file from parsing.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// `rule r when (((((… 50 levels …))))) {}`
    #[error("brackets nest more than {max} deep")]
    TooDeep { max: usize, span: Span },
    /// `rule r when not not not … (70 times) x {}`
    #[error("this expression is more than {max} operations deep")]
    ExprTooDeep { max: usize, span: Span },
    /// `rule r when { }` (an expression was expected)
    #[error("{message}")]
    Syntax {
        message: String,
        span: Span,
        /// What was found instead, shown under the caret: "found `{`".
        label: Option<String>,
        help: Option<String>,
    },
    /// `x == 99999999999999999999` or `@2026-13-45T00:00:00Z`
    #[error("{message}")]
    BadLiteral {
        message: String,
        span: Span,
        help: Option<String>,
    },
}

impl ParseError {
    pub fn span(&self) -> Span {
        match self {
            ParseError::TooDeep { span, .. }
            | ParseError::ExprTooDeep { span, .. }
            | ParseError::Syntax { span, .. }
            | ParseError::BadLiteral { span, .. } => *span,
        }
    }

    pub fn to_diagnostic(&self, source: usize) -> Diagnostic {
        let code = match self {
            ParseError::TooDeep { .. } => Code::TooDeep,
            ParseError::ExprTooDeep { .. } => Code::ExprTooDeep,
            ParseError::Syntax { .. } => Code::Syntax,
            ParseError::BadLiteral { .. } => Code::BadLiteral,
        };
        let mut d = Diagnostic::error(code, source, self.span(), self.to_string());
        match self {
            ParseError::TooDeep { max, .. } => {
                d.label = Some(format!("{} deep here", max + 1));
                d.help =
                    Some("split the expression with `let` bindings or derived fields".to_string());
            }
            ParseError::ExprTooDeep { .. } => {
                d.help =
                    Some("split the expression with `let` bindings or derived fields".to_string());
            }
            ParseError::Syntax { label, help, .. } => {
                d.label = label.clone();
                d.help = help.clone();
            }
            ParseError::BadLiteral { help, .. } => d.help = help.clone(),
        }
        d
    }
}

/// Orders the parses of this crate: pest's switch for error detail is one for the whole
/// process. Parses without detail (nearly all) run side by side; one with detail, for a
/// text that failed, runs alone.
static PARSING: std::sync::RwLock<()> = std::sync::RwLock::new(());

/// `text` parsed as `rule`. Parsed first without tracking what was tried where (a third of
/// the time of a parse that succeeds, as nearly every parse does); only a text that fails
/// is parsed again with the tracking on, so that the error can name the literal tokens
/// pest tried at the failure point too (`}`, `,`, `)`…): rule names alone miss every
/// bracket.
#[allow(
    clippy::result_large_err,
    reason = "pest's own error, made once for a file that fails and turned into a diagnostic at once"
)]
fn parse(
    rule: Rule,
    text: &str,
) -> Result<pest::iterators::Pairs<'_, Rule>, pest::error::Error<Rule>> {
    match parse_quick(rule, text) {
        Some(pairs) => Ok(pairs),
        None => {
            let _alone = PARSING
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            pest::set_error_detail(true);
            let detailed = DocketParser::parse(rule, text);
            pest::set_error_detail(false);
            detailed
        }
    }
}

/// `text` parsed as `rule` without tracking what was tried where: `None` if it does not
/// parse.
fn parse_quick(rule: Rule, text: &str) -> Option<pest::iterators::Pairs<'_, Rule>> {
    // a parse that panicked elsewhere leaves nothing to repair: the guard only orders parses
    let _quick = PARSING
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    pest::set_error_detail(false);
    DocketParser::parse(rule, text).ok()
}

/// Parses one rule file. `source` is the file's index in the policy's source list.
pub fn parse_file(source: usize, src: &Source) -> Result<File, Vec<Diagnostic>> {
    check_nesting(source, src)?;
    let pairs = parse(Rule::file, &src.text)
        .map_err(|e| vec![syntax_error(e, src, true).to_diagnostic(source)])?;
    let mut too_deep = None;
    for p in pairs.clone() {
        deep_exprs(p, &mut too_deep);
    }
    if let Some(span) = too_deep {
        let err = ParseError::ExprTooDeep {
            max: MAX_EXPR_DEPTH,
            span,
        };
        return Err(vec![err.to_diagnostic(source)]);
    }
    lower::lower_file(source, pairs).map_err(|errs| {
        errs.into_iter()
            .map(|e| e.to_diagnostic(source))
            .collect::<Vec<_>>()
    })
}

/// Where a rule file of `text` may be cut in two for two threads to parse, each part on its
/// own: the start of the first line from the middle on (else the last before it) that begins
/// a declaration (a declaration keyword at the line's first column, then a space). No
/// declaration continues past such a line (none of their trailing parts, nor an expression,
/// can go on with a declaration keyword), so the parts hold the file's declarations, in
/// order. The text is not read for brackets here (the thread cutting the work would read
/// the whole file for it): each part checks its own nesting, and one that is cut inside
/// brackets or a string, or fails for any reason, makes [`parse_part`]'s caller parse the
/// whole file. `None` for a file too small to be worth it.
pub fn cut_point(text: &str) -> Option<usize> {
    if text.len() < CUT_BYTES {
        return None;
    }
    let starts_declaration = |at: usize| {
        let line = &text.as_bytes()[at..];
        DECLARATION_WORDS.iter().any(|k| {
            line.starts_with(k.as_bytes()) && matches!(line.get(k.len()), Some(b' ' | b'\t'))
        })
    };
    let middle = text.len() / 2;
    // line starts from the middle on, then (for a file whose second half is one
    // declaration) before it
    let after = memchr::memchr_iter(b'\n', &text.as_bytes()[middle..]).map(|i| middle + i + 1);
    let before = memchr::memrchr_iter(b'\n', &text.as_bytes()[..middle]).map(|i| i + 1);
    after
        .chain(before)
        .find(|&at| at < text.len() && at > 0 && starts_declaration(at))
}

/// The words that start a declaration.
pub(super) const DECLARATION_WORDS: [&str; 10] = [
    "format",
    "statuses",
    "case",
    "participants",
    "event",
    "deadline",
    "on",
    "enum",
    "migrate",
    "invariant",
];

/// Below this many bytes, a rule file is parsed whole by one thread.
const CUT_BYTES: usize = 4 * 1024;

/// Which part of a rule file cut at [`cut_point`] to parse.
#[derive(Clone, Copy)]
pub enum Part {
    /// The text before the cut.
    Before(usize),
    /// The text from the cut on.
    From(usize),
}

/// The declarations of one part of a rule file cut at [`cut_point`], with the spans they
/// have in the whole file; `None` when the part does not parse or lower cleanly (the whole
/// file is then parsed again with [`parse_file`], for its errors). Each part checks its own
/// nesting, as [`parse_file`] checks a whole file's, and ends outside every bracket and
/// string: the part before the cut so, the cut is outside them too, and the part after it
/// is read from where a whole file starts.
pub fn parse_part(source: usize, src: &Source, part: Part) -> Option<File> {
    let (base, text) = match part {
        Part::Before(cut) => (0, src.text.get(..cut)?),
        Part::From(cut) => (cut, src.text.get(cut..)?),
    };
    if !open_brackets(text, text.len()).is_ok_and(|open| open.is_empty()) {
        return None;
    }
    // a part that fails is parsed again whole, for its error: no detail needed here
    let pairs = parse_quick(Rule::file, text)?;
    let mut too_deep = None;
    for p in pairs.clone() {
        deep_exprs(p, &mut too_deep);
    }
    if too_deep.is_some() {
        return None;
    }
    lower::lower_file_from(base, source, pairs).ok()
}

/// A rule file's brackets nest no deeper than [`MAX_NESTING`] (else its error), as
/// [`parse_file`] checks first.
pub fn check_nesting(source: usize, src: &Source) -> Result<(), Vec<Diagnostic>> {
    open_brackets(&src.text, src.text.len())
        .map(drop)
        .map_err(|err| vec![err.to_diagnostic(source)])
}

/// The parse tree of a rule file, for the formatter (`crate::fmt`) alone: it works on the
/// syntax as written (every token, in order) rather than on its meaning, so it reads pest's
/// pairs. Call it on text that [`parse_file`] accepted; its diagnostics are the ones to show.
pub(crate) fn syntax_tree(text: &str) -> Result<pest::iterators::Pairs<'_, Rule>, ParseError> {
    open_brackets(text, text.len())?;
    parse(Rule::file, text).map_err(|e| syntax_error(e, &Source::new("", text), true))
}

/// Parses the expression of a `{…}` placeholder (the text between the braces). Its spans,
/// and those of the error, are offsets into `text`.
pub fn parse_expr(text: &str) -> Result<crate::ast::Expr, ParseError> {
    if let Some(path) = plain_path(text) {
        return Ok(path);
    }
    open_brackets(text, text.len())?;
    let mut pairs = parse(Rule::placeholder, text).map_err(|e| {
        // the placeholder ends where its text does: at its `}`
        let src = Source::new("placeholder", text);
        match syntax_error(e, &src, false) {
            ParseError::Syntax {
                message,
                span,
                label,
                help,
            } => ParseError::Syntax {
                message: message.replace("the end of the file", "`}`"),
                span,
                label: label.map(|l| l.replace("found the end of the file", "found `}`")),
                help,
            },
            other => other,
        }
    })?;
    let Some(top) = pairs.next() else {
        return Err(ParseError::Syntax {
            message: "expected an expression".into(),
            span: Span::default(),
            label: None,
            help: None,
        });
    };
    let mut too_deep = None;
    expr_depth(top.clone(), &mut too_deep);
    if let Some(span) = too_deep {
        return Err(ParseError::ExprTooDeep {
            max: MAX_EXPR_DEPTH,
            span,
        });
    }
    lower::placeholder(top)
}

/// `a.b.c` (no spaces, no keyword but a leading `event`) read without the parser: most
/// placeholders are such paths, and pest's full expression grammar costs far more.
fn plain_path(text: &str) -> Option<crate::ast::Expr> {
    use crate::ast::{Expr, ExprKind, Ident};
    let mut path = Vec::new();
    let mut start = 0;
    for (i, segment) in text.split('.').enumerate() {
        let mut chars = segment.chars();
        let word = chars
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !word || (is_keyword(segment) && !(i == 0 && segment == "event")) {
            return None;
        }
        path.push(Ident {
            name: segment.to_string(),
            span: Span::new(start, start + segment.len()),
        });
        start += segment.len() + 1;
    }
    Some(Expr {
        kind: ExprKind::Path(path),
        span: Span::new(0, text.len()),
    })
}

/// The brackets and strings still open at byte `upto`, innermost last, as (`(`, `[`, `{` or
/// `"`, offset). Comments, `/regex/` literals and the text of strings are skipped; the `{…}`
/// interpolations of a string are brackets like any other. Refuses input that nests deeper
/// than [`MAX_NESTING`], before pest ever sees it, so that no input can exhaust the stack.
fn open_brackets(text: &str, upto: usize) -> Result<Vec<(char, usize)>, ParseError> {
    // Read byte by byte: every character that means anything here is ASCII, and no byte of
    // another character's UTF-8 is (a rule file is read on every load: this runs a word at a
    // time rather than a character at a time).
    let bytes = text.as_bytes();
    let upto = upto.min(bytes.len());
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    // `"` entries mark strings: inside one, only `\`, `"`, `{` and a newline mean anything.
    let mut stack: Vec<(char, usize)> = Vec::new();
    let mut depth = 0usize;
    // The `<` of `set<…>` and `list<…>` types nest too (not on the stack: they are no
    // brackets of an expression). `type_word`: whether the last word read, with only
    // whitespace or comments after it, is `set`/`list`.
    let mut angles = 0usize;
    let mut type_word = false;
    let mut i = 0;
    while i < upto {
        let b = bytes[i];
        let opened = if matches!(stack.last(), Some(('"', _))) {
            i += 1;
            match b {
                b'\\' => {
                    // the escaped character, whole
                    i += text
                        .get(i..)
                        .and_then(|t| t.chars().next())
                        .map_or(1, char::len_utf8);
                    false
                }
                // an unterminated string ends with its line
                b'"' | b'\n' => {
                    stack.pop();
                    false
                }
                b'{' => {
                    stack.push(('{', i - 1));
                    depth += 1;
                    true
                }
                _ => false,
            }
        } else if is_word(b) {
            let start = i;
            while i < upto && is_word(bytes[i]) {
                i += 1;
            }
            // (a word cut off by `upto` is never followed by anything)
            type_word = matches!(&bytes[start..i], b"set" | b"list");
            false
        } else {
            let c = match b {
                0..=0x7f => char::from(b),
                _ => text.get(i..).and_then(|t| t.chars().next()).unwrap_or(' '),
            };
            let next = bytes.get(i + 1).copied();
            i += c.len_utf8();
            let mut opened = false;
            match c {
                '<' if type_word => {
                    angles += 1;
                    opened = true;
                }
                '>' => angles = angles.saturating_sub(1),
                _ => {}
            }
            if !(c.is_whitespace() || c == '/' && next == Some(b'/')) {
                type_word = false;
            }
            match c {
                '"' => stack.push(('"', i - 1)),
                '/' if next == Some(b'/') => {
                    // `//` runs to the end of the line
                    i = memchr::memchr(b'\n', &bytes[i..]).map_or(bytes.len(), |n| i + n);
                }
                '/' => {
                    // `/…/` is a pattern (no division exists), ended by `/` or the line's end
                    while let Some(&p) = bytes.get(i) {
                        if p == b'\n' {
                            break;
                        }
                        i += 1;
                        if p == b'\\' {
                            i += 1;
                        } else if p == b'/' {
                            break;
                        }
                    }
                }
                '(' | '[' | '{' => {
                    stack.push((c, i - 1));
                    depth += 1;
                    opened = true;
                }
                ')' | ']' | '}' => {
                    stack.pop();
                    depth = depth.saturating_sub(1);
                }
                _ => {}
            }
            opened
        };
        // nesting only grows where a bracket opens, and that one byte is to blame
        if opened && depth + angles > MAX_NESTING {
            return Err(ParseError::TooDeep {
                max: MAX_NESTING,
                span: Span::new(i - 1, i),
            });
        }
    }
    Ok(stack)
}

/// Puts in `too_deep` the first expression under `p` deeper than [`MAX_EXPR_DEPTH`], as
/// [`expr_depth`] over all of `p` would, folding only what could be that deep: each level of
/// an expression's tree is a pair of its own (an operator, a call, a literal), so a pair with
/// no more than [`MAX_EXPR_DEPTH`] pairs inside holds no expression deeper than that.
fn deep_exprs(p: pest::iterators::Pair<Rule>, too_deep: &mut Option<Span>) {
    if too_deep.is_some() || p.clone().into_inner().flatten().len() <= MAX_EXPR_DEPTH {
        return;
    }
    if p.as_rule() == Rule::expr {
        expr_depth(p, too_deep);
        return;
    }
    for child in p.into_inner() {
        deep_exprs(child, too_deep);
    }
}

/// The depth of the expression tree that `p` lowers to (0 for a pair holding no expression).
/// The first (innermost) expression deeper than [`MAX_EXPR_DEPTH`] is put in `too_deep`.
/// Recursion here follows the pairs, whose depth the bracket limit bounds; the operators of
/// one `expr` are folded with a stack, by the precedences of [`lower`]'s Pratt parser.
fn expr_depth(p: pest::iterators::Pair<Rule>, too_deep: &mut Option<Span>) -> usize {
    let rule = p.as_rule();
    let span = p.as_span();
    if rule != Rule::expr {
        let deepest = p
            .into_inner()
            .map(|c| expr_depth(c, too_deep))
            .max()
            .unwrap_or(0);
        return match rule {
            Rule::count_call
            | Rule::quantifier
            | Rule::comprehension
            | Rule::list_lit
            | Rule::lookup
            | Rule::string => deepest + 1,
            _ => deepest,
        };
    }
    // operators waiting for their operands: (precedence, is it a prefix)
    let mut ops: Vec<(Prec, bool)> = Vec::new();
    let mut values: Vec<usize> = Vec::new();
    let reduce = |ops: &mut Vec<(Prec, bool)>, values: &mut Vec<usize>| {
        let Some((_, prefix)) = ops.pop() else {
            return;
        };
        let operand = values.pop().unwrap_or(0);
        let depth = if prefix {
            operand
        } else {
            operand.max(values.pop().unwrap_or(0))
        };
        values.push(depth.saturating_add(1));
    };
    for child in p.into_inner() {
        let infix = lower::rule_op(child.as_rule()).map(BinOp::precedence);
        match (child.as_rule(), infix) {
            (_, Some(prec)) => {
                // all infix operators associate to the left
                while ops.last().is_some_and(|&(p, _)| p >= prec) {
                    reduce(&mut ops, &mut values);
                }
                ops.push((prec, false));
            }
            (Rule::not_op, _) => ops.push((Prec::Not, true)),
            (Rule::neg_op, _) => ops.push((Prec::Neg, true)),
            // `is` binds tightest: it applies to the operand just read
            (Rule::is_test, _) => {
                if let Some(v) = values.last_mut() {
                    *v = v.saturating_add(1);
                }
            }
            _ => values.push(expr_depth(child, too_deep).max(1)),
        }
    }
    while !ops.is_empty() {
        reduce(&mut ops, &mut values);
    }
    let depth = values.into_iter().max().unwrap_or(1);
    if depth > MAX_EXPR_DEPTH && too_deep.is_none() {
        let text = span.as_str();
        *too_deep = Some(Span::new(
            span.start(),
            span.start() + text.trim_end().len(),
        ));
    }
    depth
}

/// Punctuation worth naming in "expected …": what closes or separates.
const PUNCTUATION: [&str; 9] = ["}", ")", "]", ",", ":", "=", "{", "(", "?"];

/// The syntax error pest reports, in words for an author; `fallback` gives it a help line
/// even when no likely fix is known (what the grammar expected there, explained).
fn syntax_error(e: pest::error::Error<Rule>, src: &Source, fallback: bool) -> ParseError {
    let text = src.text.as_str();
    let (at, expected) = expected_at(&e, text);
    let message = match (&e.variant, expected.split_last()) {
        (pest::error::ErrorVariant::CustomError { message }, _) => message.clone(),
        (_, None) => "unexpected input".to_string(),
        (_, Some((last, []))) => format!("expected {last}"),
        (_, Some((last, rest))) => format!("expected {} or {last}", rest.join(", ")),
    };
    let rest = &text[at..];
    let found = found_at(rest);
    let open = open_brackets(text, at).unwrap_or_default();
    if let Some(e) = string_error(text, at, found, &open) {
        return e;
    }
    let unclosed = open
        .iter()
        .rev()
        .find(|(c, _)| *c != '"')
        .map(|&(c, offset)| (c, src.line_col(offset).0));
    let at_error = hints::At {
        before: &text[..at],
        rest,
        found,
        message: &message,
        unclosed,
        keyword: is_keyword(found),
    };
    let help = if fallback {
        Some(hints::help(&at_error))
    } else {
        hints::likely_fix(&at_error)
    };
    let end_of_line = found == "\n" || found == "\r";
    let label = if found.is_empty() {
        "found the end of the file".to_string()
    } else if end_of_line {
        "found the end of the line".to_string()
    } else {
        format!("found `{found}`")
    };
    let underline = if end_of_line { 0 } else { found.len() };
    ParseError::Syntax {
        message,
        span: Span::new(at, at + underline),
        label: Some(label),
        help,
    }
}

/// Where a syntax error is, and what could have come there: the names of the grammar rules
/// tried, then the literal tokens (`=`, `(`, `}`…), in the order of [`PUNCTUATION`].
fn expected_at(e: &pest::error::Error<Rule>, text: &str) -> (usize, Vec<String>) {
    use pest::error::{ErrorVariant, InputLocation};
    // pest places the error where a grammar rule last failed, and names the rules tried
    // there; the literal tokens it tried (`=`, `(`, `}`…) may have got further.
    let rule_at = match e.location {
        InputLocation::Pos(p) | InputLocation::Span((p, _)) => p,
    };
    let mut names: Vec<&str> = match &e.variant {
        ErrorVariant::ParsingError { positives, .. } => {
            positives.iter().filter_map(|r| rule_name(*r)).collect()
        }
        ErrorVariant::CustomError { .. } => Vec::new(),
    };
    if names.iter().any(|n| n.starts_with("a declaration")) {
        names.retain(|n| *n != "the end of the file");
    }
    names.sort_unstable();
    names.dedup();
    let (token_at, all_tokens) = e
        .parse_attempts()
        .map(|a| {
            let tokens: Vec<String> = a
                .expected_tokens()
                .into_iter()
                .map(|t| t.to_string())
                .collect();
            (a.max_position, tokens)
        })
        .unwrap_or((0, Vec::new()));
    let punctuation = |t: &String| PUNCTUATION.contains(&t.as_str());
    // Past the last rule, the tokens are all there is to go by: keywords (`in`) count too.
    let further: Vec<String> = all_tokens
        .iter()
        .filter(|t| punctuation(t) || (t.len() > 1 && t.chars().all(|c| c.is_ascii_lowercase())))
        .cloned()
        .collect();
    let (at, tokens) = if token_at > rule_at && !further.is_empty() {
        names.clear();
        (token_at, further)
    } else {
        (
            rule_at,
            all_tokens.into_iter().filter(punctuation).collect(),
        )
    };
    let at = crate::span::floor_char_boundary(text, at);
    let mut tokens: Vec<String> = if token_at == at {
        tokens.into_iter().map(|t| format!("`{t}`")).collect()
    } else {
        Vec::new()
    };
    tokens.retain(|t| !names.contains(&t.as_str()));
    // `(` opens an expression and `{` a record type: naming them beside "an expression" or
    // "a type" adds nothing
    tokens.retain(|t| !(t == "`(`" && names.contains(&"an expression")));
    tokens.retain(|t| !(t == "`{`" && names.contains(&"a type")));
    tokens.sort_by_key(|t| {
        PUNCTUATION
            .iter()
            .position(|p| format!("`{p}`") == *t)
            .unwrap_or(PUNCTUATION.len())
    });
    let mut all: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    all.extend(tokens);
    (at, all)
}

/// What was found where a syntax error is (`rest`, the text from there): a word, or one
/// character, or nothing at the end of the file.
fn found_at(rest: &str) -> &str {
    let word_len = rest
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_'))
        .map_or(rest.len(), |(i, _)| i);
    let found_len = match word_len {
        0 => rest.chars().next().map_or(0, char::len_utf8),
        n => n,
    };
    &rest[..found_len]
}

/// A syntax error inside a string (`open`: the brackets and quotes open at `at`): one not
/// closed on its line, or an unknown escape. Said of the string, not of what pest expected.
fn string_error(text: &str, at: usize, found: &str, open: &[(char, usize)]) -> Option<ParseError> {
    let end_of_line = found.is_empty() || found == "\n" || found == "\r";
    match open.last() {
        // A string still open at the end of its line: point at where it starts.
        Some(&('"', quote)) if end_of_line => Some(ParseError::Syntax {
            message: "unterminated string".into(),
            span: Span::new(quote, quote + 1),
            label: Some("this string is not closed on its line".into()),
            help: Some(
                "end it with `\"`; a string stays on one line (write `\\n` for a line break)"
                    .into(),
            ),
        }),
        // A backslash in a string followed by a character that is no escape (pest fails on
        // the backslash, or just after it).
        Some(&('"', _)) if found == "\\" || text[..at].ends_with('\\') => {
            let start = if found == "\\" { at } else { at - 1 };
            let escape: String = text[start..].chars().take(2).collect();
            Some(ParseError::Syntax {
                message: format!("unknown escape `{escape}` in a string"),
                span: Span::new(start, start + escape.len()),
                label: None,
                help: Some("the escapes are `\\\"`, `\\\\`, `\\{`, `\\}` and `\\n`".into()),
            })
        }
        _ => None,
    }
}

/// Whether `word` is one of the language's keywords.
fn is_keyword(word: &str) -> bool {
    KEYWORDS.binary_search(&word).is_ok()
}

/// The keywords of the grammar's `keyword_body`, in order: a placeholder's every name is
/// looked up here (a parse by pest costs a hundred times more). `tests.rs` checks that
/// the list and the grammar agree.
const KEYWORDS: [&str; 36] = [
    "add",
    "all",
    "and",
    "any",
    "as",
    "case",
    "count",
    "deadline",
    "else",
    "emit",
    "enum",
    "event",
    "false",
    "for",
    "format",
    "in",
    "is",
    "key",
    "let",
    "matches",
    "new",
    "not",
    "now",
    "on",
    "or",
    "participants",
    "reject",
    "rule",
    "sensitive",
    "set",
    "show",
    "statuses",
    "true",
    "unset",
    "when",
    "where",
];

/// What a grammar rule is called in "expected …" messages; `None` hides helper rules.
fn rule_name(r: Rule) -> Option<&'static str> {
    Some(match r {
        Rule::EOI => "the end of the file",
        Rule::name | Rule::event_trigger => "a name",
        Rule::file | Rule::declaration | Rule::format_decl | Rule::statuses_decl | Rule::case_decl => {
            "a declaration (`format`, `statuses`, `case`, `participants`, `event`, `deadline` or `on`)"
        }
        Rule::participants_decl | Rule::event_decl | Rule::deadline_decl | Rule::handler => {
            "a declaration (`format`, `statuses`, `case`, `participants`, `event`, `deadline` or `on`)"
        }
        Rule::expr | Rule::primary | Rule::prefix => "an expression",
        Rule::infix | Rule::postfix => "an operator",
        Rule::eq_op | Rule::ne_op | Rule::le_op | Rule::ge_op | Rule::lt_op | Rule::gt_op => {
            "an operator"
        }
        Rule::or_op | Rule::and_op | Rule::in_op | Rule::matches_op | Rule::coalesce_op => {
            "an operator"
        }
        Rule::add_op | Rule::sub_op | Rule::mul_op | Rule::is_test | Rule::no_operator => {
            "an operator"
        }
        Rule::type_expr | Rule::set_type | Rule::list_type | Rule::record_type => "a type",
        Rule::optional => "`?`",
        Rule::sensitive => "`sensitive`",
        Rule::string => "a string",
        Rule::regex => "a pattern like `/^[0-9]{6}$/`",
        Rule::pattern_src => "a pattern",
        Rule::transform => "`uppercase`, `lowercase` or `trim`",
        Rule::status_item => "a status name",
        Rule::field_decl => "a field (`name: type` or `name = expression`)",
        Rule::record_field => "a field (`name: type`)",
        Rule::route => "`for`",
        Rule::new_case => "`new`",
        Rule::let_binding => "`let`",
        Rule::rule_decl => "`rule`",
        Rule::for_clause => "`for`",
        Rule::when_clause => "`when`",
        Rule::block => "`{`",
        Rule::else_block => "`else`",
        Rule::action | Rule::set_action | Rule::emit_action | Rule::reject_action => {
            "an action (`set`, `emit`, `reject`, `show` or `add`)"
        }
        Rule::show_action | Rule::add_action => {
            "an action (`set`, `emit`, `reject`, `show` or `add`)"
        }
        Rule::field_init => "`name: value`",
        Rule::path => "a name",
        Rule::deadline_trigger => "`deadline`",
        Rule::placeholder => "an expression",
        Rule::erase_clause | Rule::erase_word => "`erase when`",
        // (named like the other declarations: one list in "expected …")
        Rule::migrate_decl | Rule::migrate_word => {
            "a declaration (`format`, `statuses`, `case`, `participants`, `event`, `deadline` or `on`)"
        }
        Rule::migrate_block | Rule::migrate_drop => "a case type, or `drop`",
        Rule::migrate_in => "`in`",
        Rule::migrate_from => "`from`",
        Rule::migrate_step
        | Rule::rename_step
        | Rule::drop_step
        | Rule::set_step
        | Rule::status_step
        | Rule::rename_word
        | Rule::drop_word
        | Rule::set_word
        | Rule::status_word => "a migration step (`rename`, `drop`, `set` or `status`)",
        Rule::to_word => "`to`",
        Rule::from_word => "`from`",
        Rule::in_word => "`in`",
        _ => return None,
    })
}

#[cfg(test)]
mod tests;
