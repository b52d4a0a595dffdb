//! The canonical layout of each construct of the rule language, one function per grammar rule.
//!
//! Each function takes the pair and the separator before its first token; the fixed words and
//! marks between the pairs (`rule`, `{`, `=`) are printed with [`Printer::lit`], which checks
//! that the source has them where the grammar says.

use super::expr::{block, brace_list, comma_list, expr, expr_opt, leaf, path, type_expr, P, R};
use super::printer::{Printer, Sep};
use super::tokens::leaf_spans;
use crate::dsl::Rule;

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
        Rule::invariant_decl => invariant_decl(p, d),
        _ => Err(p.lost()),
    }
}

/// `invariant name for filing [change] = condition else "message"`; a break the author put
/// before `=`, in the condition or before `else` is kept, going on two columns in.
fn invariant_decl<'s>(p: &mut Printer<'s>, d: P<'s>) -> R {
    let mut it = d.into_inner();
    leaf(p, it.next(), Sep::line(0))?;
    leaf(p, it.next(), Sep::Space)?;
    p.lit("for", Sep::Space)?;
    leaf(p, it.next(), Sep::Space)?;
    let mut next = it.next();
    if next
        .as_ref()
        .is_some_and(|c| c.as_rule() == Rule::change_word)
    {
        leaf(p, next, Sep::Space)?;
        next = it.next();
    }
    p.push_align(p.indent + 2);
    p.lit("=", Sep::Soft)?;
    expr_opt(p, next, Sep::Soft)?;
    p.lit("else", Sep::Soft)?;
    leaf(p, it.next(), Sep::Space)?;
    p.pop_align();
    Ok(())
}

/// `format phone = /^1[0-9]{10}$/ "…"`, its `=` at `pad` columns after the name's start.
fn format_decl<'s>(p: &mut Printer<'s>, d: P<'s>, pad: usize) -> R {
    p.lit("format", Sep::line(0))?;
    let mut it = d.into_inner();
    let name = it.next();
    let len = name.as_ref().map_or(0, |n| n.as_str().len());
    leaf(p, name, Sep::Space)?;
    p.pad(pad.saturating_sub(len));
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
            _ => return Err(p.lost()),
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
        return Err(p.lost());
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
                    _ => return Err(p.lost()),
                }
            }
            Ok(())
        }
        Rule::derived_field => {
            p.lit("=", Sep::Space)?;
            expr_opt(p, body.into_inner().next(), Sep::Soft)
        }
        _ => Err(p.lost()),
    }
}

/// `phone: phone`, `cert: cert_last6 sensitive` (of an event or a record type)
pub(super) fn record_field<'s>(p: &mut Printer<'s>, f: P<'s>, sep: Sep) -> R {
    let mut it = f.into_inner();
    leaf(p, it.next(), sep)?;
    p.lit(":", Sep::Glue)?;
    let Some(ty) = it.next() else {
        return Err(p.lost());
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
                        _ => return Err(p.lost()),
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
        _ => Err(p.lost()),
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
                    None => return Err(p.lost()),
                }
            }
            Rule::else_block => {
                p.lit("else", Sep::Space)?;
                match c.into_inner().next() {
                    Some(b) => actions(p, b)?,
                    None => return Err(p.lost()),
                }
            }
            _ => return Err(p.lost()),
        }
    }
    if header_open {
        p.pop_align();
    }
    Ok(())
}

/// A `{ … }` block of actions.
pub(super) fn actions<'s>(p: &mut Printer<'s>, b: P<'s>) -> R {
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
                None => return Err(p.lost()),
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
                    None => return Err(p.lost()),
                }
            }
            Ok(())
        }
        _ => Err(p.lost()),
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
        return Err(p.lost());
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
        _ => Err(p.lost()),
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
