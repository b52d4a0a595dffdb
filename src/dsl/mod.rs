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

/// Serialises the parses of this crate: pest's switch for error detail is one for the
/// whole process.
static PARSING: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// `text` parsed as `rule`. Parsed first without tracking what was tried where (a third of
/// the time of a parse that succeeds, as nearly every parse does); only a text that fails
/// is parsed again with the tracking on, so that the error can name the literal tokens
/// pest tried at the failure point too (`}`, `,`, `)`…): rule names alone miss every
/// bracket.
fn parse(
    rule: Rule,
    text: &str,
) -> Result<pest::iterators::Pairs<'_, Rule>, pest::error::Error<Rule>> {
    // a parse that panicked elsewhere leaves nothing to repair: the guard only orders parses
    let _one_at_a_time = PARSING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    pest::set_error_detail(false);
    match DocketParser::parse(rule, text) {
        Ok(pairs) => Ok(pairs),
        Err(_) => {
            pest::set_error_detail(true);
            let detailed = DocketParser::parse(rule, text);
            pest::set_error_detail(false);
            detailed
        }
    }
}

/// Parses one rule file. `source` is the file's index in the policy's source list.
pub fn parse_file(source: usize, src: &Source) -> Result<File, Vec<Diagnostic>> {
    if let Err(err) = open_brackets(&src.text, src.text.len()) {
        return Err(vec![err.to_diagnostic(source)]);
    }
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
    // `"` entries mark strings: inside one, only `\`, `"`, `{` and a newline mean anything.
    let mut stack: Vec<(char, usize)> = Vec::new();
    let mut depth = 0usize;
    // The `<` of `set<…>` and `list<…>` types nest too (not on the stack: they are no
    // brackets of an expression). `word` is where the word being read started; `type_word`,
    // whether the last word read, with only whitespace or comments after it, is `set`/`list`.
    let mut angles = 0usize;
    let mut word: Option<usize> = None;
    let mut type_word = false;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if i >= upto {
            break;
        }
        let in_string = matches!(stack.last(), Some(('"', _)));
        if !in_string {
            if c.is_ascii_alphanumeric() || c == '_' {
                word.get_or_insert(i);
                continue;
            }
            if let Some(start) = word.take() {
                type_word = matches!(&text[start..i], "set" | "list");
            }
            match c {
                '<' if type_word => angles += 1,
                '>' => angles = angles.saturating_sub(1),
                _ => {}
            }
            if !(c.is_whitespace() || c == '/' && matches!(chars.peek(), Some((_, '/')))) {
                type_word = false;
            }
        }
        if in_string {
            match c {
                '\\' => {
                    chars.next();
                }
                // an unterminated string ends with its line
                '"' | '\n' => {
                    stack.pop();
                }
                '{' => {
                    stack.push(('{', i));
                    depth += 1;
                }
                _ => {}
            }
        } else {
            match c {
                '"' => stack.push(('"', i)),
                '/' => {
                    // `//` runs to the end of the line; `/…/` is a pattern (no division exists)
                    let comment = matches!(chars.peek(), Some((_, '/')));
                    while let Some(&(_, c)) = chars.peek() {
                        if c == '\n' {
                            break;
                        }
                        chars.next();
                        if !comment && c == '\\' {
                            chars.next();
                        } else if !comment && c == '/' {
                            break;
                        }
                    }
                }
                '(' | '[' | '{' => {
                    stack.push((c, i));
                    depth += 1;
                }
                ')' | ']' | '}' => {
                    stack.pop();
                    depth = depth.saturating_sub(1);
                }
                _ => {}
            }
        }
        if depth + angles > MAX_NESTING {
            return Err(ParseError::TooDeep {
                max: MAX_NESTING,
                span: Span::new(i, i + c.len_utf8()),
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
    !word.is_empty()
        && DocketParser::parse(Rule::keyword, word).is_ok_and(|p| p.as_str().len() == word.len())
}

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
