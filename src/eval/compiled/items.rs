//! A walk over a list of records (`[x in xs where …]`, `count(…)`, `any(…)`, `all(…)`)
//! whose condition compares the items' fields with values held elsewhere, read in place:
//! `x.role == r`, `x.role in required`, `y.phone == x.phone`, `x.ok`. Such parts of the
//! condition read the item where it lies, without binding it to its slot (a share of the
//! record taken and given back at every item) and without a call for the item's operand; the
//! rest of the condition binds it, as before, and runs its own compiled code. Each part gives
//! what the compiled condition gives: where an operand cannot be read in place, that part
//! runs the compiled condition instead. A list of participants is walked as before: binding
//! one costs next to nothing, and the compiled condition reads its fields as this would.

use super::{place, Compiler, Operand, TestFn, ValueFn};
use crate::eval::{Eval, R};
use crate::program::{Cmp, IExpr};
use crate::value::Value;

/// What is walked, and what the walk makes of the items that meet the condition.
#[derive(Clone, Copy)]
pub(super) enum Walk {
    /// How many meet it.
    Count,
    /// The list (or set, from a set) of those that meet it.
    Filter,
    /// Whether all (`true`) or any (`false`) meet it.
    Quant(bool),
}

/// The item, or one of its fields.
#[derive(Clone, Copy)]
enum Of {
    Item,
    /// A field of a record item.
    Record(usize),
}

impl Of {
    /// `e` as the item's (slot `var`'s) own value or field, if it is one.
    fn of_item(e: &IExpr, var: u16) -> Option<Of> {
        let is_var = |x: &IExpr| matches!(x, IExpr::Local(v) if *v == var);
        match e {
            IExpr::Local(v) if *v == var => Some(Of::Item),
            IExpr::RecField(x, f) if is_var(x) => Some(Of::Record(usize::from(*f))),
            _ => None,
        }
    }

    /// It, read in place (`None`: the item is not a record).
    #[inline]
    fn read(self, item: &Value) -> Option<&Value> {
        match (self, item) {
            (Of::Item, v) => Some(v),
            (Of::Record(f), Value::Record(fields)) => fields.get(f),
            _ => None,
        }
    }
}

/// A comparison, as the compiled condition makes it.
#[derive(Clone, Copy)]
enum Check {
    Eq,
    Ne,
    Order(Cmp),
    /// The left operand in the right one's items.
    In,
}

impl Check {
    #[inline]
    fn holds(self, x: &Value, y: &Value) -> R<bool> {
        match self {
            Check::Eq => Ok(x.same(y)),
            Check::Ne => Ok(!x.same(y)),
            Check::Order(op) => Eval::compare(op, x, y),
            Check::In => Ok(y
                .elements()
                .is_some_and(|items| items.iter().any(|i| i.same(x)))),
        }
    }
}

/// One conjunct of the condition.
enum Part {
    /// The item's `of` compared with `other` (a literal or a place not reading the item),
    /// the item on the left when `item_left`; `whole`: the conjunct compiled, for when an
    /// operand cannot be read in place.
    Compare {
        of: Of,
        other: Operand,
        check: Check,
        item_left: bool,
        whole: Box<TestFn>,
    },
    /// A bool field of the item (`q.validated`).
    Flag { of: Of, whole: Box<TestFn> },
    /// Anything else: compiled, the item bound to its slot.
    Other(Box<TestFn>),
}

/// A condition over slot `var`'s item, as its conjuncts in order.
struct Test {
    var: usize,
    parts: Vec<Part>,
}

impl Test {
    /// The condition `cond` over slot `var` split, when some conjunct reads a field of a
    /// record item in place (else the compiled condition serves as it is: binding a plain
    /// value to its slot costs next to nothing).
    fn of(c: Compiler, var: u16, cond: &IExpr) -> Option<Test> {
        let mut conjuncts = Vec::new();
        cond.conjuncts(&mut conjuncts);
        let parts: Vec<Part> = conjuncts.into_iter().map(|e| part(c, var, e)).collect();
        let of_record = |p: &Part| {
            matches!(
                p,
                Part::Compare {
                    of: Of::Record(_),
                    ..
                } | Part::Flag {
                    of: Of::Record(_),
                    ..
                }
            )
        };
        parts.iter().any(of_record).then_some(Test {
            var: usize::from(var),
            parts,
        })
    }

    /// Whether `item` meets the condition: in order, the first conjunct that fails decides.
    fn holds(&self, ev: &mut Eval<'_, '_>, locals: &mut Vec<Value>, item: &Value) -> R<bool> {
        let mut bound = false;
        let mut bind = |locals: &mut Vec<Value>| {
            if !bound {
                bound = true;
                if let Some(slot) = locals.get_mut(self.var) {
                    slot.put(item.clone());
                }
            }
        };
        for part in &self.parts {
            let holds = match part {
                Part::Compare {
                    of,
                    other,
                    check,
                    item_left,
                    whole,
                } => {
                    if let (Some(x), Some(y)) = (of.read(item), other.peek(ev, locals)) {
                        match item_left {
                            true => check.holds(x, y)?,
                            false => check.holds(y, x)?,
                        }
                    } else {
                        bind(locals);
                        whole(ev, locals)?
                    }
                }
                Part::Flag { of, whole } => match of.read(item) {
                    Some(Value::Bool(b)) => *b,
                    _ => {
                        bind(locals);
                        whole(ev, locals)?
                    }
                },
                Part::Other(test) => {
                    bind(locals);
                    test(ev, locals)?
                }
            };
            if !holds {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// One conjunct over slot `var`'s item.
fn part(c: Compiler, var: u16, e: &IExpr) -> Part {
    let compared = match e {
        IExpr::Cmp(op, a, b) => Some((
            match op {
                Cmp::Eq => Check::Eq,
                Cmp::Ne => Check::Ne,
                op => Check::Order(*op),
            },
            &**a,
            &**b,
        )),
        IExpr::In(a, b) => Some((Check::In, &**a, &**b)),
        _ => None,
    };
    if let Some((check, a, b)) = compared {
        let sides = match (Of::of_item(a, var), Of::of_item(b, var)) {
            (Some(of), None) => Some((of, b, true)),
            (None, Some(of)) => Some((of, a, false)),
            _ => None,
        };
        if let Some((of, other, item_left)) = sides {
            // the other side read in place, and not of the item: the same at every item
            let other = match other {
                IExpr::Lit(v) => Some(Operand::Lit(v.clone())),
                _ if reads_slot(other, var) => None,
                _ => place(other).map(Operand::Place),
            };
            if let Some(other) = other {
                return Part::Compare {
                    of,
                    other,
                    check,
                    item_left,
                    whole: c.test(e),
                };
            }
        }
    }
    match Of::of_item(e, var) {
        Some(of @ Of::Record(_)) => Part::Flag {
            of,
            whole: c.test(e),
        },
        _ => Part::Other(c.test(e)),
    }
}

/// Whether `e` reads slot `var`.
fn reads_slot(e: &IExpr, var: u16) -> bool {
    if matches!(e, IExpr::Local(v) if *v == var) {
        return true;
    }
    let mut reads = false;
    crate::check::ir::children(e, &mut |c| reads = reads || reads_slot(c, var));
    reads
}

impl Compiler<'_> {
    /// `walk` over `source` with its item in slot `var`, where `cond` reads the item in
    /// place (`None` otherwise: the caller compiles it as it is).
    pub(super) fn walk_items(
        self,
        walk: Walk,
        var: u16,
        source: &IExpr,
        cond: &IExpr,
    ) -> Option<Box<ValueFn>> {
        // (a case's participants are walked as they were: see the module's header)
        if matches!(source, IExpr::CaseParts(_)) {
            return None;
        }
        let test = Test::of(self, var, cond)?;
        // a list the event holds is walked where it lies (the event outlives the walk),
        // and a list in a slot the condition does not read is taken out of its slot for the
        // walk and put back: no share of it to take and let go (two atomic operations)
        let (in_event, in_slot) = match source {
            IExpr::EventField(i) => (Some(*i as usize), None),
            IExpr::Local(l) if *l != var && !reads_slot(cond, *l) => (None, Some(*l as usize)),
            _ => (None, None),
        };
        let source = self.value(source);
        Some(Box::new(move |ev, locals| {
            let event = ev.event;
            if let Some(held) = in_event.and_then(|i| event?.fields.get(i)) {
                return walk_over(walk, &test, held, ev, locals);
            }
            let taken = in_slot.and_then(|from| match locals.get_mut(from)? {
                slot @ (Value::List(_) | Value::Set(_)) => {
                    Some((from, std::mem::replace(slot, Value::Unset)))
                }
                _ => None,
            });
            if let Some((from, list)) = taken {
                let walked = walk_over(walk, &test, &list, ev, locals);
                // put back, the walk's answer an error or not
                if let Some(slot) = locals.get_mut(from) {
                    *slot = list;
                }
                return walked;
            }
            let src = source(ev, locals)?;
            walk_over(walk, &test, &src, ev, locals)
        }))
    }
}

/// `walk` over the items of `src` (none when it is not a list or a set), `test` reading each.
fn walk_over(
    walk: Walk,
    test: &Test,
    src: &Value,
    ev: &mut Eval<'_, '_>,
    locals: &mut Vec<Value>,
) -> R<Value> {
    let mut walked = Walked::new(walk, ev);
    for item in src.elements().unwrap_or_default() {
        let holds = test.holds(ev, locals, item)?;
        if walked.step(item, holds) {
            break;
        }
    }
    Ok(walked.end(ev, src))
}

/// What a walk has made so far.
enum Walked {
    Count(i64),
    Filter(Vec<Value>),
    /// `(all, whether it is decided)`.
    Quant(bool, bool),
}

impl Walked {
    fn new(walk: Walk, ev: &mut Eval<'_, '_>) -> Walked {
        match walk {
            Walk::Count => Walked::Count(0),
            Walk::Filter => Walked::Filter(ev.spare_values()),
            Walk::Quant(all) => Walked::Quant(all, false),
        }
    }

    /// Takes `item`, which meets the condition or not: `true` when the walk is decided.
    #[inline]
    fn step(&mut self, item: &Value, holds: bool) -> bool {
        match self {
            Walked::Count(n) => *n += i64::from(holds),
            Walked::Filter(out) if holds => out.push(item.clone()),
            Walked::Filter(_) => {}
            Walked::Quant(all, decided) => {
                *decided = holds != *all;
                return *decided;
            }
        }
        false
    }

    /// The walk's value; `src`: the list walked (a set gives a set).
    fn end(self, ev: &mut Eval<'_, '_>, src: &Value) -> Value {
        match self {
            Walked::Count(n) => Value::Count(n),
            Walked::Filter(out) => match src {
                Value::Set(_) => ev.shared_set(out, Some(src)),
                _ => ev.list_of(out),
            },
            Walked::Quant(all, decided) => Value::Bool(all != decided),
        }
    }
}
