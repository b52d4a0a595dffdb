//! Compiled evaluation: each handler's `let`s, `for` sources, rule conditions and the values
//! its actions write or show, and every derived field, deadline, erasure condition and
//! invariant, compiled once, when the policy loads, into closures. What the tree walker
//! ([`Eval::expr`], [`Eval::truth`]) decides at every node of every evaluation — which kind
//! of node, whether an operand is a value held somewhere that can be read in place — is
//! decided here once: a comparison of two stored values becomes a closure reading both in
//! place and comparing them, a filter over a case's participants walks them without making
//! a list of them first, a walk over a list of records compares each item's fields where
//! the item lies (`items`), a count of a held list reads its length, a table or index lookup
//! computes its keys and condition by their own closures.
//!
//! A node without a compiled form (`before`, read on another world) is evaluated by the tree
//! walker, which stays the reference: each compiled form gives the same value, or the same
//! error, as the tree walker on the same node (`tests/compiled.rs` runs every shipped policy
//! both ways, and an engine made with [`crate::Engine::tree_walking`] uses no compiled code).
//! With a full trace (`--explain`, coverage) rules run on the tree walker, which records each
//! guard's parts.

use super::{Eval, R};
use crate::ids::{CaseTypeId, EnumId, MemberId, TableId};
use crate::program::{
    CaseDef, Cmp, FieldKind, HandlerDef, IAction, IExpr, Program, RuleDef, TPart,
};
use crate::value::{CaseId, PartRef, Value};
use std::sync::Arc;

mod items;

/// An expression's value.
type ValueFn = dyn for<'p, 'w> Fn(&mut Eval<'p, 'w>, &mut Vec<Value>) -> R<Value> + Send + Sync;
/// A condition's truth.
type TestFn = dyn for<'p, 'w> Fn(&mut Eval<'p, 'w>, &mut Vec<Value>) -> R<bool> + Send + Sync;

/// A [`crate::program::Unit`]'s compiled code: its value (a derived field's, a deadline's),
/// or its truth (a condition's: an `erase when`, an invariant).
#[derive(Clone, Default)]
pub(crate) struct UnitCode {
    value: std::sync::OnceLock<Arc<ValueFn>>,
    test: std::sync::OnceLock<Arc<TestFn>>,
}

impl UnitCode {
    /// Compiles `expr` for its value, unless it was compiled already.
    pub(crate) fn fill(&self, prog: &Program, expr: &IExpr) {
        (self.value).get_or_init(|| Arc::from(Compiler { prog }.value(expr)));
    }

    /// Compiles `expr`, a condition, for its truth, unless it was compiled already.
    pub(crate) fn fill_test(&self, prog: &Program, expr: &IExpr) {
        (self.test).get_or_init(|| Arc::from(Compiler { prog }.test(expr)));
    }

    /// The code of the value, when `prog` runs compiled code and it was compiled.
    pub(super) fn get(&self, prog: &Program) -> Option<&ValueFn> {
        self.value
            .get()
            .filter(|_| prog.compiled)
            .map(|code| &**code)
    }

    /// The code of the truth, when `prog` runs compiled code and it was compiled.
    pub(super) fn test(&self, prog: &Program) -> Option<&TestFn> {
        self.test
            .get()
            .filter(|_| prog.compiled)
            .map(|code| &**code)
    }
}

impl std::fmt::Debug for UnitCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let compiled = self.value.get().is_some() || self.test.get().is_some();
        f.write_str(if compiled {
            "UnitCode(compiled)"
        } else {
            "UnitCode(none)"
        })
    }
}

/// A handler's compiled code, in the order of its declaration: empty when not compiled.
#[derive(Clone, Default)]
pub(crate) struct HandlerCode {
    /// One per `let`.
    pub(super) lets: Vec<Arc<ValueFn>>,
    /// One per rule.
    pub(super) rules: Vec<RuleCode>,
    /// The handler only answers: it routes to no case, runs no rule `for` each item, and
    /// its actions only emit, show or refuse. Such an event writes nothing and answers
    /// about nobody, and [`super::evaluate_into`] decides it without the bookkeeping of
    /// cases and outcomes a general event needs.
    pub(super) answers_only: bool,
    /// For a deadline's handler: per status of the deadline's case, whether the handler
    /// does nothing at all in it (empty: never known). It is known where the handler has no
    /// `let` and each rule is a guard over the case's status alone (`filing.status is
    /// open`) with no `for` nor `else`: a firing at a case in such a status changes nothing
    /// but the deadline's state, and [`super::Eval::fire_due`] runs no rule for it.
    pub(super) idle_in: Vec<bool>,
    /// The key a routing handler finds its case by, read where it lies (an event's field,
    /// most often): a case found needs no copy of it.
    pub(super) route_key: Option<Place>,
}

impl std::fmt::Debug for HandlerCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "HandlerCode({} lets, {} rules)",
            self.lets.len(),
            self.rules.len()
        )
    }
}

/// A rule's compiled code.
#[derive(Clone)]
pub(super) struct RuleCode {
    pub(super) for_each: Option<Arc<ValueFn>>,
    pub(super) when: Option<Arc<TestFn>>,
    /// One per `else when`.
    pub(super) else_when: Vec<Arc<TestFn>>,
    /// The actions of each branch: `then`, each `else when`'s, then `else`'s.
    pub(super) branches: Arc<[Vec<ActionCode>]>,
}

/// An action's compiled values, in the order of the action list.
/// A template's placeholders compiled, by part: `None` for a part of plain text.
pub(super) type Placeholders = Vec<Option<Box<ValueFn>>>;

pub(super) enum ActionCode {
    /// The value a `set` writes or a `show` shows.
    Value(Box<ValueFn>),
    /// An `add`: its key values, and its block's actions.
    Add(Vec<Box<ValueFn>>, Vec<ActionCode>),
    /// The templates of a refusal's text (one) or of a message's columns.
    Templates(Vec<Placeholders>),
    /// The value a `show` of a literal shows, made when the policy loads (a text, a count…).
    Shown(crate::Shown),
    /// An action without values to compute (`emit`), or left to the tree walker.
    None,
}

impl ActionCode {
    /// The compiled value of action `i` of a list with `code`, if any.
    pub(super) fn value(code: Option<&[ActionCode]>, i: usize) -> Option<&ValueFn> {
        match code?.get(i)? {
            ActionCode::Value(f) => Some(&**f),
            _ => None,
        }
    }

    /// The value shown by action `i`, when it was made when the policy loaded.
    pub(super) fn shown(code: Option<&[ActionCode]>, i: usize) -> Option<&crate::Shown> {
        match code?.get(i)? {
            ActionCode::Shown(shown) => Some(shown),
            _ => None,
        }
    }

    /// The compiled templates of action `i` (a refusal, a message with placeholders).
    pub(super) fn templates(code: Option<&[ActionCode]>, i: usize) -> Option<&[Placeholders]> {
        match code?.get(i)? {
            ActionCode::Templates(t) => Some(t),
            _ => None,
        }
    }

    /// The compiled key `k` and the block of `add` action `i`, if any.
    pub(super) fn add(
        code: Option<&[ActionCode]>,
        i: usize,
    ) -> (Option<&[Box<ValueFn>]>, Option<&[ActionCode]>) {
        match code.and_then(|c| c.get(i)) {
            Some(ActionCode::Add(keys, block)) => (Some(keys), Some(block)),
            _ => (None, None),
        }
    }
}

/// Compiles handler `h` of `prog`; `deadline_of` is the case type of the deadline it
/// handles, if it handles one.
pub(crate) fn handler(
    prog: &Program,
    h: &HandlerDef,
    deadline_of: Option<CaseTypeId>,
) -> HandlerCode {
    let c = Compiler { prog };
    HandlerCode {
        lets: h.lets.iter().map(|(_, e)| Arc::from(c.value(e))).collect(),
        rules: h.rules.iter().map(|r| c.rule(r)).collect(),
        answers_only: answers_only(h),
        idle_in: deadline_of.map_or(Vec::new(), |ty| idle_in(prog, h, ty)),
        route_key: h.route.as_ref().and_then(|r| place(&r.key)),
    }
}

/// [`HandlerCode::idle_in`] of handler `h` of a deadline of case type `ty`.
fn idle_in(prog: &Program, h: &HandlerDef, ty: CaseTypeId) -> Vec<bool> {
    let Some(def) = prog.case_def(ty) else {
        return Vec::new();
    };
    let Some(statuses) = prog.enum_def(def.status_enum).map(|e| e.values.len()) else {
        return Vec::new();
    };
    // a `let` is computed before any rule, and could fail: the event with it
    if h.route.is_some() || !h.lets.is_empty() {
        return Vec::new();
    }
    let mut idle = vec![true; statuses];
    for r in &h.rules {
        // a rule acts on its guard's failing too (`else`), or reads a list first (`for`)
        let guard = match r {
            RuleDef {
                for_each: None,
                when: Some(guard),
                else_when,
                otherwise,
                ..
            } if else_when.is_empty() && otherwise.is_empty() => guard,
            _ => return Vec::new(),
        };
        for (s, idle) in idle.iter_mut().enumerate() {
            // a guard it cannot decide from the status alone may hold
            *idle &= status_test((ty, def), guard, MemberId::at(s)) == Some(false);
        }
    }
    idle
}

/// What condition `e` of a deadline's handler is when the deadline's case (slot 0) has
/// status `s`, where that alone decides it (as evaluation does: `a and b` is false without
/// `b` where `a` is); `None` where something else is read.
fn status_test(case @ (ty, def): (CaseTypeId, &CaseDef), e: &IExpr, s: MemberId) -> Option<bool> {
    let own_status =
        |x: &IExpr| matches!(x, IExpr::CaseStatus(c) if matches!(**c, IExpr::Local(0)));
    match e {
        IExpr::Lit(Value::Bool(b)) => Some(*b),
        IExpr::Not(x) => status_test(case, x, s).map(|b| !b),
        IExpr::And(a, b) => match status_test(case, a, s)? {
            false => Some(false),
            true => status_test(case, b, s),
        },
        IExpr::Or(a, b) => match status_test(case, a, s)? {
            true => Some(true),
            false => status_test(case, b, s),
        },
        IExpr::Cmp(op @ (Cmp::Eq | Cmp::Ne), a, b) => match (&**a, &**b) {
            (x, IExpr::Lit(Value::Enum(e, m))) | (IExpr::Lit(Value::Enum(e, m)), x)
                if own_status(x) && *e == def.status_enum =>
            {
                Some((*m == s) == (*op == Cmp::Eq))
            }
            _ => None,
        },
        IExpr::HasTag(x, t, tag) if own_status(x) && *t == ty => def
            .tags
            .get(usize::from(*tag))
            .and_then(|(_, on)| on.get(s.index()).copied()),
        _ => None,
    }
}

/// Whether handler `h` only answers ([`HandlerCode::answers_only`]).
fn answers_only(h: &HandlerDef) -> bool {
    let answers = |actions: &[IAction]| {
        actions.iter().all(|a| {
            matches!(
                a,
                IAction::Emit(_)
                    | IAction::EmitWith { .. }
                    | IAction::Show(..)
                    | IAction::Reject { .. }
            )
        })
    };
    h.route.is_none()
        && h.rules.iter().all(|r| {
            r.for_each.is_none()
                && answers(&r.then)
                && r.else_when.iter().all(|(_, a)| answers(a))
                && answers(&r.otherwise)
        })
}

/// What compiling reads: the program (a derived field's definition is compiled where it is
/// read).
#[derive(Clone, Copy)]
struct Compiler<'p> {
    prog: &'p Program,
}

/// A requirements table's rows by the positions of their key cells in the key columns'
/// enumerations: a lookup whose keys are those enumerations' values (as the checker types
/// them) finds its row by arithmetic, with no text joined or hashed.
struct Dense {
    /// Each key column's enumeration and its number of members.
    columns: Vec<(EnumId, usize)>,
    /// The row of each combination of members (`columns[0]`'s member the most significant),
    /// [`Dense::NONE`] where the table has none.
    rows: Vec<u32>,
}

impl Dense {
    const NONE: u32 = u32::MAX;
    /// Past this many combinations of key cells, a table is looked up by its text keys.
    const MAX_CELLS: usize = 4096;

    /// The table's rows laid out by key members, unless it has too many combinations (or a
    /// key cell is not a member of its column's enumeration, which the checker rules out).
    fn of(prog: &Program, table: TableId, columns: &[EnumId]) -> Option<Dense> {
        let t = prog.requirements.get(table.index())?;
        let members = |e: EnumId| prog.enums.get(e.index()).map(|d| &d.values);
        let mut sizes = Vec::with_capacity(columns.len());
        let mut cells = 1usize;
        for e in columns {
            let n = members(*e)?.len();
            cells = cells.checked_mul(n).filter(|c| *c <= Dense::MAX_CELLS)?;
            sizes.push((*e, n));
        }
        let mut rows = vec![Dense::NONE; cells];
        for (r, row) in t.rows.iter().enumerate() {
            let mut at = 0usize;
            for ((e, n), cell) in sizes.iter().zip(&row.keys) {
                let m = members(*e)?.iter().position(|v| v == cell)?;
                at = at * n + m;
            }
            let slot = rows.get_mut(at)?;
            if *slot == Dense::NONE {
                *slot = u32::try_from(r).ok()?;
            }
        }
        Some(Dense {
            columns: sizes,
            rows,
        })
    }

    /// The row the keys choose: `Ok(None)` when a key is not of its column's enumeration, or
    /// no row has these cells.
    /// (A key held somewhere — an event's field, a local — is read in place.)
    fn row(
        &self,
        ev: &mut Eval<'_, '_>,
        keys: &[(Option<Place>, Box<ValueFn>)],
        locals: &mut Vec<Value>,
    ) -> R<Option<usize>> {
        let mut at = 0usize;
        for ((e, n), (place, key)) in self.columns.iter().zip(keys) {
            let member = match place.as_ref().and_then(|p| p.read(ev, locals)) {
                Some(Value::Enum(of, m)) => Some((*of, *m)),
                Some(_) => None,
                None => match key(ev, locals)? {
                    Value::Enum(of, m) => Some((of, m)),
                    _ => None,
                },
            };
            match member {
                Some((of, m)) if of == *e && m.index() < *n => at = at * n + m.index(),
                _ => return Ok(None),
            }
        }
        Ok(self
            .rows
            .get(at)
            .filter(|r| **r != Dense::NONE)
            .map(|r| *r as usize))
    }
}

// The helpers below give each closure its type (and so the lifetimes its signature is
// generic over), which a closure written where a `Box<dyn …>` is expected does not get.

fn value_fn<F>(f: F) -> Box<ValueFn>
where
    F: for<'p, 'w> Fn(&mut Eval<'p, 'w>, &mut Vec<Value>) -> R<Value> + Send + Sync + 'static,
{
    Box::new(f)
}

fn test_fn<F>(f: F) -> Box<TestFn>
where
    F: for<'p, 'w> Fn(&mut Eval<'p, 'w>, &mut Vec<Value>) -> R<bool> + Send + Sync + 'static,
{
    Box::new(f)
}

/// A value held somewhere, read in place: where it starts (an event field, a local) and
/// the fields followed from there (a case's, a record's, a participant's). Read by a plain
/// loop: no call per step (a place is read at almost every node of a condition).
#[derive(Clone)]
pub(super) struct Place {
    root: Root,
    steps: Box<[Step]>,
}

#[derive(Clone, Copy)]
enum Root {
    Event(usize),
    Local(usize),
}

#[derive(Clone, Copy)]
enum Step {
    Case(usize),
    Rec(usize),
    Part(usize),
}

impl Place {
    /// The value, where it lies: `None` when a step finds no such value (then the tree
    /// walker evaluates the node, for its value or its error).
    #[inline]
    pub(super) fn read<'s>(&self, ev: &'s Eval<'_, '_>, locals: &'s [Value]) -> Option<&'s Value> {
        let v = match self.root {
            Root::Event(i) => ev.event?.fields.get(i)?,
            Root::Local(i) => locals.get(i)?,
        };
        match &*self.steps {
            [] => Some(v),
            steps => follow(steps, v, ev),
        }
    }
}

/// The value reached from `v` by `steps` (out of line: most places have no step).
#[inline(never)]
fn follow<'s>(steps: &[Step], mut v: &'s Value, ev: &'s Eval<'_, '_>) -> Option<&'s Value> {
    for step in steps {
        v = match (*step, v) {
            (Step::Case(f), Value::Case(id)) => ev.tx.case(*id).ok()?.fields.get(f)?,
            (Step::Rec(f), Value::Record(fields)) => fields.get(f)?,
            (Step::Part(f), Value::Part(p)) => {
                ev.tx.case(p.case).ok()?.parts.get(p.idx as usize)?.get(f)?
            }
            _ => return None,
        };
    }
    Some(v)
}

/// `e` read in place, when it is a value held somewhere (as [`Eval::peek`] reads it; a
/// literal is an [`Operand::Lit`] instead).
fn place(e: &IExpr) -> Option<Place> {
    let (root, step) = match e {
        IExpr::EventField(i) => {
            return Some(Place {
                root: Root::Event(*i as usize),
                steps: Box::new([]),
            })
        }
        IExpr::Local(i) => {
            return Some(Place {
                root: Root::Local(*i as usize),
                steps: Box::new([]),
            })
        }
        IExpr::CaseField(c, f) => (c, Step::Case(*f as usize)),
        IExpr::RecField(r, f) => (r, Step::Rec(*f as usize)),
        IExpr::PartField(p, f) => (p, Step::Part(*f as usize)),
        _ => return None,
    };
    let inner = place(root)?;
    let mut steps = inner.steps.into_vec();
    steps.push(step);
    Some(Place {
        root: inner.root,
        steps: steps.into_boxed_slice(),
    })
}

/// The case a place holds, if it holds one (else the tree walker evaluates the node, for
/// its error).
fn case_id(case: &Place, ev: &Eval<'_, '_>, locals: &[Value]) -> Option<CaseId> {
    match case.read(ev, locals) {
        Some(Value::Case(id)) => Some(*id),
        _ => None,
    }
}

/// Where a case is read in place: a case held somewhere (`filing`), or the case of a
/// participant held somewhere (`p.filing`).
enum CasePlace {
    Held(Place),
    OfPart(Place),
}

impl CasePlace {
    /// The case: `None` when it cannot be read so.
    fn read(&self, ev: &Eval<'_, '_>, locals: &[Value]) -> Option<CaseId> {
        match self {
            CasePlace::Held(p) => case_id(p, ev, locals),
            CasePlace::OfPart(p) => match p.read(ev, locals)? {
                Value::Part(part) => {
                    let case = ev.tx.case(part.case).ok()?;
                    case.parts.get(part.idx as usize).map(|_| part.case)
                }
                _ => None,
            },
        }
    }
}

/// An expression whose value is a case: read in place where it is a case held somewhere or
/// a held participant's case (`filing`, `p.filing`), else computed.
struct CaseOf {
    place: Option<CasePlace>,
    value: Box<ValueFn>,
}

impl CaseOf {
    fn of(c: Compiler, e: &IExpr) -> CaseOf {
        let place = match e {
            IExpr::PartCase(p) => place(p).map(CasePlace::OfPart),
            _ => place(e).map(CasePlace::Held),
        };
        CaseOf {
            place,
            value: c.value(e),
        }
    }

    /// The case: read in place, else computed (for its error when it is none).
    fn id(&self, ev: &mut Eval<'_, '_>, locals: &mut Vec<Value>) -> R<CaseId> {
        if let Some(id) = self.place.as_ref().and_then(|p| p.read(ev, locals)) {
            return Ok(id);
        }
        let v = (self.value)(ev, locals)?;
        Ok(ev.case_data(&v)?.0)
    }
}

/// An operand of a comparison or a membership test.
enum Operand {
    Lit(Value),
    Place(Place),
    /// Anything else: computed (by its compiled code).
    Computed(Box<ValueFn>),
}

impl Operand {
    fn of(c: Compiler, e: &IExpr) -> Operand {
        match e {
            IExpr::Lit(v) => Operand::Lit(v.clone()),
            _ => match place(e) {
                Some(p) => Operand::Place(p),
                None => Operand::Computed(c.value(e)),
            },
        }
    }

    /// Whether it is computed (by its code), not read where it lies.
    fn is_computed(&self) -> bool {
        matches!(self, Operand::Computed(_))
    }

    /// The value, read in place: `None` when it must be computed.
    fn peek<'s>(&'s self, ev: &'s Eval<'_, '_>, locals: &'s [Value]) -> Option<&'s Value> {
        match self {
            Operand::Lit(v) => Some(v),
            Operand::Place(p) => p.read(ev, locals),
            Operand::Computed(_) => None,
        }
    }

    /// The value of a computed operand (`None` for a literal or a place: read in place).
    fn computed(&self, ev: &mut Eval<'_, '_>, locals: &mut Vec<Value>) -> R<Option<Value>> {
        match self {
            Operand::Computed(c) => c(ev, locals).map(Some),
            Operand::Lit(_) | Operand::Place(_) => Ok(None),
        }
    }

    /// Its value: `computed` (what [`Operand::computed`] gave) if any, else read in place.
    fn read<'s>(
        &'s self,
        computed: &'s Option<Value>,
        ev: &'s Eval<'_, '_>,
        locals: &'s [Value],
    ) -> Option<&'s Value> {
        match computed {
            Some(v) => Some(v),
            None => self.peek(ev, locals),
        }
    }

    /// The value, computed (`ir` is the node, for the tree walker when a place cannot be
    /// read in place).
    fn eval(&self, ir: &IExpr, ev: &mut Eval<'_, '_>, locals: &mut Vec<Value>) -> R<Value> {
        match self {
            Operand::Lit(v) => Ok(v.clone()),
            Operand::Place(p) => match p.read(ev, locals) {
                Some(v) => Ok(v.clone()),
                None => ev.expr(ir, locals),
            },
            Operand::Computed(c) => c(ev, locals),
        }
    }
}

impl Compiler<'_> {
    fn rule(self, r: &RuleDef) -> RuleCode {
        RuleCode {
            for_each: r.for_each.as_ref().map(|(_, e)| Arc::from(self.value(e))),
            when: r.when.as_ref().map(|e| Arc::from(self.test(e))),
            else_when: r
                .else_when
                .iter()
                .map(|(e, _)| Arc::from(self.test(e)))
                .collect(),
            branches: std::iter::once(&r.then)
                .chain(r.else_when.iter().map(|(_, a)| a))
                .chain(std::iter::once(&r.otherwise))
                .map(|actions| self.actions(actions))
                .collect(),
        }
    }

    fn actions(self, actions: &[IAction]) -> Vec<ActionCode> {
        actions
            .iter()
            .map(|a| match a {
                // a literal shown: made now, when it needs nothing of the world
                IAction::Show(_, e) => match e {
                    IExpr::Lit(v) => crate::Shown::constant(v).map(ActionCode::Shown),
                    _ => None,
                }
                .unwrap_or_else(|| ActionCode::Value(self.value(e))),
                IAction::Set(_, e) => ActionCode::Value(self.value(e)),
                IAction::Add { keys, block, .. } => ActionCode::Add(
                    keys.iter().map(|(_, e)| self.value(e)).collect(),
                    self.actions(block),
                ),
                IAction::EmitWith { columns, .. } => {
                    ActionCode::Templates(columns.iter().map(|t| self.placeholders(t)).collect())
                }
                IAction::Reject { message, .. } => {
                    ActionCode::Templates(vec![self.placeholders(message)])
                }
                IAction::Emit(_) => ActionCode::None,
            })
            .collect()
    }

    /// Two operands, read in place when both can be (as [`Eval::truth`] does), else computed
    /// in order, then given to `f`.
    fn binary(
        self,
        (a, b): (&IExpr, &IExpr),
        f: impl Fn(&Value, &Value) -> R<bool> + Send + Sync + 'static,
    ) -> Box<TestFn> {
        let (x, y) = (Operand::of(self, a), Operand::of(self, b));
        let (a, b) = (a.clone(), b.clone());
        if !x.is_computed() && !y.is_computed() {
            return test_fn(move |ev, locals| {
                if let (Some(v), Some(w)) = (x.peek(ev, locals), y.peek(ev, locals)) {
                    return f(v, w);
                }
                // a place that cannot be read in place: as the tree walker reads it
                let v = x.eval(&a, ev, locals)?;
                let w = y.eval(&b, ev, locals)?;
                f(&v, &w)
            });
        }
        test_fn(move |ev, locals| {
            // the computed operands first, in order; the others then read in place
            let v = x.computed(ev, locals)?;
            let w = y.computed(ev, locals)?;
            if let (Some(v), Some(w)) = (x.read(&v, ev, locals), y.read(&w, ev, locals)) {
                return f(v, w);
            }
            // a place that cannot be read in place: as the tree walker reads it
            let v = match v {
                Some(v) => v,
                None => x.eval(&a, ev, locals)?,
            };
            let w = match w {
                Some(w) => w,
                None => y.eval(&b, ev, locals)?,
            };
            f(&v, &w)
        })
    }

    /// A derived field read, its definition written in place of the read when that changes
    /// nothing: it reads only its owner (binds no name), and its owner is a local slot, which
    /// reading again gives the same value. Then it is compiled as part of the expression that
    /// reads it, with no slots of its own.
    fn inlined(self, e: &IExpr) -> Option<IExpr> {
        let (IExpr::CaseDerived(owner, ty, f) | IExpr::PartDerived(owner, ty, f)) = e else {
            return None;
        };
        let def = self.prog.case_def(*ty)?;
        let fields = match e {
            IExpr::PartDerived(..) => &def.parts.fields,
            _ => &def.fields,
        };
        match (&fields.get(*f as usize)?.kind, &**owner) {
            (FieldKind::Derived(unit), IExpr::Local(_)) if unit.locals <= 1 => {
                with_owner(&unit.expr, owner)
            }
            _ => None,
        }
    }

    /// A condition.
    fn test(self, e: &IExpr) -> Box<TestFn> {
        if let Some(inlined) = self.inlined(e) {
            return self.test(&inlined);
        }
        match e {
            IExpr::And(a, b) => {
                let (a, b) = (self.test(a), self.test(b));
                test_fn(move |ev, locals| Ok(a(ev, locals)? && b(ev, locals)?))
            }
            IExpr::Or(a, b) => {
                let (a, b) = (self.test(a), self.test(b));
                test_fn(move |ev, locals| Ok(a(ev, locals)? || b(ev, locals)?))
            }
            IExpr::Not(x) => match place(x) {
                // a bool held somewhere (`not done`): read and turned in one step
                Some(p) => {
                    let whole = e.clone();
                    test_fn(move |ev, locals| match p.read(ev, locals) {
                        Some(Value::Bool(b)) => Ok(!*b),
                        _ => ev.truth(&whole, locals),
                    })
                }
                None => {
                    let x = self.test(x);
                    test_fn(move |ev, locals| Ok(!x(ev, locals)?))
                }
            },
            IExpr::Cmp(op, a, b) => {
                let op: Cmp = *op;
                let general = match op {
                    // equality needs no order (nor its check of unset values)
                    Cmp::Eq => self.binary((a, b), |x, y| Ok(x.same(y))),
                    Cmp::Ne => self.binary((a, b), |x, y| Ok(!x.same(y))),
                    _ => self.binary((a, b), move |x, y| Eval::compare(op, x, y)),
                };
                match (&**a, place(a), &**b) {
                    // a case's status against a status named (`filing.status == rejected`):
                    // its member compared where the case holds it, no value made of it
                    (IExpr::CaseStatus(c), _, IExpr::Lit(Value::Enum(e, m)))
                    | (IExpr::Lit(Value::Enum(e, m)), _, IExpr::CaseStatus(c))
                        if matches!(op, Cmp::Eq | Cmp::Ne) =>
                    {
                        let (c, e, m, eq) = (CaseOf::of(self, c), *e, *m, op == Cmp::Eq);
                        test_fn(move |ev, locals| {
                            let id = c.id(ev, locals)?;
                            let case = ev.tx.case(id)?;
                            match ev.prog.case_def(case.ty) {
                                Some(def) => Ok((def.status_enum == e && case.status == m) == eq),
                                // (for the tree walker's error)
                                None => general(ev, locals),
                            }
                        })
                    }
                    // how many items a list held somewhere has, against a number
                    (IExpr::Count(list), _, IExpr::Lit(Value::Count(n))) => match place(list) {
                        Some(list) => {
                            let n = *n;
                            test_fn(move |ev, locals| match list.read(ev, locals) {
                                Some(Value::List(v) | Value::Set(v)) => {
                                    Ok(holds(op, (v.len() as i64).cmp(&n)))
                                }
                                _ => general(ev, locals),
                            })
                        }
                        None => general,
                    },
                    // a count held somewhere against a number: the commonest limit check
                    (_, Some(p), IExpr::Lit(Value::Count(n))) => {
                        let n = *n;
                        test_fn(move |ev, locals| match p.read(ev, locals) {
                            Some(Value::Count(x)) => Ok(holds(op, x.cmp(&n))),
                            _ => general(ev, locals),
                        })
                    }
                    _ => general,
                }
            }
            IExpr::In(a, b) => self.binary((a, b), |x, y| {
                Ok(y.elements()
                    .is_some_and(|items| items.iter().any(|i| i.same(x))))
            }),
            // a text against a pattern, read in place where it is held
            IExpr::Matches(x, pattern) => {
                let (operand, pattern, x) = (Operand::of(self, x), pattern.index(), (**x).clone());
                test_fn(move |ev, locals| {
                    let prog = ev.prog;
                    let matches = |v: &Value| match (v, prog.patterns.get(pattern)) {
                        (Value::Text(s), Some(p)) => Ok(p.is_match(s)),
                        (Value::Unset, _) => {
                            super::fail("matched an unset value against a pattern")
                        }
                        (Value::Text(_), None) => super::bug("no such pattern"),
                        _ => super::bug("matched a non-text value"),
                    };
                    match operand.peek(ev, locals) {
                        Some(v) => matches(v),
                        None => matches(&operand.eval(&x, ev, locals)?),
                    }
                })
            }
            IExpr::IsSet(x) => match place(x) {
                Some(p) => {
                    let x = (**x).clone();
                    test_fn(move |ev, locals| match p.read(ev, locals) {
                        Some(v) => Ok(!v.is_unset()),
                        None => Ok(!ev.expr(&x, locals)?.is_unset()),
                    })
                }
                None => self.tree_test(e),
            },
            IExpr::HasTag(x, ty, tag) => {
                let on: Vec<bool> = self
                    .prog
                    .case_def(*ty)
                    .and_then(|d| d.tags.get(*tag as usize))
                    .map(|(_, on)| on.clone())
                    .unwrap_or_default();
                if let IExpr::CaseStatus(c) = &**x {
                    // a case's status read where the case holds it (`filing.status is open`)
                    let c = CaseOf::of(self, c);
                    return test_fn(move |ev, locals| {
                        let id = c.id(ev, locals)?;
                        let case = ev.tx.case(id)?;
                        if ev.prog.case_def(case.ty).is_none() {
                            return super::bug("no such case type");
                        }
                        Ok(on.get(case.status.index()).copied().unwrap_or(false))
                    });
                }
                let x = self.value(x);
                test_fn(move |ev, locals| match x(ev, locals)? {
                    Value::Enum(_, s) => Ok(on.get(s.index()).copied().unwrap_or(false)),
                    _ => super::bug("a tag test on a non-status"),
                })
            }
            _ => match place(e) {
                // a bool held somewhere (a local, a stored flag, an event's field)
                Some(p) => {
                    let whole = e.clone();
                    test_fn(move |ev, locals| match p.read(ev, locals) {
                        Some(Value::Bool(b)) => Ok(*b),
                        _ => ev.truth(&whole, locals),
                    })
                }
                // a computed bool (`any(…)`, a derived flag): its compiled value, read as
                // the tree walker reads a condition's
                None => {
                    let v = self.value(e);
                    test_fn(move |ev, locals| match v(ev, locals)? {
                        Value::Bool(b) => Ok(b),
                        Value::Unset => super::fail("a condition read an unset value"),
                        _ => super::bug("a condition is not a bool"),
                    })
                }
            },
        }
    }

    /// A condition the tree walker evaluates.
    fn tree_test(self, e: &IExpr) -> Box<TestFn> {
        let e = e.clone();
        test_fn(move |ev, locals| ev.truth(&e, locals))
    }

    /// An expression's value.
    fn value(self, e: &IExpr) -> Box<ValueFn> {
        if let Some(inlined) = self.inlined(e) {
            return self.value(&inlined);
        }
        match e {
            IExpr::Lit(v) => {
                let v = v.clone();
                value_fn(move |_, _| Ok(v.clone()))
            }
            IExpr::Local(i) => {
                let i = *i as usize;
                value_fn(move |_, locals| Ok(locals.get(i).cloned().unwrap_or(Value::Unset)))
            }
            IExpr::CaseStatus(c) => {
                let c = CaseOf::of(self, c);
                value_fn(move |ev, locals| {
                    let id = c.id(ev, locals)?;
                    let data = ev.tx.case(id)?;
                    match ev.prog.case_def(data.ty) {
                        Some(def) => Ok(Value::Enum(def.status_enum, data.status)),
                        None => super::bug("no such case type"),
                    }
                })
            }
            IExpr::CaseDerived(owner, ty, f) | IExpr::PartDerived(owner, ty, f) => {
                let def = self.prog.case_def(*ty);
                let fields = match e {
                    IExpr::PartDerived(..) => def.map(|d| &d.parts.fields),
                    _ => def.map(|d| &d.fields),
                };
                match fields.and_then(|fs| fs.get(*f as usize)).map(|d| &d.kind) {
                    // the definition compiled where it is read (derived fields read only
                    // those declared before them: this ends)
                    Some(FieldKind::Derived(unit)) => {
                        let (owner, code, n) =
                            (self.value(owner), self.value(&unit.expr), unit.locals);
                        value_fn(move |ev, locals| {
                            let owner = owner(ev, locals)?;
                            let mut own = ev.scratch.spare.locals(n);
                            own[0] = owner;
                            let v = code(ev, &mut own);
                            ev.scratch.spare.give_locals(own);
                            v
                        })
                    }
                    _ => self.tree_value(e),
                }
            }
            // how many items meet a condition, counted without making the list of them
            IExpr::Count(x) if matches!(&**x, IExpr::Filter { .. }) => {
                let IExpr::Filter { var, source, cond } = &**x else {
                    return self.tree_value(e);
                };
                if let Some(walk) = self.walk_items(items::Walk::Count, *var, source, cond) {
                    return walk;
                }
                let (var, cond) = (*var as usize, self.test(cond));
                if let IExpr::CaseParts(c) = &**source {
                    let case = CaseOf::of(self, c);
                    return value_fn(move |ev, locals| {
                        let id = case.id(ev, locals)?;
                        let mut n = 0;
                        for idx in 0..ev.tx.case(id)?.parts.len() as u32 {
                            locals[var].put(Value::Part(PartRef { case: id, idx }));
                            n += i64::from(cond(ev, locals)?);
                        }
                        Ok(Value::Count(n))
                    });
                }
                let source = self.value(source);
                value_fn(move |ev, locals| {
                    let src = source(ev, locals)?;
                    let mut n = 0;
                    for item in src.elements().unwrap_or_default() {
                        locals[var].put(item.clone());
                        n += i64::from(cond(ev, locals)?);
                    }
                    Ok(Value::Count(n))
                })
            }
            IExpr::Count(x) => match place(x) {
                Some(p) => {
                    let whole = e.clone();
                    value_fn(move |ev, locals| match p.read(ev, locals) {
                        Some(Value::List(v) | Value::Set(v)) => Ok(Value::Count(v.len() as i64)),
                        // not a list (an error) or not readable in place: as the tree walker
                        _ => ev.expr(&whole, locals),
                    })
                }
                None => {
                    let x = self.value(x);
                    value_fn(move |ev, locals| match x(ev, locals)? {
                        Value::List(v) | Value::Set(v) => Ok(Value::Count(v.len() as i64)),
                        _ => super::fail("counted something that is not a list"),
                    })
                }
            },
            IExpr::Filter { var, source, cond } => {
                if let Some(walk) = self.walk_items(items::Walk::Filter, *var, source, cond) {
                    return walk;
                }
                let (var, cond) = (*var as usize, self.test(cond));
                match &**source {
                    // a case's participants, walked without making a list of them
                    IExpr::CaseParts(c) => match place(c) {
                        Some(case) => {
                            let whole = e.clone();
                            value_fn(move |ev, locals| {
                                let Some(id) = case_id(&case, ev, locals) else {
                                    return ev.expr(&whole, locals);
                                };
                                let n = ev.tx.case(id)?.parts.len();
                                let mut out = ev.spare_values();
                                for idx in 0..n as u32 {
                                    let item = Value::Part(PartRef { case: id, idx });
                                    locals[var].put(item.clone());
                                    if cond(ev, locals)? {
                                        out.push(item);
                                    }
                                }
                                Ok(ev.list_of(out))
                            })
                        }
                        None => self.tree_value(e),
                    },
                    _ => {
                        // a list in a local slot is read item by item where it lies: the
                        // condition binds only slots above it
                        let from = match &**source {
                            IExpr::Local(l) => Some(*l as usize),
                            _ => None,
                        };
                        let source = self.value(source);
                        value_fn(move |ev, locals| {
                            if let Some(from) = from {
                                if let Some(Value::List(_)) = locals.get(from) {
                                    let mut out = ev.spare_values();
                                    for k in 0.. {
                                        let item = match locals.get(from) {
                                            Some(Value::List(v)) => v.get(k).cloned(),
                                            _ => None,
                                        };
                                        let Some(item) = item else { break };
                                        locals[var].put(item.clone());
                                        if cond(ev, locals)? {
                                            out.push(item);
                                        }
                                    }
                                    return Ok(ev.list_of(out));
                                }
                            }
                            let src = source(ev, locals)?;
                            let items = src.elements().unwrap_or_default();
                            let mut out = ev.spare_values();
                            for item in items {
                                locals[var].put(item.clone());
                                if cond(ev, locals)? {
                                    out.push(item.clone());
                                }
                            }
                            Ok(match src {
                                Value::Set(_) => ev.shared_set(out, Some(&src)),
                                _ => ev.list_of(out),
                            })
                        })
                    }
                }
            }
            IExpr::Quant {
                all,
                var,
                source,
                cond,
            } => {
                if let Some(walk) = self.walk_items(items::Walk::Quant(*all), *var, source, cond) {
                    return walk;
                }
                if let IExpr::CaseParts(c) = &**source {
                    // a case's participants, walked without making a list of them
                    let (all, var, case, cond) =
                        (*all, *var as usize, CaseOf::of(self, c), self.test(cond));
                    return value_fn(move |ev, locals| {
                        let id = case.id(ev, locals)?;
                        for idx in 0..ev.tx.case(id)?.parts.len() as u32 {
                            locals[var].put(Value::Part(PartRef { case: id, idx }));
                            if cond(ev, locals)? != all {
                                return Ok(Value::Bool(!all));
                            }
                        }
                        Ok(Value::Bool(all))
                    });
                }
                let (all, var, source, cond) =
                    (*all, *var as usize, self.value(source), self.test(cond));
                value_fn(move |ev, locals| {
                    let source = source(ev, locals)?;
                    for item in source.elements().unwrap_or_default() {
                        locals[var].put(item.clone());
                        if cond(ev, locals)? != all {
                            return Ok(Value::Bool(!all));
                        }
                    }
                    Ok(Value::Bool(all))
                })
            }
            IExpr::And(..)
            | IExpr::Or(..)
            | IExpr::Not(_)
            | IExpr::Cmp(..)
            | IExpr::In(..)
            | IExpr::Matches(..)
            | IExpr::IsSet(_)
            | IExpr::HasTag(..) => {
                let t = self.test(e);
                value_fn(move |ev, locals| t(ev, locals).map(Value::Bool))
            }
            IExpr::IndexLookup {
                ty,
                field,
                key,
                var,
                cond,
            }
            | IExpr::CaseIndexLookup {
                ty,
                field,
                key,
                var,
                cond,
            } => {
                let (at, var) = ((*ty, *field), *var);
                let (key, cond) = (self.value(key), self.test(cond));
                let parts = matches!(e, IExpr::IndexLookup { .. });
                value_fn(move |ev, locals| {
                    let k = key(ev, locals)?;
                    if parts {
                        ev.part_lookup(at, &k, (var, &*cond), locals)
                    } else {
                        ev.case_lookup(at, &k, (var, &*cond), locals)
                    }
                })
            }
            IExpr::Lookup {
                table,
                of,
                keys,
                columns,
                blame,
            } => {
                let (at, blame) = ((*table, *of, keys.len()), blame.clone());
                let keys: Vec<(Option<Place>, Box<ValueFn>)> =
                    keys.iter().map(|k| (place(k), self.value(k))).collect();
                let dense = Dense::of(self.prog, *table, columns);
                value_fn(move |ev, locals| {
                    if let Some(dense) = &dense {
                        if let Some(row) = dense.row(ev, &keys, locals)? {
                            return Ok(ev.table_row(at.0, at.1, row));
                        }
                    }
                    // a key of another kind, or no such row (for its error)
                    let key = |ev: &mut Eval<'_, '_>, i: usize, locals: &mut Vec<Value>| match keys
                        .get(i)
                    {
                        Some((_, k)) => k(ev, locals),
                        None => super::bug("no such key"),
                    };
                    ev.table_lookup(at, &blame, &key, locals)
                })
            }
            IExpr::Arith(op, a, b) => {
                let op = *op;
                // operands held somewhere or written (`p.tries + 1`, `c.opened_at +
                // limits.window`): read in place, no call each
                let (x, y) = (Operand::of(self, a), Operand::of(self, b));
                if !x.is_computed() && !y.is_computed() {
                    let (a, b) = (a.clone(), b.clone());
                    return value_fn(move |ev, locals| {
                        let zone = ev.prog.zone.as_ref();
                        if let (Some(v), Some(w)) = (x.peek(ev, locals), y.peek(ev, locals)) {
                            return super::expr::arith(op, v.clone(), w.clone(), zone);
                        }
                        // a place that cannot be read in place: as the tree walker reads it
                        let v = x.eval(&a, ev, locals)?;
                        let w = y.eval(&b, ev, locals)?;
                        super::expr::arith(op, v, w, ev.prog.zone.as_ref())
                    });
                }
                let (a, b) = (self.value(a), self.value(b));
                value_fn(move |ev, locals| {
                    let (x, y) = (a(ev, locals)?, b(ev, locals)?);
                    super::expr::arith(op, x, y, ev.prog.zone.as_ref())
                })
            }
            IExpr::PartCase(p) => {
                let p = self.value(p);
                value_fn(move |ev, locals| {
                    let v = p(ev, locals)?;
                    Ok(Value::Case(ev.part(&v)?.0.case))
                })
            }
            IExpr::Template(parts) => {
                let parts: Vec<Part> = parts
                    .iter()
                    .map(|p| match p {
                        TPart::Text(s) => Part::Text(s.clone()),
                        TPart::Expr(e) => Part::Value(self.value(e)),
                    })
                    .collect();
                value_fn(move |ev, locals| {
                    let mut out = String::new();
                    for p in &parts {
                        match p {
                            Part::Text(s) => out.push_str(s),
                            Part::Value(v) => {
                                let v = v(ev, locals)?;
                                out.push_str(&ev.display(&v));
                            }
                        }
                    }
                    Ok(Value::text(out))
                })
            }
            IExpr::Now => value_fn(|ev, _| {
                ev.read_time = true;
                Ok(Value::Instant(ev.now))
            }),
            IExpr::EventAt => value_fn(|ev, _| match ev.event {
                Some(event) => {
                    ev.read_time = true;
                    Ok(Value::Instant(event.at))
                }
                None => super::bug("no event here"),
            }),
            IExpr::CaseKey(c) => {
                let c = self.value(c);
                value_fn(move |ev, locals| {
                    let v = c(ev, locals)?;
                    Ok(Value::Text(ev.case_data(&v)?.1.key.clone()))
                })
            }
            IExpr::CaseParts(c) => {
                let c = self.value(c);
                value_fn(move |ev, locals| {
                    let v = c(ev, locals)?;
                    ev.case_parts(&v)
                })
            }
            IExpr::Neg(x) => {
                let x = self.value(x);
                value_fn(move |ev, locals| super::expr::negated(x(ev, locals)?))
            }
            IExpr::ListOp(op, a, b) | IExpr::SetOp(op, a, b) => {
                if let (IExpr::SetOp(..), IExpr::List(items)) = (e, &**b) {
                    return self.set_with_items(*op, a, items);
                }
                let (op, a, b) = (*op, self.value(a), self.value(b));
                let list = matches!(e, IExpr::ListOp(..));
                value_fn(move |ev, locals| {
                    let (x, y) = (a(ev, locals)?, b(ev, locals)?);
                    if list {
                        ev.list_op(op, x, y)
                    } else {
                        ev.set_op(op, x, y)
                    }
                })
            }
            IExpr::List(items) | IExpr::Call(_, items) => {
                let items: Vec<Box<ValueFn>> = items.iter().map(|i| self.value(i)).collect();
                let call = match e {
                    IExpr::Call(f, _) => Some(*f),
                    _ => None,
                };
                value_fn(move |ev, locals| {
                    let mut vals = Vec::with_capacity(items.len());
                    for i in &items {
                        vals.push(i(ev, locals)?);
                    }
                    match call {
                        Some(f) => ev.call(f, &vals),
                        None => Ok(Value::list(vals)),
                    }
                })
            }
            IExpr::Coalesce(a, b) => {
                let (a, b) = (self.value(a), self.value(b));
                value_fn(move |ev, locals| match a(ev, locals)? {
                    Value::Unset => b(ev, locals),
                    v => Ok(v),
                })
            }
            IExpr::RecField(r, f) if place(e).is_none() => {
                let (r, f) = (self.value(r), *f);
                value_fn(move |ev, locals| super::expr::record_field(r(ev, locals)?, f))
            }
            _ => match place(e) {
                // a value held somewhere, copied out of where it lies
                Some(p) => {
                    let whole = e.clone();
                    value_fn(move |ev, locals| match p.read(ev, locals) {
                        Some(v) => Ok(v.clone()),
                        None => ev.expr(&whole, locals),
                    })
                }
                None => self.tree_value(e),
            },
        }
    }

    /// A set and a list written out (`p.roles + [x.role]`): the list's items go straight
    /// into the new set's storage, without making the list.
    fn set_with_items(self, op: crate::program::Arith, a: &IExpr, items: &[IExpr]) -> Box<ValueFn> {
        let items: Vec<Box<ValueFn>> = items.iter().map(|i| self.value(i)).collect();
        let a = self.value(a);
        value_fn(move |ev, locals| {
            let x = a(ev, locals)?;
            let mut ys = ev.spare_values();
            for i in &items {
                match i(ev, locals) {
                    Ok(y) => ys.push(y),
                    Err(e) => return Err(e),
                }
            }
            let set = ev.set_op_items(op, x, &mut ys);
            ev.scratch.spare.give_locals(ys);
            set
        })
    }

    /// The placeholders of template `parts`.
    fn placeholders(self, parts: &[TPart]) -> Placeholders {
        parts
            .iter()
            .map(|p| match p {
                TPart::Text(_) => None,
                TPart::Expr(e) => Some(self.value(e)),
            })
            .collect()
    }

    /// An expression the tree walker evaluates.
    fn tree_value(self, e: &IExpr) -> Box<ValueFn> {
        let e = e.clone();
        value_fn(move |ev, locals| ev.expr(&e, locals))
    }
}

/// A part of a compiled template.
enum Part {
    Text(String),
    Value(Box<ValueFn>),
}

/// `e` (a derived field's definition, its owner in slot 0) with `owner` read where it reads
/// slot 0: `None` when it reads another slot or binds a name (a comprehension's, a
/// quantifier's), whose slot would be the reader's.
fn with_owner(e: &IExpr, owner: &IExpr) -> Option<IExpr> {
    let of = |x: &IExpr| with_owner(x, owner).map(Box::new);
    let all = |xs: &[IExpr]| {
        xs.iter()
            .map(|x| with_owner(x, owner))
            .collect::<Option<Vec<_>>>()
    };
    Some(match e {
        IExpr::Local(0) => owner.clone(),
        IExpr::Lit(_) | IExpr::EventField(_) | IExpr::EventAt | IExpr::Now => e.clone(),
        // another slot of its own would be the reader's
        IExpr::Local(_)
        | IExpr::Filter { .. }
        | IExpr::Quant { .. }
        | IExpr::IndexLookup { .. }
        | IExpr::CaseIndexLookup { .. } => return None,
        IExpr::CaseKey(x) => IExpr::CaseKey(of(x)?),
        IExpr::CaseStatus(x) => IExpr::CaseStatus(of(x)?),
        IExpr::CaseField(x, f) => IExpr::CaseField(of(x)?, *f),
        IExpr::CaseDerived(x, ty, f) => IExpr::CaseDerived(of(x)?, *ty, *f),
        IExpr::CaseParts(x) => IExpr::CaseParts(of(x)?),
        IExpr::PartField(x, f) => IExpr::PartField(of(x)?, *f),
        IExpr::PartDerived(x, ty, f) => IExpr::PartDerived(of(x)?, *ty, *f),
        IExpr::PartCase(x) => IExpr::PartCase(of(x)?),
        IExpr::RecField(x, f) => IExpr::RecField(of(x)?, *f),
        IExpr::Lookup {
            table,
            of: e,
            keys,
            columns,
            blame,
        } => IExpr::Lookup {
            table: *table,
            of: *e,
            keys: all(keys)?,
            columns: columns.clone(),
            blame: blame.clone(),
        },
        IExpr::List(xs) => IExpr::List(all(xs)?),
        IExpr::Count(x) => IExpr::Count(of(x)?),
        IExpr::Not(x) => IExpr::Not(of(x)?),
        IExpr::Neg(x) => IExpr::Neg(of(x)?),
        IExpr::And(a, b) => IExpr::And(of(a)?, of(b)?),
        IExpr::Or(a, b) => IExpr::Or(of(a)?, of(b)?),
        IExpr::Cmp(op, a, b) => IExpr::Cmp(*op, of(a)?, of(b)?),
        IExpr::Arith(op, a, b) => IExpr::Arith(*op, of(a)?, of(b)?),
        IExpr::SetOp(op, a, b) => IExpr::SetOp(*op, of(a)?, of(b)?),
        IExpr::ListOp(op, a, b) => IExpr::ListOp(*op, of(a)?, of(b)?),
        IExpr::Call(f, xs) => IExpr::Call(*f, all(xs)?),
        IExpr::In(a, b) => IExpr::In(of(a)?, of(b)?),
        IExpr::Matches(x, p) => IExpr::Matches(of(x)?, *p),
        IExpr::Coalesce(a, b) => IExpr::Coalesce(of(a)?, of(b)?),
        IExpr::IsSet(x) => IExpr::IsSet(of(x)?),
        IExpr::HasTag(x, ty, tag) => IExpr::HasTag(of(x)?, *ty, *tag),
        IExpr::Template(parts) => IExpr::Template(
            parts
                .iter()
                .map(|p| match p {
                    TPart::Text(t) => Some(TPart::Text(t.clone())),
                    TPart::Expr(x) => with_owner(x, owner).map(TPart::Expr),
                })
                .collect::<Option<Vec<_>>>()?,
        ),
        IExpr::Before(x) => IExpr::Before(of(x)?),
    })
}

/// Whether two values ordered `o` are in relation `op`.
fn holds(op: Cmp, o: std::cmp::Ordering) -> bool {
    match op {
        Cmp::Eq => o.is_eq(),
        Cmp::Ne => o.is_ne(),
        Cmp::Lt => o.is_lt(),
        Cmp::Le => o.is_le(),
        Cmp::Gt => o.is_gt(),
        Cmp::Ge => o.is_ge(),
    }
}

#[cfg(test)]
mod tests {
    use super::with_owner;
    use crate::program::IExpr;
    use crate::value::Value;

    /// Which statuses a deadline's handler is known to do nothing in: those its rules'
    /// status guards all fail in, decided as evaluation decides them (left to right); none
    /// where a rule has an `else` or a `for`, the handler a `let`, or a guard reads anything
    /// but the status before the status decides it.
    #[test]
    fn a_deadline_handler_is_idle_where_every_status_guard_fails() {
        let idle = |handler: &str| {
            let rules = format!(
                "statuses {{ s0  s1: up  s2: up  s3: end }}\n\
                 case c key id: text {{ at: instant?  n: count = 0 }}\n\
                 deadline d = c.at\n\
                 event e {{ id: text }}\n\
                 on e for new c(event.id) {{ rule r {{ set c.at = event.at }} }}\n\
                 on deadline d {{ {handler} }}\n"
            );
            let engine = crate::Engine::from_sources(vec![
                crate::Source::new("m.yaml", "kind: messages\nmessages: {}\n"),
                crate::Source::new("p.docket", &rules),
            ])
            .unwrap_or_else(|e| panic!("{handler}: {}", e.render()));
            let prog = engine.program();
            let h = prog.deadline_handlers[0].as_ref().expect("a handler");
            (0..4)
                .filter(|s| h.code.idle_in.get(*s) == Some(&true))
                .collect::<Vec<_>>()
        };
        let set = "set c.n = c.n + 1";
        let cases: [(String, &[usize]); 12] = [
            (format!("rule r when c.status is up {{ {set} }}"), &[0, 3]),
            (format!("rule r when c.status == s3 {{ {set} }}"), &[0, 1, 2]),
            (format!("rule r when s3 != c.status {{ {set} }}"), &[3]),
            (format!("rule r when not (c.status is up) {{ {set} }}"), &[1, 2]),
            (
                format!("rule r when c.status == s1 {{ {set} }} rule q when c.status is end {{ {set} }}"),
                &[0, 2],
            ),
            // the status decides before the count is read
            (format!("rule r when c.status == s1 and c.n > 2 {{ {set} }}"), &[0, 2, 3]),
            (format!("rule r when c.status is end or c.n > 2 {{ {set} }}"), &[]),
            // the count is read first
            (format!("rule r when c.n > 2 and c.status == s1 {{ {set} }}"), &[]),
            (format!("rule r when c.status == s1 {{ {set} }} else {{ {set} }}"), &[]),
            (format!("let k = c.n\n rule r when c.status == s1 {{ {set} }}"), &[]),
            (format!("rule r {{ {set} }}"), &[]),
            (format!("rule r for x in [1, 2] when c.status == s1 {{ {set} }}"), &[]),
        ];
        for (handler, want) in cases {
            assert_eq!(idle(&handler), want, "{handler}");
        }
    }

    fn field(of: IExpr, f: u16) -> IExpr {
        IExpr::PartField(Box::new(of), f)
    }

    /// A derived field's definition, written in where it is read, reads its owner wherever
    /// it read slot 0, and nothing else changes; one that reads another slot or binds a name
    /// is not written in.
    #[test]
    fn a_definition_written_in_reads_its_owner_where_it_read_slot_0() {
        let owner = IExpr::Local(7);
        let def = |of: &dyn Fn() -> IExpr| {
            IExpr::And(
                Box::new(IExpr::Not(Box::new(field(of(), 4)))),
                Box::new(IExpr::Or(
                    Box::new(IExpr::IsSet(Box::new(field(of(), 3)))),
                    Box::new(IExpr::HasTag(
                        Box::new(IExpr::CaseStatus(Box::new(IExpr::PartCase(Box::new(of()))))),
                        crate::ids::CaseTypeId::FIRST,
                        1,
                    )),
                )),
            )
        };
        let got = with_owner(&def(&|| IExpr::Local(0)), &owner);
        let want = def(&|| IExpr::Local(7));
        assert_eq!(format!("{got:?}"), format!("{:?}", Some(want)));

        let binds = IExpr::Quant {
            all: true,
            var: 1,
            source: Box::new(IExpr::CaseParts(Box::new(IExpr::Local(0)))),
            cond: Box::new(IExpr::Lit(Value::Bool(true))),
        };
        for e in [binds, IExpr::Local(1), field(IExpr::Local(2), 0)] {
            assert!(with_owner(&e, &owner).is_none(), "{e:?}");
        }
        // what reads no slot is kept as it is
        let plain = IExpr::Cmp(
            crate::program::Cmp::Eq,
            Box::new(IExpr::EventField(2)),
            Box::new(IExpr::Lit(Value::Count(3))),
        );
        assert_eq!(
            format!("{:?}", with_owner(&plain, &owner)),
            format!("{:?}", Some(plain))
        );
    }
}
