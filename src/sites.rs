//! Where each item a test suite can cover is written — rules and their branches, table rows,
//! messages, deadlines, statuses — and each guard split into its parts, so that a trace can
//! show their values. Built by the checker, read by tracing (`src/eval/trace.rs`) and
//! coverage (`src/coverage.rs`).

use crate::program::IExpr;
use crate::span::Source;
use crate::value::Ty;

/// A place in a policy file: the file (an index into `Program::sources`) and its 1-based line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Site {
    /// The file, as an index into the policy's sources.
    pub source: usize,
    /// The 1-based line.
    pub line: usize,
}

impl Site {
    /// The site of byte `at` of file `source`.
    pub fn at(sources: &[Source], source: usize, at: usize) -> Site {
        let line = sources.get(source).map_or(0, |s| s.line(at));
        Site { source, line }
    }
}

/// Where a rule and its branches are written, and its guards' parts.
#[derive(Debug, Clone)]
pub struct RuleSite {
    /// The rule's name.
    pub at: Site,
    /// For a rule with `when`: `then`, each `else when`, then `else` (written, or the
    /// rule's own line when the rule has none: "nothing ran"). Empty without `when`.
    pub branches: Vec<Site>,
    /// Whether the last branch is an `else` written in the rule.
    pub else_written: bool,
    /// The `when` and each `else when`, split into parts.
    pub guards: Vec<Guard>,
    /// Whether the items of its `for` are sensitive values (shown as `(sensitive)`).
    pub item_sensitive: bool,
    /// The type of the items of its `for` (a record's sensitive fields are masked).
    pub item_ty: Ty,
    /// The start of its trace items, `"rule":…,"on":…,"at":…` (written once, at load).
    pub head: String,
}

/// A guard as a tree of `and`, `or` and `not` over parts, mirroring its compiled expression:
/// evaluating the tree gives the guard's value, with the same short-circuits. Each node
/// carries its own text (`a and b`), shown with its value before its parts'.
#[derive(Debug, Clone)]
pub enum Guard {
    /// `a and b`
    And(Label, Box<Guard>, Box<Guard>),
    /// `a or b`
    Or(Label, Box<Guard>, Box<Guard>),
    /// `not a`
    Not(Label, Box<Guard>),
    /// A condition that is none of those, and the operands worth showing (of a comparison,
    /// or of `in`), literals left out.
    Leaf(Part, Vec<Part>),
}

/// How an `and`, `or` or `not` of a guard is shown: its text, and whether its value is
/// computed from a sensitive one.
#[derive(Debug, Clone)]
pub struct Label {
    /// The start of its trace item: `{"expr":"<text>","value":`.
    pub head: String,
    /// Whether the value is computed from a sensitive value.
    pub sensitive: bool,
}

/// A sub-expression of a guard: its text as written, its compiled form, and whether its
/// value is computed from a sensitive one (then it is never shown).
#[derive(Debug, Clone)]
pub struct Part {
    /// The start of its trace item: `{"expr":"<text as written>","value":`.
    pub head: String,
    /// The compiled expression.
    pub expr: IExpr,
    /// Whether the value is sensitive, or computed from a sensitive value.
    pub sensitive: bool,
    /// Its type (a record's sensitive fields are masked); unknown for a literal.
    pub ty: Ty,
}

/// Where the policy's coverable items other than rules are written.
#[derive(Debug, Clone, Default)]
pub struct Sites {
    /// Each message, by message index.
    pub messages: Vec<Site>,
    /// Each row of each requirements table (`[table][row]`).
    pub rows: Vec<Vec<Site>>,
    /// Each status of each case type (`[case type][status]`).
    pub statuses: Vec<Vec<Site>>,
    /// Each deadline, by deadline index.
    pub deadlines: Vec<Site>,
}
