//! Which generated values `docket verify` may treat as interchangeable: two case keys, two
//! phones, two codes of one format are, when nothing in the policy can tell one from the
//! other. Two worlds that differ only by a renaming of such values then behave alike (each
//! event on one has its renamed twin on the other), so the exploration keeps one of them.
//!
//! What can tell generated values of a format apart, each of which keeps the format out:
//! - a literal equal to one of them (in a rule, an invariant, a default, a table);
//! - a pattern that matches some of them and not the others (`matches`);
//! - a format that rewrites them (`uppercase`): the generated value is not the stored one;
//! - `length`, when their lengths differ;
//! - a template that builds a stored value (`"{filing.id}-1"` would keep the old name);
//! - a set of them (a set is sorted by value: what runs over it runs in another order);
//! - for a case key: deadlines due at the same instant fire in order of case key, so a
//!   deadline handler that reads other cases (a lookup) could see them in another order;
//! - a value that is also generated for another format.
//!
//! Text is not ordered in the language (`<` on text is a check error), and equality between
//! values is kept by any renaming: nothing else can tell them apart. A value is renamed
//! wherever it stands (a phone copied into a `text` field too).
//!
//! The events explored must then be closed under renaming: a list of people gives its
//! `i`-th person the `i`-th phone and certificate, so `[person 0]` alone would have no
//! twin with phone 1 and certificate 0. [`Symmetry::close`] adds every renaming of each
//! generated event.

use super::domain::format_values;
use super::fingerprint::{Fp, Low64};
use super::reads::{each_read, handler_exprs, Reach};
use super::Bounds;
use crate::program::{FieldKind, FormatId, Func, IExpr, PatternId, Program};
use crate::value::{Text, Ty, Value};
use serde_json::{Map, Value as Json};
use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hash};

/// The interchangeable generated values, each with its class (its format).
#[derive(Debug, Clone, Default)]
pub(super) struct Symmetry {
    /// Each interchangeable value and its class (an index into `classes`).
    values: Vec<(Text, u8)>,
    /// The formats whose values are interchangeable, with how many there are of each.
    classes: Vec<(FormatId, usize)>,
}

impl Symmetry {
    /// No value is interchangeable (`--no-symmetry`).
    pub(super) fn none() -> Symmetry {
        Symmetry::default()
    }

    /// The values of the formats of `prog` that nothing in it tells apart, as `bounds`
    /// generates them.
    pub(super) fn of(prog: &Program, bounds: &Bounds) -> Symmetry {
        let uses = Uses::of(prog);
        let mut sym = Symmetry::default();
        if uses.template || uses.set_runs {
            return sym;
        }
        let generated: Vec<(FormatId, Vec<String>)> = (0..prog.formats.len())
            .filter_map(|i| {
                let f = FormatId::new(i)?;
                Some((f, format_values(prog, bounds, f).ok()?))
            })
            .collect();
        for (f, vals) in &generated {
            if vals.len() < 2 || sym.classes.len() >= usize::from(u8::MAX) {
                continue;
            }
            let rewritten = prog
                .format(*f)
                .is_none_or(|def| vals.iter().any(|v| def.transform(v) != v.as_str()));
            let elsewhere = |v: &String| {
                uses.literals.contains(v)
                    || generated
                        .iter()
                        .any(|(g, other)| g != f && other.contains(v))
            };
            let told_apart = rewritten
                || vals.iter().any(elsewhere)
                || uses.patterns.iter().any(|p| tells_apart(prog, *p, vals))
                || (uses.length
                    && vals
                        .iter()
                        .any(|v| v.chars().count() != vals[0].chars().count()))
                || uses.sets.contains(f)
                || prog.cases.iter().enumerate().any(|(t, c)| {
                    c.key_format == Some(*f) && uses.crossing_deadlines.get(t) == Some(&true)
                });
            if told_apart {
                continue;
            }
            let class = sym.classes.len() as u8;
            sym.classes.push((*f, vals.len()));
            sym.values
                .extend(vals.iter().map(|v| (Text::from(v.as_str()), class)));
        }
        sym
    }

    /// The renamings of `events` (of one type, as JSON fields) that `events` lacks, each
    /// once: with them, every renaming of each event is there. `None` past `max` events in
    /// all.
    pub(super) fn close(
        &self,
        events: &[Map<String, Json>],
        max: usize,
    ) -> Option<Vec<Map<String, Json>>> {
        if self.is_empty() {
            return Some(Vec::new());
        }
        // each class's values, by index: a swap of the first two and a rotation of all
        // generate every renaming of them
        let mut by_class: Vec<Vec<&str>> = vec![Vec::new(); self.classes.len()];
        for (v, c) in &self.values {
            by_class[usize::from(*c)].push(v.as_str());
        }
        let mut moves: Vec<Vec<(&str, &str)>> = Vec::new();
        for vals in &by_class {
            if let [a, b, ..] = vals[..] {
                moves.push(vec![(a, b), (b, a)]);
            }
            if vals.len() > 2 {
                let next = vals.iter().cycle().skip(1);
                moves.push(vals.iter().copied().zip(next.copied()).collect());
            }
        }
        // an event's identity: a hash of its members (in a fixed order), the renamed one's
        // taken before it is made
        let id = |m: &Map<String, Json>, moves: &[(&str, &str)]| {
            let mut h = Fp::new();
            hash_renamed_members(m, moves, &mut h);
            h.finish128()
        };
        let mut seen: HashSet<u128, BuildHasherDefault<Low64>> =
            events.iter().map(|e| id(e, &[])).collect();
        let mut added: Vec<Map<String, Json>> = Vec::new();
        let mut at = 0;
        while at < events.len() + added.len() {
            for m in &moves {
                let event = match at.checked_sub(events.len()) {
                    None => &events[at],
                    Some(i) => &added[i],
                };
                if seen.insert(id(event, m)) {
                    if events.len() + added.len() >= max {
                        return None;
                    }
                    let renamed = rename_members(event, m);
                    added.push(renamed);
                }
            }
            at += 1;
        }
        Some(added)
    }

    /// Whether no value is interchangeable.
    pub(super) fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The class of `t` if it is an interchangeable value.
    #[inline]
    pub(super) fn class_of(&self, t: &Text) -> Option<u8> {
        self.values.iter().find(|(v, _)| v == t).map(|(_, c)| *c)
    }

    /// How many classes there are.
    pub(super) fn classes(&self) -> usize {
        self.classes.len()
    }

    /// Each format whose values are interchangeable, and how many it has (`phone`, 2).
    pub(super) fn formats<'p>(&self, prog: &'p Program) -> Vec<(&'p str, usize)> {
        self.classes
            .iter()
            .filter_map(|(f, n)| Some((prog.format(*f)?.name.as_str(), *n)))
            .collect()
    }
}

/// Whether pattern `p` matches some of `vals` and not the others.
fn tells_apart(prog: &Program, p: PatternId, vals: &[String]) -> bool {
    let Some(p) = prog.patterns.get(p.index()) else {
        return true;
    };
    vals.iter().any(|v| p.is_match(v)) && !vals.iter().all(|v| p.is_match(v))
}

/// What the policy does with values that could tell generated ones apart.
#[derive(Default)]
struct Uses {
    /// Every text literal, in rules, invariants, defaults and tables.
    literals: Vec<String>,
    /// The patterns text is matched against (`matches`).
    patterns: Vec<PatternId>,
    /// Whether `length` is called.
    length: bool,
    /// Whether a template is used for a value (not a message).
    template: bool,
    /// Whether a rule runs over a set the rules build (`for x in a + b`): in value order.
    set_runs: bool,
    /// The formats of which a declared type holds a set.
    sets: Vec<FormatId>,
    /// By case type: whether one of its deadline handlers reads other cases.
    crossing_deadlines: Vec<bool>,
}

impl Uses {
    fn of(prog: &Program) -> Uses {
        let mut u = Uses {
            crossing_deadlines: vec![false; prog.cases.len()],
            ..Uses::default()
        };
        let mut roots: Vec<&IExpr> = Vec::new();
        for h in prog.event_handlers.iter().flatten() {
            handler_exprs(h, &mut |e| roots.push(e));
        }
        for (d, h) in prog.deadlines.iter().zip(&prog.deadline_handlers) {
            let Some(h) = h else { continue };
            handler_exprs(h, &mut |e| roots.push(e));
            if let Some(c) = u.crossing_deadlines.get_mut(d.case_ty.index()) {
                *c |= Reach::of_handler(prog, h).cross;
            }
        }
        roots.extend(prog.deadlines.iter().map(|d| &d.unit.expr));
        roots.extend(prog.invariants.iter().map(|i| &i.holds.expr));
        for c in &prog.cases {
            for f in c.fields.iter().chain(&c.parts.fields) {
                match &f.kind {
                    FieldKind::Stored { default: Some(v) } => literal_texts(v, &mut u.literals),
                    FieldKind::Stored { default: None } => {}
                    FieldKind::Derived(unit) => roots.push(&unit.expr),
                }
                u.sets_in(&f.ty);
            }
            roots.extend(c.erase.iter().chain(&c.parts.erase).map(|e| &e.when.expr));
        }
        for e in roots {
            each_read(prog, e, &mut |n| u.note(n));
        }
        for h in prog
            .event_handlers
            .iter()
            .chain(&prog.deadline_handlers)
            .flatten()
        {
            u.set_runs |= runs_over_built_set(prog, h);
        }
        for r in &prog.records {
            for f in &r.fields {
                u.sets_in(&f.ty);
            }
        }
        for t in &prog.requirements {
            for row in &t.rows {
                u.literals.extend(row.keys.iter().cloned());
            }
            u.literals.extend(t.values.iter().cloned());
        }
        u
    }

    /// Notes what node `e` itself does.
    fn note(&mut self, e: &IExpr) {
        match e {
            IExpr::Lit(v) => literal_texts(v, &mut self.literals),
            IExpr::Call(Func::Length, _) => self.length = true,
            IExpr::Matches(_, p) => self.patterns.push(*p),
            IExpr::Template(_) => self.template = true,
            _ => {}
        }
    }

    /// Notes each format of which `ty` holds a set (in a list too; a record type's fields
    /// are read from `prog.records`).
    fn sets_in(&mut self, ty: &Ty) {
        match ty {
            Ty::Set(inner) => {
                if let Ty::Format(f) = inner.strip_opt() {
                    self.sets.push(*f);
                }
                self.sets_in(inner);
            }
            Ty::List(inner) | Ty::Opt(inner) => self.sets_in(inner),
            _ => {}
        }
    }
}

/// Whether a rule of `h` runs (`for`) over what a set operation built, directly or through
/// a `let`: its items come in value order, which a renaming changes.
fn runs_over_built_set(prog: &Program, h: &crate::program::HandlerDef) -> bool {
    let builds_set = |e: &IExpr| {
        let mut found = false;
        each_read(prog, e, &mut |n| found |= matches!(n, IExpr::SetOp(..)));
        found
    };
    h.rules.iter().any(|r| {
        let Some((_, source)) = &r.for_each else {
            return false;
        };
        // the source and every `let` it reads, transitively
        let mut read = vec![source];
        let mut at = 0;
        while at < read.len() {
            let mut slots = Vec::new();
            each_read(prog, read[at], &mut |n| {
                if let IExpr::Local(slot) = n {
                    slots.push(*slot);
                }
            });
            for (_, e) in h.lets.iter().filter(|(s, _)| slots.contains(s)) {
                if !read.iter().any(|r| std::ptr::eq(*r, e)) {
                    read.push(e);
                }
            }
            at += 1;
        }
        read.into_iter().any(builds_set)
    })
}

/// `j` with each string that `moves` names renamed.
fn rename(j: &Json, moves: &[(&str, &str)]) -> Json {
    match j {
        Json::String(s) => match moves.iter().find(|(from, _)| from == s) {
            Some((_, to)) => Json::String((*to).to_string()),
            None => j.clone(),
        },
        Json::Array(items) => Json::Array(items.iter().map(|x| rename(x, moves)).collect()),
        Json::Object(m) => Json::Object(rename_members(m, moves)),
        _ => j.clone(),
    }
}

/// Hashes `j` as [`rename`] would leave it, without making it.
fn hash_renamed(j: &Json, moves: &[(&str, &str)], h: &mut Fp) {
    match j {
        Json::Null => h.word(0),
        Json::Bool(b) => h.word(1 + u64::from(*b)),
        Json::Number(n) => {
            h.word(3);
            n.to_string().hash(h);
        }
        Json::String(s) => {
            h.word(4);
            let to = moves.iter().find(|(from, _)| from == s).map(|(_, to)| *to);
            to.unwrap_or(s).hash(h);
        }
        Json::Array(items) => {
            h.word(5);
            h.word(items.len() as u64);
            for x in items {
                hash_renamed(x, moves, h);
            }
        }
        Json::Object(m) => {
            h.word(6);
            hash_renamed_members(m, moves, h);
        }
    }
}

/// [`hash_renamed`] of an object's members.
fn hash_renamed_members(m: &Map<String, Json>, moves: &[(&str, &str)], h: &mut Fp) {
    h.word(m.len() as u64);
    for (k, v) in m {
        k.hash(h);
        hash_renamed(v, moves, h);
    }
}

/// [`rename`] of an object's members.
fn rename_members(m: &Map<String, Json>, moves: &[(&str, &str)]) -> Map<String, Json> {
    m.iter()
        .map(|(k, v)| (k.clone(), rename(v, moves)))
        .collect()
}

/// Pushes every text inside `v` onto `out`.
fn literal_texts(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Text(t) => out.push(t.to_string()),
        Value::List(items) | Value::Set(items) | Value::Record(items) => {
            for x in items.iter() {
                literal_texts(x, out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
impl Symmetry {
    /// Interchangeable `values`, each with its class (a class stands for a format).
    pub(super) fn of_values(values: &[(&str, u8)]) -> Symmetry {
        let mut sym = Symmetry::default();
        for (v, c) in values {
            while sym.classes.len() <= usize::from(*c) {
                let f = FormatId::new(sym.classes.len()).unwrap_or(FormatId::FIRST);
                sym.classes.push((f, 0));
            }
            sym.classes[usize::from(*c)].1 += 1;
            sym.values.push((Text::from(*v), *c));
        }
        sym
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Engine;
    use crate::span::Source;

    /// The shipped ICP policy, with each `old` replaced by its `new` in its rule file.
    fn icp(edits: &[(&str, &str)]) -> Engine {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/rules/icp");
        let mut sources = Vec::new();
        for p in crate::policy_files(dir).expect("the shipped policy is listed") {
            let mut text = std::fs::read_to_string(&p).expect("a shipped file reads");
            for (old, new) in edits.iter().filter(|_| p.ends_with("icp.docket")) {
                assert_eq!(text.matches(old).count(), 1, "`{old}` once");
                text = text.replace(old, new);
            }
            sources.push(Source::new(p.display().to_string(), text));
        }
        Engine::from_sources(sources).expect("the policy loads")
    }

    fn interchangeable(engine: &Engine, keys: usize) -> Vec<String> {
        let bounds = Bounds {
            keys,
            ..Bounds::default()
        };
        let sym = Symmetry::of(engine.program(), &bounds);
        let formats = sym.formats(engine.program());
        formats.into_iter().map(|(f, _)| f.to_string()).collect()
    }

    #[test]
    fn the_shipped_formats_are_interchangeable() {
        let engine = icp(&[]);
        assert_eq!(
            interchangeable(&engine, 2),
            ["filing_id", "phone", "cert_last6", "code"]
        );
        // one key: nothing to rename it to
        assert_eq!(interchangeable(&engine, 1), ["phone", "cert_last6", "code"]);
    }

    #[test]
    fn a_key_named_in_a_rule_is_not_renamed() {
        let engine = icp(&[(
            "rule already_final when filing.status is final {",
            "rule already_final when filing.status is final and filing.id != \"B\" {",
        )]);
        assert_eq!(interchangeable(&engine, 2), ["phone", "cert_last6", "code"]);
    }

    #[test]
    fn a_pattern_telling_phones_apart_keeps_them() {
        let engine = icp(&[(
            "rule unrecognized_sender when not from_miit {",
            "rule unrecognized_sender when not from_miit or event.phone matches /^10+$/ {",
        )]);
        assert_eq!(
            interchangeable(&engine, 2),
            ["filing_id", "cert_last6", "code"]
        );
    }

    #[test]
    fn a_rule_running_over_a_built_set_renames_nothing() {
        // through a `let`: the rule runs over `both`, which a set operation built
        let built = (
            "let listed = [x in event.personnel where x.role in required]",
            "let listed = [x in event.personnel where x.role in required]\n  let both = required + filing.required_roles",
        );
        assert!(
            !interchangeable(&icp(&[built]), 2).is_empty(),
            "not run over"
        );
        let run = (
            "rule required_role_missing for r in required",
            "rule required_role_missing for r in both",
        );
        let engine = icp(&[built, run]);
        assert!(interchangeable(&engine, 2).is_empty());
    }

    #[test]
    fn renamings_of_each_event_are_added_once() {
        let sym = Symmetry::of_values(&[("P0", 0), ("P1", 0), ("C0", 1), ("C1", 1), ("C2", 1)]);
        let ev = |p: &str, c: &str| {
            let mut m = Map::new();
            m.insert("phone".into(), Json::String(p.into()));
            m.insert("list".into(), Json::Array(vec![Json::String(c.into())]));
            m.insert("other".into(), Json::String("x".into()));
            m
        };
        let mut closed = vec![ev("P0", "C0")];
        let added = sym.close(&closed, 100).expect("under the bound");
        closed.extend(added);
        // 2 phones × 3 codes
        assert_eq!(closed.len(), 6);
        assert_eq!(closed[0], ev("P0", "C0"));
        for p in ["P0", "P1"] {
            for c in ["C0", "C1", "C2"] {
                assert!(closed.contains(&ev(p, c)), "{p} {c}");
            }
        }
        assert!(sym.close(&[ev("P0", "C0")], 5).is_none());
    }
}
