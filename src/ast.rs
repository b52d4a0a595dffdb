//! The syntax tree of a rule file, as written: names are unresolved strings; every node has a span.

use crate::span::Span;

/// A name as written, with where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// One parsed rule file.
#[derive(Clone, Debug, Default)]
pub struct File {
    pub source: usize,
    pub formats: Vec<FormatDecl>,
    pub enums: Vec<EnumDecl>,
    pub statuses: Vec<StatusesDecl>,
    pub cases: Vec<CaseDecl>,
    pub participants: Vec<ParticipantsDecl>,
    pub events: Vec<EventDecl>,
    pub deadlines: Vec<DeadlineDecl>,
    pub handlers: Vec<Handler>,
    pub migrations: Vec<MigrateDecl>,
    pub invariants: Vec<InvariantDecl>,
}

impl File {
    /// The declarations of `rest`, the part of the same file after this one's, added after
    /// this one's.
    pub fn append(&mut self, rest: File) {
        let File {
            source: _,
            formats,
            enums,
            statuses,
            cases,
            participants,
            events,
            deadlines,
            handlers,
            migrations,
            invariants,
        } = rest;
        self.formats.extend(formats);
        self.enums.extend(enums);
        self.statuses.extend(statuses);
        self.cases.extend(cases);
        self.participants.extend(participants);
        self.events.extend(events);
        self.deadlines.extend(deadlines);
        self.handlers.extend(handlers);
        self.migrations.extend(migrations);
        self.invariants.extend(invariants);
    }
}

/// `invariant within_limit for claim = … else "…"`: a condition over each case of
/// a type that must hold after every accepted event; with `change`, over the case `before`
/// and `after` each event.
#[derive(Clone, Debug)]
pub struct InvariantDecl {
    pub name: Ident,
    /// The case type it is about.
    pub case: Ident,
    /// `change`: a transition invariant, reading `before` and `after`.
    pub transition: bool,
    pub holds: Expr,
    /// What is wrong when it does not hold.
    pub message: Template,
}

/// A declared migration: how a world saved under an older version of the policy is read.
#[derive(Clone, Debug)]
pub enum MigrateDecl {
    /// `migrate claim from application { … }`, `migrate members in claim { … }`
    Block {
        /// The `migrate` word, to point at the whole block.
        span: Span,
        /// The case type (or, with `parts_of`, the participants) of this policy.
        target: Ident,
        /// `in claim`: `target` names the participants of this case type.
        parts_of: Option<Ident>,
        /// `from application`: the name of the case type in the old policy.
        from: Option<Ident>,
        steps: Vec<MigrateStep>,
    },
    /// `migrate drop loan`: the cases of the old policy's case type `loan` are discarded.
    DropCase(Ident),
}

/// One step of a `migrate` block.
#[derive(Clone, Debug)]
pub enum MigrateStep {
    /// `rename opened_at to started_at`
    Rename { from: Ident, to: Ident },
    /// `drop legacy_note`
    Drop(Ident),
    /// `set attempts = failures + 1`
    Set { field: Ident, value: Expr },
    /// `status waiting -> awaiting_validation`
    Status { from: Ident, to: Ident },
}

/// `enum verdict { accepted  refused }`
#[derive(Clone, Debug)]
pub struct EnumDecl {
    pub name: Ident,
    pub values: Vec<Ident>,
}

#[derive(Clone, Debug)]
pub struct FormatDecl {
    pub name: Ident,
    pub pattern: PatternSrc,
    pub transforms: Vec<Ident>,
    /// `at most N characters`: a number, or a limit's path.
    pub max_chars: Option<LenSrc>,
    pub description: Option<String>,
}

/// Where a format's length bound comes from.
#[derive(Clone, Debug)]
pub enum LenSrc {
    Number(u64, Span),
    Limit(Vec<Ident>),
}

#[derive(Clone, Debug)]
pub enum PatternSrc {
    Regex(String, Span),
    Limit(Vec<Ident>),
}

#[derive(Clone, Debug)]
pub struct StatusesDecl {
    pub span: Span,
    /// The case type it is for; `None`: every case type without a block of its own.
    pub case: Option<Ident>,
    pub items: Vec<StatusItem>,
}

#[derive(Clone, Debug)]
pub struct StatusItem {
    pub name: Ident,
    pub tags: Vec<Ident>,
}

#[derive(Clone, Debug)]
pub struct CaseDecl {
    pub name: Ident,
    pub key: Ident,
    pub key_type: TypeExpr,
    /// `in requests`: the name of every case of this type, for world-wide lookups.
    pub all: Option<Ident>,
    pub fields: Vec<FieldDecl>,
}

#[derive(Clone, Debug)]
pub struct ParticipantsDecl {
    pub name: Ident,
    pub case: Ident,
    pub fields: Vec<FieldDecl>,
}

#[derive(Clone, Debug)]
pub enum FieldDecl {
    Stored {
        name: Ident,
        ty: TypeExpr,
        sensitive: bool,
        default: Option<Expr>,
        /// `erase when <condition>`: the span of `erase when`, and the condition.
        erase: Option<(Span, Expr)>,
    },
    Derived {
        name: Ident,
        expr: Expr,
    },
}

impl FieldDecl {
    pub fn name(&self) -> &Ident {
        match self {
            FieldDecl::Stored { name, .. } | FieldDecl::Derived { name, .. } => name,
        }
    }
}

#[derive(Clone, Debug)]
pub struct EventDecl {
    pub name: Ident,
    pub fields: Vec<RecordField>,
}

#[derive(Clone, Debug)]
pub struct RecordField {
    pub name: Ident,
    pub ty: TypeExpr,
    pub sensitive: bool,
}

#[derive(Clone, Debug)]
pub struct DeadlineDecl {
    pub name: Ident,
    pub expr: Expr,
}

#[derive(Clone, Debug)]
pub struct TypeExpr {
    pub kind: TypeKind,
    pub optional: bool,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum TypeKind {
    Named(Vec<Ident>),
    Set(Box<TypeExpr>),
    List(Box<TypeExpr>),
    Record(Vec<RecordField>),
}

#[derive(Clone, Debug)]
pub struct Handler {
    pub trigger: Trigger,
    pub route: Option<Route>,
    pub lets: Vec<Let>,
    pub rules: Vec<Rule>,
}

#[derive(Clone, Debug)]
pub enum Trigger {
    Event(Ident),
    Deadline(Ident),
}

#[derive(Clone, Debug)]
pub struct Route {
    pub create: bool,
    /// `for account(…) or new`: find the case, or create it.
    pub or_new: bool,
    pub case: Ident,
    pub key: Expr,
}

#[derive(Clone, Debug)]
pub struct Let {
    pub name: Ident,
    pub expr: Expr,
}

#[derive(Clone, Debug)]
pub struct Rule {
    pub name: Ident,
    pub for_each: Option<(Ident, Expr)>,
    pub when: Option<Expr>,
    pub then: Vec<Action>,
    /// `else when cond { … }` branches, in order.
    pub else_when: Vec<(Expr, Vec<Action>)>,
    pub otherwise: Option<Vec<Action>>,
    /// Where `else { … }` is written, if it is.
    pub else_at: Option<Span>,
}

#[derive(Clone, Debug)]
pub enum Action {
    Set {
        target: Vec<Ident>,
        value: Expr,
        span: Span,
    },
    Emit(Ident),
    Reject {
        field: Option<Ident>,
        message: Template,
    },
    Show {
        name: Ident,
        value: Expr,
    },
    Add {
        collection: Ident,
        keys: Vec<(Ident, Expr)>,
        bind: Option<(Ident, Vec<Action>)>,
        span: Span,
    },
}

/// A string literal: text pieces and `{expr}` interpolations.
#[derive(Clone, Debug)]
pub struct Template {
    pub parts: Vec<TemplatePart>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum TemplatePart {
    Text(String),
    Expr(Expr),
}

#[derive(Clone, Debug)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    Matches,
    Coalesce,
    Add,
    Sub,
    Mul,
}

/// How tightly an operator binds, loosest first: the one table of precedences, which the
/// parser's Pratt table, its depth check and the printers read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Prec {
    Or,
    And,
    /// prefix `not`
    Not,
    /// comparisons, `in` and `matches`
    Cmp,
    Coalesce,
    /// `+` and `-`
    Sum,
    Product,
    /// prefix `-`
    Neg,
    /// postfix `is set`, `is unset`, `is <tag>`
    Is,
    /// a literal, a name, a call, a bracketed expression
    Atom,
}

impl Prec {
    /// Every level, loosest first.
    pub const ALL: [Prec; 10] = [
        Prec::Or,
        Prec::And,
        Prec::Not,
        Prec::Cmp,
        Prec::Coalesce,
        Prec::Sum,
        Prec::Product,
        Prec::Neg,
        Prec::Is,
        Prec::Atom,
    ];
}

impl BinOp {
    /// Every binary operator. A new one must be added here (a unit test of the parser
    /// checks that each is read back from its symbol).
    pub const ALL: [BinOp; 14] = [
        BinOp::Or,
        BinOp::And,
        BinOp::Eq,
        BinOp::Ne,
        BinOp::Lt,
        BinOp::Le,
        BinOp::Gt,
        BinOp::Ge,
        BinOp::In,
        BinOp::Matches,
        BinOp::Coalesce,
        BinOp::Add,
        BinOp::Sub,
        BinOp::Mul,
    ];

    /// How tightly the operator binds; every binary operator associates to the left.
    pub fn precedence(self) -> Prec {
        match self {
            BinOp::Or => Prec::Or,
            BinOp::And => Prec::And,
            BinOp::Eq
            | BinOp::Ne
            | BinOp::Lt
            | BinOp::Le
            | BinOp::Gt
            | BinOp::Ge
            | BinOp::In
            | BinOp::Matches => Prec::Cmp,
            BinOp::Coalesce => Prec::Coalesce,
            BinOp::Add | BinOp::Sub => Prec::Sum,
            BinOp::Mul => Prec::Product,
        }
    }

    /// The operator as written in a rule file.
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Or => "or",
            BinOp::And => "and",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::In => "in",
            BinOp::Matches => "matches",
            BinOp::Coalesce => "??",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quant {
    All,
    Any,
}

#[derive(Clone, Debug)]
pub enum IsTest {
    Set,
    Unset,
    Tag(Ident),
}

#[derive(Clone, Debug)]
pub enum ExprKind {
    Int(i64),
    Duration(jiff::SignedDuration),
    Instant(jiff::Timestamp),
    Date(jiff::civil::Date),
    Period(crate::calendar::Period),
    /// `name(args)`: a built-in function.
    Call(Ident, Vec<Expr>),
    Str(Template),
    Bool(bool),
    Unset,
    Now,
    Regex(String),
    /// `a.b.c`; the head may be `event`, a local, the case, a table, a status…
    Path(Vec<Ident>),
    Lookup(Ident, Vec<Expr>),
    List(Vec<Expr>),
    Comprehension {
        var: Ident,
        source: Box<Expr>,
        cond: Box<Expr>,
    },
    Quantifier {
        kind: Quant,
        var: Ident,
        source: Box<Expr>,
        cond: Box<Expr>,
    },
    Count(Box<Expr>),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    Is(Box<Expr>, IsTest),
    Binary(BinOp, Box<Expr>, Box<Expr>),
}
