//! Message templates: the `{…}` placeholders of message texts, parsed with the rule
//! language's expression parser and checked where the message is emitted.
//!
//! A placeholder that reads only limits (`{limits.max_resends}`) is checked once, at load,
//! and its value written into the text there: a message whose placeholders are all such is
//! as fixed as one without any, and is written as JSON once, shared by every outcome. Any
//! other placeholder (`{filing.id}`, `{event.reason}`, `{p.resends}`, a `let`) is checked at
//! every `emit` of its message, in the scope of the emitting rule, and rendered at each emit.
//! A problem in a placeholder is reported at the placeholder, in the YAML file; when it comes
//! from the scope of one `emit`, the report names that `emit` too.

use super::expr::{computed_from_sensitive, holds, Scope};
use super::{At, CheckError, EmitSite, Env, Hint};
use crate::ast::{Expr, ExprKind, Ident, TemplatePart};
use crate::outcome::MessageOut;
use crate::program::{IAction, IExpr, MessageId, TPart};
use crate::span::{Source, Span};
use crate::tables::Piece;
use crate::value::Ty;
use std::sync::Arc;

/// A message's columns (`text`, `result`, `next_step`, then the extra ones), checked as far
/// as they can be before an `emit` gives them a scope.
#[derive(Debug, Default)]
pub(crate) struct MessageTemplate {
    /// Each column's parts.
    columns: Vec<Vec<Part>>,
    /// Whether a placeholder reads the scope of the emitting rule: the message is then
    /// rendered at each emit.
    scoped: bool,
    /// Whether a placeholder had a problem (reported): emits then check nothing more.
    broken: bool,
}

#[derive(Debug)]
enum Part {
    /// Text, with the placeholders that read only limits written in.
    Text(String),
    /// A placeholder that needs the scope of an `emit`.
    Expr(Placeholder),
}

#[derive(Debug)]
struct Placeholder {
    /// The expression, with spans into `source`.
    expr: Expr,
    /// The text between the braces.
    source: String,
    /// Where `source` is in the table file (exactly, or the whole YAML value).
    span: Span,
    exact: bool,
}

impl Placeholder {
    /// A span of `source` as a span of the table file.
    fn relocate(&self, span: Span) -> Span {
        if self.exact {
            let end = self.span.end;
            Span::new(
                (self.span.start + span.start).min(end),
                (self.span.start + span.end).min(end),
            )
        } else {
            self.span
        }
    }
}

/// Parses every placeholder of every message, checks those that read only limits and writes
/// their values in. Runs once the declarations are gathered (enumeration names are known).
pub(super) fn parse_messages(env: &mut Env) {
    // taken out while their placeholders are checked (which never read the messages), not
    // copied
    let messages = std::mem::take(&mut env.messages);
    let mut templates = Vec::with_capacity(messages.len());
    for (i, message) in messages.iter().enumerate() {
        let source = env.message_sources[i];
        let mut template = MessageTemplate::default();
        for (_, text) in message.columns() {
            let mut parts: Vec<Part> = Vec::new();
            for piece in &text.pieces {
                match piece {
                    Piece::Text(s) => push_text(&mut parts, s),
                    Piece::Placeholder {
                        source: src,
                        span,
                        exact,
                    } => match crate::dsl::parse_expr(src) {
                        Ok(expr) => {
                            let p = Placeholder {
                                expr,
                                source: src.clone(),
                                span: *span,
                                exact: *exact,
                            };
                            if reads_only_limits(env, &p.expr) {
                                let mut scope = Scope::default();
                                match env.placeholder(&mut scope, source, &p, None) {
                                    Some(IExpr::Lit(v)) => {
                                        let text = crate::text::for_people(
                                            &v,
                                            &env.enums,
                                            env.zone.as_ref().map(|(z, _, _)| z),
                                            &|_| None,
                                        );
                                        push_text(&mut parts, &text);
                                    }
                                    Some(_) => {
                                        template.scoped = true;
                                        parts.push(Part::Expr(p));
                                    }
                                    None => template.broken = true,
                                }
                            } else {
                                template.scoped = true;
                                parts.push(Part::Expr(p));
                            }
                        }
                        Err(e) => {
                            template.broken = true;
                            let at = Placeholder {
                                expr: Expr {
                                    kind: ExprKind::Unset,
                                    span: Span::default(),
                                },
                                source: src.clone(),
                                span: *span,
                                exact: *exact,
                            };
                            env.err(
                                source,
                                CheckError::PlaceholderSyntax {
                                    placeholder: src.clone(),
                                    span: at.relocate(e.span()),
                                    error: Box::new(e),
                                },
                            );
                        }
                    },
                }
            }
            template.columns.push(parts);
        }
        templates.push(template);
    }
    env.messages = messages;
    env.templates = templates;
}

fn push_text(parts: &mut Vec<Part>, s: &str) {
    match parts.last_mut() {
        Some(Part::Text(t)) => t.push_str(s),
        _ => parts.push(Part::Text(s.to_string())),
    }
}

/// Whether `e` reads nothing but limits and literals: no event, no case, no local, no clock.
fn reads_only_limits(env: &Env, e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Int(_)
        | ExprKind::Duration(_)
        | ExprKind::Instant(_)
        | ExprKind::Date(_)
        | ExprKind::Period(_)
        | ExprKind::Bool(_)
        | ExprKind::Unset
        | ExprKind::Regex(_) => true,
        ExprKind::Now | ExprKind::Comprehension { .. } | ExprKind::Quantifier { .. } => false,
        ExprKind::Path(p) => p.first().is_some_and(|h| env.limits.contains_key(&h.name)),
        ExprKind::Str(t) => t.parts.iter().all(|p| match p {
            TemplatePart::Text(_) => true,
            TemplatePart::Expr(x) => reads_only_limits(env, x),
        }),
        ExprKind::Lookup(_, xs) | ExprKind::List(xs) | ExprKind::Call(_, xs) => {
            xs.iter().all(|x| reads_only_limits(env, x))
        }
        ExprKind::Count(x) | ExprKind::Not(x) | ExprKind::Neg(x) | ExprKind::Is(x, _) => {
            reads_only_limits(env, x)
        }
        ExprKind::Binary(_, a, b) => reads_only_limits(env, a) && reads_only_limits(env, b),
    }
}

/// Each message as the output shows it, shared by every outcome: written out at load, unless
/// it is rendered at each emit (then only its id and column names are read from here).
pub(super) fn shared_messages(env: &Env) -> Vec<Arc<MessageOut>> {
    env.messages
        .iter()
        .zip(&env.templates)
        .map(|(m, t)| {
            let mut texts = t.columns.iter().map(|parts| {
                parts
                    .iter()
                    .map(|p| match p {
                        Part::Text(s) => s.clone(),
                        // INVARIANT: a message with such a part is emitted by `EmitWith` only,
                        // which renders it; this text is never output.
                        Part::Expr(p) => format!("{{{}}}", p.source),
                    })
                    .collect::<String>()
            });
            let mut next = || texts.next().unwrap_or_default();
            let (text, result, next_step) = (next(), next(), next());
            let extra = m
                .extra
                .iter()
                .map(|(name, _)| (name.clone(), next()))
                .collect();
            Arc::new(MessageOut::with_columns(
                m.id.clone(),
                text,
                result,
                next_step,
                extra,
            ))
        })
        .collect()
}

impl Env {
    /// `emit <message>` where `scope` is: the message as written out at load, or, when its
    /// placeholders read the scope, each placeholder checked here and compiled.
    pub(super) fn emit(&mut self, scope: &mut Scope, message: MessageId, id: &Ident) -> IAction {
        let m = message.index();
        let Some(template) = self.templates.get_mut(m) else {
            return IAction::Emit(message);
        };
        if !template.scoped || template.broken {
            return IAction::Emit(message);
        }
        // checked below with `self` borrowed mutably: taken out, put back
        let template = std::mem::take(template);
        let source = self.message_sources[m];
        let site = EmitSite {
            emitted: id.name.clone(),
            rule: (!scope.rule.is_empty()).then(|| scope.rule.clone()),
            at: At {
                source: scope.source,
                span: id.span,
            },
        };
        let mut columns = Vec::with_capacity(template.columns.len());
        for parts in &template.columns {
            let mut out: Vec<TPart> = Vec::with_capacity(parts.len());
            for part in parts {
                match part {
                    Part::Text(s) => out.push(TPart::Text(s.clone())),
                    Part::Expr(p) => {
                        if let Some(ir) = self.placeholder(scope, source, p, Some(site.clone())) {
                            out.push(TPart::Expr(ir));
                        }
                    }
                }
            }
            columns.push(out);
        }
        self.templates[m] = template;
        IAction::EmitWith { message, columns }
    }

    /// Checks placeholder `p` of a message of table file `source` in `scope` (the emitting
    /// rule's, or none); `site` names the `emit` for the reports. Its problems are reported
    /// at the placeholder in the table file; `None` if it had any.
    fn placeholder(
        &mut self,
        scope: &mut Scope,
        source: usize,
        p: &Placeholder,
        site: Option<EmitSite>,
    ) -> Option<IExpr> {
        // The expression is checked in a file of its own text, so that the checker quotes it
        // as written; its problems are then moved to the table file.
        let own = self.sources.len();
        let name = self
            .sources
            .get(source)
            .map(|s| s.name.clone())
            .unwrap_or_default();
        self.sources.push(Source::new(name, p.source.clone()));
        let outer = std::mem::replace(&mut scope.source, own);
        let before = self.errors.len();
        let t = self.expr(scope, &p.expr, None);
        if t.sensitive.is_sensitive() {
            let quote = self.snippet(own, p.expr.span).map(str::to_string);
            self.err(
                own,
                CheckError::SensitiveInMessage {
                    quote,
                    computed: computed_from_sensitive(&p.expr),
                    span: p.expr.span,
                },
            );
        }
        if holds(&t.ty, &|t| matches!(t, Ty::Part(_) | Ty::Record(_))) {
            let ty = t.ty.clone();
            self.err(
                own,
                CheckError::NotText {
                    ty,
                    span: p.expr.span,
                },
            );
        } else if t.ty.is_opt() {
            let quote = self.snippet(own, p.expr.span).map(str::to_string);
            let span = p.expr.span;
            self.err(own, CheckError::MessageMaybeUnset { quote, span });
        }
        scope.source = outer;
        self.sources.truncate(own);
        let found: Vec<(usize, CheckError)> = self.errors.drain(before..).collect();
        let clean = found.is_empty();
        for (s, mut e) in found {
            if s != own {
                self.errors.push((s, e));
                continue;
            }
            e.relocate(|span| p.relocate(span));
            if let CheckError::Unknown {
                kind: "name",
                suggestion: None,
                hint: hint @ None,
                ..
            } = &mut e
            {
                *hint = Some(Box::new(Hint::InPlaceholder));
            }
            let e = match &site {
                Some(site) => CheckError::AtEmit {
                    error: Box::new(e),
                    site: site.clone(),
                },
                None => e,
            };
            self.errors.push((source, e));
        }
        clean.then_some(t.ir)
    }
}
