//! Opening a world built under an older version of a policy: the two policies' stored data
//! compared (case types, keys, fields, participants, statuses, deadlines), each difference
//! applied when it cannot lose or misread a value, or when a `migrate` block of the new
//! policy declares how; every other one refused, with how many cases it concerns.
//!
//! The world is converted in memory, case by case (no text round trip): a million cases
//! take a few seconds. Then `set` values are computed on the converted world, `erase when`
//! conditions applied, indexes built and deadlines recomputed, as loading a saved world does.

mod plan;
mod report;
mod types;

pub use report::{
    Change, ChangeKind, ChangeWhat, MigrationError, MigrationPlan, MigrationProblem, Problem,
    Subject,
};

use crate::program::{CaseTypeId, FieldDef, MemberId, MigrateStep, Program};
use crate::value::{CaseId, PartRef, Text, Value};
use crate::world::{CaseData, DeadlineState, Parts, World};
use plan::{Plan, Source};
use types::{Compat, Misfit, Progs};

/// What the old world holds, counted once: per old case type.
#[derive(Clone, Default)]
pub(super) struct Stats {
    pub cases: usize,
    pub participants: usize,
    /// Cases per status.
    pub status: Vec<usize>,
    /// Cases holding a value (not unset), per stored field.
    pub holders: Vec<usize>,
    /// Participants holding a value, per stored field.
    pub part_holders: Vec<usize>,
}

fn stats(old: &Program, world: &World) -> Vec<Stats> {
    let mut out: Vec<Stats> = old
        .cases
        .iter()
        .map(|c| Stats {
            status: vec![0; old.enum_def(c.status_enum).map_or(0, |e| e.values.len())],
            holders: vec![0; c.fields.len()],
            part_holders: vec![0; c.parts.fields.len()],
            ..Stats::default()
        })
        .collect();
    for c in &world.cases {
        let Some(s) = out.get_mut(c.ty.index()) else {
            continue;
        };
        s.cases += 1;
        if let Some(n) = s.status.get_mut(c.status.index()) {
            *n += 1;
        }
        for (n, v) in s.holders.iter_mut().zip(c.fields.iter()) {
            *n += usize::from(*v != Value::Unset);
        }
        for p in c.parts.iter() {
            s.participants += 1;
            for (n, v) in s.part_holders.iter_mut().zip(p) {
                *n += usize::from(*v != Value::Unset);
            }
        }
    }
    out
}

/// Migrates `world`, built under `old`, to a world of `new`; the caller has checked that
/// the world is `old`'s and that the two differ.
pub(crate) fn migrate(
    old: &Program,
    new: &Program,
    world: &World,
) -> Result<(World, MigrationPlan), MigrationError> {
    let progs = Progs { old, new };
    let stats = stats(old, world);
    let mut plan = Plan::new(progs, &stats);
    plan.map_case_types();
    if !plan.problems.is_empty() {
        return Err(plan.into_error());
    }
    let mut migrated = convert(&mut plan, world);
    if !plan.problems.is_empty() {
        return Err(plan.into_error());
    }
    plan.values_checked();
    compute_sets(&mut plan, &mut migrated);
    if !plan.problems.is_empty() {
        return Err(plan.into_error());
    }
    erase(&mut plan, &mut migrated);
    migrated.ensure_indexes(new);
    deadlines(&mut plan, &mut migrated);
    if !plan.problems.is_empty() {
        return Err(plan.into_error());
    }
    migrated.rebuild_queue();
    Ok((migrated, plan.into_plan()))
}

/// Converts every case of a kept type to the new policy's layout, counting the values that
/// do not fit. `set` fields hold the old value if one fits, else unset, until computed.
fn convert(plan: &mut Plan, world: &World) -> World {
    let Progs { old, new } = plan.progs;
    let mut out = World::new();
    out.clock = world.clock;
    out.cases.reserve(world.cases.len());
    let mut fields = Vec::new();
    for c in &world.cases {
        let Some(Some(ty)) = plan.new_of_old.get(c.ty.index()).copied() else {
            continue;
        };
        let (Some(odef), Some(ndef), Some(map)) = (
            old.case_def(c.ty),
            new.case_def(ty),
            plan.types.get_mut(ty.index()),
        ) else {
            continue;
        };
        if let Some(f) = map.key_format.and_then(|f| new.format(f)) {
            if !f.pattern.is_match(&c.key) {
                map.key_misfits += 1;
            }
        }
        let status = map
            .statuses
            .get(c.status.index())
            .copied()
            .flatten()
            .unwrap_or(MemberId::FIRST);
        fields.clear();
        carry(
            plan.progs,
            &odef.fields,
            &ndef.fields,
            &map.fields,
            &c.fields,
            &mut map.misfits,
            &mut fields,
        );
        let case_fields: Box<[Value]> = fields.drain(..).collect();
        let mut parts = Parts::new(ndef.parts.fields.len());
        if !ndef.parts.name.is_empty() {
            for p in c.parts.iter() {
                carry(
                    plan.progs,
                    &odef.parts.fields,
                    &ndef.parts.fields,
                    &map.parts,
                    p,
                    &mut map.part_misfits,
                    &mut fields,
                );
                parts.push(std::mem::take(&mut fields));
            }
        }
        let deadlines: Box<[DeadlineState]> = map
            .deadlines
            .iter()
            .map(|from| DeadlineState {
                at: None,
                fired: from
                    .and_then(|d| c.deadlines.get(d))
                    .and_then(|st| st.fired),
            })
            .collect();
        let id = out.cases.len() as CaseId;
        out.file_key(ty, c.key.bytes(), id);
        map.ids.push(id);
        out.cases.push(CaseData {
            ty,
            key: Text::clone(&c.key),
            status,
            fields: case_fields,
            parts,
            deadlines,
        });
    }
    plan.misfit_problems();
    out
}

/// The new fields of one case (or participant) from its old ones.
fn carry(
    progs: Progs,
    old_defs: &[FieldDef],
    new_defs: &[FieldDef],
    sources: &[Source],
    values: &[Value],
    misfits: &mut [[usize; 2]],
    out: &mut Vec<Value>,
) {
    for (i, (src, def)) in sources.iter().zip(new_defs).enumerate() {
        let moved = |j: usize, compat: Compat| -> Result<Value, Misfit> {
            let v = values.get(j).unwrap_or(&Value::Unset);
            match (compat, old_defs.get(j)) {
                (Compat::Same, _) => Ok(v.clone()),
                (_, Some(from)) => progs.convert(&from.ty, &def.ty, v),
                (_, None) => Err(Misfit::Value),
            }
        };
        out.push(match src {
            Source::Derived | Source::Missing => Value::Unset,
            Source::Default(v) => v.clone(),
            Source::Carry { old, compat } => match moved(*old, *compat) {
                Ok(v) => v,
                Err(m) => {
                    if let Some(n) = misfits.get_mut(i) {
                        n[usize::from(m == Misfit::Value)] += 1;
                    }
                    Value::Unset
                }
            },
            Source::Set { carry, .. } => carry
                .and_then(|(j, compat)| moved(j, compat).ok())
                .unwrap_or(Value::Unset),
        });
    }
}

/// Computes every `set` that applies, on the converted world, case by case in the order of
/// the block: each sees the values of those before it.
fn compute_sets(plan: &mut Plan, world: &mut World) {
    let new = plan.progs.new;
    for block in &new.migrations {
        let Some(def) = new.case_def(block.case_ty) else {
            continue;
        };
        for (s, step) in block.steps.iter().enumerate() {
            let Some(map) = plan.types.get(block.case_ty.index()) else {
                continue;
            };
            let MigrateStep::Set {
                field,
                unit,
                sensitive,
                text,
            } = step
            else {
                continue;
            };
            let sources = if block.parts { &map.parts } else { &map.fields };
            let applies = matches!(sources.get(*field as usize), Some(Source::Set { step, .. }) if *step == s);
            let Some(fdef) = def.fields_of(block.parts).get(*field as usize) else {
                continue;
            };
            if !applies {
                continue;
            }
            let (mut failed, mut unset, mut reason) = (0usize, 0usize, None);
            for &id in map.ids.iter() {
                let owners: Vec<Option<u32>> = if block.parts {
                    let n = world.cases.get(id as usize).map_or(0, |c| c.parts.len());
                    (0..n as u32).map(Some).collect()
                } else {
                    vec![None]
                };
                for owner in owners {
                    let who = match owner {
                        None => Value::Case(id),
                        Some(idx) => Value::Part(PartRef { case: id, idx }),
                    };
                    match crate::eval::eval_unit(new, world, who, unit) {
                        Ok(Value::Unset) if !fdef.ty.is_opt() => unset += 1,
                        Ok(v) => {
                            let case = &mut world.cases[id as usize];
                            let slot = match owner {
                                None => case.fields.get_mut(*field as usize),
                                Some(idx) => case
                                    .parts
                                    .get_mut(idx as usize)
                                    .and_then(|p| p.get_mut(*field as usize)),
                            };
                            if let Some(slot) = slot {
                                *slot = v;
                            }
                        }
                        Err(e) => {
                            failed += 1;
                            if reason.is_none() && !sensitive {
                                reason = Some(e.to_string());
                            }
                        }
                    }
                }
            }
            plan.set_outcome(block, *field, text, failed, unset, reason);
        }
    }
}

/// Erases the values whose `erase when` condition holds: the new policy may erase more than
/// the old one did, and keeps no value it would have erased after an event.
fn erase(plan: &mut Plan, world: &mut World) {
    let new = plan.progs.new;
    for (ty, def) in new.cases.iter().enumerate() {
        if def.erase.is_empty() && def.parts.erase.is_empty() {
            continue;
        }
        let Some(map) = plan.types.get(ty) else {
            continue;
        };
        let mut erased_case = vec![0usize; def.fields.len()];
        let mut erased_parts = vec![0usize; def.parts.fields.len()];
        for &id in &map.ids {
            // every condition read first, then the fields erased: one does not decide another
            let mut found: Vec<(Option<usize>, usize)> = Vec::new();
            let Some(case) = world.cases.get(id as usize) else {
                continue;
            };
            for e in &def.erase {
                let f = e.field as usize;
                let set = case.fields.get(f).is_some_and(|v| *v != Value::Unset);
                if set && holds(new, world, Value::Case(id), &e.when) {
                    found.push((None, f));
                }
            }
            for e in &def.parts.erase {
                let f = e.field as usize;
                for (idx, p) in case.parts.iter().enumerate() {
                    let set = p.get(f).is_some_and(|v| *v != Value::Unset);
                    let who = Value::Part(PartRef {
                        case: id,
                        idx: idx as u32,
                    });
                    if set && holds(new, world, who, &e.when) {
                        found.push((Some(idx), f));
                    }
                }
            }
            let case = &mut world.cases[id as usize];
            for (owner, f) in found {
                let slot = match owner {
                    None => {
                        erased_case[f] += 1;
                        case.fields.get_mut(f)
                    }
                    Some(idx) => {
                        erased_parts[f] += 1;
                        case.parts.get_mut(idx).and_then(|p| p.get_mut(f))
                    }
                };
                if let Some(slot) = slot {
                    *slot = Value::Unset;
                }
            }
        }
        plan.erased(CaseTypeId::at(ty), &erased_case, &erased_parts);
    }
}

/// Whether a condition holds of `owner`; one that cannot be read erases nothing.
fn holds(prog: &Program, world: &World, owner: Value, when: &crate::program::Unit) -> bool {
    matches!(
        crate::eval::eval_unit(prog, world, owner, when),
        Ok(Value::Bool(true))
    )
}

/// Recomputes every deadline from the migrated fields, and counts, for each new deadline,
/// the cases it is already past.
fn deadlines(plan: &mut Plan, world: &mut World) {
    let new = plan.progs.new;
    let clock = world.clock;
    for i in 0..plan.types.len() {
        let ty = CaseTypeId::at(i);
        let mut failed = 0;
        let mut reason = None;
        let slots = new.case_def(ty).map_or(0, |d| d.deadlines.len());
        let mut overdue = vec![0usize; slots];
        for &id in &plan.types[i].ids {
            match crate::eval::deadline_times(new, world, id) {
                Ok(times) => {
                    for (d, (state, at)) in world.cases[id as usize]
                        .deadlines
                        .iter_mut()
                        .zip(times)
                        .enumerate()
                    {
                        state.at = at;
                        if state
                            .pending()
                            .is_some_and(|t| clock.is_some_and(|c| t <= c))
                        {
                            overdue[d] += 1;
                        }
                    }
                }
                Err(e) => {
                    failed += 1;
                    reason.get_or_insert_with(|| e.to_string());
                }
            }
        }
        plan.deadline_outcome(ty, failed, reason, &overdue);
    }
}

#[cfg(test)]
mod tests;
