//! The canonical layout of each construct of the rule language, one function per grammar rule.
//!
//! Each function takes the pair and the separator before its first token; the fixed words and
//! marks between the pairs (`rule`, `{`, `=`) are printed with [`Printer::lit`], which checks
//! that the source has them where the grammar says.

use super::printer::{Lost, Printer, Sep, WIDTH};
use super::tokens::{is_leaf, leaf_spans};
use crate::dsl::Rule;
use pest::iterators::Pair;

type P<'s> = Pair<'s, Rule>;
type R = Result<(), Lost>;
/// How one item of a list or block is printed, given the separator before it.
type ItemFn<'s> = fn(&mut Printer<'s>, P<'s>, Sep) -> R;

/// A whole file: declarations one after another at the left margin.
pub(super) fn file<'s>(p: &mut Printer<'s>, top: P<'s>) -> R {
    let decls: Vec<P<'s>> = top
        .into_inner()
        .filter(|d| d.as_rule() != Rule::EOI)
        .collect();
    let pads = format_pads(p.src, &decls);
    for (d, pad) in decls.into_iter().zip(pads) {
        decl(p, d, pad)?;
    }
    Ok(())
}

/// For each declaration, the width its name is padded to when it is a `format` in a run of
/// formats on consecutive lines (no blank line or comment between), so that their `=` line up.
fn format_pads(src: &str, decls: &[P<'_>]) -> Vec<usize> {
    let name_len = |d: &P<'_>| {
        (d.as_rule() == Rule::format_decl)
            .then(|| d.clone().into_inner().next().map(|n| n.as_str().len()))
            .flatten()
    };
    let mut pads = vec![0; decls.len()];
    let mut i = 0;
    while i < decls.len() {
        let Some(first) = name_len(&decls[i]) else {
            i += 1;
            continue;
        };
        let mut j = i + 1;
        let mut width = first;
        while j < decls.len() {
            // A pair's span may run on over the whitespace after its last token.
            let mut leaves = Vec::new();
            leaf_spans(decls[j - 1].clone(), &mut leaves);
            let end = leaves.last().map_or(decls[j - 1].as_span().end(), |l| l.1);
            let gap = src.get(end..decls[j].as_span().start()).unwrap_or("//");
            let adjacent = gap.trim().is_empty() && gap.matches('\n').count() <= 1;
            match name_len(&decls[j]) {
                Some(n) if adjacent => width = width.max(n),
                _ => break,
            }
            j += 1;
        }
        pads[i..j].fill(width);
        i = j;
    }
    pads
}

fn decl<'s>(p: &mut Printer<'s>, d: P<'s>, pad: usize) -> R {
    let line = Sep::line(0);
    match d.as_rule() {
        Rule::format_decl => format_decl(p, d, pad),
        Rule::enum_decl => {
            p.lit("enum", line)?;
            let end = d.as_span().end();
            let mut it = d.into_inner();
            leaf(p, it.next(), Sep::Space)?;
            brace_list(p, it.collect(), name_item, Sep::Space, end)
        }
        Rule::statuses_decl => {
            p.lit("statuses", line)?;
            let items: Vec<_> = d.into_inner().collect();
            let (names, items): (Vec<_>, Vec<_>) =
                items.into_iter().partition(|i| i.as_rule() == Rule::name);
            for n in names {
                leaf(p, Some(n), Sep::Space)?;
            }
            block(p, items, status_item)
        }
        Rule::case_decl => {
            p.lit("case", line)?;
            let mut fields = Vec::new();
            let mut names = 0;
            for c in d.into_inner() {
                match c.as_rule() {
                    Rule::name => {
                        names += 1;
                        leaf(p, Some(c), Sep::Space)?;
                        if names == 1 {
                            p.lit("key", Sep::Space)?;
                        } else {
                            p.lit(":", Sep::Glue)?;
                        }
                    }
                    Rule::type_expr => type_expr(p, c, Sep::Space)?,
                    Rule::case_all => {
                        p.lit("in", Sep::Space)?;
                        leaf(p, c.into_inner().next(), Sep::Space)?;
                    }
                    _ => fields.push(c),
                }
            }
            block(p, fields, field_decl)
        }
        Rule::participants_decl => {
            p.lit("participants", line)?;
            let mut it = d.into_inner();
            leaf(p, it.next(), Sep::Space)?;
            p.lit("in", Sep::Space)?;
            leaf(p, it.next(), Sep::Space)?;
            block(p, it.collect(), field_decl)
        }
        Rule::event_decl => {
            p.lit("event", line)?;
            let end = d.as_span().end();
            let mut it = d.into_inner();
            leaf(p, it.next(), Sep::Space)?;
            brace_list(p, it.collect(), record_field, Sep::Space, end)
        }
        Rule::deadline_decl => {
            p.lit("deadline", line)?;
            let mut it = d.into_inner();
            leaf(p, it.next(), Sep::Space)?;
            p.lit("=", Sep::Space)?;
            expr_opt(p, it.next(), Sep::Soft)
        }
        Rule::handler => handler(p, d),
        Rule::migrate_decl => migrate_decl(p, d),
        _ => Err(Lost(d.as_span().start())),
    }
}

/// `format phone = /^1[0-9]{10}$/ "…"`, its `=` at `pad` columns after the name's start.
fn format_decl<'s>(p: &mut Printer<'s>, d: P<'s>, pad: usize) -> R {
    p.lit("format", Sep::line(0))?;
    let mut it = d.into_inner();
    let name = it.next();
    let len = name.as_ref().map_or(0, |n| n.as_str().len());
    leaf(p, name, Sep::Space)?;
    p.out.push_str(&" ".repeat(pad.saturating_sub(len)));
    p.col += pad.saturating_sub(len);
    p.lit("=", Sep::Space)?;
    for c in it {
        match c.as_rule() {
            Rule::regex => leaf(p, Some(c), Sep::Space)?,
            Rule::path => path(p, c, Sep::Space)?,
            Rule::transform | Rule::string => leaf(p, Some(c), Sep::Soft)?,
            Rule::format_len => {
                p.lit("at", Sep::Soft)?;
                p.lit("most", Sep::Space)?;
                for n in c.into_inner() {
                    match n.as_rule() {
                        Rule::path => path(p, n, Sep::Space)?,
                        _ => leaf(p, Some(n), Sep::Space)?,
                    }
                }
                p.lit("characters", Sep::Space)?;
            }
            _ => return Err(Lost(c.as_span().start())),
        }
    }
    Ok(())
}

/// `awaiting_validation: open, running`
fn status_item<'s>(p: &mut Printer<'s>, item: P<'s>, sep: Sep) -> R {
    let mut it = item.into_inner();
    leaf(p, it.next(), sep)?;
    for (i, tag) in it.enumerate() {
        if i == 0 {
            p.lit(":", Sep::Glue)?;
        } else {
            p.lit(",", Sep::Glue)?;
        }
        leaf(p, Some(tag), Sep::Space)?;
    }
    Ok(())
}

/// `phone: phone`, `code: code? sensitive erase when …`, `pending = not validated`
fn field_decl<'s>(p: &mut Printer<'s>, f: P<'s>, sep: Sep) -> R {
    let mut it = f.into_inner();
    leaf(p, it.next(), sep)?;
    let Some(body) = it.next() else {
        return Err(Lost(p.out.len()));
    };
    match body.as_rule() {
        Rule::stored_field => {
            p.lit(":", Sep::Glue)?;
            for c in body.into_inner() {
                match c.as_rule() {
                    Rule::type_expr => type_expr(p, c, Sep::Space)?,
                    Rule::sensitive => leaf(p, Some(c), Sep::Space)?,
                    Rule::expr => {
                        p.lit("=", Sep::Space)?;
                        expr(p, c, Sep::Soft)?;
                    }
                    Rule::erase_clause => {
                        let mut e = c.into_inner();
                        leaf(p, e.next(), Sep::Soft)?;
                        p.lit("when", Sep::Space)?;
                        expr_opt(p, e.next(), Sep::Space)?;
                    }
                    _ => return Err(Lost(c.as_span().start())),
                }
            }
            Ok(())
        }
        Rule::derived_field => {
            p.lit("=", Sep::Space)?;
            expr_opt(p, body.into_inner().next(), Sep::Soft)
        }
        _ => Err(Lost(body.as_span().start())),
    }
}

/// `phone: phone`, `cert: cert_last6 sensitive` (of an event or a record type)
fn record_field<'s>(p: &mut Printer<'s>, f: P<'s>, sep: Sep) -> R {
    let mut it = f.into_inner();
    leaf(p, it.next(), sep)?;
    p.lit(":", Sep::Glue)?;
    let Some(ty) = it.next() else {
        return Err(Lost(p.out.len()));
    };
    type_expr(p, ty, Sep::Space)?;
    if let Some(s) = it.next() {
        leaf(p, Some(s), Sep::Space)?;
    }
    Ok(())
}

fn name_item<'s>(p: &mut Printer<'s>, n: P<'s>, sep: Sep) -> R {
    leaf(p, Some(n), sep)
}

/// `on sms_sent for filing(event.filing) { let … rule … }`
fn handler<'s>(p: &mut Printer<'s>, h: P<'s>) -> R {
    p.lit("on", Sep::line(0))?;
    let mut body = Vec::new();
    for c in h.into_inner() {
        match c.as_rule() {
            Rule::deadline_trigger => {
                p.lit("deadline", Sep::Space)?;
                leaf(p, c.into_inner().next(), Sep::Space)?;
            }
            Rule::event_trigger => leaf(p, c.into_inner().next(), Sep::Space)?,
            Rule::route => {
                p.push_align(p.indent + 2);
                p.lit("for", Sep::Soft)?;
                for r in c.into_inner() {
                    match r.as_rule() {
                        Rule::new_case => leaf(p, Some(r), Sep::Space)?,
                        Rule::name => leaf(p, Some(r), Sep::Space)?,
                        Rule::expr => {
                            p.lit("(", Sep::Glue)?;
                            expr(p, r, Sep::Glue)?;
                            p.lit(")", Sep::Glue)?;
                        }
                        Rule::or_new => {
                            p.lit("or", Sep::Space)?;
                            p.lit("new", Sep::Space)?;
                        }
                        _ => return Err(Lost(r.as_span().start())),
                    }
                }
                p.pop_align();
            }
            _ => body.push(c),
        }
    }
    block(p, body, handler_item)
}

fn handler_item<'s>(p: &mut Printer<'s>, item: P<'s>, sep: Sep) -> R {
    match item.as_rule() {
        Rule::let_binding => {
            p.lit("let", sep)?;
            let mut it = item.into_inner();
            leaf(p, it.next(), Sep::Space)?;
            p.lit("=", Sep::Space)?;
            expr_opt(p, it.next(), Sep::Soft)
        }
        Rule::rule_decl => rule_decl(p, item, sep),
        _ => Err(Lost(item.as_span().start())),
    }
}

/// `rule name for p in pending when cond { … } else when cond { … } else { … }`; a header
/// broken over lines goes on at two more than the rule's indent.
fn rule_decl<'s>(p: &mut Printer<'s>, r: P<'s>, sep: Sep) -> R {
    p.lit("rule", sep)?;
    p.push_align(p.indent + 2);
    let mut header_open = true;
    for c in r.into_inner() {
        match c.as_rule() {
            Rule::name => leaf(p, Some(c), Sep::Space)?,
            Rule::for_clause => {
                p.lit("for", Sep::Soft)?;
                let mut it = c.into_inner();
                leaf(p, it.next(), Sep::Space)?;
                p.lit("in", Sep::Space)?;
                expr_opt(p, it.next(), Sep::Space)?;
            }
            Rule::when_clause => {
                p.lit("when", Sep::Soft)?;
                expr_opt(p, c.into_inner().next(), Sep::Space)?;
            }
            Rule::block => {
                if header_open {
                    p.pop_align();
                    header_open = false;
                }
                actions(p, c)?;
            }
            Rule::else_when => {
                p.lit("else", Sep::Space)?;
                p.lit("when", Sep::Space)?;
                let mut it = c.into_inner();
                expr_opt(p, it.next(), Sep::Space)?;
                match it.next() {
                    Some(b) => actions(p, b)?,
                    None => return Err(Lost(p.out.len())),
                }
            }
            Rule::else_block => {
                p.lit("else", Sep::Space)?;
                match c.into_inner().next() {
                    Some(b) => actions(p, b)?,
                    None => return Err(Lost(p.out.len())),
                }
            }
            _ => return Err(Lost(c.as_span().start())),
        }
    }
    if header_open {
        p.pop_align();
    }
    Ok(())
}

/// A `{ … }` block of actions.
fn actions<'s>(p: &mut Printer<'s>, b: P<'s>) -> R {
    block(p, b.into_inner().collect(), action)
}

fn action<'s>(p: &mut Printer<'s>, a: P<'s>, sep: Sep) -> R {
    let rule = a.as_rule();
    let mut it = a.into_inner();
    match rule {
        Rule::set_action => {
            p.lit("set", sep)?;
            match it.next() {
                Some(t) => path(p, t, Sep::Space)?,
                None => return Err(Lost(p.out.len())),
            }
            p.lit("=", Sep::Space)?;
            expr_opt(p, it.next(), Sep::Soft)
        }
        Rule::emit_action => {
            p.lit("emit", sep)?;
            leaf(p, it.next(), Sep::Space)
        }
        Rule::reject_action => {
            p.lit("reject", sep)?;
            for c in it {
                leaf(p, Some(c), Sep::Space)?;
            }
            Ok(())
        }
        Rule::show_action => {
            p.lit("show", sep)?;
            leaf(p, it.next(), Sep::Space)?;
            p.lit("=", Sep::Space)?;
            expr_opt(p, it.next(), Sep::Soft)
        }
        Rule::add_action => {
            p.lit("add", sep)?;
            leaf(p, it.next(), Sep::Space)?;
            p.lit("(", Sep::Glue)?;
            let (inits, rest): (Vec<_>, Vec<_>) = it.partition(|c| c.as_rule() == Rule::field_init);
            comma_list(p, inits, field_init)?;
            p.lit(")", Sep::Glue)?;
            let mut rest = rest.into_iter();
            if let Some(bind) = rest.next() {
                p.lit("as", Sep::Space)?;
                leaf(p, Some(bind), Sep::Space)?;
                match rest.next() {
                    Some(b) => actions(p, b)?,
                    None => return Err(Lost(p.out.len())),
                }
            }
            Ok(())
        }
        _ => Err(Lost(p.out.len())),
    }
}

/// `phone: x.phone` in `add people(…)`
fn field_init<'s>(p: &mut Printer<'s>, f: P<'s>, sep: Sep) -> R {
    let mut it = f.into_inner();
    leaf(p, it.next(), sep)?;
    p.lit(":", Sep::Glue)?;
    expr_opt(p, it.next(), Sep::Space)
}

/// `migrate filing from application { … }`, `migrate drop loan`
fn migrate_decl<'s>(p: &mut Printer<'s>, m: P<'s>) -> R {
    let mut it = m.into_inner();
    leaf(p, it.next(), Sep::line(0))?;
    let Some(body) = it.next() else {
        return Err(Lost(p.out.len()));
    };
    match body.as_rule() {
        Rule::migrate_drop => {
            for c in body.into_inner() {
                leaf(p, Some(c), Sep::Space)?;
            }
            Ok(())
        }
        Rule::migrate_block => {
            let mut steps = Vec::new();
            for c in body.into_inner() {
                match c.as_rule() {
                    Rule::name => leaf(p, Some(c), Sep::Space)?,
                    Rule::migrate_in | Rule::migrate_from => {
                        for w in c.into_inner() {
                            leaf(p, Some(w), Sep::Space)?;
                        }
                    }
                    _ => steps.push(c),
                }
            }
            block(p, steps, migrate_step)
        }
        _ => Err(Lost(body.as_span().start())),
    }
}

/// `rename a to b`, `drop x`, `set n = e`, `status a -> b`
fn migrate_step<'s>(p: &mut Printer<'s>, s: P<'s>, sep: Sep) -> R {
    let rule = s.as_rule();
    let mut first = Some(sep);
    for c in s.into_inner() {
        let sep = first.take().unwrap_or(Sep::Space);
        let c_is_name = c.as_rule() == Rule::name;
        match c.as_rule() {
            Rule::expr => {
                p.lit("=", Sep::Space)?;
                expr(p, c, Sep::Soft)?;
            }
            _ => {
                leaf(p, Some(c), sep)?;
                if rule == Rule::status_step && c_is_name && p.next_is("->") {
                    p.lit("->", Sep::Space)?;
                }
            }
        }
    }
    Ok(())
}

// ── Types ───────────────────────────────────────────────────────────────────

fn type_expr<'s>(p: &mut Printer<'s>, t: P<'s>, sep: Sep) -> R {
    for c in t.into_inner() {
        match c.as_rule() {
            Rule::type_path => path(p, c, sep)?,
            Rule::set_type | Rule::list_type => {
                p.lit(
                    if c.as_rule() == Rule::set_type {
                        "set"
                    } else {
                        "list"
                    },
                    sep,
                )?;
                p.lit("<", Sep::Glue)?;
                match c.into_inner().next() {
                    Some(inner) => type_expr(p, inner, Sep::Glue)?,
                    None => return Err(Lost(p.out.len())),
                }
                p.lit(">", Sep::Glue)?;
            }
            Rule::record_type => {
                let end = c.as_span().end();
                brace_list(p, c.into_inner().collect(), record_field, sep, end)?;
            }
            Rule::optional => leaf(p, Some(c), Sep::Glue)?,
            _ => return Err(Lost(c.as_span().start())),
        }
    }
    Ok(())
}

// ── Lists and blocks ────────────────────────────────────────────────────────

/// A `{ … }` of declarations, rules or actions: one item a line, two more spaces in;
/// `{}` when it holds nothing (not even a comment).
fn block<'s>(p: &mut Printer<'s>, items: Vec<P<'s>>, item: ItemFn<'s>) -> R {
    let outer = p.indent;
    let inner = outer + 2;
    p.lit("{", Sep::Space)?;
    let empty = items.is_empty();
    for i in items {
        item(p, i, Sep::line(inner))?;
    }
    if empty && !p.comment_ahead() {
        p.lit("}", Sep::Glue)
    } else {
        p.lit(
            "}",
            Sep::Close {
                indent: outer,
                comments: inner,
            },
        )
    }
}

/// A `{ … }` list of names or fields ending at byte `end`: on one line, `{ a: t, b: u }`, when
/// the source has it on one line and it fits in [`WIDTH`]; else one item a line.
/// Commas are kept as written (they are optional in enums and events); items without one
/// are two spaces apart on one line.
fn brace_list<'s>(
    p: &mut Printer<'s>,
    items: Vec<P<'s>>,
    item: ItemFn<'s>,
    sep: Sep,
    end: usize,
) -> R {
    if !p.multiline_until(end) {
        let mark = p.mark();
        inline_list(p, items.clone(), item, sep)?;
        if p.col <= WIDTH {
            return Ok(());
        }
        p.reset(&mark);
    }
    let outer = p.indent;
    let inner = outer + 2;
    p.lit("{", sep)?;
    let empty = items.is_empty();
    for i in items {
        item(p, i, Sep::line(inner))?;
        if p.next_is(",") {
            p.lit(",", Sep::Glue)?;
        }
    }
    let close = if empty && !p.comment_ahead() {
        Sep::Glue
    } else {
        Sep::Close {
            indent: outer,
            comments: inner,
        }
    };
    p.lit("}", close)?;
    p.indent = outer;
    Ok(())
}

fn inline_list<'s>(p: &mut Printer<'s>, items: Vec<P<'s>>, item: ItemFn<'s>, sep: Sep) -> R {
    p.lit("{", sep)?;
    let empty = items.is_empty();
    let mut next = Sep::Space;
    for i in items {
        item(p, i, next)?;
        next = Sep::Wide;
        if p.next_is(",") {
            p.lit(",", Sep::Glue)?;
            next = Sep::Space;
        }
    }
    p.lit("}", if empty { Sep::Glue } else { Sep::Space })
}

/// `a, b, c` inside brackets: a break in the source after a comma is kept, and goes to the
/// column of the first item; a trailing comma is kept.
fn comma_list<'s>(p: &mut Printer<'s>, items: Vec<P<'s>>, item: ItemFn<'s>) -> R {
    p.push_align_here();
    for (n, i) in items.into_iter().enumerate() {
        if n > 0 {
            p.lit(",", Sep::Glue)?;
            item(p, i, Sep::Soft)?;
        } else {
            item(p, i, Sep::Glue)?;
        }
    }
    if p.next_is(",") {
        p.lit(",", Sep::Glue)?;
    }
    p.pop_align();
    Ok(())
}

// ── Expressions ─────────────────────────────────────────────────────────────

fn expr_opt<'s>(p: &mut Printer<'s>, e: Option<P<'s>>, sep: Sep) -> R {
    match e {
        Some(e) => expr(p, e, sep),
        None => Err(Lost(p.out.len())),
    }
}

fn expr_item<'s>(p: &mut Printer<'s>, e: P<'s>, sep: Sep) -> R {
    expr(p, e, sep)
}

/// Operands and operators one space apart; a line break the author put before or after an
/// operator is kept, and the next line starts at the column where the expression starts.
fn expr<'s>(p: &mut Printer<'s>, e: P<'s>, sep: Sep) -> R {
    p.push_align_here();
    let mut next = sep;
    for c in e.into_inner() {
        match c.as_rule() {
            Rule::not_op => {
                leaf(p, Some(c), next)?;
                next = Sep::Space;
            }
            Rule::neg_op => {
                leaf(p, Some(c), next)?;
                next = Sep::Glue;
            }
            Rule::is_test => {
                p.lit("is", Sep::Soft)?;
                leaf(p, c.into_inner().next(), Sep::Space)?;
                next = Sep::Soft;
            }
            Rule::or_op
            | Rule::and_op
            | Rule::eq_op
            | Rule::ne_op
            | Rule::le_op
            | Rule::ge_op
            | Rule::lt_op
            | Rule::gt_op
            | Rule::in_op
            | Rule::matches_op
            | Rule::coalesce_op
            | Rule::add_op
            | Rule::sub_op
            | Rule::mul_op => {
                leaf(p, Some(c), Sep::Soft)?;
                next = Sep::Soft;
            }
            _ => {
                primary(p, c, next)?;
                next = Sep::Soft;
            }
        }
    }
    p.pop_align();
    Ok(())
}

fn primary<'s>(p: &mut Printer<'s>, c: P<'s>, sep: Sep) -> R {
    let rule = c.as_rule();
    if is_leaf(rule) {
        return leaf(p, Some(c), sep);
    }
    match rule {
        Rule::path => path(p, c, sep),
        Rule::expr => {
            p.lit("(", sep)?;
            expr(p, c, Sep::Glue)?;
            p.lit(")", Sep::Glue)
        }
        Rule::quantifier => {
            let mut it = c.into_inner();
            leaf(p, it.next(), sep)?;
            p.lit("(", Sep::Glue)?;
            p.push_align_here();
            leaf(p, it.next(), Sep::Glue)?;
            p.lit("in", Sep::Space)?;
            expr_opt(p, it.next(), Sep::Space)?;
            p.lit(":", Sep::Glue)?;
            expr_opt(p, it.next(), Sep::Soft)?;
            p.pop_align();
            p.lit(")", Sep::Glue)
        }
        Rule::count_call => {
            p.lit("count", sep)?;
            p.lit("(", Sep::Glue)?;
            expr_opt(p, c.into_inner().next(), Sep::Glue)?;
            p.lit(")", Sep::Glue)
        }
        Rule::call | Rule::lookup => {
            let (open, close) = if rule == Rule::call {
                ("(", ")")
            } else {
                ("[", "]")
            };
            let mut it = c.into_inner();
            leaf(p, it.next(), sep)?;
            p.lit(open, Sep::Glue)?;
            comma_list(p, it.collect(), expr_item)?;
            p.lit(close, Sep::Glue)
        }
        Rule::list_lit => {
            p.lit("[", sep)?;
            comma_list(p, c.into_inner().collect(), expr_item)?;
            p.lit("]", Sep::Glue)
        }
        Rule::comprehension => {
            let mut it = c.into_inner();
            p.lit("[", sep)?;
            p.push_align_here();
            leaf(p, it.next(), Sep::Glue)?;
            p.lit("in", Sep::Space)?;
            expr_opt(p, it.next(), Sep::Space)?;
            p.lit("where", Sep::Soft)?;
            expr_opt(p, it.next(), Sep::Space)?;
            p.pop_align();
            p.lit("]", Sep::Glue)
        }
        _ => Err(Lost(c.as_span().start())),
    }
}

/// `a.b.c` (also a type's path): no spaces.
fn path<'s>(p: &mut Printer<'s>, c: P<'s>, sep: Sep) -> R {
    for (i, seg) in c.into_inner().enumerate() {
        if i == 0 {
            leaf(p, Some(seg), sep)?;
        } else {
            p.lit(".", Sep::Glue)?;
            leaf(p, Some(seg), Sep::Glue)?;
        }
    }
    Ok(())
}

/// A token that is one pair: a name, a literal, an operator.
fn leaf<'s>(p: &mut Printer<'s>, pair: Option<P<'s>>, sep: Sep) -> R {
    match pair {
        Some(pair) => {
            let span = pair.as_span();
            p.token(span.start(), span.end(), sep)
        }
        None => Err(Lost(p.out.len())),
    }
}
