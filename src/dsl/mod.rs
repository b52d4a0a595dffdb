//! The rule-file parser: pest grammar (`grammar/docket.pest`) → [`crate::ast`].
//!
//! `Pair`/`Rule` never leave this module: callers get an AST or diagnostics.

mod lower;

use crate::ast::File;
use crate::diag::Diagnostic;
use crate::span::{Source, Span};
use pest::Parser;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/docket.pest"]
struct DocketParser;

/// How deeply brackets may nest in a rule file; deeper input is refused before parsing so that
/// no input can exhaust the stack.
pub const MAX_NESTING: usize = 48;

/// A problem that stops a rule file from parsing.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// `rule r when (((((… 50 levels …))))) {}`
    #[error("brackets nest more than {max} deep")]
    TooDeep { max: usize, span: Span },
    /// `rule r when { }` (an expression was expected)
    #[error("{message}")]
    Syntax { message: String, span: Span },
    /// `x == 99999999999999999999` or `@2026-13-45T00:00:00Z`
    #[error("{message}")]
    BadLiteral { message: String, span: Span },
}

impl ParseError {
    pub fn span(&self) -> Span {
        match self {
            ParseError::TooDeep { span, .. }
            | ParseError::Syntax { span, .. }
            | ParseError::BadLiteral { span, .. } => *span,
        }
    }

    pub fn to_diagnostic(&self, source: usize) -> Diagnostic {
        let d = Diagnostic::error(source, self.span(), self.to_string());
        match self {
            ParseError::TooDeep { .. } => {
                d.with_help("split the expression with `let` bindings or derived fields")
            }
            ParseError::Syntax { .. } => d,
            ParseError::BadLiteral { .. } => d,
        }
    }
}

/// Parses one rule file. `source` is the file's index in the policy's source list.
pub fn parse_file(source: usize, src: &Source) -> Result<File, Vec<Diagnostic>> {
    if let Some(err) = check_nesting(&src.text) {
        return Err(vec![err.to_diagnostic(source)]);
    }
    let pairs = DocketParser::parse(Rule::file, &src.text)
        .map_err(|e| vec![syntax_error(e).to_diagnostic(source)])?;
    lower::lower_file(source, pairs).map_err(|errs| {
        errs.into_iter()
            .map(|e| e.to_diagnostic(source))
            .collect::<Vec<_>>()
    })
}

/// Refuses input nesting brackets deeper than [`MAX_NESTING`] (strings and comments skipped).
fn check_nesting(text: &str) -> Option<ParseError> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if in_string {
            match c {
                '\\' => {
                    chars.next();
                }
                '"' => in_string = false,
                // interpolations nest expressions inside strings
                '{' => depth += 1,
                '}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        } else {
            match c {
                '"' => in_string = true,
                '/' if matches!(chars.peek(), Some((_, '/'))) => {
                    while let Some((_, c)) = chars.peek() {
                        if *c == '\n' {
                            break;
                        }
                        chars.next();
                    }
                }
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        if depth > MAX_NESTING {
            return Some(ParseError::TooDeep {
                max: MAX_NESTING,
                span: Span::new(i, i + c.len_utf8()),
            });
        }
    }
    None
}

fn syntax_error(e: pest::error::Error<Rule>) -> ParseError {
    use pest::error::{ErrorVariant, InputLocation};
    let span = match e.location {
        InputLocation::Pos(p) => Span::new(p, p),
        InputLocation::Span((a, b)) => Span::new(a, b),
    };
    let message = match &e.variant {
        ErrorVariant::ParsingError { positives, .. } => {
            let mut names: Vec<&str> = positives.iter().filter_map(|r| rule_name(*r)).collect();
            names.sort_unstable();
            names.dedup();
            match names.len() {
                0 => "unexpected input".to_string(),
                1 => format!("expected {}", names[0]),
                _ => {
                    let last = names.pop().unwrap_or_default();
                    format!("expected {} or {}", names.join(", "), last)
                }
            }
        }
        ErrorVariant::CustomError { message } => message.clone(),
    };
    ParseError::Syntax { message, span }
}

/// What a grammar rule is called in "expected …" messages; `None` hides helper rules.
fn rule_name(r: Rule) -> Option<&'static str> {
    Some(match r {
        Rule::EOI => "end of file",
        Rule::name | Rule::event_trigger => "a name",
        Rule::declaration | Rule::format_decl | Rule::statuses_decl | Rule::case_decl => {
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
        Rule::add_op | Rule::sub_op | Rule::mul_op | Rule::is_test => "an operator",
        Rule::type_expr | Rule::set_type | Rule::list_type | Rule::record_type => "a type",
        Rule::optional => "`?`",
        Rule::sensitive => "`sensitive`",
        Rule::string => "a string",
        Rule::regex => "a pattern like `/^[0-9]{6}$/`",
        Rule::pattern_src => "a pattern",
        Rule::transform => "`uppercase`, `lowercase` or `trim`",
        Rule::status_item => "a status name",
        Rule::field_decl => "a field (`name: type` or `name = expression`)",
        Rule::stored_field | Rule::derived_field => "`:` or `=`",
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
        _ => return None,
    })
}

#[cfg(test)]
mod tests;
