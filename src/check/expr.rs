//! Typing and resolving expressions.

use super::{unknown, CheckError, Env, Hint, LimitRef, NeedsZone};
use crate::ast::{BinOp, Expr, ExprKind, Ident, IsTest, Quant, Template, TemplatePart};
use crate::program::{
    Arith, CalendarId, CaseTypeId, EnumId, Func, IExpr, MemberId, PatternId, TPart,
};
use crate::span::Span;
use crate::value::{Ty, Value};

/// A local name in scope.
#[derive(Clone, Debug)]
pub(crate) struct Local {
    pub name: String,
    pub ty: Ty,
    pub sensitive: Taint,
    pub slot: u16,
}

/// How a checked value depends on sensitive values. Data flow is tracked: anything read or
/// computed from a sensitive value is sensitive, booleans and counts included. Control flow is
/// not: a sensitive value may choose which rules, items and actions run (a `when` guard, a
/// filter's condition, a `for` over a chosen list).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Taint {
    /// Nothing sensitive was read.
    #[default]
    Clean,
    /// A collection whose items a sensitive value chose (`[p in pending where p.code ==
    /// event.code]`): the collection is sensitive (its count, a set made from it, showing
    /// it), its items are not, unless they are sensitive themselves.
    Chosen,
    /// A value read or computed from a sensitive value.
    Value,
}

impl Taint {
    pub fn is_sensitive(self) -> bool {
        self != Taint::Clean
    }

    /// A value computed from one with this taint (a comparison, a count, a sum, a text):
    /// sensitive as a whole if anything it was computed from is.
    pub fn derived(self) -> Taint {
        if self.is_sensitive() {
            Taint::Value
        } else {
            Taint::Clean
        }
    }

    /// An item of a collection with this taint: a `for` or quantifier variable over it.
    pub fn item(self) -> Taint {
        if self == Taint::Value {
            Taint::Value
        } else {
            Taint::Clean
        }
    }

    /// A collection with this taint, filtered by a condition with taint `cond`.
    pub fn chosen_by(self, cond: Taint) -> Taint {
        if cond.is_sensitive() {
            self | Taint::Chosen
        } else {
            self
        }
    }
}

impl From<bool> for Taint {
    /// A declared field: `sensitive` or not.
    fn from(sensitive: bool) -> Taint {
        if sensitive {
            Taint::Value
        } else {
            Taint::Clean
        }
    }
}

impl std::ops::BitOr for Taint {
    type Output = Taint;
    /// Both at once: the stronger of the two.
    fn bitor(self, other: Taint) -> Taint {
        self.max(other)
    }
}

impl std::ops::BitOrAssign for Taint {
    fn bitor_assign(&mut self, other: Taint) {
        *self = *self | other;
    }
}

/// What names mean where an expression is written.
#[derive(Clone, Debug, Default)]
pub(crate) struct Scope {
    pub source: usize,
    pub locals: Vec<Local>,
    pub next_slot: u16,
    pub max_slot: u16,
    /// The event of the handler, if any.
    pub event: Option<crate::program::EventId>,
    /// The case type whose name denotes a case here (slot 0 holds it).
    pub case_bound: Option<CaseTypeId>,
    /// In a derived field: bare field names are fields of slot 0 (`Some(true)` participant).
    pub self_part: Option<bool>,
    /// Paths known to be set here (`x is set and …`).
    pub narrowed: Vec<String>,
    /// In a derived field: (its case type, of a participant?, its index). Derived fields
    /// from there on (and those of later case types) are not readable yet, so derived
    /// fields cannot form a cycle.
    pub derived_cutoff: Option<(CaseTypeId, bool, usize)>,
    /// The name of the rule being checked, to name it in reports (empty outside rules).
    pub rule: String,
    /// The names of the handler's `let`s, in order, and how many are bound: those from
    /// `lets_bound` on (the one being checked, and those below it) are not yet, so that
    /// reading one says so instead of "unknown name".
    pub lets: Vec<String>,
    pub lets_bound: usize,
}

impl Scope {
    pub fn bind(&mut self, name: &str, ty: Ty, sensitive: impl Into<Taint>) -> u16 {
        let sensitive = sensitive.into();
        // what was known of an outer variable of this name is not known of the new one
        self.narrowed.retain(|n| n.split('.').next() != Some(name));
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

    /// After `set <…>.field = …`: forgets every narrowed path through a field of that name.
    /// This covers the target and the paths under it, and also its aliases (`p.filing.x`
    /// and `filing.x`, or two variables over one participant), which cannot be told apart
    /// here.
    pub fn forget_field(&mut self, field: &str) {
        self.narrowed
            .retain(|n| !n.split('.').skip(1).any(|segment| segment == field));
    }

    pub(super) fn local(&self, name: &str) -> Option<&Local> {
        self.locals.iter().rev().find(|l| l.name == name)
    }
}

/// A checked expression.
#[derive(Clone, Debug)]
pub(crate) struct Typed {
    pub ir: IExpr,
    pub ty: Ty,
    pub sensitive: Taint,
}

impl Typed {
    pub(super) fn new(ir: IExpr, ty: Ty) -> Typed {
        Typed {
            ir,
            ty,
            sensitive: Taint::Clean,
        }
    }

    /// The same value, marked as computed from values with taint `from`.
    pub(super) fn tainted(self, from: Taint) -> Typed {
        Typed {
            sensitive: self.sensitive | from,
            ..self
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
        Ty::Date => "a date".into(),
        Ty::Period => "a period".into(),
        Ty::Text => "text".into(),
        Ty::Format(f) => format!("a `{}`", env.formats[f.index()].name),
        Ty::Enum(e) => format!("a `{}`", env.enums[e.index()].name),
        Ty::Set(t) => format!("a set of {}", plural(env, t)),
        Ty::List(t) => format!("a list of {}", plural(env, t)),
        Ty::Record(_) => "a record".into(),
        Ty::Opt(t) => format!("{} that may be unset", describe(env, t)),
        Ty::Case(c) => format!("a `{}`", env.case_def(*c).name),
        Ty::Part(c) => format!("one of `{}`", env.case_def(*c).parts.name),
        Ty::Unknown => "a value".into(),
    }
}

/// The type in the plural, after "a list of": "counts", "`role` values", "records".
pub(super) fn plural(env: &Env, ty: &Ty) -> String {
    match ty {
        Ty::Bool => "bools".into(),
        Ty::Count => "counts".into(),
        Ty::Duration => "durations".into(),
        Ty::Instant => "instants".into(),
        Ty::Date => "dates".into(),
        Ty::Period => "periods".into(),
        Ty::Text => "texts".into(),
        Ty::Format(f) => format!("`{}` values", env.formats[f.index()].name),
        Ty::Enum(e) => format!("`{}` values", env.enums[e.index()].name),
        Ty::Set(t) => format!("sets of {}", plural(env, t)),
        Ty::List(t) => format!("lists of {}", plural(env, t)),
        Ty::Record(_) => "records".into(),
        Ty::Opt(t) => format!("{} that may be unset", plural(env, t)),
        Ty::Case(c) => format!("`{}` cases", env.case_def(*c).name),
        Ty::Part(c) => format!("`{}`", env.case_def(*c).parts.name),
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

/// Whether two types can be compared with `==`: whether a value of one can equal a value
/// of the other.
pub(super) fn comparable(a: &Ty, b: &Ty) -> bool {
    let (a, b) = (a.strip_opt(), b.strip_opt());
    match (a, b) {
        (Ty::Unknown, _) | (_, Ty::Unknown) => true,
        // a value of one format is never one of another; text may be either
        (Ty::Format(x), Ty::Format(y)) => x == y,
        (x, y) if x.is_textual() && y.is_textual() => true,
        // a set never equals a list (but see `Env::equate` for a list written out)
        (Ty::Set(x), Ty::Set(y)) | (Ty::List(x), Ty::List(y)) => comparable(x, y),
        (x, y) => x == y,
    }
}

/// A list as a set (duplicates dropped): a list of literals becomes a set literal.
pub(super) fn to_set(ir: IExpr) -> IExpr {
    if let IExpr::List(items) = &ir {
        let values: Option<Vec<Value>> = items
            .iter()
            .map(|i| match i {
                IExpr::Lit(v) => Some(v.clone()),
                _ => None,
            })
            .collect();
        if let Some(values) = values {
            return IExpr::Lit(Value::set_of(values));
        }
    }
    IExpr::SetOp(
        Arith::Add,
        Box::new(IExpr::Lit(Value::Set(Vec::new().into()))),
        Box::new(ir),
    )
}

pub(super) fn path_text(path: &[Ident]) -> String {
    path.iter()
        .map(|i| i.name.as_str())
        .collect::<Vec<_>>()
        .join(".")
}

/// Whether `path` is one of the `narrowed` paths (each as [`path_text`] writes it), compared
/// segment by segment rather than by building its text: every path the checker resolves asks.
pub(super) fn narrowed_path(narrowed: &[String], path: &[Ident]) -> bool {
    narrowed.iter().any(|n| {
        let mut segments = n.split('.');
        path.iter()
            .all(|i| segments.next() == Some(i.name.as_str()))
            && segments.next().is_none()
    })
}

pub(super) fn span_of(path: &[Ident]) -> Span {
    match (path.first(), path.last()) {
        (Some(a), Some(b)) => Span::new(a.span.start, b.span.end),
        _ => Span::default(),
    }
}

/// A `/regex/` that does not compile.
pub(crate) fn bad_pattern(error: &str, span: Span) -> CheckError {
    // the regex compiler's explanation may span lines; the first says what is wrong
    let first = error.lines().next().unwrap_or(error).trim_end_matches('.');
    CheckError::BadPattern {
        error: first.to_string(),
        span,
    }
}

/// `limits.code_format` as a pattern.
pub(crate) fn limit_pattern(env: &Env, path: &[Ident]) -> Result<PatternId, CheckError> {
    match resolve_limit(env, path)? {
        LimitRef::Pattern(p) => Ok(p),
        LimitRef::Value(_, _) => Err(CheckError::NotAPattern {
            limit: path_text(path),
            span: span_of(path),
        }),
    }
}

pub(super) fn resolve_limit(env: &Env, path: &[Ident]) -> Result<LimitRef, CheckError> {
    let Some(table) = path.first() else {
        return Err(CheckError::Internal {
            what: "a limit without a name",
            span: Span::default(),
        });
    };
    let Some(limits) = env.limits.get(&table.name) else {
        let mut names: Vec<&str> = env.limits.keys().map(String::as_str).collect();
        names.sort_unstable();
        return Err(unknown("limits table", table, names));
    };
    match path {
        [_, name] => limits.get(&name.name).cloned().ok_or_else(|| {
            let mut names: Vec<&str> = limits.keys().map(String::as_str).collect();
            names.sort_unstable();
            unknown("limit", name, names)
        }),
        _ => Err(CheckError::LimitPath {
            table: table.name.clone(),
            span: span_of(path),
        }),
    }
}

impl Env {
    /// A checked value stored where `to` is expected (a field, by `set`, `add` or a
    /// default): where `to` is a set, a list becomes one. The one place that does so.
    pub fn stored_as(&mut self, source: usize, span: Span, t: Typed, to: &Ty) -> IExpr {
        if !matches!(to.strip_opt(), Ty::Set(_)) {
            return t.ir;
        }
        match &t.ty {
            Ty::List(_) => to_set(t.ir),
            Ty::Opt(inner) if matches!(**inner, Ty::List(_)) => {
                let e = CheckError::OptionalListIntoSet {
                    found: t.ty.clone(),
                    to: to.clone(),
                    span,
                };
                self.err(source, e);
                t.ir
            }
            _ => t.ir,
        }
    }

    /// The two sides of `==` or `!=` (or of an index lookup's key and its field), as they
    /// are compared: a list written out (`[…]`) compared with a set becomes a set; any
    /// other pair of types that can never be equal is an error.
    pub(super) fn equate(
        &mut self,
        source: usize,
        span: Span,
        (l, l_written): (Typed, bool),
        (r, r_written): (Typed, bool),
    ) -> (IExpr, IExpr) {
        let is_set = |t: &Ty| matches!(t.strip_opt(), Ty::Set(_));
        let is_list = |t: &Ty| matches!(t.strip_opt(), Ty::List(_));
        let elements = |t: &Ty| t.strip_opt().element().cloned().unwrap_or(Ty::Unknown);
        let (mut li, mut ri) = (l.ir, r.ir);
        let ok = if is_set(&l.ty) && is_list(&r.ty) && r_written {
            ri = to_set(ri);
            comparable(&elements(&l.ty), &elements(&r.ty))
        } else if is_list(&l.ty) && is_set(&r.ty) && l_written {
            li = to_set(li);
            comparable(&elements(&l.ty), &elements(&r.ty))
        } else {
            comparable(&l.ty, &r.ty)
        };
        if !ok {
            let e = CheckError::Incomparable {
                left: l.ty,
                right: r.ty,
                span,
            };
            self.err(source, e);
        }
        (li, ri)
    }

    /// Checks an expression that must have type `want`.
    pub fn expect(&mut self, scope: &mut Scope, e: &Expr, want: &Ty) -> Typed {
        let t = self.expr(scope, e, Some(want));
        if !assignable(&t.ty, want) {
            let e = CheckError::Mismatch {
                expected: want.clone(),
                found: t.ty,
                span: e.span,
            };
            self.err(scope.source, e);
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
            ExprKind::Date(d) => Typed::new(IExpr::Lit(Value::Date(*d)), Ty::Date),
            ExprKind::Period(p) => Typed::new(IExpr::Lit(Value::Period(*p)), Ty::Period),
            ExprKind::Call(name, args) => self.call(scope, name, args, e.span),
            ExprKind::Bool(b) => Typed::new(IExpr::Lit(Value::Bool(*b)), Ty::Bool),
            ExprKind::Unset => Typed::new(IExpr::Lit(Value::Unset), Ty::Opt(Box::new(Ty::Unknown))),
            ExprKind::Now => Typed::new(IExpr::Now, Ty::Instant),
            ExprKind::Regex(_) => {
                self.err(src, CheckError::PatternOutsideMatches { span: e.span });
                Typed::error()
            }
            ExprKind::Str(t) => self.string(scope, t, hint),
            ExprKind::Path(path) => self.path(scope, path, hint),
            ExprKind::Lookup(table, keys) => self.lookup(scope, table, keys, e.span),
            ExprKind::List(items) => {
                let elem_hint = hint.and_then(|h| h.strip_opt().element()).cloned();
                let mut ty = elem_hint.clone().unwrap_or(Ty::Unknown);
                let mut irs = Vec::new();
                let mut sensitive = Taint::Clean;
                for item in items {
                    let t = self.expr(scope, item, elem_hint.as_ref());
                    // an item that is sensitive, or a collection chosen by one
                    sensitive |= t.sensitive.derived();
                    if ty == Ty::Unknown {
                        ty = t.ty.clone();
                    } else if !comparable(&t.ty, &ty) {
                        let e = CheckError::MixedList {
                            expected: ty.clone(),
                            found: t.ty.clone(),
                            span: item.span,
                        };
                        self.err(src, e);
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
                let (s, slot, c) = self.over(scope, var, source, cond);
                let taint = (s.sensitive | c.sensitive).derived();
                Typed::new(
                    IExpr::Quant {
                        all: *kind == Quant::All,
                        var: slot,
                        source: Box::new(s.ir),
                        cond: Box::new(c.ir),
                    },
                    Ty::Bool,
                )
                .tainted(taint)
            }
            ExprKind::Count(inner) => {
                let s = self.collection(scope, inner);
                let taint = s.sensitive.derived();
                Typed::new(IExpr::Count(Box::new(s.ir)), Ty::Count).tainted(taint)
            }
            ExprKind::Not(inner) => {
                let t = self.bool_expr(scope, inner);
                let taint = t.sensitive.derived();
                Typed::new(IExpr::Not(Box::new(t.ir)), Ty::Bool).tainted(taint)
            }
            ExprKind::Neg(inner) => {
                let t = self.expr(scope, inner, None);
                match t.ty.strip_opt() {
                    Ty::Duration | Ty::Unknown => Typed {
                        ir: IExpr::Neg(Box::new(t.ir)),
                        ..t
                    },
                    _ => {
                        let ty = t.ty.clone();
                        self.err(src, CheckError::Negate { ty, span: e.span });
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
        let (parts, taint) = self.template_parts(scope, t);
        match parts.as_slice() {
            [] => Typed::new(IExpr::Lit(Value::text("")), Ty::Text),
            [TPart::Text(s)] => Typed::new(IExpr::Lit(Value::text(s)), Ty::Text),
            _ => Typed::new(IExpr::Template(parts), Ty::Text).tainted(taint),
        }
    }

    fn enum_value(&mut self, source: usize, en: EnumId, text: &str, span: Span) -> Typed {
        let def = &self.enums[en.index()];
        match def.values.iter().position(|v| v == text) {
            Some(i) => Typed::new(IExpr::Lit(Value::Enum(en, MemberId::at(i))), Ty::Enum(en)),
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
        self.template_parts(scope, t).0
    }

    /// [`Env::template`], with what the text was computed from.
    fn template_parts(&mut self, scope: &mut Scope, t: &Template) -> (Vec<TPart>, Taint) {
        let mut out = Vec::new();
        let mut taint = Taint::Clean;
        for part in &t.parts {
            match part {
                TemplatePart::Text(s) => out.push(TPart::Text(s.clone())),
                TemplatePart::Expr(e) => {
                    let v = self.expr(scope, e, None);
                    taint |= v.sensitive.derived();
                    if v.sensitive.is_sensitive() {
                        let quote = self.snippet(scope.source, e.span).map(str::to_string);
                        self.err(
                            scope.source,
                            CheckError::SensitiveInMessage {
                                quote,
                                computed: computed_from_sensitive(e),
                                span: e.span,
                            },
                        );
                    }
                    // a record shows every field, sensitive ones too; a participant has no text
                    if holds(&v.ty, &|t| matches!(t, Ty::Part(_) | Ty::Record(_))) {
                        let ty = v.ty.clone();
                        self.err(scope.source, CheckError::NotText { ty, span: e.span });
                    }
                    out.push(TPart::Expr(v.ir));
                }
            }
        }
        (out, taint)
    }

    fn is_test(&mut self, scope: &mut Scope, inner: &Expr, test: &IsTest, span: Span) -> Typed {
        match test {
            IsTest::Set | IsTest::Unset => {
                let t = self.expr(scope, inner, None);
                if !t.ty.is_opt() && t.ty != Ty::Unknown && !self.is_narrowed(scope, inner) {
                    let e = CheckError::NeverUnsetTest {
                        ty: t.ty.clone(),
                        set: matches!(test, IsTest::Set),
                        span,
                    };
                    self.err(scope.source, e);
                }
                let ir = IExpr::IsSet(Box::new(t.ir));
                let ir = if matches!(test, IsTest::Unset) {
                    IExpr::Not(Box::new(ir))
                } else {
                    ir
                };
                // Whether a value is present says nothing of what it is: `code is set` is not
                // sensitive. (Presence depends only on presence: no expression makes a value
                // unset or not by what a sensitive value holds.)
                Typed::new(ir, Ty::Bool)
            }
            IsTest::Tag(tag) => {
                let t = self.expr(scope, inner, None);
                // the case type whose statuses these are
                let owner = match &t.ty {
                    Ty::Enum(e) => self
                        .cases
                        .iter()
                        .position(|c| c.status_enum == *e)
                        .map(CaseTypeId::at),
                    _ => None,
                };
                if owner.is_none() && t.ty != Ty::Unknown {
                    let e = CheckError::NotTagged {
                        tag: tag.name.clone(),
                        ty: t.ty.clone(),
                        span,
                    };
                    self.err(scope.source, e);
                    return Typed::error();
                }
                let owner = owner.unwrap_or(CaseTypeId::FIRST);
                let tags = &self.case_def(owner).tags;
                match tags.iter().position(|(n, _)| *n == tag.name) {
                    Some(i) => {
                        let taint = t.sensitive.derived();
                        Typed::new(IExpr::HasTag(Box::new(t.ir), owner, i as u16), Ty::Bool)
                            .tainted(taint)
                    }
                    None => {
                        let names: Vec<String> = tags.iter().map(|(n, _)| n.clone()).collect();
                        let mut e = unknown("status tag", tag, names.iter().map(String::as_str));
                        if let CheckError::Unknown {
                            hint,
                            suggestion: None,
                            ..
                        } = &mut e
                        {
                            let status = self.enums[self.case_def(owner).status_enum.index()]
                                .values
                                .first()
                                .cloned()
                                .unwrap_or_default();
                            *hint = Some(Box::new(Hint::StatusTag {
                                tags: names.clone(),
                                status,
                            }));
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
            ExprKind::Path(p) => narrowed_path(&scope.narrowed, p),
            _ => false,
        }
    }
}

/// Whether `e` is computed from a sensitive value, rather than one read as it is: how an
/// error says why `e` is sensitive.
pub(crate) fn computed_from_sensitive(e: &Expr) -> bool {
    !matches!(e.kind, ExprKind::Path(_))
}

/// The paths known to be set where the condition `e` has turned out `value`: `x is set`
/// true, `x is unset` false, through `not`, and through `and` and `or` by De Morgan (`a and
/// b` true and `a or b` false: what either side proves; otherwise what both sides prove).
/// The right of `a and …` knows `known_set(a, true)`, the right of `a or …`
/// `known_set(a, false)`; a rule's `then` block knows its guard true, its `else` block false.
pub(crate) fn known_set(e: &Expr, value: bool) -> Vec<String> {
    match &e.kind {
        ExprKind::Is(inner, test @ (IsTest::Set | IsTest::Unset)) => match &inner.kind {
            ExprKind::Path(p) if value == matches!(test, IsTest::Set) => vec![path_text(p)],
            _ => Vec::new(),
        },
        ExprKind::Not(inner) => known_set(inner, !value),
        ExprKind::Binary(op @ (BinOp::And | BinOp::Or), a, b) => {
            let (mut x, y) = (known_set(a, value), known_set(b, value));
            if (*op == BinOp::And) == value {
                x.extend(y.into_iter().filter(|p| !x.contains(p)).collect::<Vec<_>>());
            } else {
                x.retain(|p| y.contains(p));
            }
            x
        }
        _ => Vec::new(),
    }
}

/// The built-in functions: name, what its arguments are (for errors), and whether its last
/// argument names a calendar table.
const FUNCTIONS: [(&str, &str); 7] = [
    ("length", "`length(text)`"),
    ("words", "`words(value of an enumeration)`"),
    ("date_of", "`date_of(instant)`"),
    ("start_of", "`start_of(date)`"),
    ("roll_forward", "`roll_forward(date, calendar)`"),
    ("is_working_day", "`is_working_day(date, calendar)`"),
    (
        "add_working_days",
        "`add_working_days(date, count, calendar)`",
    ),
];

impl Env {
    /// `name(args)`: a built-in function. Unset arguments make an unset result.
    fn call(&mut self, scope: &mut Scope, name: &Ident, args: &[Expr], span: Span) -> Typed {
        let src = scope.source;
        let Some((_, usage)) = FUNCTIONS.iter().find(|(n, _)| *n == name.name) else {
            let e = unknown("function", name, FUNCTIONS.iter().map(|(n, _)| *n));
            self.err(src, e);
            return Typed::error();
        };
        if name.name == "words" {
            return self.words(scope, args, span, usage);
        }
        let (params, calendar): (&[Ty], bool) = match name.name.as_str() {
            "length" => (&[Ty::Text], false),
            "date_of" => (&[Ty::Instant], false),
            "start_of" => (&[Ty::Date], false),
            "roll_forward" | "is_working_day" => (&[Ty::Date], true),
            _ => (&[Ty::Date, Ty::Count], true),
        };
        let want = params.len() + usize::from(calendar);
        if args.len() != want {
            self.err(
                src,
                CheckError::Arity {
                    function: name.name.clone(),
                    want,
                    found: args.len(),
                    usage,
                    span,
                },
            );
            return Typed::error();
        }
        let mut irs = Vec::new();
        let mut optional = false;
        let mut sensitive = Taint::Clean;
        for (a, ty) in args.iter().zip(params) {
            let t = self.expect(scope, a, &ty.clone().opt());
            self.needs_clear(src, a, &t, &format!("`{}`", name.name));
            optional |= t.ty.is_opt();
            sensitive |= t.sensitive.derived();
            irs.push(t.ir);
        }
        let cal = if calendar {
            match args.last().map(|a| &a.kind) {
                Some(ExprKind::Path(p)) if p.len() == 1 => {
                    match self.calendars.iter().position(|c| c.name == p[0].name) {
                        Some(i) => CalendarId::at(i),
                        None => {
                            let e = unknown(
                                "calendar table",
                                &p[0],
                                self.calendars.iter().map(|c| c.name.as_str()),
                            );
                            self.err(src, e);
                            return Typed::error();
                        }
                    }
                }
                _ => {
                    let at = args.last().map_or(span, |a| a.span);
                    self.err(src, CheckError::NoCalendarName { usage, span: at });
                    return Typed::error();
                }
            }
        } else {
            CalendarId::FIRST
        };
        let (func, ty) = match name.name.as_str() {
            "length" => (Func::Length, Ty::Count),
            "date_of" => (Func::DateOf, Ty::Date),
            "start_of" => (Func::StartOf, Ty::Instant),
            "roll_forward" => (Func::RollForward(cal), Ty::Date),
            "is_working_day" => (Func::IsWorkingDay(cal), Ty::Bool),
            _ => (Func::AddWorkingDays(cal), Ty::Date),
        };
        if matches!(func, Func::DateOf | Func::StartOf) {
            self.require_zone(src, span, NeedsZone::Function(name.name.clone()));
        }
        Typed {
            ir: IExpr::Call(func, irs),
            ty: if optional { ty.opt() } else { ty },
            sensitive,
        }
    }
}

/// Whether a checked value is sensitive text: what a store keeps sealed (a keyed hash).
pub(super) fn sealed_text(t: &Typed) -> bool {
    t.sensitive == Taint::Value && matches!(t.ty.strip_opt(), Ty::Text | Ty::Format(_))
}

impl Env {
    /// Warns of `what` (a function, `matches`) on sensitive text: a store keeps it sealed, so
    /// only equality with another sensitive value means the same sealed as in clear.
    pub(super) fn needs_clear(&mut self, src: usize, e: &Expr, t: &Typed, what: &str) {
        if sealed_text(t) {
            let subject = self
                .snippet(src, e.span)
                .map_or_else(|| "this value".to_string(), |s| format!("`{s}`"));
            let d = crate::diag::Diagnostic::warning(
                crate::diag::Code::SealedRead,
                src,
                e.span,
                format!("{what} reads {subject}, which is sensitive: a store or state file keeps it sealed (a keyed hash), so this reads the seal, not the value"),
            )
            .with_help("check a sensitive value's shape or length with its format (`at most N characters`); compare it (`==`, `!=`, `in`) only with another sensitive value");
            self.warnings.push(d);
        }
    }

    /// Warns of comparing sensitive text with text in clear: sealed, they never agree.
    pub(super) fn compare_sealed(&mut self, src: usize, span: Span, l: &Typed, r: &Typed) {
        let element_sealed = |t: &Typed| {
            t.sensitive == Taint::Value
                && t.ty
                    .element()
                    .is_some_and(|e| matches!(e.strip_opt(), Ty::Text | Ty::Format(_)))
        };
        let (ls, rs) = (sealed_text(l), sealed_text(r) || element_sealed(r));
        let (lc, rc) = (!l.sensitive.is_sensitive(), !r.sensitive.is_sensitive());
        if (ls && rc) || (rs && lc) {
            let d = crate::diag::Diagnostic::warning(
                crate::diag::Code::SealedCompare,
                src,
                span,
                "a sensitive value is compared with a value in clear: a store or state file keeps sensitive values sealed (a keyed hash), so there they are never equal",
            )
            .with_help("compare a sensitive value only with another sensitive value (e.g. a stored `sensitive` field)");
            self.warnings.push(d);
        }
    }

    /// `words(x)`: an enumeration value as words, `_` read as a space
    /// (`partly_validated` → `partly validated`), for texts people read.
    fn words(
        &mut self,
        scope: &mut Scope,
        args: &[Expr],
        span: Span,
        usage: &'static str,
    ) -> Typed {
        let [arg] = args else {
            self.err(
                scope.source,
                CheckError::Arity {
                    function: "words".into(),
                    want: 1,
                    found: args.len(),
                    usage,
                    span,
                },
            );
            return Typed::error();
        };
        let t = self.expr(scope, arg, None);
        match t.ty.strip_opt() {
            Ty::Enum(_) | Ty::Unknown => {}
            other => {
                let e = CheckError::WordsNotEnum {
                    ty: other.clone(),
                    span: arg.span,
                };
                self.err(scope.source, e);
                return Typed::error();
            }
        }
        let ty = if t.ty.is_opt() {
            Ty::Text.opt()
        } else {
            Ty::Text
        };
        Typed {
            ir: IExpr::Call(Func::Words, vec![t.ir]),
            ty,
            sensitive: t.sensitive.derived(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{narrowed_path, path_text};
    use crate::ast::Ident;
    use crate::span::Span;

    fn path(names: &[&str]) -> Vec<Ident> {
        names
            .iter()
            .map(|n| Ident {
                name: n.to_string(),
                span: Span::default(),
            })
            .collect()
    }

    #[test]
    fn a_narrowed_path_is_found_as_its_text_would_be() {
        let narrowed = vec!["event.sender".to_string(), "p.code".to_string()];
        for names in [
            &["event", "sender"][..],
            &["p", "code"],
            &["p"],
            &["event", "sender", "x"],
            &["p", "cod"],
            &["filing", "first_sms_at"],
        ] {
            let p = path(names);
            assert_eq!(
                narrowed_path(&narrowed, &p),
                narrowed.contains(&path_text(&p)),
                "{names:?}"
            );
        }
        assert!(narrowed_path(&narrowed, &path(&["p", "code"])));
        assert!(!narrowed_path(&narrowed, &path(&["p"])));
        assert!(!narrowed_path(&[], &path(&["p", "code"])));
    }
}
