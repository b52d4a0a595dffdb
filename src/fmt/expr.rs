//! The layout of expressions and types, and of the `{ … }` blocks and lists the declarations
//! are made of.

use super::layout::record_field;
use super::printer::{Lost, Printer, Sep, WIDTH};
use super::tokens::is_leaf;
use crate::dsl::{is_infix, Rule};
use pest::iterators::Pair;

pub(super) type P<'s> = Pair<'s, Rule>;
pub(super) type R = Result<(), Lost>;
/// How one item of a list or block is printed, given the separator before it.
pub(super) type ItemFn<'s> = fn(&mut Printer<'s>, P<'s>, Sep) -> R;

// ── Types ───────────────────────────────────────────────────────────────────

pub(super) fn type_expr<'s>(p: &mut Printer<'s>, t: P<'s>, sep: Sep) -> R {
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
                    None => return Err(p.lost()),
                }
                p.lit(">", Sep::Glue)?;
            }
            Rule::record_type => {
                let end = c.as_span().end();
                brace_list(p, c.into_inner().collect(), record_field, sep, end)?;
            }
            Rule::optional => leaf(p, Some(c), Sep::Glue)?,
            _ => return Err(p.lost()),
        }
    }
    Ok(())
}

// ── Lists and blocks ────────────────────────────────────────────────────────

/// A `{ … }` of declarations, rules or actions: one item a line, two more spaces in;
/// `{}` when it holds nothing (not even a comment).
pub(super) fn block<'s>(p: &mut Printer<'s>, items: Vec<P<'s>>, item: ItemFn<'s>) -> R {
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
pub(super) fn brace_list<'s>(
    p: &mut Printer<'s>,
    items: Vec<P<'s>>,
    item: ItemFn<'s>,
    sep: Sep,
    end: usize,
) -> R {
    if !p.multiline_until(end) {
        let mark = p.mark();
        inline_list(p, items.clone(), item, sep)?;
        // One line it is, unless it is too long or a list inside it had to be broken.
        if p.col() <= WIDTH && !p.broke_since(&mark) {
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
pub(super) fn comma_list<'s>(p: &mut Printer<'s>, items: Vec<P<'s>>, item: ItemFn<'s>) -> R {
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

pub(super) fn expr_opt<'s>(p: &mut Printer<'s>, e: Option<P<'s>>, sep: Sep) -> R {
    match e {
        Some(e) => expr(p, e, sep),
        None => Err(p.lost()),
    }
}

fn expr_item<'s>(p: &mut Printer<'s>, e: P<'s>, sep: Sep) -> R {
    expr(p, e, sep)
}

/// Operands and operators one space apart; a line break the author put before or after an
/// operator is kept, and the next line starts at the column where the expression starts.
pub(super) fn expr<'s>(p: &mut Printer<'s>, e: P<'s>, sep: Sep) -> R {
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
            r if is_infix(r) => {
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
        _ => Err(p.lost()),
    }
}

/// `a.b.c` (also a type's path): no spaces.
pub(super) fn path<'s>(p: &mut Printer<'s>, c: P<'s>, sep: Sep) -> R {
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
pub(super) fn leaf<'s>(p: &mut Printer<'s>, pair: Option<P<'s>>, sep: Sep) -> R {
    match pair {
        Some(pair) => {
            let span = pair.as_span();
            p.token(span.start(), span.end(), sep)
        }
        None => Err(p.lost()),
    }
}
