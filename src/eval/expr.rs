//! Expression evaluation: a typed expression and local slots in, a value out.

use super::compiled::Placeholders;
use super::{bug, fail, scratch, Eval, EvalError, R};
use crate::program::*;
use crate::value::{CaseId, PartRef, Value};
use crate::world::CaseData;

/// A condition over locals (the tree walker's or compiled code).
pub(super) type CondFn<'c> = dyn for<'p, 'w> Fn(&mut Eval<'p, 'w>, &mut Vec<Value>) -> R<bool> + 'c;
/// The `i`-th key of a table lookup.
pub(super) type KeyFn<'c> =
    dyn for<'p, 'w> Fn(&mut Eval<'p, 'w>, usize, &mut Vec<Value>) -> R<Value> + 'c;

impl Eval<'_, '_> {
    /// A set of `items` (any order, duplicates allowed). A set equal to `like` is `like`
    /// itself, and a set of one enumeration member is the program's: sets are shared
    /// rather than allocated again, as most role or tag sets in a world are alike.
    pub(super) fn shared_set(&self, mut items: Vec<Value>, like: Option<&Value>) -> Value {
        self.shared_set_from(&mut items, like)
    }

    /// [`Eval::shared_set`] of what `items` holds, leaving it empty (its storage kept).
    fn shared_set_from(&self, items: &mut Vec<Value>, like: Option<&Value>) -> Value {
        items.sort();
        items.dedup();
        let shared = match (like, &items[..]) {
            (Some(Value::Set(same)), _) if **same == items[..] => Some(Value::Set(same.clone())),
            (_, [Value::Enum(e, i)]) => self
                .prog
                .shared
                .singletons
                .get(e.index())
                .and_then(|sets| sets.get(i.index()))
                .cloned(),
            _ => None,
        };
        match shared {
            Some(set) => {
                items.clear();
                set
            }
            None => Value::Set(items.drain(..).collect()),
        }
    }

    /// A value as JSON, for `show`.
    pub(super) fn to_json(&self, v: &Value) -> serde_json::Value {
        self.prog
            .value_json(v, &|id| self.tx.case(id).ok().map(|c| c.key.to_string()))
    }

    /// A value as text for people ([`crate::text::for_people`]), for templates.
    pub(super) fn display(&self, v: &Value) -> String {
        crate::text::for_people(v, &self.prog.enums, self.prog.zone.as_ref(), &|id| {
            self.tx.case(id).ok().map(|c| c.key.to_string())
        })
    }

    /// Whether the step's texts are read (see [`super::Trace::no_texts`]).
    pub(super) fn no_texts(&self) -> bool {
        self.trace.as_deref().is_some_and(|t| t.no_texts)
    }

    /// Evaluates each placeholder of `parts`, building no text: a message or refusal no
    /// one reads fails where rendering it would.
    /// `code` is the placeholders compiled, when they are.
    pub(super) fn placeholders(
        &mut self,
        parts: &[TPart],
        code: Option<&Placeholders>,
        locals: &mut Vec<Value>,
    ) -> R<()> {
        for (i, p) in parts.iter().enumerate() {
            if let TPart::Expr(e) = p {
                self.placeholder(e, code, i, locals)?;
            }
        }
        Ok(())
    }

    /// Template `parts` rendered; `code` is its placeholders compiled, when they are.
    pub(super) fn template(
        &mut self,
        parts: &[TPart],
        code: Option<&Placeholders>,
        locals: &mut Vec<Value>,
    ) -> R<String> {
        let mut out = String::new();
        for (i, p) in parts.iter().enumerate() {
            match p {
                TPart::Text(s) => out.push_str(s),
                TPart::Expr(e) => {
                    let v = self.placeholder(e, code, i, locals)?;
                    out.push_str(&self.display(&v));
                }
            }
        }
        Ok(out)
    }

    /// Placeholder `e`, part `i` of a template whose placeholders are compiled to `code`.
    fn placeholder(
        &mut self,
        e: &IExpr,
        code: Option<&Placeholders>,
        i: usize,
        locals: &mut Vec<Value>,
    ) -> R<Value> {
        match code.and_then(|c| c.get(i)).and_then(Option::as_ref) {
            Some(f) => f(self, locals),
            None => self.expr(e, locals),
        }
    }

    pub(super) fn truth(&mut self, e: &IExpr, locals: &mut Vec<Value>) -> R<bool> {
        // the connectives and comparisons of conditions, without a value made for each
        match e {
            IExpr::And(a, b) => return Ok(self.truth(a, locals)? && self.truth(b, locals)?),
            IExpr::Or(a, b) => return Ok(self.truth(a, locals)? || self.truth(b, locals)?),
            IExpr::Not(x) => return Ok(!self.truth(x, locals)?),
            IExpr::Cmp(op, a, b) => {
                if let (Some(x), Some(y)) = (self.peek(a, locals), self.peek(b, locals)) {
                    return Self::compare(*op, x, y);
                }
            }
            _ => {}
        }
        match self.expr(e, locals)? {
            Value::Bool(b) => Ok(b),
            Value::Unset => fail("a condition read an unset value"),
            _ => bug("a condition is not a bool"),
        }
    }

    pub(super) fn part<'a>(&'a self, v: &Value) -> R<(PartRef, &'a [Value])> {
        let Value::Part(p) = v else {
            return fail("read a field of an unset participant");
        };
        let c = self.tx.case(p.case)?;
        match c.parts.get(p.idx as usize) {
            Some(fields) => Ok((*p, fields)),
            None => bug("a participant vanished"),
        }
    }

    pub(super) fn case_data(&self, v: &Value) -> R<(CaseId, &CaseData)> {
        let Value::Case(id) = v else {
            return fail("read a field of an unset case");
        };
        Ok((*id, self.tx.case(*id)?))
    }

    fn derived(&mut self, unit: &Unit, owner: Value) -> R<Value> {
        let mut locals = self.scratch.spare.locals(unit.locals);
        locals[0].put(owner);
        let v = match unit.code.get(self.prog) {
            Some(code) => code(self, &mut locals),
            None => self.expr(&unit.expr, &mut locals),
        };
        self.scratch.spare.give_locals(locals);
        v
    }

    /// The value `e` reads, borrowed rather than copied, when it is a value already held
    /// somewhere (a literal, an event field, a local, a stored field of a case or a
    /// participant held in one of those); `None` for anything to compute, which
    /// [`Eval::expr`] then does. Comparisons, membership and `is set` read their operands
    /// through it: most of what rules compare is a stored value and a literal.
    fn peek<'s>(&'s self, e: &'s IExpr, locals: &'s [Value]) -> Option<&'s Value> {
        match e {
            IExpr::Lit(v) => Some(v),
            IExpr::EventField(i) => self.event?.fields.get(*i as usize),
            IExpr::Local(i) => locals.get(*i as usize),
            IExpr::CaseField(c, f) => match self.peek(c, locals)? {
                Value::Case(id) => self.tx.case(*id).ok()?.fields.get(*f as usize),
                _ => None,
            },
            IExpr::PartField(p, f) => match self.peek(p, locals)? {
                Value::Part(p) => self
                    .tx
                    .case(p.case)
                    .ok()?
                    .parts
                    .get(p.idx as usize)?
                    .get(*f as usize),
                _ => None,
            },
            _ => None,
        }
    }

    /// `op` on two values.
    pub(super) fn compare(op: Cmp, x: &Value, y: &Value) -> R<bool> {
        let ordered = || match (x, y) {
            // the commonest comparison, without the general order's dispatch
            (Value::Count(a), Value::Count(b)) => Ok(a.cmp(b)),
            (Value::Unset, _) | (_, Value::Unset) => fail("compared an unset value"),
            _ => Ok(x.cmp(y)),
        };
        Ok(match op {
            Cmp::Eq => x == y,
            Cmp::Ne => x != y,
            Cmp::Lt => ordered()?.is_lt(),
            Cmp::Le => ordered()?.is_le(),
            Cmp::Gt => ordered()?.is_gt(),
            Cmp::Ge => ordered()?.is_ge(),
        })
    }

    pub(super) fn expr(&mut self, e: &IExpr, locals: &mut Vec<Value>) -> R<Value> {
        Ok(match e {
            IExpr::Lit(v) => v.clone(),
            IExpr::EventField(i) => match self.event.and_then(|ev| ev.fields.get(*i as usize)) {
                Some(v) => v.clone(),
                None => return bug("no event here"),
            },
            IExpr::EventAt => match self.event {
                Some(ev) => {
                    self.read_time = true;
                    Value::Instant(ev.at)
                }
                None => return bug("no event here"),
            },
            IExpr::Now => {
                self.read_time = true;
                Value::Instant(self.now)
            }
            IExpr::Local(i) => locals.get(*i as usize).cloned().unwrap_or(Value::Unset),
            IExpr::CaseKey(c) => {
                let v = self.expr(c, locals)?;
                Value::Text(self.case_data(&v)?.1.key.clone())
            }
            IExpr::CaseStatus(c) => {
                let v = self.expr(c, locals)?;
                let data = self.case_data(&v)?.1;
                match self.prog.case_def(data.ty) {
                    Some(def) => Value::Enum(def.status_enum, data.status),
                    None => return bug("no such case type"),
                }
            }
            IExpr::CaseField(c, f) => {
                let v = self.expr(c, locals)?;
                self.case_data(&v)?.1.fields[*f as usize].clone()
            }
            IExpr::CaseDerived(c, ty, f) => {
                let v = self.expr(c, locals)?;
                let prog = self.prog;
                let def = prog.case_def(*ty).and_then(|d| d.fields.get(*f as usize));
                match def.map(|d| &d.kind) {
                    Some(FieldKind::Derived(unit)) => self.derived(unit, v)?,
                    _ => return bug("not derived"),
                }
            }
            IExpr::CaseParts(c) => {
                let v = self.expr(c, locals)?;
                self.case_parts(&v)?
            }
            IExpr::PartField(p, f) => {
                let v = self.expr(p, locals)?;
                self.part(&v)?.1[*f as usize].clone()
            }
            IExpr::PartDerived(p, ty, f) => {
                let v = self.expr(p, locals)?;
                let prog = self.prog;
                let def = prog
                    .case_def(*ty)
                    .and_then(|d| d.parts.fields.get(*f as usize));
                match def.map(|d| &d.kind) {
                    Some(FieldKind::Derived(unit)) => self.derived(unit, v)?,
                    _ => return bug("not derived"),
                }
            }
            IExpr::PartCase(p) => {
                let v = self.expr(p, locals)?;
                Value::Case(self.part(&v)?.0.case)
            }
            IExpr::RecField(r, f) => {
                let v = self.expr(r, locals)?;
                record_field(v, *f)?
            }
            IExpr::Lookup {
                table,
                of,
                keys,
                blame,
                ..
            } => {
                let key =
                    |ev: &mut Eval<'_, '_>, i: usize, locals: &mut Vec<Value>| match keys.get(i) {
                        Some(k) => ev.expr(k, locals),
                        None => bug("no such key"),
                    };
                self.table_lookup((*table, *of, keys.len()), blame, &key, locals)?
            }
            IExpr::IndexLookup {
                ty,
                field,
                key,
                var,
                cond,
            } => {
                let k = self.expr(key, locals)?;
                let cond = |ev: &mut Eval<'_, '_>, locals: &mut Vec<Value>| ev.truth(cond, locals);
                self.part_lookup((*ty, *field), &k, (*var, &cond), locals)?
            }
            IExpr::CaseIndexLookup {
                ty,
                field,
                key,
                var,
                cond,
            } => {
                let k = self.expr(key, locals)?;
                let cond = |ev: &mut Eval<'_, '_>, locals: &mut Vec<Value>| ev.truth(cond, locals);
                self.case_lookup((*ty, *field), &k, (*var, &cond), locals)?
            }
            IExpr::List(items) => {
                let mut out = Vec::with_capacity(items.len());
                for i in items {
                    out.push(self.expr(i, locals)?);
                }
                Value::list(out)
            }
            IExpr::Filter { var, source, cond } => {
                let src = self.expr(source, locals)?;
                let is_set = matches!(src, Value::Set(_));
                let items = src.elements().unwrap_or_default();
                let mut out = Vec::new();
                for item in items {
                    locals[*var as usize] = item.clone();
                    if self.truth(cond, locals)? {
                        out.push(item.clone());
                    }
                }
                if is_set {
                    self.shared_set(out, Some(&src))
                } else {
                    Value::list(out)
                }
            }
            IExpr::Quant {
                all,
                var,
                source,
                cond,
            } => {
                let source = self.expr(source, locals)?;
                let mut result = *all;
                for item in source.elements().unwrap_or_default() {
                    locals[*var as usize] = item.clone();
                    let t = self.truth(cond, locals)?;
                    if t != *all {
                        result = !*all;
                        break;
                    }
                }
                Value::Bool(result)
            }
            IExpr::Count(x) => match self.expr(x, locals)? {
                Value::List(v) | Value::Set(v) => Value::Count(v.len() as i64),
                _ => return fail("counted something that is not a list"),
            },
            IExpr::Not(x) => Value::Bool(!self.truth(x, locals)?),
            IExpr::Neg(x) => {
                let v = self.expr(x, locals)?;
                negated(v)?
            }
            IExpr::And(a, b) => Value::Bool(self.truth(a, locals)? && self.truth(b, locals)?),
            IExpr::Or(a, b) => Value::Bool(self.truth(a, locals)? || self.truth(b, locals)?),
            IExpr::Cmp(op, a, b) => {
                if let (Some(x), Some(y)) = (self.peek(a, locals), self.peek(b, locals)) {
                    return Self::compare(*op, x, y).map(Value::Bool);
                }
                let (x, y) = (self.expr(a, locals)?, self.expr(b, locals)?);
                Value::Bool(Self::compare(*op, &x, &y)?)
            }
            IExpr::Arith(op, a, b) => {
                let (x, y) = (self.expr(a, locals)?, self.expr(b, locals)?);
                arith(*op, x, y, self.prog.zone.as_ref())?
            }
            IExpr::ListOp(op, a, b) => {
                let (x, y) = (self.expr(a, locals)?, self.expr(b, locals)?);
                self.list_op(*op, x, y)?
            }
            IExpr::Call(f, args) => {
                let mut vals = Vec::with_capacity(args.len());
                for a in args {
                    vals.push(self.expr(a, locals)?);
                }
                self.call(*f, &vals)?
            }
            IExpr::SetOp(op, a, b) => {
                let (x, y) = (self.expr(a, locals)?, self.expr(b, locals)?);
                self.set_op(*op, x, y)?
            }
            IExpr::In(a, b) => {
                if let (Some(x), Some(y)) = (self.peek(a, locals), self.peek(b, locals)) {
                    return Ok(Value::Bool(y.elements().is_some_and(|i| i.contains(x))));
                }
                let x = self.expr(a, locals)?;
                let y = self.expr(b, locals)?;
                Value::Bool(y.elements().is_some_and(|items| items.contains(&x)))
            }
            IExpr::Matches(a, p) => match self.expr(a, locals)? {
                Value::Text(s) => Value::Bool(self.prog.patterns[p.index()].is_match(&s)),
                Value::Unset => return fail("matched an unset value against a pattern"),
                _ => return bug("matched a non-text value"),
            },
            IExpr::Coalesce(a, b) => match self.expr(a, locals)? {
                Value::Unset => self.expr(b, locals)?,
                v => v,
            },
            IExpr::IsSet(x) => match self.peek(x, locals) {
                Some(v) => Value::Bool(!v.is_unset()),
                None => Value::Bool(!self.expr(x, locals)?.is_unset()),
            },
            IExpr::HasTag(x, ty, tag) => match self.expr(x, locals)? {
                Value::Enum(_, s) => Value::Bool(
                    self.prog
                        .case_def(*ty)
                        .and_then(|d| d.tags.get(*tag as usize))
                        .and_then(|(_, on)| on.get(s.index()))
                        .copied()
                        .unwrap_or(false),
                ),
                _ => return bug("a tag test on a non-status"),
            },
            IExpr::Template(parts) => Value::text(self.template(parts, None, locals)?),
            IExpr::Before(x) => match self.before {
                Some(world) => {
                    let mut before = Eval::new(self.prog, world, self.now);
                    let v = before.expr(x, locals)?;
                    self.read_time |= before.read_time;
                    v
                }
                None => return bug("`before` outside a transition invariant"),
            },
        })
    }
}

impl Eval<'_, '_> {
    /// `table[keys…]`: the set of the row the keys name (`key(i)` is the `i`-th of `n`),
    /// or an error blaming `blame` that names the keys when no row matches.
    pub(super) fn table_lookup(
        &mut self,
        (table, of, n): (TableId, EnumId, usize),
        blame: &Option<String>,
        key: &KeyFn<'_>,
        locals: &mut Vec<Value>,
    ) -> R<Value> {
        // the key cells joined into a buffer kept from one lookup to the next
        let mut joined = std::mem::take(&mut self.scratch.spare.cells);
        joined.clear();
        for i in 0..n {
            let v = match key(self, i, locals) {
                Ok(v) => v,
                Err(e) => {
                    self.scratch.spare.cells = joined;
                    return Err(e);
                }
            };
            if i > 0 {
                joined.push(crate::tables::RequirementTable::SEPARATOR);
            }
            match &v {
                Value::Enum(e, m) => joined.push_str(self.prog.enum_name(*e, *m)),
                Value::Text(s) => joined.push_str(s.as_str()),
                other => joined.push_str(&self.display(other)),
            }
        }
        let t = &self.prog.requirements[table.index()];
        let found = t.lookup_joined(&joined);
        self.scratch.spare.cells = joined;
        let Some(row) = found else {
            let mut names = Vec::new();
            for i in 0..n {
                let v = key(self, i, locals)?;
                names.push(self.display(&v));
            }
            let cells = t
                .keys
                .iter()
                .zip(&names)
                .map(|(k, v)| format!("{k} `{v}`"))
                .collect::<Vec<_>>()
                .join(" and ");
            return Err(Box::new(EvalError {
                field: blame.clone(),
                message: format!("table `{}` has no row for {cells}", t.name),
            }));
        };
        Ok(self.table_row(table, of, row))
    }

    /// Row `row` of table `table` as a lookup answers it: the set of its values (of
    /// enumeration `of`), shared with every other answer of that row.
    pub(super) fn table_row(&mut self, table: TableId, of: EnumId, row: usize) -> Value {
        if let Some(trace) = self.trace.as_deref_mut() {
            trace.row(table, row);
        }
        let t = &self.prog.requirements[table.index()];
        let shared = self
            .prog
            .shared
            .requirement_sets
            .get(table.index())
            .and_then(|rows| rows.get(row))
            .filter(|set| match set {
                Value::Set(items) => items
                    .first()
                    .is_none_or(|i| matches!(i, Value::Enum(e, _) if *e == of)),
                _ => false,
            });
        match shared {
            Some(set) => set.clone(),
            None => Value::set_of(
                t.rows
                    .get(row)
                    .map_or(&[][..], |r| &r.required[..])
                    .iter()
                    .map(|i| Value::Enum(of, MemberId::at(*i)))
                    .collect(),
            ),
        }
    }

    /// An empty buffer of values, from the thread's spares: give it back through
    /// [`Eval::list_of`].
    pub(super) fn spare_values(&mut self) -> Vec<Value> {
        self.scratch.spare.locals.pop().unwrap_or_default()
    }

    /// The list of `items`, in order ([`scratch::Spare::list_taken`]: at most one
    /// allocation); the buffer goes back to the spares.
    pub(super) fn list_of(&mut self, mut items: Vec<Value>) -> Value {
        let list = self.scratch.spare.list_taken(&mut items);
        self.scratch.spare.give_locals(items);
        list
    }

    /// `[p in people where p.<field> == k and cond]` over every case of type `ty`, from the
    /// world's index on the participant field `field`.
    pub(super) fn part_lookup(
        &mut self,
        (ty, field): (CaseTypeId, u16),
        k: &Value,
        (var, cond): (u16, &CondFn<'_>),
        locals: &mut Vec<Value>,
    ) -> R<Value> {
        let slot = self
            .prog
            .case_def(ty)
            .and_then(|d| d.parts.indexed.iter().position(|f| *f == field))
            .unwrap_or(0);
        let mut found = std::mem::take(&mut self.scratch.spare.lookup.parts);
        found.clear();
        if self.tx.world.has_indexes(self.prog) {
            found.extend_from_slice(self.tx.world.indexed(ty, slot, k));
        }
        // cases changed in this event may hold new or changed participants
        for (id, c) in self.tx.cases.iter().filter(|(_, c)| c.ty == ty) {
            for (i, _) in c.parts.iter().enumerate() {
                found.push(PartRef {
                    case: *id,
                    idx: i as u32,
                });
            }
        }
        let holds = |c: &CaseData, p: PartRef| {
            c.parts
                .get(p.idx as usize)
                .and_then(|fields| fields.get(field as usize))
                .is_some_and(|v| v.same(k))
        };
        let case_of = |p: PartRef| p.case;
        let mut hits = std::mem::take(&mut self.scratch.spare.lookup.part_hits);
        let list = self.lookup_hits(
            (&mut found, &mut hits),
            (case_of, Value::Part),
            holds,
            (var, cond),
            locals,
        );
        let lookup = &mut self.scratch.spare.lookup;
        lookup.parts = scratch::bounded(found);
        lookup.part_hits = scratch::bounded(hits);
        list
    }

    /// `[r in requests where r.<field> == k and cond]` over every case of type `ty`, from
    /// the world's index on the case field `field`.
    pub(super) fn case_lookup(
        &mut self,
        (ty, field): (CaseTypeId, u16),
        k: &Value,
        (var, cond): (u16, &CondFn<'_>),
        locals: &mut Vec<Value>,
    ) -> R<Value> {
        let slot = self
            .prog
            .case_def(ty)
            .and_then(|d| d.indexed.iter().position(|f| *f == field))
            .unwrap_or(0);
        let mut found = std::mem::take(&mut self.scratch.spare.lookup.cases);
        found.clear();
        if self.tx.world.has_indexes(self.prog) {
            found.extend_from_slice(self.tx.world.cases_indexed(ty, slot, k));
        }
        // cases changed in this event may hold the value now
        found.extend(
            self.tx
                .cases
                .iter()
                .filter(|(_, c)| c.ty == ty)
                .map(|(id, _)| *id),
        );
        let holds =
            |c: &CaseData, _: CaseId| c.fields.get(field as usize).is_some_and(|v| v.same(k));
        let case_of = |id: CaseId| id;
        let mut hits = std::mem::take(&mut self.scratch.spare.lookup.case_hits);
        let list = self.lookup_hits(
            (&mut found, &mut hits),
            (case_of, Value::Case),
            holds,
            (var, cond),
            locals,
        );
        let lookup = &mut self.scratch.spare.lookup;
        lookup.cases = scratch::bounded(found);
        lookup.case_hits = scratch::bounded(hits);
        list
    }

    /// The end of a world-wide lookup: of the candidates `found` (participants or cases,
    /// from the index and the cases this event changed), those whose indexed field holds the
    /// key (`holds`) and that meet the condition with `var` bound to them, in order of their
    /// case's key (then of themselves).
    ///
    /// `found` and `hits` are buffers, left empty (after an error, emptied when next used).
    fn lookup_hits<T: Copy + Ord>(
        &mut self,
        (found, hits): (&mut Vec<T>, &mut Vec<T>),
        (case_of, value): (impl Fn(T) -> CaseId, fn(T) -> Value),
        holds: impl Fn(&CaseData, T) -> bool,
        (var, cond): (u16, &CondFn<'_>),
        locals: &mut Vec<Value>,
    ) -> R<Value> {
        found.sort_unstable();
        found.dedup();
        hits.clear();
        // (read in place, then emptied: the items are copies, and an error leaves the
        // buffers to be emptied when next used)
        for &item in found.iter() {
            if !holds(self.tx.case(case_of(item))?, item) {
                continue;
            }
            locals[var as usize].put(value(item));
            if cond(self, locals)? {
                hits.push(item);
            }
        }
        found.clear();
        if hits.len() > 1 {
            // by their case's key, then themselves (every hit's case was read above)
            let tx = &self.tx;
            let key = |x: &T| tx.case(case_of(*x)).ok().map(|c| &c.key);
            hits.sort_unstable_by(|x, y| key(x).cmp(&key(y)).then(x.cmp(y)));
        }
        if hits.is_empty() {
            return Ok(self.scratch.spare.empty_list());
        }
        let list = self.scratch.spare.list(hits.iter().map(|h| value(*h)));
        hits.clear();
        Ok(list)
    }

    pub(super) fn call(&self, f: Func, args: &[Value]) -> R<Value> {
        use crate::calendar;
        if args.iter().any(Value::is_unset) {
            return Ok(Value::Unset);
        }
        let zone = || match &self.prog.zone {
            Some(z) => Ok(z),
            None => bug("no time zone"),
        };
        let cal = |c: CalendarId| match self.prog.calendar(c) {
            Some(c) => Ok(c),
            None => bug("no such calendar"),
        };
        let no_working_day = |c: &calendar::Calendar| EvalError {
            field: None,
            message: format!(
                "calendar `{}` has no working day within ten years of the date",
                c.name
            ),
        };
        Ok(match (f, args) {
            (Func::Length, [Value::Text(s)]) => Value::Count(s.chars().count() as i64),
            (Func::Words, [Value::Enum(e, i)]) => {
                Value::text(self.prog.enum_name(*e, *i).replace('_', " "))
            }
            (Func::DateOf, [Value::Instant(t)]) => Value::Date(calendar::date_of(*t, zone()?)),
            (Func::StartOf, [Value::Date(d)]) => {
                Value::Instant(calendar::start_of(*d, zone()?).ok_or_else(overflow)?)
            }
            (Func::RollForward(c), [Value::Date(d)]) => {
                let c = cal(c)?;
                Value::Date(c.roll_forward(*d).ok_or_else(|| no_working_day(c))?)
            }
            (Func::IsWorkingDay(c), [Value::Date(d)]) => Value::Bool(cal(c)?.is_working_day(*d)),
            (Func::AddWorkingDays(c), [Value::Date(d), Value::Count(n)]) => {
                let c = cal(c)?;
                Value::Date(
                    c.add_working_days(*d, *n)
                        .ok_or_else(|| no_working_day(c))?,
                )
            }
            _ => return bug("a function was given the wrong arguments"),
        })
    }
}

/// `-v`.
pub(super) fn negated(v: Value) -> R<Value> {
    match v {
        Value::Duration(d) => Ok(Value::Duration(d.checked_neg().ok_or_else(overflow)?)),
        Value::Unset => Ok(Value::Unset),
        _ => bug("bad negation"),
    }
}

/// Field `f` of the record `v`.
pub(super) fn record_field(v: Value, f: u16) -> R<Value> {
    match v {
        Value::Record(fields) => Ok(fields.get(f as usize).cloned().unwrap_or(Value::Unset)),
        _ => fail("read a field of an unset record"),
    }
}

impl Eval<'_, '_> {
    /// The participants of the case `v`.
    pub(super) fn case_parts(&self, v: &Value) -> R<Value> {
        let (id, data) = self.case_data(v)?;
        Ok(Value::List(
            (0..data.parts.len())
                .map(|i| {
                    Value::Part(PartRef {
                        case: id,
                        idx: i as u32,
                    })
                })
                .collect(),
        ))
    }

    /// `x + y` or `x - y` of two lists.
    pub(super) fn list_op(&self, op: Arith, x: Value, y: Value) -> R<Value> {
        let xs = x.elements().unwrap_or_default();
        let ys = y.elements().unwrap_or_default();
        Ok(match op {
            Arith::Add => Value::List(xs.iter().chain(ys).cloned().collect()),
            Arith::Sub => Value::List(xs.iter().filter(|v| !ys.contains(v)).cloned().collect()),
            Arith::Mul => return bug("a product of two lists"),
        })
    }

    /// `x + [a, b, …]` or `x - [a, b, …]`: a set and the items of a list written out,
    /// `ys` (left empty), without making that list.
    pub(super) fn set_op_items(&self, op: Arith, x: Value, ys: &mut Vec<Value>) -> R<Value> {
        let xs = x.elements().unwrap_or_default();
        match op {
            Arith::Add => {
                ys.extend(xs.iter().cloned());
                Ok(self.shared_set_from(ys, Some(&x)))
            }
            Arith::Sub => {
                let items = xs.iter().filter(|v| !ys.contains(v)).cloned().collect();
                ys.clear();
                Ok(self.shared_set(items, Some(&x)))
            }
            Arith::Mul => bug("a product of two sets"),
        }
    }

    /// `x + y` or `x - y` of two sets.
    pub(super) fn set_op(&self, op: Arith, x: Value, y: Value) -> R<Value> {
        let xs = x.elements().unwrap_or_default();
        let ys = y.elements().unwrap_or_default();
        let items: Vec<Value> = match op {
            Arith::Add => xs.iter().chain(ys).cloned().collect(),
            Arith::Sub => xs.iter().filter(|v| !ys.contains(v)).cloned().collect(),
            Arith::Mul => return bug("a product of two sets"),
        };
        Ok(self.shared_set(items, Some(&x)))
    }
}

#[cold]
fn overflow() -> EvalError {
    EvalError {
        field: None,
        message: "a number or time went out of range".into(),
    }
}

pub(super) fn arith(op: Arith, x: Value, y: Value, zone: Option<&jiff::tz::TimeZone>) -> R<Value> {
    use crate::calendar::{add_to_date, add_to_instant};
    use Value::*;
    if x.is_unset() || y.is_unset() {
        x.discard();
        y.discard();
        return Ok(Unset);
    }
    let of = overflow;
    Ok(match (op, x, y) {
        (Arith::Add, Count(a), Count(b)) => Count(a.checked_add(b).ok_or_else(of)?),
        (Arith::Sub, Count(a), Count(b)) => {
            let n = a.checked_sub(b).ok_or_else(of)?;
            if n < 0 {
                // (without the numbers: either may be computed from a sensitive value)
                return fail("a count would go below zero");
            }
            Count(n)
        }
        (Arith::Mul, Count(a), Count(b)) => Count(a.checked_mul(b).ok_or_else(of)?),
        (Arith::Add, Duration(a), Duration(b)) => Duration(a.checked_add(b).ok_or_else(of)?),
        (Arith::Sub, Duration(a), Duration(b)) => Duration(a.checked_sub(b).ok_or_else(of)?),
        (Arith::Add, Instant(t), Duration(d)) | (Arith::Add, Duration(d), Instant(t)) => {
            Instant(t.checked_add(d).map_err(|_| of())?)
        }
        (Arith::Sub, Instant(t), Duration(d)) => Instant(t.checked_sub(d).map_err(|_| of())?),
        (Arith::Sub, Instant(a), Instant(b)) => Duration(a.duration_since(b)),
        (Arith::Add, Date(d), Period(p)) | (Arith::Add, Period(p), Date(d)) => {
            Date(add_to_date(d, p).ok_or_else(of)?)
        }
        (Arith::Sub, Date(d), Period(p)) => Date(add_to_date(d, p.negated()).ok_or_else(of)?),
        (Arith::Add, Period(a), Period(b)) => Period(a.plus(b).ok_or_else(of)?),
        (Arith::Sub, Period(a), Period(b)) => Period(a.plus(b.negated()).ok_or_else(of)?),
        (Arith::Add, Instant(t), Period(p)) | (Arith::Add, Period(p), Instant(t)) => {
            let Some(z) = zone else {
                return bug("no time zone");
            };
            Instant(add_to_instant(t, p, z).ok_or_else(of)?)
        }
        (Arith::Sub, Instant(t), Period(p)) => {
            let Some(z) = zone else {
                return bug("no time zone");
            };
            Instant(add_to_instant(t, p.negated(), z).ok_or_else(of)?)
        }
        (Arith::Mul, Duration(d), Count(n)) | (Arith::Mul, Count(n), Duration(d)) => {
            let n = i32::try_from(n).map_err(|_| of())?;
            Duration(d.checked_mul(n).ok_or_else(of)?)
        }
        _ => return bug("bad arithmetic"),
    })
}
