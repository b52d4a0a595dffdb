//! Typing and resolving expressions.

use super::{unknown, CheckError, Env, LimitRef};
use crate::ast::{BinOp, Expr, ExprKind, Ident, IsTest, Quant, Template, TemplatePart};
use crate::program::{Arith, Cmp, FieldKind, IExpr, TPart};
use crate::span::Span;
use crate::value::{Ty, Value};

/// A local name in scope.
#[derive(Clone, Debug)]
pub(crate) struct Local {
    pub name: String,
    pub ty: Ty,
    pub sensitive: bool,
    pub slot: u16,
}

/// What names mean where an expression is written.
#[derive(Clone, Debug, Default)]
pub(crate) struct Scope {
    pub source: usize,
    pub locals: Vec<Local>,
    pub next_slot: u16,
    pub max_slot: u16,
    /// The event of the handler, if any.
    pub event: Option<u16>,
    /// Whether the case name denotes a case here (slot 0 holds it).
    pub case_bound: bool,
    /// In a derived field: bare field names are fields of slot 0 (`Some(true)` participant).
    pub self_part: Option<bool>,
    /// Paths known to be set here (`x is set and …`).
    pub narrowed: Vec<String>,
    /// In a derived field: (of a participant?, its index). Derived fields from there on are
    /// not readable yet, so derived fields cannot form a cycle.
    pub derived_cutoff: Option<(bool, usize)>,
    /// The `let`s of the handler not bound yet (the one being checked, and those below it),
    /// so that reading one says so instead of "unknown name".
    pub later_lets: Vec<String>,
}

impl Scope {
    pub fn bind(&mut self, name: &str, ty: Ty, sensitive: bool) -> u16 {
        let slot = self.next_slot;
        self.next_slot += 1;
        self.max_slot = self.max_slot.max(self.next_slot);
        self.locals.push(Local {
            name: name.to_string(),
            ty,
            sensitive,
            slot,
        });
        slot
    }

    pub fn unbind(&mut self) {
        if self.locals.pop().is_some() {
            self.next_slot -= 1;
        }
    }

    fn local(&self, name: &str) -> Option<&Local> {
        self.locals.iter().rev().find(|l| l.name == name)
    }
}

/// A checked expression.
#[derive(Clone, Debug)]
pub(crate) struct Typed {
    pub ir: IExpr,
    pub ty: Ty,
    pub sensitive: bool,
}

impl Typed {
    fn new(ir: IExpr, ty: Ty) -> Typed {
        Typed {
            ir,
            ty,
            sensitive: false,
        }
    }

    pub fn error() -> Typed {
        Typed::new(IExpr::Lit(Value::Unset), Ty::Unknown)
    }
}

pub(crate) fn describe(env: &Env, ty: &Ty) -> String {
    match ty {
        Ty::Bool => "a bool".into(),
        Ty::Count => "a count".into(),
        Ty::Duration => "a duration".into(),
        Ty::Instant => "an instant".into(),
        Ty::Text => "text".into(),
        Ty::Format(f) => format!("a `{}`", env.formats[*f as usize].name),
        Ty::Enum(e) => format!("a `{}`", env.enums[*e as usize].name),
        Ty::Set(t) => format!("a set of {}", plural(env, t)),
        Ty::List(t) => format!("a list of {}", plural(env, t)),
        Ty::Record(_) => "a record".into(),
        Ty::Opt(t) => format!("{} that may be unset", describe(env, t)),
        Ty::Case => format!("a `{}`", env.case.name),
        Ty::Part => format!("one of `{}`", env.parts.name),
        Ty::Unknown => "a value".into(),
    }
}

/// The type in the plural, after "a list of": "counts", "`role` values", "records".
fn plural(env: &Env, ty: &Ty) -> String {
    match ty {
        Ty::Bool => "bools".into(),
        Ty::Count => "counts".into(),
        Ty::Duration => "durations".into(),
        Ty::Instant => "instants".into(),
        Ty::Text => "texts".into(),
        Ty::Format(f) => format!("`{}` values", env.formats[*f as usize].name),
        Ty::Enum(e) => format!("`{}` values", env.enums[*e as usize].name),
        Ty::Set(t) => format!("sets of {}", plural(env, t)),
        Ty::List(t) => format!("lists of {}", plural(env, t)),
        Ty::Record(_) => "records".into(),
        Ty::Opt(t) => format!("{} that may be unset", plural(env, t)),
        Ty::Case => format!("`{}` cases", env.case.name),
        Ty::Part => format!("`{}`", env.parts.name),
        Ty::Unknown => "values".into(),
    }
}

/// Whether `ty` is, or holds (in a list, a set or as an optional), a value of a type `is`.
pub(crate) fn holds(ty: &Ty, is: &dyn Fn(&Ty) -> bool) -> bool {
    is(ty)
        || match ty {
            Ty::Opt(inner) | Ty::List(inner) | Ty::Set(inner) => holds(inner, is),
            _ => false,
        }
}

/// Whether a value of type `from` may be stored where `to` is expected.
pub(crate) fn assignable(from: &Ty, to: &Ty) -> bool {
    match (from, to) {
        (Ty::Unknown, _) | (_, Ty::Unknown) => true,
        (a, b) if a == b => true,
        (Ty::Format(_), Ty::Text) => true,
        (Ty::Opt(a), Ty::Opt(b)) => assignable(a, b),
        (a, Ty::Opt(b)) => assignable(a, b),
        (Ty::List(a) | Ty::Set(a), Ty::Set(b)) => assignable(a, b),
        (Ty::List(a), Ty::List(b)) => assignable(a, b),
        _ => false,
    }
}

/// Whether two types can be compared with `==`.
fn comparable(a: &Ty, b: &Ty) -> bool {
    let (a, b) = (a.strip_opt(), b.strip_opt());
    match (a, b) {
        (Ty::Unknown, _) | (_, Ty::Unknown) => true,
        (x, y) if x.is_textual() && y.is_textual() => true,
        (Ty::Set(x) | Ty::List(x), Ty::Set(y) | Ty::List(y)) => comparable(x, y),
        (x, y) => x == y,
    }
}

fn path_text(path: &[Ident]) -> String {
    path.iter()
        .map(|i| i.name.as_str())
        .collect::<Vec<_>>()
        .join(".")
}

fn span_of(path: &[Ident]) -> Span {
    match (path.first(), path.last()) {
        (Some(a), Some(b)) => Span::new(a.span.start, b.span.end),
        _ => Span::default(),
    }
}

/// A `/regex/` that does not compile.
pub(crate) fn bad_pattern(error: &str, span: Span) -> CheckError {
    // the regex compiler's explanation may span lines; the first says what is wrong
    let first = error.lines().next().unwrap_or(error).trim_end_matches('.');
    CheckError::Invalid {
        message: format!("invalid pattern: {first}"),
        span,
        help: Some("write a regular expression between slashes, e.g. `/^[0-9]{6}$/`".into()),
    }
}

/// `limits.code_format` as a pattern.
pub(crate) fn limit_pattern(env: &Env, path: &[Ident]) -> Result<u16, CheckError> {
    match resolve_limit(env, path)? {
        LimitRef::Pattern(p) => Ok(p),
        LimitRef::Value(_, _) => Err(CheckError::Type {
            message: format!("`{}` is not a pattern", path_text(path)),
            span: span_of(path),
            help: Some("a format needs a `/regex/` or a `pattern:` limit".into()),
        }),
    }
}

fn resolve_limit(env: &Env, path: &[Ident]) -> Result<LimitRef, CheckError> {
    let Some(table) = path.first() else {
        return Err(CheckError::Invalid {
            message: "expected a limit".into(),
            span: Span::default(),
            help: None,
        });
    };
    let Some(limits) = env.limits.get(&table.name) else {
        return Err(unknown(
            "limits table",
            table,
            env.limits.keys().map(String::as_str),
        ));
    };
    match path {
        [_, name] => limits.get(&name.name).cloned().ok_or_else(|| {
            let mut names: Vec<&str> = limits.keys().map(String::as_str).collect();
            names.sort_unstable();
            unknown("limit", name, names)
        }),
        _ => Err(CheckError::Invalid {
            message: format!("write a limit as `{}.<name>`", table.name),
            span: span_of(path),
            help: None,
        }),
    }
}

impl Env {
    /// Checks an expression that must have type `want`.
    pub fn expect(&mut self, scope: &mut Scope, e: &Expr, want: &Ty) -> Typed {
        let t = self.expr(scope, e, Some(want));
        if !assignable(&t.ty, want) {
            let help = if t.ty.is_opt() && assignable(t.ty.strip_opt(), want) {
                Some("check it first with `is set`, or give a fallback with `??`".to_string())
            } else {
                None
            };
            let msg = format!(
                "expected {}, found {}",
                describe(self, want),
                describe(self, &t.ty)
            );
            self.err(
                scope.source,
                CheckError::Type {
                    message: msg,
                    span: e.span,
                    help,
                },
            );
            return Typed::error();
        }
        t
    }

    pub fn bool_expr(&mut self, scope: &mut Scope, e: &Expr) -> Typed {
        self.expect(scope, e, &Ty::Bool)
    }

    /// Checks an expression; `hint` helps resolve bare enum values and string literals.
    pub fn expr(&mut self, scope: &mut Scope, e: &Expr, hint: Option<&Ty>) -> Typed {
        let src = scope.source;
        match &e.kind {
            ExprKind::Int(n) => Typed::new(IExpr::Lit(Value::Count(*n)), Ty::Count),
            ExprKind::Duration(d) => Typed::new(IExpr::Lit(Value::Duration(*d)), Ty::Duration),
            ExprKind::Instant(t) => Typed::new(IExpr::Lit(Value::Instant(*t)), Ty::Instant),
            ExprKind::Bool(b) => Typed::new(IExpr::Lit(Value::Bool(*b)), Ty::Bool),
            ExprKind::Unset => Typed::new(IExpr::Lit(Value::Unset), Ty::Opt(Box::new(Ty::Unknown))),
            ExprKind::Now => Typed::new(IExpr::Now, Ty::Instant),
            ExprKind::Regex(_) => {
                self.err(
                    src,
                    CheckError::Type {
                        message: "a pattern can only follow `matches`".into(),
                        span: e.span,
                        help: None,
                    },
                );
                Typed::error()
            }
            ExprKind::Str(t) => self.string(scope, t, hint),
            ExprKind::Path(path) => self.path(scope, path, hint),
            ExprKind::Lookup(table, keys) => self.lookup(scope, table, keys, e.span),
            ExprKind::List(items) => {
                let elem_hint = hint.and_then(|h| h.strip_opt().element()).cloned();
                let mut ty = elem_hint.clone().unwrap_or(Ty::Unknown);
                let mut irs = Vec::new();
                let mut sensitive = false;
                for item in items {
                    let t = self.expr(scope, item, elem_hint.as_ref());
                    sensitive |= t.sensitive;
                    if ty == Ty::Unknown {
                        ty = t.ty.clone();
                    } else if !comparable(&t.ty, &ty) {
                        let msg = format!(
                            "a list holds values of one type: expected {}, found {}",
                            describe(self, &ty),
                            describe(self, &t.ty)
                        );
                        self.err(
                            src,
                            CheckError::Type {
                                message: msg,
                                span: item.span,
                                help: None,
                            },
                        );
                    }
                    irs.push(t.ir);
                }
                Typed {
                    ir: IExpr::List(irs),
                    ty: Ty::List(Box::new(ty)),
                    sensitive,
                }
            }
            ExprKind::Comprehension { var, source, cond } => {
                self.comprehension(scope, var, source, cond)
            }
            ExprKind::Quantifier {
                kind,
                var,
                source,
                cond,
            } => {
                let s = self.collection(scope, source);
                let elem = s.ty.element().cloned().unwrap_or(Ty::Unknown);
                let slot = scope.bind(&var.name, elem, s.sensitive);
                let c = self.bool_expr(scope, cond);
                scope.unbind();
                Typed::new(
                    IExpr::Quant {
                        all: *kind == Quant::All,
                        var: slot,
                        source: Box::new(s.ir),
                        cond: Box::new(c.ir),
                    },
                    Ty::Bool,
                )
            }
            ExprKind::Count(inner) => {
                let s = self.collection(scope, inner);
                Typed::new(IExpr::Count(Box::new(s.ir)), Ty::Count)
            }
            ExprKind::Not(inner) => {
                let t = self.bool_expr(scope, inner);
                Typed::new(IExpr::Not(Box::new(t.ir)), Ty::Bool)
            }
            ExprKind::Neg(inner) => {
                let t = self.expr(scope, inner, None);
                match t.ty.strip_opt() {
                    Ty::Duration | Ty::Unknown => Typed {
                        ir: IExpr::Neg(Box::new(t.ir)),
                        ..t
                    },
                    _ => {
                        let msg = format!("cannot negate {}", describe(self, &t.ty));
                        self.err(
                            src,
                            CheckError::Type {
                                message: msg,
                                span: e.span,
                                help: Some("counts are never negative".into()),
                            },
                        );
                        Typed::error()
                    }
                }
            }
            ExprKind::Is(inner, test) => self.is_test(scope, inner, test, e.span),
            ExprKind::Binary(op, a, b) => self.binary(scope, *op, a, b, e.span),
        }
    }

    fn string(&mut self, scope: &mut Scope, t: &Template, hint: Option<&Ty>) -> Typed {
        // A plain string where an enum value is expected: check it against the enum.
        if let (Some(Ty::Enum(en)), [TemplatePart::Text(text)]) =
            (hint.map(Ty::strip_opt), t.parts.as_slice())
        {
            let en = *en;
            return self.enum_value(scope.source, en, text, t.span);
        }
        if let (Some(Ty::Enum(en)), []) = (hint.map(Ty::strip_opt), t.parts.as_slice()) {
            let en = *en;
            return self.enum_value(scope.source, en, "", t.span);
        }
        let parts = self.template(scope, t);
        match parts.as_slice() {
            [] => Typed::new(IExpr::Lit(Value::Text(String::new())), Ty::Text),
            [TPart::Text(s)] => Typed::new(IExpr::Lit(Value::Text(s.clone())), Ty::Text),
            _ => Typed::new(IExpr::Template(parts), Ty::Text),
        }
    }

    fn enum_value(&mut self, source: usize, en: u16, text: &str, span: Span) -> Typed {
        let def = &self.enums[en as usize];
        match def.values.iter().position(|v| v == text) {
            Some(i) => Typed::new(IExpr::Lit(Value::Enum(en, i as u16)), Ty::Enum(en)),
            None => {
                let kind_name = def.name.clone();
                let values = def.values.clone();
                let id = Ident {
                    name: text.to_string(),
                    span,
                };
                let mut e = unknown("value", &id, values.iter().map(String::as_str));
                if let CheckError::Unknown { ref mut name, .. } = e {
                    *name = format!("{text}` for `{kind_name}");
                }
                self.err(source, e);
                Typed::error()
            }
        }
    }

    /// Checks a template's interpolations: no sensitive value may be shown.
    pub fn template(&mut self, scope: &mut Scope, t: &Template) -> Vec<TPart> {
        let mut out = Vec::new();
        for part in &t.parts {
            match part {
                TemplatePart::Text(s) => out.push(TPart::Text(s.clone())),
                TemplatePart::Expr(e) => {
                    let v = self.expr(scope, e, None);
                    if v.sensitive {
                        let what = match self.snippet(scope.source, e.span) {
                            Some(text) => format!("`{text}`"),
                            None => "this value".into(),
                        };
                        self.err(
                            scope.source,
                            CheckError::Sensitive {
                                message: format!(
                                    "{what} is sensitive and cannot be written into a message"
                                ),
                                span: e.span,
                            },
                        );
                    }
                    // a record shows every field, sensitive ones too; a participant has no text
                    if holds(&v.ty, &|t| matches!(t, Ty::Part | Ty::Record(_))) {
                        let msg = format!("{} cannot be written into text", describe(self, &v.ty));
                        self.err(
                            scope.source,
                            CheckError::Type {
                                message: msg,
                                span: e.span,
                                help: Some("name one of its fields instead".into()),
                            },
                        );
                    }
                    out.push(TPart::Expr(v.ir));
                }
            }
        }
        out
    }

    fn collection(&mut self, scope: &mut Scope, e: &Expr) -> Typed {
        if let ExprKind::Path(p) = &e.kind {
            if p.len() == 1 && p[0].name == self.parts.name && scope.local(&p[0].name).is_none() {
                self.err(
                    scope.source,
                    CheckError::Invalid {
                        message: format!(
                            "`{}` alone is every participant of every case",
                            self.parts.name
                        ),
                        span: e.span,
                        help: Some(format!(
                            "look participants up by a field, e.g. `[p in {} where p.phone == event.phone]`, or use `{}.{}` for one case's",
                            self.parts.name, self.case.name, self.parts.name
                        )),
                    },
                );
                return Typed::error();
            }
        }
        let t = self.expr(scope, e, None);
        match &t.ty {
            Ty::List(_) | Ty::Set(_) | Ty::Unknown => t,
            other => {
                let msg = format!("expected a list or a set, found {}", describe(self, other));
                self.err(
                    scope.source,
                    CheckError::Type {
                        message: msg,
                        span: e.span,
                        help: None,
                    },
                );
                Typed::error()
            }
        }
    }

    fn comprehension(
        &mut self,
        scope: &mut Scope,
        var: &Ident,
        source: &Expr,
        cond: &Expr,
    ) -> Typed {
        let is_world = matches!(&source.kind, ExprKind::Path(p)
            if p.len() == 1 && p[0].name == self.parts.name && scope.local(&p[0].name).is_none());
        if !is_world {
            let s = self.collection(scope, source);
            let elem = s.ty.element().cloned().unwrap_or(Ty::Unknown);
            let slot = scope.bind(&var.name, elem, s.sensitive);
            let c = self.bool_expr(scope, cond);
            scope.unbind();
            let ty = match s.ty {
                Ty::Set(t) => Ty::Set(t),
                Ty::List(t) => Ty::List(t),
                _ => Ty::List(Box::new(Ty::Unknown)),
            };
            return Typed {
                ir: IExpr::Filter {
                    var: slot,
                    source: Box::new(s.ir),
                    cond: Box::new(c.ir),
                },
                ty,
                sensitive: s.sensitive,
            };
        }
        // A world-wide lookup: one conjunct must fix a stored field, served by an index.
        let mut conjuncts = Vec::new();
        flatten_and(cond, &mut conjuncts);
        let slot = scope.bind(&var.name, Ty::Part, false);
        let mut key: Option<(u16, Typed)> = None;
        let mut rest: Vec<IExpr> = Vec::new();
        for c in conjuncts {
            if key.is_none() {
                if let Some((field, other)) = self.index_conjunct(scope, &var.name, c) {
                    let fty = self.parts.fields[field as usize].ty.clone();
                    // the key may not mention the variable: check it with the variable hidden
                    let k = self.expr(scope, other, Some(&fty));
                    if !comparable(&k.ty, &fty) {
                        let msg = format!(
                            "cannot compare {} with {}",
                            describe(self, &fty),
                            describe(self, &k.ty)
                        );
                        self.err(
                            scope.source,
                            CheckError::Type {
                                message: msg,
                                span: c.span,
                                help: None,
                            },
                        );
                    }
                    key = Some((field, k));
                    continue;
                }
            }
            rest.push(self.bool_expr(scope, c).ir);
        }
        scope.unbind();
        let Some((field, k)) = key else {
            self.err(
                scope.source,
                CheckError::Invalid {
                    message: format!(
                        "a lookup over all `{}` must fix a stored field",
                        self.parts.name
                    ),
                    span: cond.span,
                    help: Some(format!(
                        "start the condition with `{}.<field> == …` so the lookup is served by an index",
                        var.name
                    )),
                },
            );
            return Typed::error();
        };
        if !self.parts.indexed.contains(&field) {
            self.parts.indexed.push(field);
        }
        let cond = rest
            .into_iter()
            .reduce(|a, b| IExpr::And(Box::new(a), Box::new(b)))
            .unwrap_or(IExpr::Lit(Value::Bool(true)));
        Typed::new(
            IExpr::IndexLookup {
                field,
                key: Box::new(k.ir),
                var: slot,
                cond: Box::new(cond),
            },
            Ty::List(Box::new(Ty::Part)),
        )
    }

    /// `p.field == expr` (either side) where `field` is a stored participant field and `expr`
    /// does not mention `p`.
    fn index_conjunct<'e>(
        &self,
        _scope: &Scope,
        var: &str,
        c: &'e Expr,
    ) -> Option<(u16, &'e Expr)> {
        let ExprKind::Binary(BinOp::Eq, a, b) = &c.kind else {
            return None;
        };
        for (x, y) in [(a, b), (b, a)] {
            if let ExprKind::Path(p) = &x.kind {
                if let [head, field] = p.as_slice() {
                    if head.name == var && !mentions(y, var) {
                        let idx = self.parts.fields.iter().position(|f| {
                            f.name == field.name && matches!(f.kind, FieldKind::Stored { .. })
                        })?;
                        return Some((idx as u16, y));
                    }
                }
            }
        }
        None
    }

    fn lookup(&mut self, scope: &mut Scope, table: &Ident, keys: &[Expr], whole: Span) -> Typed {
        let Some((idx, of, key_enums)) = self.req_index.get(&table.name).cloned() else {
            let names: Vec<String> = self.req_index.keys().cloned().collect();
            let e = unknown("table", table, names.iter().map(String::as_str));
            self.err(scope.source, e);
            return Typed::error();
        };
        if keys.len() != key_enums.len() {
            let cols = &self.requirements[idx as usize].keys;
            let placeholders: Vec<String> = cols.iter().map(|c| format!("<{c}>")).collect();
            let help = format!(
                "give one key per column, in order: `{}[{}]`",
                table.name,
                placeholders.join(", ")
            );
            self.err(
                scope.source,
                CheckError::Type {
                    message: format!(
                        "table `{}` is looked up by {} key{}, not {}",
                        table.name,
                        key_enums.len(),
                        if key_enums.len() == 1 { "" } else { "s" },
                        keys.len()
                    ),
                    span: whole,
                    help: Some(help),
                },
            );
            return Typed::error();
        }
        let mut irs = Vec::new();
        let mut blame = None;
        for (k, en) in keys.iter().zip(key_enums) {
            let t = self.expect(scope, k, &Ty::Enum(en));
            if let IExpr::EventField(f) = &t.ir {
                if let Some(ev) = scope.event {
                    let rec = self.events[ev as usize].record;
                    blame = Some(self.records[rec as usize].fields[*f as usize].name.clone());
                }
            }
            irs.push(t.ir);
        }
        Typed::new(
            IExpr::Lookup {
                table: idx,
                keys: irs,
                blame,
            },
            Ty::Set(Box::new(Ty::Enum(of))),
        )
    }

    fn is_test(&mut self, scope: &mut Scope, inner: &Expr, test: &IsTest, span: Span) -> Typed {
        match test {
            IsTest::Set | IsTest::Unset => {
                let t = self.expr(scope, inner, None);
                if !t.ty.is_opt() && t.ty != Ty::Unknown && !self.is_narrowed(scope, inner) {
                    let msg = format!(
                        "{} is never unset, so `is {}` is always {}",
                        describe(self, &t.ty),
                        if matches!(test, IsTest::Set) {
                            "set"
                        } else {
                            "unset"
                        },
                        matches!(test, IsTest::Set)
                    );
                    self.err(
                        scope.source,
                        CheckError::Type {
                            message: msg,
                            span,
                            help: Some("declare the field with `?` if it can be missing".into()),
                        },
                    );
                }
                let ir = IExpr::IsSet(Box::new(t.ir));
                let ir = if matches!(test, IsTest::Unset) {
                    IExpr::Not(Box::new(ir))
                } else {
                    ir
                };
                Typed::new(ir, Ty::Bool)
            }
            IsTest::Tag(tag) => {
                let t = self.expr(scope, inner, None);
                let status = self.status_enum();
                if !matches!(t.ty, Ty::Enum(e) if e == status) && t.ty != Ty::Unknown {
                    let msg = format!(
                        "`is {}` tests a status tag, but this is {}",
                        tag.name,
                        describe(self, &t.ty)
                    );
                    self.err(
                        scope.source,
                        CheckError::Type {
                            message: msg,
                            span,
                            help: Some("use `==` to compare values".into()),
                        },
                    );
                    return Typed::error();
                }
                match self.case.tags.iter().position(|(n, _)| *n == tag.name) {
                    Some(i) => Typed::new(IExpr::HasTag(Box::new(t.ir), i as u16), Ty::Bool),
                    None => {
                        let names: Vec<String> =
                            self.case.tags.iter().map(|(n, _)| n.clone()).collect();
                        let mut e = unknown("status tag", tag, names.iter().map(String::as_str));
                        if let CheckError::Unknown {
                            hint,
                            suggestion: None,
                            ..
                        } = &mut e
                        {
                            let known = match names.as_slice() {
                                [] => "no status has a tag yet".to_string(),
                                [one] => format!("the only tag is `{one}`"),
                                [rest @ .., last] => format!(
                                    "the tags are {} and `{last}`",
                                    rest.iter()
                                        .map(|n| format!("`{n}`"))
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                ),
                            };
                            *hint = Some(format!(
                                "{known}; a tag follows a status in `statuses`, e.g. `{}: {}`",
                                self.enums[status as usize]
                                    .values
                                    .first()
                                    .cloned()
                                    .unwrap_or_default(),
                                tag.name
                            ));
                        }
                        self.err(scope.source, e);
                        Typed::error()
                    }
                }
            }
        }
    }

    fn is_narrowed(&self, scope: &Scope, e: &Expr) -> bool {
        match &e.kind {
            ExprKind::Path(p) => scope.narrowed.contains(&path_text(p)),
            _ => false,
        }
    }

    fn binary(&mut self, scope: &mut Scope, op: BinOp, a: &Expr, b: &Expr, span: Span) -> Typed {
        let src = scope.source;
        match op {
            BinOp::And | BinOp::Or => {
                let l = self.bool_expr(scope, a);
                // `x is set and …x…`, `x is unset or …x…`: x is known set on the right
                let narrowed = narrowing(a, op == BinOp::And);
                let before = scope.narrowed.len();
                scope.narrowed.extend(narrowed);
                let r = self.bool_expr(scope, b);
                scope.narrowed.truncate(before);
                let ir = if op == BinOp::And {
                    IExpr::And(Box::new(l.ir), Box::new(r.ir))
                } else {
                    IExpr::Or(Box::new(l.ir), Box::new(r.ir))
                };
                Typed::new(ir, Ty::Bool)
            }
            BinOp::Eq | BinOp::Ne | BinOp::In => {
                // resolve a bare enum value on either side from the other side's type
                let (l, r) = if self.is_bare_unbound(scope, a) && !self.is_bare_unbound(scope, b) {
                    let r = self.expr(scope, b, None);
                    let hint = if op == BinOp::In {
                        r.ty.element().cloned()
                    } else {
                        Some(r.ty.clone())
                    };
                    (self.expr(scope, a, hint.as_ref()), r)
                } else {
                    let l = self.expr(scope, a, None);
                    let hint = if op == BinOp::In {
                        Some(Ty::List(Box::new(l.ty.clone())))
                    } else {
                        Some(l.ty.clone())
                    };
                    let r = self.expr(scope, b, hint.as_ref());
                    (l, r)
                };
                if op == BinOp::In {
                    let ok = match r.ty.strip_opt() {
                        Ty::Set(e) | Ty::List(e) => comparable(&l.ty, e),
                        Ty::Unknown => true,
                        _ => false,
                    } && !r.ty.is_opt();
                    if !ok {
                        let msg = format!(
                            "cannot look for {} in {}",
                            describe(self, &l.ty),
                            describe(self, &r.ty)
                        );
                        self.err(
                            src,
                            CheckError::Type {
                                message: msg,
                                span,
                                help: None,
                            },
                        );
                    }
                    return Typed::new(IExpr::In(Box::new(l.ir), Box::new(r.ir)), Ty::Bool);
                }
                if !comparable(&l.ty, &r.ty) {
                    let msg = format!(
                        "cannot compare {} with {}",
                        describe(self, &l.ty),
                        describe(self, &r.ty)
                    );
                    self.err(
                        src,
                        CheckError::Type {
                            message: msg,
                            span,
                            help: None,
                        },
                    );
                }
                let cmp = if op == BinOp::Eq { Cmp::Eq } else { Cmp::Ne };
                Typed::new(IExpr::Cmp(cmp, Box::new(l.ir), Box::new(r.ir)), Ty::Bool)
            }
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                let l = self.expr(scope, a, None);
                let r = self.expr(scope, b, None);
                let ordered =
                    |t: &Ty| matches!(t, Ty::Count | Ty::Duration | Ty::Instant | Ty::Unknown);
                let ok = ordered(&l.ty)
                    && ordered(&r.ty)
                    && (l.ty == r.ty || l.ty == Ty::Unknown || r.ty == Ty::Unknown);
                if !ok {
                    let stripped_ok = ordered(l.ty.strip_opt())
                        && ordered(r.ty.strip_opt())
                        && l.ty.strip_opt() == r.ty.strip_opt();
                    let help = if (l.ty.is_opt() || r.ty.is_opt()) && stripped_ok {
                        let optional = if l.ty.is_opt() { a } else { b };
                        match (self.snippet(src, optional.span), self.snippet(src, span)) {
                            (Some(x), Some(whole)) if matches!(optional.kind, ExprKind::Path(_)) => {
                                Some(format!(
                                    "an unset value has no order: check it first, as in `{x} is set and {whole}`, or give a fallback with `??`"
                                ))
                            }
                            _ => Some(
                                "an unset value has no order: check `is set` first, or give a fallback with `??`"
                                    .into(),
                            ),
                        }
                    } else if ordered(l.ty.strip_opt()) && ordered(r.ty.strip_opt()) {
                        Some(
                            "compare counts with counts, durations with durations and instants with instants"
                                .into(),
                        )
                    } else {
                        Some("only counts, durations and instants have an order".into())
                    };
                    let msg = format!(
                        "cannot order {} against {}",
                        describe(self, &l.ty),
                        describe(self, &r.ty)
                    );
                    self.err(
                        src,
                        CheckError::Type {
                            message: msg,
                            span,
                            help,
                        },
                    );
                }
                let cmp = match op {
                    BinOp::Lt => Cmp::Lt,
                    BinOp::Le => Cmp::Le,
                    BinOp::Gt => Cmp::Gt,
                    _ => Cmp::Ge,
                };
                Typed::new(IExpr::Cmp(cmp, Box::new(l.ir), Box::new(r.ir)), Ty::Bool)
            }
            BinOp::Matches => {
                let l = self.expr(scope, a, None);
                let textual = l.ty.is_textual() || l.ty == Ty::Unknown;
                if !textual {
                    let help = if l.ty.strip_opt().is_textual() {
                        Some("check it first with `is set`".into())
                    } else {
                        None
                    };
                    let msg = format!(
                        "only text can match a pattern, not {}",
                        describe(self, &l.ty)
                    );
                    self.err(
                        src,
                        CheckError::Type {
                            message: msg,
                            span: a.span,
                            help,
                        },
                    );
                }
                let pat = match &b.kind {
                    ExprKind::Regex(r) => match crate::tables::Pattern::new(r) {
                        Ok(p) => {
                            self.patterns.push(p);
                            Some((self.patterns.len() - 1) as u16)
                        }
                        Err(e) => {
                            self.err(src, bad_pattern(&e, b.span));
                            None
                        }
                    },
                    ExprKind::Path(p) => match limit_pattern(self, p) {
                        Ok(i) => Some(i),
                        Err(e) => {
                            self.err(src, e);
                            None
                        }
                    },
                    _ => {
                        self.err(
                            src,
                            CheckError::Type {
                                message: "`matches` takes a `/pattern/` or a pattern limit".into(),
                                span: b.span,
                                help: None,
                            },
                        );
                        None
                    }
                };
                match pat {
                    Some(p) => Typed::new(IExpr::Matches(Box::new(l.ir), p), Ty::Bool),
                    None => Typed::error(),
                }
            }
            BinOp::Coalesce => {
                let l = self.expr(scope, a, None);
                if !l.ty.is_opt() && l.ty != Ty::Unknown {
                    let msg = format!(
                        "{} is never unset, so `??` has nothing to do",
                        describe(self, &l.ty)
                    );
                    self.err(
                        src,
                        CheckError::Type {
                            message: msg,
                            span: a.span,
                            help: None,
                        },
                    );
                }
                let inner = l.ty.strip_opt().clone();
                let r = self.expect(scope, b, &inner);
                let ty = if r.ty.is_opt() { inner.opt() } else { inner };
                Typed {
                    ir: IExpr::Coalesce(Box::new(l.ir), Box::new(r.ir)),
                    ty,
                    sensitive: l.sensitive || r.sensitive,
                }
            }
            BinOp::Add | BinOp::Sub | BinOp::Mul => {
                let l = self.expr(scope, a, None);
                let r = self.expr(scope, b, None);
                let arith = match op {
                    BinOp::Add => Arith::Add,
                    BinOp::Sub => Arith::Sub,
                    _ => Arith::Mul,
                };
                let optional = l.ty.is_opt() || r.ty.is_opt();
                let (lt, rt) = (l.ty.strip_opt().clone(), r.ty.strip_opt().clone());
                let sensitive = l.sensitive || r.sensitive;
                // collections: union and difference
                if let (Some(le), Some(re)) = (lt.element(), rt.element()) {
                    if arith != Arith::Mul && comparable(le, re) && !optional {
                        let elem = if *le == Ty::Unknown {
                            re.clone()
                        } else {
                            le.clone()
                        };
                        return Typed {
                            ir: IExpr::SetOp(arith, Box::new(l.ir), Box::new(r.ir)),
                            ty: Ty::Set(Box::new(elem)),
                            sensitive,
                        };
                    }
                }
                let result = match (arith, &lt, &rt) {
                    (_, Ty::Unknown, _) | (_, _, Ty::Unknown) => Some(Ty::Unknown),
                    (_, Ty::Count, Ty::Count) => Some(Ty::Count),
                    (Arith::Add | Arith::Sub, Ty::Duration, Ty::Duration) => Some(Ty::Duration),
                    (Arith::Add | Arith::Sub, Ty::Instant, Ty::Duration) => Some(Ty::Instant),
                    (Arith::Add, Ty::Duration, Ty::Instant) => Some(Ty::Instant),
                    (Arith::Sub, Ty::Instant, Ty::Instant) => Some(Ty::Duration),
                    (Arith::Mul, Ty::Duration, Ty::Count)
                    | (Arith::Mul, Ty::Count, Ty::Duration) => Some(Ty::Duration),
                    _ => None,
                };
                match result {
                    Some(ty) => Typed {
                        ir: IExpr::Arith(arith, Box::new(l.ir), Box::new(r.ir)),
                        ty: if optional { ty.opt() } else { ty },
                        sensitive,
                    },
                    None => {
                        let msg = format!(
                            "cannot apply `{}` to {} and {}",
                            op.symbol(),
                            describe(self, &l.ty),
                            describe(self, &r.ty)
                        );
                        self.err(
                            src,
                            CheckError::Type {
                                message: msg,
                                span,
                                help: None,
                            },
                        );
                        Typed::error()
                    }
                }
            }
        }
    }

    /// A single bare name that is no local, event, case, table…: probably an enum value.
    fn is_bare_unbound(&self, scope: &Scope, e: &Expr) -> bool {
        match &e.kind {
            ExprKind::Path(p) if p.len() == 1 => {
                let n = &p[0].name;
                scope.local(n).is_none()
                    && n != "event"
                    && *n != self.case.name
                    && *n != self.parts.name
                    && !self.limits.contains_key(n)
                    && !(scope.self_part.is_some() && self.self_field_exists(scope, n))
            }
            ExprKind::Str(_) => true,
            _ => false,
        }
    }

    fn self_field_exists(&self, scope: &Scope, n: &str) -> bool {
        let fields = match scope.self_part {
            Some(true) => &self.parts.fields,
            Some(false) => &self.case.fields,
            None => return false,
        };
        fields.iter().any(|f| f.name == n) || (scope.self_part == Some(false) && n == "status")
    }

    /// Resolves `a.b.c`.
    fn path(&mut self, scope: &mut Scope, path: &[Ident], hint: Option<&Ty>) -> Typed {
        let src = scope.source;
        let Some(head) = path.first() else {
            return Typed::error();
        };
        let narrowed = scope.narrowed.contains(&path_text(path));
        let (mut cur, rest) = if let Some(l) = scope.local(&head.name) {
            (
                Typed {
                    ir: IExpr::Local(l.slot),
                    ty: l.ty.clone(),
                    sensitive: l.sensitive,
                },
                &path[1..],
            )
        } else if head.name == "event" {
            let Some(ev) = scope.event else {
                self.err(
                    src,
                    CheckError::Invalid {
                        message: "there is no event here".into(),
                        span: head.span,
                        help: Some("deadlines and declarations run without an event; use `now` for the time".into()),
                    },
                );
                return Typed::error();
            };
            let Some(field) = path.get(1) else {
                self.err(
                    src,
                    CheckError::Invalid {
                        message: "name a field of the event, like `event.at`".into(),
                        span: head.span,
                        help: None,
                    },
                );
                return Typed::error();
            };
            if field.name == "at" {
                (Typed::new(IExpr::EventAt, Ty::Instant), &path[2..])
            } else {
                let rec = self.events[ev as usize].record;
                let fields = &self.records[rec as usize].fields;
                match fields.iter().position(|f| f.name == field.name) {
                    Some(i) => {
                        let f = &fields[i];
                        (
                            Typed {
                                ir: IExpr::EventField(i as u16),
                                ty: f.ty.clone(),
                                sensitive: f.sensitive,
                            },
                            &path[2..],
                        )
                    }
                    None => {
                        let mut names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
                        names.push("at");
                        let ev_name = self.events[ev as usize].name.clone();
                        let mut e = unknown("field", field, names);
                        if let CheckError::Unknown { name, .. } = &mut e {
                            *name = format!("{}` of event `{ev_name}", field.name);
                        }
                        self.err(src, e);
                        return Typed::error();
                    }
                }
            }
        } else if head.name == self.case.name && !self.case.name.is_empty() {
            if !scope.case_bound {
                self.err(
                    src,
                    CheckError::Invalid {
                        message: format!("no `{}` is routed here", self.case.name),
                        span: head.span,
                        help: Some(format!(
                            "route the handler to a case with `for {}(event.<key field>)`, or reach it through a participant (`p.{}`)",
                            self.case.name, self.case.name
                        )),
                    },
                );
                return Typed::error();
            }
            let ir = match scope.self_part {
                Some(true) => IExpr::PartCase(Box::new(IExpr::Local(0))),
                _ => IExpr::Local(0),
            };
            (Typed::new(ir, Ty::Case), &path[1..])
        } else if self.limits.contains_key(&head.name) {
            match resolve_limit(self, &path[..path.len().min(2)]) {
                Ok(LimitRef::Value(v, ty)) => {
                    (Typed::new(IExpr::Lit(v), ty), &path[path.len().min(2)..])
                }
                Ok(LimitRef::Pattern(_)) => {
                    self.err(
                        src,
                        CheckError::Type {
                            message: format!(
                                "`{}` is a pattern: use it after `matches`",
                                path_text(path)
                            ),
                            span: span_of(path),
                            help: None,
                        },
                    );
                    return Typed::error();
                }
                Err(e) => {
                    self.err(src, e);
                    return Typed::error();
                }
            }
        } else if let Some(is_part) = scope
            .self_part
            .filter(|_| self.self_field_exists(scope, &head.name))
        {
            let owner = if is_part { Ty::Part } else { Ty::Case };
            (Typed::new(IExpr::Local(0), owner), path)
        } else if path.len() == 1 {
            return self.bare_value(scope, head, hint);
        } else {
            let e = self.unknown_name(scope, head);
            self.err(src, e);
            return Typed::error();
        };
        for field in rest {
            cur = self.member(scope, cur, field);
        }
        if narrowed {
            if let Ty::Opt(inner) = cur.ty {
                cur.ty = *inner;
            }
        }
        cur
    }

    fn unknown_name(&self, scope: &Scope, id: &Ident) -> CheckError {
        if let Some(i) = scope.later_lets.iter().position(|l| *l == id.name) {
            let (message, help) = if i == 0 {
                (
                    format!("`let {}` reads itself", id.name),
                    "a `let` reads only the event, the world and the `let`s above it".to_string(),
                )
            } else {
                (
                    format!("`{}` is used before its `let`", id.name),
                    format!(
                        "move `let {} = …` above the line that uses it: a `let` sees only the `let`s above it",
                        id.name
                    ),
                )
            };
            return CheckError::Invalid {
                message,
                span: id.span,
                help: Some(help),
            };
        }
        let mut names: Vec<String> = scope.locals.iter().map(|l| l.name.clone()).collect();
        names.push("event".into());
        if scope.case_bound {
            names.push(self.case.name.clone());
        }
        names.extend(self.limits.keys().cloned());
        for e in &self.enums {
            names.extend(e.values.iter().cloned());
        }
        unknown("name", id, names.iter().map(String::as_str))
    }

    /// A bare name: an enum value (by the hint's enum, or unique over all enums).
    fn bare_value(&mut self, scope: &mut Scope, id: &Ident, hint: Option<&Ty>) -> Typed {
        if let Some(Ty::Enum(en)) = hint.map(Ty::strip_opt) {
            let en = *en;
            if let Some(i) = self.enums[en as usize]
                .values
                .iter()
                .position(|v| *v == id.name)
            {
                return Typed::new(IExpr::Lit(Value::Enum(en, i as u16)), Ty::Enum(en));
            }
            let values = self.enums[en as usize].values.clone();
            let kind_name = self.enums[en as usize].name.clone();
            let mut e = unknown("value", id, values.iter().map(String::as_str));
            if let CheckError::Unknown { name, .. } = &mut e {
                *name = format!("{}` for `{kind_name}", id.name);
            }
            self.err(scope.source, e);
            return Typed::error();
        }
        let found: Vec<(u16, u16)> = self
            .enums
            .iter()
            .enumerate()
            .filter_map(|(ei, e)| {
                e.values
                    .iter()
                    .position(|v| *v == id.name)
                    .map(|vi| (ei as u16, vi as u16))
            })
            .collect();
        match found.as_slice() {
            [(en, vi)] => Typed::new(IExpr::Lit(Value::Enum(*en, *vi)), Ty::Enum(*en)),
            [] => {
                let e = self.unknown_name(scope, id);
                self.err(scope.source, e);
                Typed::error()
            }
            many => {
                let kinds: Vec<String> = many
                    .iter()
                    .map(|(en, _)| format!("`{}`", self.enums[*en as usize].name))
                    .collect();
                self.err(
                    scope.source,
                    CheckError::Type {
                        message: format!("`{}` is a value of {}", id.name, kinds.join(" and ")),
                        span: id.span,
                        help: Some(
                            "compare it with a field of the type you mean, e.g. `x.status == …`"
                                .into(),
                        ),
                    },
                );
                Typed::error()
            }
        }
    }

    /// Whether field `i` is a derived field that the derived field being checked may not read.
    fn too_early(&self, scope: &Scope, of_part: bool, i: usize) -> bool {
        let fields = if of_part {
            &self.parts.fields
        } else {
            &self.case.fields
        };
        scope
            .derived_cutoff
            .is_some_and(|(p, cut)| p == of_part && i >= cut)
            && matches!(fields[i].kind, FieldKind::Derived(_))
    }

    fn derived_too_early(&mut self, scope: &Scope, field: &Ident) -> Typed {
        self.err(
            scope.source,
            CheckError::Invalid {
                message: format!(
                    "`{}` is a derived field declared after this one (or this one)",
                    field.name
                ),
                span: field.span,
                help: Some(
                    "a derived field reads only the derived fields declared before it: move it up"
                        .into(),
                ),
            },
        );
        Typed::error()
    }

    /// `x.field` on a typed value.
    fn member(&mut self, scope: &mut Scope, cur: Typed, field: &Ident) -> Typed {
        let src = scope.source;
        if cur.ty == Ty::Unknown {
            return cur;
        }
        match &cur.ty {
            Ty::Case => {
                if field.name == self.case.key_name {
                    let ty = match self.case.key_format {
                        Some(f) => Ty::Format(f),
                        None => Ty::Text,
                    };
                    return Typed::new(IExpr::CaseKey(Box::new(cur.ir)), ty);
                }
                if field.name == "status" {
                    return Typed::new(
                        IExpr::CaseStatus(Box::new(cur.ir)),
                        Ty::Enum(self.status_enum()),
                    );
                }
                if field.name == self.parts.name && !self.parts.name.is_empty() {
                    return Typed::new(
                        IExpr::CaseParts(Box::new(cur.ir)),
                        Ty::List(Box::new(Ty::Part)),
                    );
                }
                match self.case.fields.iter().position(|f| f.name == field.name) {
                    Some(i) if self.too_early(scope, false, i) => {
                        self.derived_too_early(scope, field)
                    }
                    Some(i) => {
                        let f = &self.case.fields[i];
                        let ir = match f.kind {
                            FieldKind::Stored { .. } => {
                                IExpr::CaseField(Box::new(cur.ir), i as u16)
                            }
                            FieldKind::Derived(_) => IExpr::CaseDerived(Box::new(cur.ir), i as u16),
                        };
                        Typed {
                            ir,
                            ty: f.ty.clone(),
                            sensitive: f.sensitive,
                        }
                    }
                    None => {
                        let mut names: Vec<&str> =
                            self.case.fields.iter().map(|f| f.name.as_str()).collect();
                        names.extend([
                            self.case.key_name.as_str(),
                            "status",
                            self.parts.name.as_str(),
                        ]);
                        let cname = self.case.name.clone();
                        let mut e = unknown("field", field, names);
                        if let CheckError::Unknown { name, .. } = &mut e {
                            *name = format!("{}` of `{cname}", field.name);
                        }
                        self.err(src, e);
                        Typed::error()
                    }
                }
            }
            Ty::Part => {
                if field.name == self.case.name {
                    return Typed::new(IExpr::PartCase(Box::new(cur.ir)), Ty::Case);
                }
                match self.parts.fields.iter().position(|f| f.name == field.name) {
                    Some(i) if self.too_early(scope, true, i) => {
                        self.derived_too_early(scope, field)
                    }
                    Some(i) => {
                        let f = &self.parts.fields[i];
                        let ir = match f.kind {
                            FieldKind::Stored { .. } => {
                                IExpr::PartField(Box::new(cur.ir), i as u16)
                            }
                            FieldKind::Derived(_) => IExpr::PartDerived(Box::new(cur.ir), i as u16),
                        };
                        Typed {
                            ir,
                            ty: f.ty.clone(),
                            sensitive: f.sensitive,
                        }
                    }
                    None => {
                        let mut names: Vec<&str> =
                            self.parts.fields.iter().map(|f| f.name.as_str()).collect();
                        names.push(self.case.name.as_str());
                        let pname = self.parts.name.clone();
                        let mut e = unknown("field", field, names);
                        if let CheckError::Unknown { name, .. } = &mut e {
                            *name = format!("{}` of `{pname}", field.name);
                        }
                        self.err(src, e);
                        Typed::error()
                    }
                }
            }
            Ty::Record(r) => {
                let fields = &self.records[*r as usize].fields;
                match fields.iter().position(|f| f.name == field.name) {
                    Some(i) => {
                        let f = &fields[i];
                        Typed {
                            ir: IExpr::RecField(Box::new(cur.ir), i as u16),
                            ty: f.ty.clone(),
                            sensitive: f.sensitive,
                        }
                    }
                    None => {
                        let names: Vec<String> = fields.iter().map(|f| f.name.clone()).collect();
                        let e = unknown("field", field, names.iter().map(String::as_str));
                        self.err(src, e);
                        Typed::error()
                    }
                }
            }
            Ty::Opt(_) => {
                let msg = format!(
                    "{} may be unset: `.{}` cannot be read from it",
                    describe(self, &cur.ty),
                    field.name
                );
                self.err(
                    src,
                    CheckError::Type {
                        message: msg,
                        span: field.span,
                        help: Some("check it first with `is set`".into()),
                    },
                );
                Typed::error()
            }
            other => {
                let msg = format!("{} has no field `{}`", describe(self, other), field.name);
                self.err(
                    src,
                    CheckError::Type {
                        message: msg,
                        span: field.span,
                        help: None,
                    },
                );
                Typed::error()
            }
        }
    }
}

fn flatten_and<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
    if let ExprKind::Binary(BinOp::And, a, b) = &e.kind {
        flatten_and(a, out);
        flatten_and(b, out);
    } else {
        out.push(e);
    }
}

/// Paths known set on the right of `a and …` (`x is set`) or `a or …` (`x is unset`).
fn narrowing(a: &Expr, and: bool) -> Vec<String> {
    let mut out = Vec::new();
    if and {
        let mut cs = Vec::new();
        flatten_and(a, &mut cs);
        for c in cs {
            if let ExprKind::Is(inner, IsTest::Set) = &c.kind {
                if let ExprKind::Path(p) = &inner.kind {
                    out.push(path_text(p));
                }
            }
        }
    } else if let ExprKind::Is(inner, IsTest::Unset) = &a.kind {
        if let ExprKind::Path(p) = &inner.kind {
            out.push(path_text(p));
        }
    }
    out
}

/// The paths a guard proves set, for the rule's `then` block.
pub(crate) fn guard_narrowing(e: &Expr) -> Vec<String> {
    narrowing(e, true)
}

/// Whether `e` mentions the local `var`.
fn mentions(e: &Expr, var: &str) -> bool {
    match &e.kind {
        ExprKind::Path(p) => p.first().is_some_and(|h| h.name == var),
        ExprKind::Lookup(_, ks) | ExprKind::List(ks) => ks.iter().any(|k| mentions(k, var)),
        ExprKind::Comprehension { source, cond, .. }
        | ExprKind::Quantifier { source, cond, .. } => mentions(source, var) || mentions(cond, var),
        ExprKind::Count(x) | ExprKind::Not(x) | ExprKind::Neg(x) | ExprKind::Is(x, _) => {
            mentions(x, var)
        }
        ExprKind::Binary(_, a, b) => mentions(a, var) || mentions(b, var),
        ExprKind::Str(t) => t.parts.iter().any(|p| match p {
            TemplatePart::Expr(x) => mentions(x, var),
            TemplatePart::Text(_) => false,
        }),
        _ => false,
    }
}
