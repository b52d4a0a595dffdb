//! What the expressions of a policy may read, for the exploration's reductions: every
//! expression that decides what an event does to the world (messages and shown values only
//! speak of it), walked together with the derived fields it reads.

use crate::program::{CaseTypeId, FieldKind, HandlerDef, IAction, IExpr, Place, Program, TPart};

/// Calls `f` on every expression of handler `h` that decides what its event does to the
/// world: its route's key, its lets, and each rule's `for`, guards and changes.
pub(super) fn handler_exprs<'p>(h: &'p HandlerDef, f: &mut dyn FnMut(&'p IExpr)) {
    if let Some(r) = &h.route {
        f(&r.key);
    }
    for (_, e) in &h.lets {
        f(e);
    }
    for r in &h.rules {
        if let Some((_, e)) = &r.for_each {
            f(e);
        }
        if let Some(e) = &r.when {
            f(e);
        }
        action_exprs(&r.then, f);
        for (e, acts) in &r.else_when {
            f(e);
            action_exprs(acts, f);
        }
        action_exprs(&r.otherwise, f);
    }
}

/// The expressions of the actions that change the world.
fn action_exprs<'p>(acts: &'p [IAction], f: &mut dyn FnMut(&'p IExpr)) {
    for a in acts {
        match a {
            IAction::Set(place, e) => {
                let (Place::CaseStatus(x) | Place::CaseField(x, _) | Place::PartField(x, _)) =
                    place;
                f(x);
                f(e);
            }
            IAction::Add { keys, block, .. } => {
                for (_, e) in keys {
                    f(e);
                }
                action_exprs(block, f);
            }
            IAction::Emit(_)
            | IAction::EmitWith { .. }
            | IAction::Reject { .. }
            | IAction::Show(..) => {}
        }
    }
}

/// Calls `f` on `e` and every node under it, and on those of each derived field it reads,
/// transitively, each derived field once: what evaluating `e` may read.
pub(super) fn each_read<'p>(prog: &'p Program, e: &'p IExpr, f: &mut dyn FnMut(&'p IExpr)) {
    fn walk<'p>(
        prog: &'p Program,
        e: &'p IExpr,
        followed: &mut Vec<(CaseTypeId, bool, u16)>,
        f: &mut dyn FnMut(&'p IExpr),
    ) {
        f(e);
        if let IExpr::CaseDerived(_, ty, i) | IExpr::PartDerived(_, ty, i) = e {
            let of_part = matches!(e, IExpr::PartDerived(..));
            if !followed.contains(&(*ty, of_part, *i)) {
                followed.push((*ty, of_part, *i));
                let field = prog
                    .case_def(*ty)
                    .and_then(|c| c.fields_of(of_part).get(usize::from(*i)));
                if let Some(FieldKind::Derived(unit)) = field.map(|f| &f.kind) {
                    walk(prog, &unit.expr, followed, f);
                }
            }
        }
        crate::check::ir::children(e, &mut |c| walk(prog, c, followed, f));
    }
    walk(prog, e, &mut Vec::new(), f);
}

/// What some expressions read beyond their event, their case and the policy's constants.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub(super) struct Reach {
    /// Other cases: a look-up over every case or participant (`people where …`).
    pub cross: bool,
    /// The time: the event's `at`, or `now`.
    pub time: bool,
}

impl Reach {
    /// What handler `h` reads.
    pub(super) fn of_handler(prog: &Program, h: &HandlerDef) -> Reach {
        let mut r = Reach::default();
        handler_exprs(h, &mut |e| r.add(prog, e));
        r
    }

    /// What is read after any event of each case of type `ty` it changed: when its
    /// deadlines are due, and whether a field is erased.
    pub(super) fn of_case_type(prog: &Program, ty: CaseTypeId) -> Reach {
        let mut r = Reach::default();
        let Some(c) = prog.case_def(ty) else {
            return Reach {
                cross: true,
                time: true,
            };
        };
        for d in &c.deadlines {
            if let Some(d) = prog.deadline(*d) {
                r.add(prog, &d.unit.expr);
            }
        }
        for e in c.erase.iter().chain(&c.parts.erase) {
            r.add(prog, &e.when.expr);
        }
        r
    }

    /// Adds what `e` reads.
    pub(super) fn add(&mut self, prog: &Program, e: &IExpr) {
        each_read(prog, e, &mut |n| match n {
            IExpr::IndexLookup { .. } | IExpr::CaseIndexLookup { .. } => self.cross = true,
            IExpr::EventAt | IExpr::Now => self.time = true,
            _ => {}
        });
    }
}

/// The fields of cases and of participants a step may read, by position, sorted: the same
/// positions for every case type (reading field 3 of one type keeps field 3 of each).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(super) struct Fields {
    pub case: Vec<u16>,
    pub part: Vec<u16>,
}

impl Fields {
    /// What a step of an event handled by `h` may read or write, besides the status, key,
    /// deadlines and number of participants of each case: everything its handler evaluates
    /// (its messages' and shown values too: one may fail), every deadline handler (deadlines
    /// due fire first), every deadline's instant and erasure's condition (read again after
    /// a change), each derived field these read, and the transition invariants (checked on
    /// the step); the fields these handlers set, and those erased. (A field written is kept
    /// by what it held before too: a write of the value a field holds changes nothing, so
    /// the same step on another world, where it held another value, is only told apart by
    /// it.)
    pub(super) fn of_step(prog: &Program, h: Option<&HandlerDef>) -> Fields {
        let mut f = Fields::default();
        for h in h.into_iter().chain(prog.deadline_handlers.iter().flatten()) {
            f.handler(prog, h);
        }
        for d in &prog.deadlines {
            f.add(prog, &d.unit.expr);
        }
        for c in &prog.cases {
            for e in c.erase.iter().chain(&c.parts.erase) {
                f.add(prog, &e.when.expr);
            }
            f.case.extend(c.erase.iter().map(|e| e.field));
            f.part.extend(c.parts.erase.iter().map(|e| e.field));
        }
        for inv in prog.invariants.iter().filter(|i| i.transition) {
            f.add(prog, &inv.holds.expr);
        }
        for list in [&mut f.case, &mut f.part] {
            list.sort_unstable();
            list.dedup();
        }
        f
    }

    /// Adds every expression of `h`.
    fn handler(&mut self, prog: &Program, h: &HandlerDef) {
        handler_exprs(h, &mut |e| self.add(prog, e));
        for r in &h.rules {
            let acts = r.else_when.iter().map(|(_, a)| a);
            for acts in [&r.then, &r.otherwise].into_iter().chain(acts) {
                self.actions(prog, acts);
            }
        }
    }

    /// Adds what [`handler_exprs`] leaves out of `acts`: messages, shown values, the fields
    /// an `add` finds its participant by, and the fields set.
    fn actions(&mut self, prog: &Program, acts: &[IAction]) {
        for a in acts {
            match a {
                IAction::EmitWith { columns, .. } => {
                    columns.iter().for_each(|c| self.text(prog, c))
                }
                IAction::Reject { message, .. } => self.text(prog, message),
                IAction::Show(_, e) => self.add(prog, e),
                IAction::Add { keys, block, .. } => {
                    self.part.extend(keys.iter().map(|(f, _)| *f));
                    self.actions(prog, block);
                }
                IAction::Set(Place::CaseField(_, i), _) => self.case.push(*i),
                IAction::Set(Place::PartField(_, i), _) => self.part.push(*i),
                IAction::Set(Place::CaseStatus(_), _) | IAction::Emit(_) => {}
            }
        }
    }

    /// Adds what the placeholders of `parts` read.
    fn text(&mut self, prog: &Program, parts: &[TPart]) {
        for p in parts {
            if let TPart::Expr(e) = p {
                self.add(prog, e);
            }
        }
    }

    /// Adds what `e` reads.
    fn add(&mut self, prog: &Program, e: &IExpr) {
        each_read(prog, e, &mut |n| match n {
            IExpr::CaseField(_, i) | IExpr::CaseIndexLookup { field: i, .. } => self.case.push(*i),
            IExpr::PartField(_, i) | IExpr::IndexLookup { field: i, .. } => self.part.push(*i),
            _ => {}
        });
    }
}

#[cfg(test)]
mod tests {
    use super::Fields;
    use crate::engine::Engine;

    /// A policy whose case has a field read by each kind of expression a step runs, one
    /// erased, one written, one neither read nor written.
    const READERS: &str = r#"
format job_id = /^[A-Z][0-9]$/ "a letter and a digit"
statuses { running: open  done: final }
case job key id: job_id {
  by_handler: count = 0
  by_message: count = 0
  by_deadline_handler: count = 0
  by_deadline: instant?
  by_erasure: bool = false
  by_invariant: count = 0
  by_other_event: count = 0
  secret: text? sensitive erase when by_erasure
  written: count = 0
  unread: count = 0
}
participants helpers in job { name: text  helped: count = 0 }
deadline due = job.by_deadline + 1s
event poke { job: job_id }
event prod { job: job_id }
on poke for job(event.job) {
  rule refused when job.by_handler > 0 { reject job "{job.by_message} of {job.id}" }
  rule helper { add helpers(name: "x") as h { set h.helped = 1 } }
  rule write { set job.written = 1 }
}
on prod for job(event.job) {
  rule other when job.by_other_event > 0 { set job.status = done }
}
on deadline due {
  rule close when job.by_deadline_handler > 0 { set job.status = done }
}
invariant stays for job change = after.by_invariant == before.by_invariant else "changed"
"#;

    #[test]
    fn a_step_may_read_or_write_what_anything_it_runs_does() {
        let engine = Engine::from_sources(vec![crate::Source::new("p.docket", READERS)])
            .expect("the policy loads");
        let prog = engine.program();
        let job = &prog.cases[0];
        let names = |which: &[u16], fields: &[crate::program::FieldDef]| -> Vec<String> {
            which
                .iter()
                .map(|i| fields[usize::from(*i)].name.clone())
                .collect()
        };
        // the case's fields and the participants' a step of `event` may read or write
        let of = |event: &str| {
            let read = Fields::of_step(prog, prog.event_handler(prog.event_index[event]));
            (
                names(&read.case, &job.fields),
                names(&read.part, &job.parts.fields),
            )
        };
        let (case, part) = of("poke");
        assert_eq!(
            case,
            [
                "by_handler",
                "by_message",
                "by_deadline_handler",
                "by_deadline",
                "by_erasure",
                "by_invariant",
                "secret",
                "written"
            ]
        );
        // the field an `add` finds its participant by, and one set
        assert_eq!(part, ["name", "helped"]);
        let (case, part) = of("prod");
        assert_eq!(
            case,
            [
                "by_deadline_handler",
                "by_deadline",
                "by_erasure",
                "by_invariant",
                "by_other_event",
                "secret"
            ]
        );
        assert!(part.is_empty());
    }
}
