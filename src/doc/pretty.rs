//! The rule language written back from the syntax tree: expressions with only the brackets
//! precedence needs, actions and types, one line each, for people reading a document.

use crate::ast::{Action, Expr, ExprKind, IsTest, Prec, Quant, Template, TemplatePart};
use crate::ast::{TypeExpr, TypeKind};

/// `e` as it could be written in a rule file.
pub(crate) fn expr(e: &Expr) -> String {
    printed(e).0
}

/// `e` in brackets unless it binds at least as tightly as `min`.
fn at_least(e: &Expr, min: Prec) -> String {
    let (text, prec) = printed(e);
    if prec >= min {
        text
    } else {
        format!("({text})")
    }
}

fn list(items: &[Expr]) -> String {
    items.iter().map(expr).collect::<Vec<_>>().join(", ")
}

fn printed(e: &Expr) -> (String, Prec) {
    let atom = |s: String| (s, Prec::Atom);
    match &e.kind {
        ExprKind::Int(n) => atom(n.to_string()),
        ExprKind::Duration(d) => atom(crate::duration::format_duration(*d)),
        ExprKind::Instant(t) => atom(format!("@{t}")),
        ExprKind::Date(d) => atom(format!("@{d}")),
        ExprKind::Period(p) => atom(p.format()),
        ExprKind::Call(name, args) => atom(format!("{}({})", name.name, list(args))),
        ExprKind::Str(t) => atom(template(t)),
        ExprKind::Bool(b) => atom(b.to_string()),
        ExprKind::Unset => atom("unset".into()),
        ExprKind::Now => atom("now".into()),
        ExprKind::Regex(r) => atom(format!("/{}/", r.replace('/', "\\/"))),
        ExprKind::Path(parts) => atom(
            parts
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join("."),
        ),
        ExprKind::Lookup(table, keys) => atom(format!("{}[{}]", table.name, list(keys))),
        ExprKind::List(items) => atom(format!("[{}]", list(items))),
        ExprKind::Comprehension { var, source, cond } => atom(format!(
            "[{} in {} where {}]",
            var.name,
            expr(source),
            expr(cond)
        )),
        ExprKind::Quantifier {
            kind,
            var,
            source,
            cond,
        } => {
            let word = match kind {
                Quant::All => "all",
                Quant::Any => "any",
            };
            atom(format!(
                "{word}({} in {}: {})",
                var.name,
                expr(source),
                expr(cond)
            ))
        }
        ExprKind::Count(x) => atom(format!("count({})", expr(x))),
        ExprKind::Not(x) => (format!("not {}", at_least(x, Prec::Not)), Prec::Not),
        ExprKind::Neg(x) => (format!("-{}", at_least(x, Prec::Neg)), Prec::Neg),
        ExprKind::Is(x, test) => {
            let what = match test {
                IsTest::Set => "set",
                IsTest::Unset => "unset",
                IsTest::Tag(tag) => tag.name.as_str(),
            };
            (format!("{} is {what}", at_least(x, Prec::Is)), Prec::Is)
        }
        ExprKind::Binary(op, l, r) => {
            let p = op.precedence();
            // left-associative: the right operand of an equal binding needs brackets
            let right = {
                let (text, rp) = printed(r);
                if rp > p {
                    text
                } else {
                    format!("({text})")
                }
            };
            (format!("{} {} {right}", at_least(l, p), op.symbol()), p)
        }
    }
}

/// A string literal with its `{…}` interpolations, escaped as the grammar reads it.
pub(crate) fn template(t: &Template) -> String {
    let mut out = String::from("\"");
    for part in &t.parts {
        match part {
            TemplatePart::Text(s) => {
                for c in s.chars() {
                    match c {
                        '"' => out.push_str("\\\""),
                        '\\' => out.push_str("\\\\"),
                        '{' => out.push_str("\\{"),
                        '}' => out.push_str("\\}"),
                        '\n' => out.push_str("\\n"),
                        c => out.push(c),
                    }
                }
            }
            TemplatePart::Expr(e) => {
                out.push('{');
                out.push_str(&expr(e));
                out.push('}');
            }
        }
    }
    out.push('"');
    out
}

/// One action as a line, and the actions of its block (`add … as p { … }`).
pub(crate) fn action(a: &Action) -> (String, Vec<&Action>) {
    match a {
        Action::Set { target, value, .. } => {
            let path: Vec<&str> = target.iter().map(|t| t.name.as_str()).collect();
            (
                format!("set {} = {}", path.join("."), expr(value)),
                Vec::new(),
            )
        }
        Action::Emit(id) => (format!("emit {}", id.name), Vec::new()),
        Action::Reject { field, message } => {
            let field = field
                .as_ref()
                .map_or(String::new(), |f| format!("{} ", f.name));
            (format!("reject {field}{}", template(message)), Vec::new())
        }
        Action::Show { name, value } => {
            (format!("show {} = {}", name.name, expr(value)), Vec::new())
        }
        Action::Add {
            collection,
            keys,
            bind,
            ..
        } => {
            let keys: Vec<String> = keys
                .iter()
                .map(|(k, v)| format!("{}: {}", k.name, expr(v)))
                .collect();
            let head = format!("add {}({})", collection.name, keys.join(", "));
            match bind {
                Some((name, block)) => (format!("{head} as {}", name.name), block.iter().collect()),
                None => (head, Vec::new()),
            }
        }
    }
}

/// A type as written: `phone`, `set<role>`, `{ role: role, cert: cert_last6 sensitive }?`.
pub(crate) fn ty(t: &TypeExpr) -> String {
    let inner = match &t.kind {
        TypeKind::Named(path) => path
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join("."),
        TypeKind::Set(x) => format!("set<{}>", ty(x)),
        TypeKind::List(x) => format!("list<{}>", ty(x)),
        TypeKind::Record(fields) => {
            let fields: Vec<String> = fields
                .iter()
                .map(|f| {
                    let s = if f.sensitive { " sensitive" } else { "" };
                    format!("{}: {}{s}", f.name.name, ty(&f.ty))
                })
                .collect();
            format!("{{ {} }}", fields.join(", "))
        }
    };
    if t.optional {
        format!("{inner}?")
    } else {
        inner
    }
}

#[cfg(test)]
mod tests {
    use crate::span::Source;

    /// The guards of a small rule file, printed back.
    fn guards(rules: &str) -> Vec<String> {
        let text = format!("on e {{\n{rules}\n}}\n");
        let file = crate::dsl::parse_file(0, &Source::new("t.docket", text)).expect("parses");
        file.handlers[0]
            .rules
            .iter()
            .filter_map(|r| r.when.as_ref().map(super::expr))
            .collect()
    }

    #[test]
    fn brackets_only_where_precedence_needs_them() {
        let got = guards(
            "rule a when not (x.status == s or x.status is open) { emit m }\n\
             rule b when not x.validated and count([p in xs where p.n > 1]) == 0 { emit m }\n\
             rule c when (a ?? b) is set and a - (b - c) >= 2 * (d + 1) { emit m }\n\
             rule d when any(y in ys: y.p == \"a \\\"q\\\" {y.p}\") or length(r) < 24h { emit m }",
        );
        assert_eq!(
            got,
            [
                "not (x.status == s or x.status is open)",
                "not x.validated and count([p in xs where p.n > 1]) == 0",
                "(a ?? b) is set and a - (b - c) >= 2 * (d + 1)",
                "any(y in ys: y.p == \"a \\\"q\\\" {y.p}\") or length(r) < 24h",
            ]
        );
    }

    #[test]
    fn printed_guards_parse_back_to_the_same_text() {
        let src = "rule a when (a or b) and not c == d { emit m }\nrule b when -(x + 1) * 2 < 1 month { emit m }";
        let once = guards(src);
        let again: Vec<String> = guards(
            &once
                .iter()
                .enumerate()
                .map(|(i, g)| format!("rule r{i} when {g} {{ emit m }}"))
                .collect::<Vec<_>>()
                .join("\n"),
        );
        assert_eq!(once, again);
        assert_eq!(once[0], "(a or b) and not c == d");
    }
}
