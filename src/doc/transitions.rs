//! Which event or deadline moves a case from one status to another, read off the checked
//! program: every `set <case>.status = <status>` of every handler, with the statuses its
//! case can be in there as far as the status tests say — the rule's guard, the guards of
//! earlier rules that refuse the event (`reject`), the conditions of the lookups a `for`
//! ranges over, derived fields followed. A status no test narrows is "any status".
//!
//! The analysis knows nothing of any policy, and nothing but statuses: a guard on another
//! field (`first_sms_at is unset`) neither holds nor fails here, so a move it allows is
//! listed from every status the status tests leave possible.

use crate::program::{
    CaseTypeId, Cmp, EnumId, FieldKind, HandlerDef, IAction, IExpr, MemberId, Place, Program,
    RouteDef, RuleDef,
};
use crate::value::Value;

/// Where a move starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum From {
    /// The case is created by the event.
    New,
    /// No status test narrows where the case may be.
    Any,
    Status(MemberId),
}

/// Where a move ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum To {
    Status(MemberId),
    /// `set x.status = <an expression>`: not known before the event.
    Computed,
}

/// One move of a case type's cases, by one trigger.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Transition {
    pub case_ty: CaseTypeId,
    pub from: From,
    pub to: To,
    /// The event's name, or `deadline <name>`.
    pub trigger: String,
    /// The rules whose actions make the move, in order.
    pub rules: Vec<String>,
}

/// Every move of every case type, in handler order (events as declared, then deadlines).
pub(crate) fn transitions(p: &Program) -> Vec<Transition> {
    let mut out = Vec::new();
    for (i, h) in p.event_handlers.iter().enumerate() {
        if let (Some(h), Some(ev)) = (h, p.events.get(i)) {
            let routed = h
                .route
                .as_ref()
                .map(|r: &RouteDef| (r.case_ty, r.create, r.or_new));
            Handler::new(p, h, routed, ev.name.clone()).run(&mut out);
        }
    }
    for (i, h) in p.deadline_handlers.iter().enumerate() {
        if let (Some(h), Some(d)) = (h, p.deadlines.get(i)) {
            let routed = Some((d.case_ty, false, false));
            Handler::new(p, h, routed, format!("deadline {}", d.name)).run(&mut out);
        }
    }
    collapse_any(p, out)
}

/// The number of statuses of case type `ty`.
fn status_count(p: &Program, ty: CaseTypeId) -> usize {
    p.case_def(ty)
        .and_then(|c| p.enum_def(c.status_enum))
        .map_or(0, |e| e.values.len())
}

/// Moves to one status by one trigger from every other status are one move from any status.
fn collapse_any(p: &Program, moves: Vec<Transition>) -> Vec<Transition> {
    let mut out: Vec<Transition> = Vec::new();
    for t in moves {
        if out.iter().any(|o| {
            o.case_ty == t.case_ty && o.from == t.from && o.to == t.to && o.trigger == t.trigger
        }) {
            continue;
        }
        out.push(t);
    }
    let mut result: Vec<Transition> = Vec::new();
    for t in &out {
        let group: Vec<&Transition> = out
            .iter()
            .filter(|o| o.case_ty == t.case_ty && o.to == t.to && o.trigger == t.trigger)
            .collect();
        let n = status_count(p, t.case_ty);
        // every status, the target's own included (a move onto itself), is a source
        let covered = (0..n).map(MemberId::at).all(|s| {
            group
                .iter()
                .any(|o| o.from == From::Status(s) || o.from == From::Any)
        });
        let t = if covered && matches!(t.from, From::Status(_)) {
            let mut rules: Vec<String> = Vec::new();
            for o in group
                .iter()
                .filter(|o| matches!(o.from, From::Status(_) | From::Any))
            {
                for r in &o.rules {
                    if !rules.contains(r) {
                        rules.push(r.clone());
                    }
                }
            }
            Transition {
                from: From::Any,
                rules,
                ..t.clone()
            }
        } else {
            t.clone()
        };
        let onto_itself = matches!((t.from, t.to), (From::Status(a), To::Status(b)) if a == b);
        if !onto_itself
            && !result.iter().any(|o| {
                o.case_ty == t.case_ty && o.from == t.from && o.to == t.to && o.trigger == t.trigger
            })
        {
            result.push(t);
        }
    }
    result
}

/// What a case expression denotes, as far as the analysis can tell two apart.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Term {
    /// The handler's routed case (the deadline's case).
    Routed,
    /// The value of the handler's local slot (a `for` or lookup variable).
    Var(u16),
    /// The case of a participant.
    Part(Box<Term>),
    /// Anything else: equal to nothing.
    Opaque,
}

impl Term {
    fn same(&self, other: &Term) -> bool {
        !self.opaque() && self == other
    }
    fn opaque(&self) -> bool {
        match self {
            Term::Opaque => true,
            Term::Part(x) => x.opaque(),
            Term::Routed | Term::Var(_) => false,
        }
    }
}

/// Three-valued truth: a status test holds, fails, or depends on something else.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tri {
    True,
    False,
    Unknown,
}

impl Tri {
    fn not(self) -> Tri {
        match self {
            Tri::True => Tri::False,
            Tri::False => Tri::True,
            Tri::Unknown => Tri::Unknown,
        }
    }
    fn and(self, o: Tri) -> Tri {
        match (self, o) {
            (Tri::False, _) | (_, Tri::False) => Tri::False,
            (Tri::True, Tri::True) => Tri::True,
            _ => Tri::Unknown,
        }
    }
    fn or(self, o: Tri) -> Tri {
        self.not().and(o.not()).not()
    }
}

/// Where an expression is read: in the handler (slot 0 the routed case), or in a derived
/// field (slot 0 its owner, other slots its own).
#[derive(Clone)]
struct Scope {
    owner: Term,
    derived: bool,
}

const HANDLER: Scope = Scope {
    owner: Term::Routed,
    derived: false,
};

/// How deep derived fields are followed (they read only fields declared before them, so
/// this bounds nothing a checked policy needs).
const MAX_DEPTH: usize = 32;

fn resolve(e: &IExpr, scope: &Scope) -> Term {
    match e {
        IExpr::Local(0) => scope.owner.clone(),
        IExpr::Local(k) if !scope.derived => Term::Var(*k),
        IExpr::PartCase(x) => Term::Part(Box::new(resolve(x, scope))),
        _ => Term::Opaque,
    }
}

/// Whether `e` holds when the case `subject` is in status `s`, as far as status tests say.
fn eval(p: &Program, e: &IExpr, scope: &Scope, subject: &Term, s: MemberId, depth: usize) -> Tri {
    let rec = |x: &IExpr| eval(p, x, scope, subject, s, depth);
    match e {
        IExpr::Lit(Value::Bool(b)) => {
            if *b {
                Tri::True
            } else {
                Tri::False
            }
        }
        IExpr::Not(x) => rec(x).not(),
        IExpr::And(a, b) => rec(a).and(rec(b)),
        IExpr::Or(a, b) => rec(a).or(rec(b)),
        IExpr::Cmp(op @ (Cmp::Eq | Cmp::Ne), a, b) => {
            let test = |st: &IExpr, lit: &IExpr| match (st, lit) {
                (IExpr::CaseStatus(t), IExpr::Lit(Value::Enum(_, i)))
                    if resolve(t, scope).same(subject) =>
                {
                    Some(*i == s)
                }
                _ => None,
            };
            match test(a, b).or_else(|| test(b, a)) {
                Some(eq) if eq == (*op == Cmp::Eq) => Tri::True,
                Some(_) => Tri::False,
                None => Tri::Unknown,
            }
        }
        IExpr::HasTag(x, ty, tag) => match &**x {
            IExpr::CaseStatus(t) if resolve(t, scope).same(subject) => {
                let on = p
                    .case_def(*ty)
                    .and_then(|c| c.tags.get(*tag as usize))
                    .and_then(|(_, on)| on.get(s.index()).copied());
                match on {
                    Some(true) => Tri::True,
                    Some(false) => Tri::False,
                    None => Tri::Unknown,
                }
            }
            _ => Tri::Unknown,
        },
        IExpr::CaseDerived(x, ty, f) | IExpr::PartDerived(x, ty, f) if depth < MAX_DEPTH => {
            let of_part = matches!(e, IExpr::PartDerived(..));
            let unit = p
                .case_def(*ty)
                .and_then(|c| c.fields_of(of_part).get(*f as usize))
                .and_then(|d| match &d.kind {
                    FieldKind::Derived(unit) => Some(unit),
                    FieldKind::Stored { .. } => None,
                });
            match unit {
                Some(unit) => {
                    let inner = Scope {
                        owner: resolve(x, scope),
                        derived: true,
                    };
                    eval(p, &unit.expr, &inner, subject, s, depth + 1)
                }
                None => Tri::Unknown,
            }
        }
        _ => Tri::Unknown,
    }
}

/// Where a routed case may be before the next rule: the status it had when the event came
/// (or `New`), the status it is in now, and the rules that moved it.
#[derive(Clone, Debug)]
struct Elem {
    origin: From,
    current: MemberId,
    rules: Vec<String>,
}

/// A status some rule of the handler set, for a later `for` over a case of the same type.
struct EarlierSet {
    case_ty: CaseTypeId,
    to: MemberId,
    /// The rule ran only when this `let` list was not empty (`for p in matched`).
    needs_items_of: Option<u16>,
}

struct Handler<'p> {
    p: &'p Program,
    h: &'p HandlerDef,
    routed: Option<(CaseTypeId, bool, bool)>,
    trigger: String,
}

impl<'p> Handler<'p> {
    fn new(
        p: &'p Program,
        h: &'p HandlerDef,
        routed: Option<(CaseTypeId, bool, bool)>,
        trigger: String,
    ) -> Self {
        Handler {
            p,
            h,
            routed,
            trigger,
        }
    }

    fn let_expr(&self, slot: u16) -> Option<&'p IExpr> {
        self.h.lets.iter().find(|(s, _)| *s == slot).map(|(_, e)| e)
    }

    fn run(&self, out: &mut Vec<Transition>) {
        let mut elems: Vec<Elem> = match self.routed {
            Some((ty, create, or_new)) => {
                let mut v = Vec::new();
                if create || or_new {
                    v.push(Elem {
                        origin: From::New,
                        current: MemberId::FIRST,
                        rules: Vec::new(),
                    });
                }
                if !create {
                    v.extend(
                        (0..status_count(self.p, ty))
                            .map(MemberId::at)
                            .map(|s| Elem {
                                origin: From::Status(s),
                                current: s,
                                rules: Vec::new(),
                            }),
                    );
                }
                v
            }
            None => Vec::new(),
        };
        let mut earlier: Vec<EarlierSet> = Vec::new();
        for rule in &self.h.rules {
            elems = self.routed_rule(rule, elems, out);
            self.other_rule(rule, &earlier, out);
            earlier.extend(self.sets_of(rule));
        }
        if let Some((ty, ..)) = self.routed {
            for e in elems {
                if e.origin != From::Status(e.current) || !e.rules.is_empty() {
                    out.push(Transition {
                        case_ty: ty,
                        from: e.origin,
                        to: To::Status(e.current),
                        trigger: self.trigger.clone(),
                        rules: e.rules,
                    });
                }
            }
        }
    }

    /// The branches of a rule in order, each with its condition (`None`: always).
    fn branches(rule: &'p RuleDef) -> Vec<(Option<&'p IExpr>, &'p [IAction])> {
        match &rule.when {
            None => vec![(None, rule.then.as_slice())],
            Some(w) => {
                let mut v = vec![(Some(w), rule.then.as_slice())];
                v.extend(rule.else_when.iter().map(|(c, a)| (Some(c), a.as_slice())));
                v.push((None, rule.otherwise.as_slice()));
                v
            }
        }
    }

    /// For each branch, whether it may run and whether it surely runs, for `subject` in `s`.
    fn taken(&self, rule: &'p RuleDef, subject: &Term, s: MemberId) -> Vec<(bool, bool)> {
        let mut out = Vec::new();
        let mut before = Tri::False; // does an earlier branch hold?
        for (cond, _) in Self::branches(rule) {
            let c = cond.map_or(Tri::True, |c| eval(self.p, c, &HANDLER, subject, s, 0));
            let here = before.not().and(c);
            // a rule with `for` may run for no item at all
            let sure = here == Tri::True && rule.for_each.is_none();
            out.push((here != Tri::False, sure));
            before = before.or(c);
        }
        out
    }

    /// The routed case through one rule: refused where a branch that surely runs rejects,
    /// moved where a branch sets its status.
    fn routed_rule(
        &self,
        rule: &'p RuleDef,
        elems: Vec<Elem>,
        out: &mut Vec<Transition>,
    ) -> Vec<Elem> {
        let Some((ty, ..)) = self.routed else {
            return elems;
        };
        let branches = Self::branches(rule);
        let mut next: Vec<Elem> = Vec::new();
        let push = |e: Elem, next: &mut Vec<Elem>| {
            if !next
                .iter()
                .any(|n| n.origin == e.origin && n.current == e.current)
            {
                next.push(e);
            }
        };
        for e in elems {
            let taken = self.taken(rule, &Term::Routed, e.current);
            let mut stays = !taken.iter().any(|(_, sure)| *sure);
            for ((may, _), (_, actions)) in taken.iter().zip(&branches) {
                if !may {
                    continue;
                }
                if rejects(actions) {
                    continue;
                }
                match routed_set(actions) {
                    Some(To::Status(x)) => {
                        let mut rules = e.rules.clone();
                        rules.push(rule.name.clone());
                        push(
                            Elem {
                                origin: e.origin,
                                current: x,
                                rules,
                            },
                            &mut next,
                        );
                    }
                    Some(To::Computed) => {
                        out.push(Transition {
                            case_ty: ty,
                            from: e.origin,
                            to: To::Computed,
                            trigger: self.trigger.clone(),
                            rules: vec![rule.name.clone()],
                        });
                        stays = true;
                    }
                    None => stays = true,
                }
            }
            if stays {
                push(e, &mut next);
            }
        }
        next
    }

    /// Moves of cases other than the routed one: `set p.filing.status = x` in `for p in …`.
    fn other_rule(&self, rule: &'p RuleDef, earlier: &[EarlierSet], out: &mut Vec<Transition>) {
        for (i, (_, actions)) in Self::branches(rule).iter().enumerate() {
            for (target, to, status_enum) in status_sets(actions) {
                let term = resolve(target, &HANDLER);
                if term == Term::Routed {
                    continue;
                }
                let ty = self.case_type_of(rule, &term, status_enum);
                let Some(ty) = ty else { continue };
                let n = status_count(self.p, ty);
                let from_for = self.for_statuses(rule, &term, ty);
                let mut sources: Vec<From> = Vec::new();
                match from_for {
                    Some(mut possible) => {
                        // an earlier rule of this handler may have moved the same case
                        for set in earlier.iter().filter(|s| s.case_ty == ty) {
                            let exclusive = set
                                .needs_items_of
                                .is_some_and(|slot| requires_empty(rule, slot));
                            if !exclusive && !possible.contains(&set.to) {
                                possible.push(set.to);
                            }
                        }
                        possible.sort_unstable();
                        for s in possible {
                            let taken = self.taken(rule, &term, s);
                            if taken.get(i).is_some_and(|(may, _)| *may) {
                                sources.push(From::Status(s));
                            }
                        }
                        if sources.len() == n {
                            sources = vec![From::Any];
                        }
                    }
                    None => sources.push(From::Any),
                }
                for from in sources {
                    if matches!((from, to), (From::Status(a), To::Status(b)) if a == b) {
                        continue;
                    }
                    out.push(Transition {
                        case_ty: ty,
                        from,
                        to,
                        trigger: self.trigger.clone(),
                        rules: vec![rule.name.clone()],
                    });
                }
            }
        }
    }

    /// The statuses a rule's `for` item's case can have (`None`: the status is not the
    /// `for` item's, or nothing is known of its source).
    fn for_statuses(&self, rule: &RuleDef, term: &Term, ty: CaseTypeId) -> Option<Vec<MemberId>> {
        let (var, source) = rule.for_each.as_ref()?;
        let item_is_part = match term {
            Term::Part(x) if **x == Term::Var(*var) => true,
            Term::Var(v) if v == var => false,
            _ => return None,
        };
        let all: Vec<MemberId> = (0..status_count(self.p, ty)).map(MemberId::at).collect();
        Some(self.item_statuses(source, item_is_part, all, 0))
    }

    /// Narrows `possible` by the conditions the items of `source` meet.
    fn item_statuses(
        &self,
        source: &IExpr,
        part: bool,
        possible: Vec<MemberId>,
        depth: usize,
    ) -> Vec<MemberId> {
        if depth > MAX_DEPTH {
            return possible;
        }
        let keep = |var: u16, cond: &IExpr, possible: Vec<MemberId>| -> Vec<MemberId> {
            let subject = if part {
                Term::Part(Box::new(Term::Var(var)))
            } else {
                Term::Var(var)
            };
            possible
                .into_iter()
                .filter(|s| eval(self.p, cond, &HANDLER, &subject, *s, 0) != Tri::False)
                .collect()
        };
        match source {
            IExpr::Local(k) => match self.let_expr(*k) {
                Some(e) => self.item_statuses(e, part, possible, depth + 1),
                None => possible,
            },
            IExpr::Filter { var, source, cond } => {
                let narrowed = self.item_statuses(source, part, possible, depth + 1);
                keep(*var, cond, narrowed)
            }
            IExpr::IndexLookup { var, cond, .. } | IExpr::CaseIndexLookup { var, cond, .. } => {
                keep(*var, cond, possible)
            }
            IExpr::SetOp(crate::program::Arith::Sub, a, _)
            | IExpr::ListOp(crate::program::Arith::Sub, a, _) => {
                self.item_statuses(a, part, possible, depth + 1)
            }
            _ => possible,
        }
    }

    /// The case type of a case term: from what its `for` ranges over, else from the
    /// status's enumeration when one case type alone has it.
    fn case_type_of(
        &self,
        rule: &RuleDef,
        term: &Term,
        status_enum: Option<EnumId>,
    ) -> Option<CaseTypeId> {
        if let Some((var, source)) = &rule.for_each {
            let want_part = match term {
                Term::Part(x) if **x == Term::Var(*var) => Some(true),
                Term::Var(v) if v == var => Some(false),
                _ => None,
            };
            if let Some(want_part) = want_part {
                if let Some((ty, part)) = self.item_type(source, 0) {
                    if part == want_part {
                        return Some(ty);
                    }
                }
            }
        }
        let mut owners = self
            .p
            .cases
            .iter()
            .enumerate()
            .filter(|(_, c)| Some(c.status_enum) == status_enum)
            .map(|(i, _)| CaseTypeId::at(i));
        match (owners.next(), owners.next()) {
            (Some(ty), None) => Some(ty),
            _ => None,
        }
    }

    /// What the items of a list are: `(case type, participants?)`.
    fn item_type(&self, e: &IExpr, depth: usize) -> Option<(CaseTypeId, bool)> {
        if depth > MAX_DEPTH {
            return None;
        }
        match e {
            IExpr::Local(k) => self.item_type(self.let_expr(*k)?, depth + 1),
            IExpr::IndexLookup { ty, .. } => Some((*ty, true)),
            IExpr::CaseIndexLookup { ty, .. } => Some((*ty, false)),
            IExpr::Filter { source, .. } => self.item_type(source, depth + 1),
            IExpr::SetOp(_, a, _) | IExpr::ListOp(_, a, _) => self.item_type(a, depth + 1),
            IExpr::CaseParts(x) => match resolve(x, &HANDLER) {
                Term::Routed => self.routed.map(|(ty, ..)| (ty, true)),
                _ => None,
            },
            _ => None,
        }
    }

    /// The statuses a rule sets, for later rules of the handler.
    fn sets_of(&self, rule: &'p RuleDef) -> Vec<EarlierSet> {
        let needs_items_of = match &rule.for_each {
            Some((_, IExpr::Local(k))) if self.let_expr(*k).is_some() => Some(*k),
            _ => None,
        };
        let mut out = Vec::new();
        for (_, actions) in Self::branches(rule) {
            for (target, to, status_enum) in status_sets(actions) {
                let To::Status(x) = to else { continue };
                let term = resolve(target, &HANDLER);
                let ty = match term {
                    Term::Routed => self.routed.map(|(ty, ..)| ty),
                    _ => self.case_type_of(rule, &term, status_enum),
                };
                if let Some(ty) = ty {
                    out.push(EarlierSet {
                        case_ty: ty,
                        to: x,
                        needs_items_of,
                    });
                }
            }
        }
        out
    }
}

/// Whether the rule's guard requires the `let` list in `slot` to be empty
/// (`count(matched) == 0` among its `and`ed conditions).
fn requires_empty(rule: &RuleDef, slot: u16) -> bool {
    let Some(when) = &rule.when else { return false };
    let mut all = Vec::new();
    when.conjuncts(&mut all);
    all.iter().any(|c| match c {
        IExpr::Cmp(Cmp::Eq, a, b) => {
            let empty = |x: &IExpr, n: &IExpr| {
                matches!(x, IExpr::Count(l) if matches!(**l, IExpr::Local(k) if k == slot))
                    && matches!(n, IExpr::Lit(Value::Count(0)))
            };
            empty(a, b) || empty(b, a)
        }
        _ => false,
    })
}

/// Whether running these actions refuses the event.
fn rejects(actions: &[IAction]) -> bool {
    actions.iter().any(|a| match a {
        IAction::Reject { .. } => true,
        IAction::Add { block, .. } => rejects(block),
        _ => false,
    })
}

/// Every `set <case>.status = …` of the actions (blocks included), in order, with the
/// status enumeration of a literal status.
fn status_sets(actions: &[IAction]) -> Vec<(&IExpr, To, Option<EnumId>)> {
    let mut out = Vec::new();
    for a in actions {
        match a {
            IAction::Set(Place::CaseStatus(target), value) => {
                let (to, e) = match value {
                    IExpr::Lit(Value::Enum(e, i)) => (To::Status(*i), Some(*e)),
                    _ => (To::Computed, None),
                };
                out.push((target, to, e));
            }
            IAction::Add { block, .. } => out.extend(status_sets(block)),
            _ => {}
        }
    }
    out
}

/// Where these actions leave the routed case's status (the last `set` wins).
fn routed_set(actions: &[IAction]) -> Option<To> {
    status_sets(actions)
        .into_iter()
        .filter(|(t, ..)| resolve(t, &HANDLER) == Term::Routed)
        .map(|(_, to, _)| to)
        .next_back()
}
