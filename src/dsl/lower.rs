//! Lowers pest pairs into the AST. Every accessor returns `Result`: no `unwrap` on `into_inner`.

use super::{ParseError, Rule};
use crate::ast::*;
use crate::span::Span;
use pest::iterators::{Pair, Pairs};
use pest::pratt_parser::{Assoc, Op, PrattParser};
use std::sync::OnceLock;

type R<T> = Result<T, ParseError>;

/// The parser's operator table, built from [`Prec`] and [`BinOp::precedence`], loosest first.
fn pratt() -> &'static PrattParser<Rule> {
    static PRATT: OnceLock<PrattParser<Rule>> = OnceLock::new();
    PRATT.get_or_init(|| {
        Prec::ALL
            .into_iter()
            .filter_map(|level| match level {
                Prec::Not => Some(Op::prefix(Rule::not_op)),
                Prec::Neg => Some(Op::prefix(Rule::neg_op)),
                Prec::Is => Some(Op::postfix(Rule::is_test)),
                Prec::Atom => None,
                Prec::Or | Prec::And | Prec::Cmp | Prec::Coalesce | Prec::Sum | Prec::Product => {
                    BinOp::ALL
                        .into_iter()
                        .filter(|op| op.precedence() == level)
                        .map(|op| Op::infix(op_rule(op), Assoc::Left))
                        .reduce(|a, b| a | b)
                }
            })
            .fold(PrattParser::new(), |pratt, op| pratt.op(op))
    })
}

/// The grammar rule that reads operator `op`.
pub(super) fn op_rule(op: BinOp) -> Rule {
    match op {
        BinOp::Or => Rule::or_op,
        BinOp::And => Rule::and_op,
        BinOp::Eq => Rule::eq_op,
        BinOp::Ne => Rule::ne_op,
        BinOp::Lt => Rule::lt_op,
        BinOp::Le => Rule::le_op,
        BinOp::Gt => Rule::gt_op,
        BinOp::Ge => Rule::ge_op,
        BinOp::In => Rule::in_op,
        BinOp::Matches => Rule::matches_op,
        BinOp::Coalesce => Rule::coalesce_op,
        BinOp::Add => Rule::add_op,
        BinOp::Sub => Rule::sub_op,
        BinOp::Mul => Rule::mul_op,
    }
}

/// The binary operator a grammar rule reads, if it reads one.
pub(super) fn rule_op(rule: Rule) -> Option<BinOp> {
    BinOp::ALL.into_iter().find(|op| op_rule(*op) == rule)
}

thread_local! {
    /// Where the text being lowered starts in its file: 0, but for the second part of a
    /// rule file cut in two ([`super::parse_part`]), parsed on its own.
    static BASE: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// [`lower_file`] of the pairs of the text from byte `base` of the file on: spans are
/// offsets into the whole file.
pub(super) fn lower_file_from(
    base: usize,
    source: usize,
    pairs: Pairs<Rule>,
) -> Result<File, Vec<ParseError>> {
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            BASE.set(0);
        }
    }
    BASE.set(base);
    let _reset = Reset;
    lower_file(source, pairs)
}

/// The span of a pair, without the whitespace pest skips after its last token (a rule
/// ending in `x*` keeps the whitespace it skipped before finding no more `x`).
fn span(p: &Pair<Rule>) -> Span {
    let s = p.as_span();
    let text = s.as_str();
    let start = BASE.get() + s.start();
    Span::new(start, start + text.trim_end().len())
}

fn internal(p: &Pair<Rule>, what: &str) -> ParseError {
    ParseError::Syntax {
        message: format!("could not read {what} here"),
        span: span(p),
        label: None,
        help: Some(
            "the grammar and the reader of rule files disagree here: a bug of docket; please report it with this file".into(),
        ),
    }
}

/// The next inner pair, or an error pointing at the parent.
fn next<'a>(it: &mut Pairs<'a, Rule>, parent: &Pair<'a, Rule>, what: &str) -> R<Pair<'a, Rule>> {
    it.next().ok_or_else(|| internal(parent, what))
}

fn ident(p: Pair<Rule>) -> Ident {
    Ident {
        name: p.as_str().to_string(),
        span: span(&p),
    }
}

pub(super) fn lower_file(source: usize, mut pairs: Pairs<Rule>) -> Result<File, Vec<ParseError>> {
    let mut file = File {
        source,
        ..File::default()
    };
    let Some(top) = pairs.next() else {
        return Ok(file);
    };
    let mut errors = Vec::new();
    for decl in top.into_inner() {
        let r = match decl.as_rule() {
            Rule::format_decl => format_decl(decl).map(|d| file.formats.push(d)),
            Rule::statuses_decl => statuses_decl(decl).map(|d| file.statuses.push(d)),
            Rule::case_decl => case_decl(decl).map(|d| file.cases.push(d)),
            Rule::enum_decl => {
                let mut it = decl.clone().into_inner();
                next(&mut it, &decl, "a type name").map(|n| {
                    file.enums.push(crate::ast::EnumDecl {
                        name: ident(n),
                        values: it.map(ident).collect(),
                    })
                })
            }
            Rule::participants_decl => participants_decl(decl).map(|d| file.participants.push(d)),
            Rule::event_decl => event_decl(decl).map(|d| file.events.push(d)),
            Rule::deadline_decl => deadline_decl(decl).map(|d| file.deadlines.push(d)),
            Rule::handler => handler(decl).map(|d| file.handlers.push(d)),
            Rule::migrate_decl => migrate_decl(decl).map(|d| file.migrations.push(d)),
            Rule::invariant_decl => invariant_decl(decl).map(|d| file.invariants.push(d)),
            _ => Ok(()),
        };
        if let Err(e) = r {
            errors.push(e);
        }
    }
    if errors.is_empty() {
        Ok(file)
    } else {
        Err(errors)
    }
}

fn format_decl(p: Pair<Rule>) -> R<FormatDecl> {
    let mut it = p.clone().into_inner();
    let name = ident(next(&mut it, &p, "a format name")?);
    let pat = next(&mut it, &p, "a pattern")?;
    let pattern = match pat.as_rule() {
        Rule::regex => {
            let s = pat.as_str();
            PatternSrc::Regex(s[1..s.len() - 1].replace("\\/", "/"), span(&pat))
        }
        _ => PatternSrc::Limit(pat.into_inner().map(ident).collect()),
    };
    let mut transforms = Vec::new();
    let mut description = None;
    let mut max_chars = None;
    for q in it {
        match q.as_rule() {
            Rule::transform => transforms.push(ident(q)),
            Rule::format_len => {
                let n = next(&mut q.clone().into_inner(), &q, "a number or a limit")?;
                max_chars = Some(match n.as_rule() {
                    Rule::integer => {
                        LenSrc::Number(n.as_str().parse().unwrap_or(u64::MAX), span(&n))
                    }
                    _ => LenSrc::Limit(n.into_inner().map(ident).collect()),
                });
            }
            Rule::string => description = Some(plain_string(q)?),
            _ => {}
        }
    }
    Ok(FormatDecl {
        name,
        pattern,
        transforms,
        max_chars,
        description,
    })
}

fn statuses_decl(p: Pair<Rule>) -> R<StatusesDecl> {
    let sp = span(&p);
    let mut items = Vec::new();
    let mut case = None;
    for item in p.into_inner() {
        if item.as_rule() == Rule::name {
            case = Some(ident(item));
            continue;
        }
        let mut names = item.into_inner().map(ident);
        if let Some(name) = names.next() {
            items.push(StatusItem {
                name,
                tags: names.collect(),
            });
        }
    }
    Ok(StatusesDecl {
        span: sp,
        case,
        items,
    })
}

fn case_decl(p: Pair<Rule>) -> R<CaseDecl> {
    let mut it = p.clone().into_inner();
    let name = ident(next(&mut it, &p, "a case name")?);
    let key = ident(next(&mut it, &p, "a key name")?);
    let key_type = type_expr(next(&mut it, &p, "a key type")?)?;
    let mut all = None;
    let mut fields = Vec::new();
    for q in it {
        if q.as_rule() == Rule::case_all {
            let mut inner = q.clone().into_inner();
            all = Some(ident(next(&mut inner, &q, "a name")?));
        } else {
            fields.push(field_decl(q)?);
        }
    }
    Ok(CaseDecl {
        name,
        key,
        key_type,
        all,
        fields,
    })
}

fn participants_decl(p: Pair<Rule>) -> R<ParticipantsDecl> {
    let mut it = p.clone().into_inner();
    let name = ident(next(&mut it, &p, "a name")?);
    let case = ident(next(&mut it, &p, "a case name")?);
    let fields = it.map(field_decl).collect::<R<_>>()?;
    Ok(ParticipantsDecl { name, case, fields })
}

fn field_decl(p: Pair<Rule>) -> R<FieldDecl> {
    let mut it = p.clone().into_inner();
    let name = ident(next(&mut it, &p, "a field name")?);
    let body = next(&mut it, &p, "a field")?;
    match body.as_rule() {
        Rule::stored_field => {
            let mut it = body.clone().into_inner();
            let ty = type_expr(next(&mut it, &body, "a type")?)?;
            let mut sensitive = false;
            let mut default = None;
            let mut erase = None;
            for q in it {
                match q.as_rule() {
                    Rule::sensitive => sensitive = true,
                    Rule::expr => default = Some(expr(q)?),
                    Rule::erase_clause => {
                        let mut inner = q.clone().into_inner();
                        let word = next(&mut inner, &q, "`erase`")?;
                        let cond = expr(next(&mut inner, &q, "a condition")?)?;
                        // `erase when`: from the word to the start of the condition
                        let head = Span::new(span(&word).start, cond.span.start);
                        let text = q.as_str();
                        let head_len = text[..head.end - head.start].trim_end().len();
                        erase = Some((Span::new(head.start, head.start + head_len), cond));
                    }
                    _ => {}
                }
            }
            Ok(FieldDecl::Stored {
                name,
                ty,
                sensitive,
                default,
                erase,
            })
        }
        _ => {
            let mut it = body.clone().into_inner();
            let e = expr(next(&mut it, &body, "an expression")?)?;
            Ok(FieldDecl::Derived { name, expr: e })
        }
    }
}

fn event_decl(p: Pair<Rule>) -> R<EventDecl> {
    let mut it = p.clone().into_inner();
    let name = ident(next(&mut it, &p, "an event name")?);
    let fields = it.map(record_field).collect::<R<_>>()?;
    Ok(EventDecl { name, fields })
}

fn record_field(p: Pair<Rule>) -> R<RecordField> {
    let mut it = p.clone().into_inner();
    let name = ident(next(&mut it, &p, "a field name")?);
    let ty = type_expr(next(&mut it, &p, "a type")?)?;
    let sensitive = it.next().is_some();
    Ok(RecordField {
        name,
        ty,
        sensitive,
    })
}

fn deadline_decl(p: Pair<Rule>) -> R<DeadlineDecl> {
    let mut it = p.clone().into_inner();
    let name = ident(next(&mut it, &p, "a deadline name")?);
    let e = expr(next(&mut it, &p, "an expression")?)?;
    Ok(DeadlineDecl { name, expr: e })
}

fn invariant_decl(p: Pair<Rule>) -> R<InvariantDecl> {
    let mut it = p.clone().into_inner();
    let _word = next(&mut it, &p, "`invariant`")?;
    let name = ident(next(&mut it, &p, "an invariant name")?);
    let case = ident(next(&mut it, &p, "a case type")?);
    let mut q = next(&mut it, &p, "an expression")?;
    let transition = q.as_rule() == Rule::change_word;
    if transition {
        q = next(&mut it, &p, "an expression")?;
    }
    let holds = expr(q)?;
    let message = template(next(&mut it, &p, "a message")?)?;
    Ok(InvariantDecl {
        name,
        case,
        transition,
        holds,
        message,
    })
}

fn migrate_decl(p: Pair<Rule>) -> R<MigrateDecl> {
    let whole = span(&p);
    let mut it = p.clone().into_inner();
    let _word = next(&mut it, &p, "`migrate`")?;
    let body = next(&mut it, &p, "a migration")?;
    let mut inner = body.clone().into_inner();
    if body.as_rule() == Rule::migrate_drop {
        let _drop = next(&mut inner, &body, "`drop`")?;
        return Ok(MigrateDecl::DropCase(ident(next(
            &mut inner,
            &body,
            "a case type",
        )?)));
    }
    let target = ident(next(&mut inner, &body, "a case type")?);
    let (mut parts_of, mut from, mut steps) = (None, None, Vec::new());
    for q in inner {
        let rule = q.as_rule();
        let mut words = q.clone().into_inner();
        // the step's leading word (`rename`, `drop`, `set`, `status`, `in`, `from`)
        let _lead = next(&mut words, &q, "a word")?;
        let mut name = |what: &str| next(&mut words, &q, what).map(ident);
        match rule {
            Rule::migrate_in => parts_of = Some(name("a case type")?),
            Rule::migrate_from => from = Some(name("a case type")?),
            Rule::rename_step => {
                let old = name("a field name")?;
                let _to = name("`to`")?;
                let new = name("a field name")?;
                steps.push(MigrateStep::Rename { from: old, to: new });
            }
            Rule::drop_step => steps.push(MigrateStep::Drop(name("a field name")?)),
            Rule::set_step => {
                let field = name("a field name")?;
                let value = expr(next(&mut words, &q, "an expression")?)?;
                steps.push(MigrateStep::Set { field, value });
            }
            Rule::status_step => {
                let old = name("a status")?;
                let new = name("a status")?;
                steps.push(MigrateStep::Status { from: old, to: new });
            }
            _ => {}
        }
    }
    Ok(MigrateDecl::Block {
        span: whole,
        target,
        parts_of,
        from,
        steps,
    })
}

fn type_expr(p: Pair<Rule>) -> R<TypeExpr> {
    let sp = span(&p);
    let mut it = p.clone().into_inner();
    let base = next(&mut it, &p, "a type")?;
    let optional = it.next().is_some();
    let kind = match base.as_rule() {
        Rule::set_type | Rule::list_type => {
            let kind = base.as_rule();
            let mut inner = base.clone().into_inner();
            let elem = Box::new(type_expr(next(&mut inner, &base, "an element type")?)?);
            if kind == Rule::set_type {
                TypeKind::Set(elem)
            } else {
                TypeKind::List(elem)
            }
        }
        Rule::record_type => {
            TypeKind::Record(base.into_inner().map(record_field).collect::<R<_>>()?)
        }
        _ => TypeKind::Named(base.into_inner().map(ident).collect()),
    };
    Ok(TypeExpr {
        kind,
        optional,
        span: sp,
    })
}

fn handler(p: Pair<Rule>) -> R<Handler> {
    let mut it = p.clone().into_inner();
    let trig = next(&mut it, &p, "a trigger")?;
    let trigger = match trig.as_rule() {
        Rule::deadline_trigger => {
            let mut inner = trig.clone().into_inner();
            Trigger::Deadline(ident(next(&mut inner, &trig, "a deadline name")?))
        }
        _ => Trigger::Event(ident(trig)),
    };
    let mut route = None;
    let mut lets = Vec::new();
    let mut rules = Vec::new();
    for q in it {
        match q.as_rule() {
            Rule::route => {
                let mut inner = q.clone().into_inner();
                let mut first = next(&mut inner, &q, "a case name")?;
                let create = first.as_rule() == Rule::new_case;
                if create {
                    first = next(&mut inner, &q, "a case name")?;
                }
                let key = expr(next(&mut inner, &q, "a key expression")?)?;
                let or_new = inner.next().is_some_and(|x| x.as_rule() == Rule::or_new);
                route = Some(Route {
                    create,
                    or_new,
                    case: ident(first),
                    key,
                });
            }
            Rule::let_binding => {
                let mut inner = q.clone().into_inner();
                let name = ident(next(&mut inner, &q, "a name")?);
                let e = expr(next(&mut inner, &q, "an expression")?)?;
                lets.push(Let { name, expr: e });
            }
            Rule::rule_decl => rules.push(rule(q)?),
            _ => {}
        }
    }
    Ok(Handler {
        trigger,
        route,
        lets,
        rules,
    })
}

fn rule(p: Pair<Rule>) -> R<crate::ast::Rule> {
    let mut it = p.clone().into_inner();
    let name = ident(next(&mut it, &p, "a rule name")?);
    let mut for_each = None;
    let mut when = None;
    let mut then = Vec::new();
    let mut otherwise = None;
    let mut else_at = None;
    let mut else_when = Vec::new();
    for q in it {
        match q.as_rule() {
            Rule::for_clause => {
                let mut inner = q.clone().into_inner();
                let var = ident(next(&mut inner, &q, "a name")?);
                let src = expr(next(&mut inner, &q, "an expression")?)?;
                for_each = Some((var, src));
            }
            Rule::when_clause => {
                let mut inner = q.clone().into_inner();
                when = Some(expr(next(&mut inner, &q, "a condition")?)?);
            }
            Rule::block => then = block(q)?,
            Rule::else_when => {
                let mut inner = q.clone().into_inner();
                let cond = expr(next(&mut inner, &q, "a condition")?)?;
                else_when.push((cond, block(next(&mut inner, &q, "a block")?)?));
            }
            Rule::else_block => {
                else_at = Some(span(&q));
                let mut inner = q.clone().into_inner();
                otherwise = Some(block(next(&mut inner, &q, "a block")?)?);
            }
            _ => {}
        }
    }
    Ok(crate::ast::Rule {
        name,
        for_each,
        when,
        then,
        else_when,
        otherwise,
        else_at,
    })
}

fn block(p: Pair<Rule>) -> R<Vec<Action>> {
    p.into_inner().map(action).collect()
}

fn action(p: Pair<Rule>) -> R<Action> {
    let sp = span(&p);
    let kind = p.as_rule();
    let mut it = p.clone().into_inner();
    Ok(match kind {
        Rule::set_action => {
            let target = next(&mut it, &p, "a field")?
                .into_inner()
                .map(ident)
                .collect();
            let value = expr(next(&mut it, &p, "a value")?)?;
            Action::Set {
                target,
                value,
                span: sp,
            }
        }
        Rule::emit_action => Action::Emit(ident(next(&mut it, &p, "a message id")?)),
        Rule::reject_action => {
            let first = next(&mut it, &p, "a message")?;
            let (field, msg) = if first.as_rule() == Rule::name {
                (Some(ident(first)), next(&mut it, &p, "a message")?)
            } else {
                (None, first)
            };
            Action::Reject {
                field,
                message: template(msg)?,
            }
        }
        Rule::show_action => {
            let name = ident(next(&mut it, &p, "a name")?);
            let value = expr(next(&mut it, &p, "a value")?)?;
            Action::Show { name, value }
        }
        Rule::add_action => {
            let collection = ident(next(&mut it, &p, "a participant collection")?);
            let mut keys = Vec::new();
            let mut bind_name = None;
            let mut bind_block = Vec::new();
            for q in it {
                match q.as_rule() {
                    Rule::field_init => {
                        let mut inner = q.clone().into_inner();
                        let n = ident(next(&mut inner, &q, "a field")?);
                        let v = expr(next(&mut inner, &q, "a value")?)?;
                        keys.push((n, v));
                    }
                    Rule::name => bind_name = Some(ident(q)),
                    Rule::block => bind_block = block(q)?,
                    _ => {}
                }
            }
            Action::Add {
                collection,
                keys,
                bind: bind_name.map(|n| (n, bind_block)),
                span: sp,
            }
        }
        _ => return Err(internal(&p, "an action")),
    })
}

fn plain_string(p: Pair<Rule>) -> R<String> {
    let t = template(p)?;
    let mut out = String::new();
    for part in t.parts {
        match part {
            TemplatePart::Text(s) => out.push_str(&s),
            TemplatePart::Expr(e) => {
                return Err(ParseError::Syntax {
                    message: "this string cannot hold `{…}` interpolations".into(),
                    span: e.span,
                    label: None,
                    help: Some("write `\\{` for a literal brace".into()),
                })
            }
        }
    }
    Ok(out)
}

fn template(p: Pair<Rule>) -> R<Template> {
    let sp = span(&p);
    let mut parts: Vec<TemplatePart> = Vec::new();
    let push_text = |parts: &mut Vec<TemplatePart>, s: &str| {
        if let Some(TemplatePart::Text(t)) = parts.last_mut() {
            t.push_str(s);
        } else {
            parts.push(TemplatePart::Text(s.to_string()));
        }
    };
    for q in p.into_inner() {
        match q.as_rule() {
            Rule::str_text => push_text(&mut parts, q.as_str()),
            Rule::str_escape => {
                let c = match &q.as_str()[1..] {
                    "n" => "\n",
                    other => other,
                };
                push_text(&mut parts, c);
            }
            Rule::interpolation => {
                let mut inner = q.clone().into_inner();
                parts.push(TemplatePart::Expr(expr(next(
                    &mut inner,
                    &q,
                    "an expression",
                )?)?));
            }
            _ => {}
        }
    }
    Ok(Template { parts, span: sp })
}

/// The expression of a `placeholder` pair.
pub(super) fn placeholder(p: Pair<Rule>) -> R<Expr> {
    let mut it = p.clone().into_inner();
    expr(next(&mut it, &p, "an expression")?)
}

fn expr(p: Pair<Rule>) -> R<Expr> {
    pratt()
        .map_primary(primary)
        .map_prefix(|op, rhs| {
            let rhs = rhs?;
            let sp = Span::new(span(&op).start, rhs.span.end);
            let kind = match op.as_rule() {
                Rule::not_op => ExprKind::Not(Box::new(rhs)),
                _ => ExprKind::Neg(Box::new(rhs)),
            };
            Ok(Expr { kind, span: sp })
        })
        .map_postfix(|lhs, op| {
            let lhs = lhs?;
            let sp = Span::new(lhs.span.start, span(&op).end);
            let mut inner = op.clone().into_inner();
            let test = next(&mut inner, &op, "`set`, `unset` or a status tag")?;
            let test = match test.as_rule() {
                Rule::is_set => IsTest::Set,
                Rule::is_unset => IsTest::Unset,
                _ => IsTest::Tag(ident(test)),
            };
            Ok(Expr {
                kind: ExprKind::Is(Box::new(lhs), test),
                span: sp,
            })
        })
        .map_infix(|lhs, op, rhs| {
            let (lhs, rhs) = (lhs?, rhs?);
            let Some(bin) = rule_op(op.as_rule()) else {
                return Err(internal(&op, "an operator"));
            };
            let sp = Span::new(lhs.span.start, rhs.span.end);
            Ok(Expr {
                kind: ExprKind::Binary(bin, Box::new(lhs), Box::new(rhs)),
                span: sp,
            })
        })
        .parse(p.into_inner())
}

fn primary(p: Pair<Rule>) -> R<Expr> {
    let sp = span(&p);
    let bad = |message: String, help: &str| ParseError::BadLiteral {
        message,
        span: sp,
        help: Some(help.to_string()),
    };
    let kind = match p.as_rule() {
        Rule::integer => ExprKind::Int(p.as_str().parse::<i64>().map_err(|_| {
            bad(
                format!("the number `{}` is too large", p.as_str()),
                &format!("a count is at most {}", i64::MAX),
            )
        })?),
        Rule::duration => {
            ExprKind::Duration(crate::duration::parse_duration(p.as_str()).map_err(|e| {
                bad(
                    format!("invalid duration `{}`: {e}", p.as_str()),
                    "write a duration like `24h`, `30m`, `90s`, `2d` or `1h30m`",
                )
            })?)
        }
        Rule::instant if is_date(&p.as_str()[1..]) => {
            let text = &p.as_str()[1..];
            ExprKind::Date(text.parse::<jiff::civil::Date>().map_err(|_| {
                bad(
                    format!("invalid date `@{text}`"),
                    "write a date as `@YYYY-MM-DD`, like `@2027-01-02`",
                )
            })?)
        }
        Rule::period => {
            ExprKind::Period(crate::calendar::Period::parse(p.as_str()).map_err(|e| {
                bad(
                    format!("invalid period `{}`: {e}", p.as_str()),
                    "write a period like `1 month`, `7 days`, `2 weeks` or `1 year`",
                )
            })?)
        }
        Rule::call => {
            let mut it = p.clone().into_inner();
            let name = ident(next(&mut it, &p, "a function name")?);
            ExprKind::Call(name, it.map(expr).collect::<R<_>>()?)
        }
        Rule::instant => {
            let text = &p.as_str()[1..];
            ExprKind::Instant(text.parse::<jiff::Timestamp>().map_err(|_| {
                bad(
                    format!("invalid instant `@{text}`"),
                    "write an RFC 3339 date and time with its offset, like `@2026-11-28T10:00:00+08:00`",
                )
            })?)
        }
        Rule::boolean => ExprKind::Bool(p.as_str() == "true"),
        Rule::unset_lit => ExprKind::Unset,
        Rule::now => ExprKind::Now,
        Rule::regex => {
            let s = p.as_str();
            ExprKind::Regex(s[1..s.len() - 1].replace("\\/", "/"))
        }
        Rule::string => ExprKind::Str(template(p)?),
        Rule::quantifier => {
            let mut it = p.clone().into_inner();
            let kind = if next(&mut it, &p, "`all` or `any`")?.as_str() == "all" {
                Quant::All
            } else {
                Quant::Any
            };
            let var = ident(next(&mut it, &p, "a name")?);
            let source = Box::new(expr(next(&mut it, &p, "a collection")?)?);
            let cond = Box::new(expr(next(&mut it, &p, "a condition")?)?);
            ExprKind::Quantifier {
                kind,
                var,
                source,
                cond,
            }
        }
        Rule::count_call => {
            let mut it = p.clone().into_inner();
            ExprKind::Count(Box::new(expr(next(&mut it, &p, "a collection")?)?))
        }
        Rule::comprehension => {
            let mut it = p.clone().into_inner();
            let var = ident(next(&mut it, &p, "a name")?);
            let source = Box::new(expr(next(&mut it, &p, "a collection")?)?);
            let cond = Box::new(expr(next(&mut it, &p, "a condition")?)?);
            ExprKind::Comprehension { var, source, cond }
        }
        Rule::list_lit => ExprKind::List(p.into_inner().map(expr).collect::<R<_>>()?),
        Rule::lookup => {
            let mut it = p.clone().into_inner();
            let table = ident(next(&mut it, &p, "a table name")?);
            ExprKind::Lookup(table, it.map(expr).collect::<R<_>>()?)
        }
        Rule::path => {
            let path: Vec<Ident> = p.into_inner().map(ident).collect();
            // from the first name to the last: a comment after a lone name is no part of it
            let sp = match (path.first(), path.last()) {
                (Some(a), Some(b)) => Span::new(a.span.start, b.span.end),
                _ => sp,
            };
            return Ok(Expr {
                kind: ExprKind::Path(path),
                span: sp,
            });
        }
        Rule::expr => return expr(p),
        _ => return Err(internal(&p, "an expression")),
    };
    Ok(Expr { kind, span: sp })
}

/// Whether the text after `@` is a date (`2027-01-02`) rather than an instant.
fn is_date(text: &str) -> bool {
    text.len() == 10 && !text.contains('T') && !text.contains('t')
}
