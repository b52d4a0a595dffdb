//! Deciding, from the two policies and the declared `migrate` blocks, where each stored
//! value of the new policy comes from; and collecting the changes and problems found.

use super::report::*;
use super::types::{ty_name, Compat, Progs};
use super::Stats;
use crate::diag::did_you_mean;
use crate::program::{
    CaseDef, CaseTypeId, DeadlineId, FieldKind, FormatId, MemberId, MigrateDef, MigrateStep,
};
use crate::value::{CaseId, Ty, Value};

/// Where a new stored field's values come from.
#[derive(Clone, Debug)]
pub(super) enum Source {
    /// A derived field: nothing stored.
    Derived,
    /// Nothing (refused before any value is converted).
    Missing,
    /// Its default (unset, for an optional field).
    Default(Value),
    /// The old field `old`, read as `compat` says.
    Carry { old: usize, compat: Compat },
    /// Step `step` of the block computes it; until then it holds the old field's value
    /// (`carry`) where one fits, else unset.
    Set {
        step: usize,
        carry: Option<(usize, Compat)>,
    },
}

/// How the cases of one new case type are made.
#[derive(Default)]
pub(super) struct TypeMap {
    /// The old case type its cases come from.
    pub old_ty: Option<CaseTypeId>,
    pub fields: Vec<Source>,
    pub parts: Vec<Source>,
    /// Per old status: the new one.
    pub statuses: Vec<Option<MemberId>>,
    /// Per new deadline slot: the old slot whose firing is kept.
    pub deadlines: Vec<Option<usize>>,
    /// A key format every key is checked against.
    pub key_format: Option<FormatId>,
    pub key_misfits: usize,
    /// Per new field: values that did not convert, [unset, other].
    pub misfits: Vec<[usize; 2]>,
    pub part_misfits: Vec<[usize; 2]>,
    /// The migrated cases of this type, in the new world.
    pub ids: Vec<CaseId>,
    /// Changes found for this type, in order.
    changes: Vec<Change>,
}

pub(super) struct Plan<'a> {
    pub progs: Progs<'a>,
    stats: &'a [Stats],
    /// Per new case type.
    pub types: Vec<TypeMap>,
    /// Per old case type: the new one its cases become (`None`: dropped or refused).
    pub new_of_old: Vec<Option<CaseTypeId>>,
    /// Changes of no new case type (old types dropped).
    tail: Vec<Change>,
    pub problems: Vec<MigrationProblem>,
}

/// `migrate filing`, `migrate people in filing`: how a help names the block to write.
fn head(def: &CaseDef, parts: bool) -> String {
    if parts {
        format!("migrate {} in {}", def.parts.name, def.name)
    } else {
        format!("migrate {}", def.name)
    }
}

fn field_subject(def: &CaseDef, parts: bool, name: &str) -> Subject {
    if parts {
        Subject::ParticipantField(def.parts.name.clone(), name.to_string())
    } else {
        Subject::Field(name.to_string())
    }
}

fn stored(defs: &[crate::program::FieldDef], name: &str) -> Option<usize> {
    defs.iter()
        .position(|f| f.name == name && matches!(f.kind, FieldKind::Stored { .. }))
}

impl<'a> Plan<'a> {
    pub fn new(progs: Progs<'a>, stats: &'a [Stats]) -> Plan<'a> {
        Plan {
            progs,
            stats,
            types: progs.new.cases.iter().map(|_| TypeMap::default()).collect(),
            new_of_old: vec![None; progs.old.cases.len()],
            tail: Vec::new(),
            problems: Vec::new(),
        }
    }

    fn problem(
        &mut self,
        case_type: &str,
        subject: Subject,
        problem: Problem,
        count: usize,
        help: String,
    ) {
        self.problems.push(MigrationProblem {
            case_type: case_type.to_string(),
            subject,
            problem,
            count,
            help,
        });
    }

    fn change(
        &mut self,
        ty: Option<CaseTypeId>,
        kind: ChangeKind,
        case_type: &str,
        subject: Subject,
        what: ChangeWhat,
        count: usize,
    ) {
        let c = Change {
            kind,
            case_type: case_type.to_string(),
            subject,
            what,
            count,
        };
        match ty.and_then(|t| self.types.get_mut(t.index())) {
            Some(m) => m.changes.push(c),
            None => self.tail.push(c),
        }
    }

    /// The block of `migrate` steps for new case type `ty` (or its participants).
    fn block(&self, ty: CaseTypeId, parts: bool) -> Option<&'a MigrateDef> {
        let new = self.progs.new;
        new.migrations
            .iter()
            .find(|m| m.case_ty == ty && m.parts == parts)
    }

    /// Which old case type each new one reads, and what becomes of every old one.
    pub fn map_case_types(&mut self) {
        let Progs { old, new } = self.progs;
        let old_ty = |name: &str| old.cases.iter().position(|c| c.name == name);
        for (t, n) in new.cases.iter().enumerate() {
            let t = CaseTypeId::at(t);
            let from = self
                .block(t, false)
                .and_then(|b| Some((b.from.as_ref()?, b)));
            let source = match from {
                Some((from, _)) if old_ty(&n.name).is_none() => match old_ty(from) {
                    Some(o) => {
                        let count = self.stats.get(o).map_or(0, |s| s.cases);
                        self.change(
                            Some(t),
                            ChangeKind::Declared,
                            &n.name,
                            Subject::CaseType,
                            ChangeWhat::CaseTypeRenamed { from: from.clone() },
                            count,
                        );
                        Some(o)
                    }
                    None => {
                        let names = old.cases.iter().map(|c| c.name.as_str());
                        let suggestion = did_you_mean(from, names).map(str::to_string);
                        let place = from_place(self.block(t, false));
                        self.unknown_old(&n.name, "case type", from, suggestion, place);
                        None
                    }
                },
                _ => old_ty(&n.name),
            };
            match source {
                Some(o) => {
                    self.new_of_old[o] = Some(t);
                    self.types[t.index()].old_ty = Some(CaseTypeId::at(o));
                    self.map_case(t, CaseTypeId::at(o));
                }
                None => {
                    self.change(
                        Some(t),
                        ChangeKind::Compatible,
                        &n.name,
                        Subject::CaseType,
                        ChangeWhat::NewCaseType,
                        0,
                    );
                    self.types[t.index()].fields = n.fields.iter().map(initial).collect();
                    self.types[t.index()].parts = n.parts.fields.iter().map(initial).collect();
                }
            }
        }
        for (o, def) in old.cases.iter().enumerate() {
            if self.new_of_old[o].is_some() {
                continue;
            }
            let count = self.stats.get(o).map_or(0, |s| s.cases);
            if new.dropped_cases.contains(&def.name) {
                self.change(
                    None,
                    ChangeKind::Declared,
                    &def.name,
                    Subject::CaseType,
                    ChangeWhat::CaseTypeDropped,
                    count,
                );
                continue;
            }
            let first_new = new.cases.first().map_or("<case type>", |c| c.name.as_str());
            self.problem(
                &def.name,
                Subject::CaseType,
                Problem::CaseTypeRemoved,
                count,
                format!(
                    "to discard its cases, declare `migrate drop {0}`; if it was renamed, `migrate {first_new} from {0} {{ … }}` with the new name",
                    def.name
                ),
            );
            // a `migrate drop` that names no old case type, close to this one: a typo
            for d in &new.dropped_cases {
                if old_ty(d).is_none() && did_you_mean(d, [def.name.as_str()]).is_some() {
                    let place = "`migrate drop`".to_string();
                    self.unknown_old(&def.name, "case type", d, Some(def.name.clone()), place);
                }
            }
        }
    }

    fn unknown_old(
        &mut self,
        case_type: &str,
        kind: &'static str,
        name: &str,
        suggestion: Option<String>,
        place: String,
    ) {
        let help = match &suggestion {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("name a {kind} of the old policy, or remove the step"),
        };
        self.problem(
            case_type,
            Subject::CaseType,
            Problem::UnknownOldName {
                kind,
                name: name.to_string(),
                suggestion,
                place,
            },
            0,
            help,
        );
    }

    /// Maps a kept case type: key, fields, participants, statuses, deadlines.
    fn map_case(&mut self, t: CaseTypeId, o: CaseTypeId) {
        let Progs { old, new } = self.progs;
        let (Some(odef), Some(ndef)) = (old.case_def(o), new.case_def(t)) else {
            return;
        };
        let stats = self.stats.get(o.index()).cloned().unwrap_or_default();
        // the key
        if let Some(f) = ndef.key_format {
            let from = odef.key_format.map_or(Ty::Text, Ty::Format);
            if self.progs.compat(&from, &Ty::Format(f)) != Compat::Same {
                self.types[t.index()].key_format = Some(f);
            }
        }
        // fields, then participants
        let fields = self.map_fields(t, odef, ndef, false, &stats);
        self.types[t.index()].fields = fields;
        let parts = match (odef.parts.name.is_empty(), ndef.parts.name.is_empty()) {
            (false, false) => self.map_fields(t, odef, ndef, true, &stats),
            (true, false) => {
                self.change(
                    Some(t),
                    ChangeKind::Compatible,
                    &ndef.name,
                    Subject::Participants(ndef.parts.name.clone()),
                    ChangeWhat::NewParticipants,
                    0,
                );
                ndef.parts.fields.iter().map(initial).collect()
            }
            (false, true) => {
                self.problem(
                    &ndef.name,
                    Subject::Participants(odef.parts.name.clone()),
                    Problem::ParticipantsRemoved,
                    stats.participants,
                    format!(
                        "declare them again (`participants {} in {} {{ … }}`): no migration drops participants",
                        odef.parts.name, ndef.name
                    ),
                );
                Vec::new()
            }
            (true, true) => Vec::new(),
        };
        self.types[t.index()].parts = parts;
        self.map_statuses(t, odef, ndef, &stats);
        self.map_deadlines(t, odef, ndef, &stats);
        let m = &mut self.types[t.index()];
        m.misfits = vec![[0; 2]; m.fields.len()];
        m.part_misfits = vec![[0; 2]; m.parts.len()];
    }

    /// Where each new stored field (of the case, or of its participants) comes from.
    fn map_fields(
        &mut self,
        t: CaseTypeId,
        odef: &CaseDef,
        ndef: &CaseDef,
        parts: bool,
        stats: &Stats,
    ) -> Vec<Source> {
        let progs = self.progs;
        let block = self.block(t, parts);
        let steps: &[MigrateStep] = block.map_or(&[], |b| &b.steps);
        let place = from_place(block);
        let (olds, news) = (odef.fields_of(parts), ndef.fields_of(parts));
        let holders = if parts {
            &stats.part_holders
        } else {
            &stats.holders
        };
        let owners = if parts {
            stats.participants
        } else {
            stats.cases
        };
        let held = |j: usize| holders.get(j).copied().unwrap_or(0);
        let case_name = ndef.name.as_str();
        let mut carried = vec![false; olds.len()];
        let mut out = Vec::with_capacity(news.len());
        for (i, f) in news.iter().enumerate() {
            let subject = field_subject(ndef, parts, &f.name);
            let FieldKind::Stored { default } = &f.kind else {
                out.push(Source::Derived);
                continue;
            };
            let renamed = steps.iter().find_map(|s| match s {
                MigrateStep::Rename { from, to } if *to as usize == i => Some(from),
                _ => None,
            });
            let set = steps
                .iter()
                .position(|s| matches!(s, MigrateStep::Set { field, .. } if *field as usize == i));
            let from = match renamed {
                Some(r) if stored(olds, &f.name).is_none() => match stored(olds, r) {
                    Some(j) => {
                        self.change(
                            Some(t),
                            ChangeKind::Declared,
                            case_name,
                            subject.clone(),
                            ChangeWhat::FieldRenamed { from: r.clone() },
                            held(j),
                        );
                        Some(j)
                    }
                    None => {
                        let names = olds
                            .iter()
                            .filter(|f| matches!(f.kind, FieldKind::Stored { .. }))
                            .map(|f| f.name.as_str());
                        let suggestion = did_you_mean(r, names).map(str::to_string);
                        self.unknown_old(case_name, "field", r, suggestion, place.clone());
                        None
                    }
                },
                _ => stored(olds, &f.name),
            };
            let source = match (from, set) {
                (Some(j), set) => {
                    carried[j] = true;
                    let from_ty = &olds[j].ty;
                    let compat = progs.compat(from_ty, &f.ty);
                    let (a, b) = (ty_name(progs.old, from_ty), ty_name(progs.new, &f.ty));
                    match compat {
                        Compat::Same => Source::Carry { old: j, compat },
                        Compat::Widened => {
                            self.change(
                                Some(t),
                                ChangeKind::Compatible,
                                case_name,
                                subject,
                                ChangeWhat::TypeWidened { from: a, to: b },
                                held(j),
                            );
                            Source::Carry { old: j, compat }
                        }
                        // each value is checked; a declared `set` computes them instead
                        Compat::Checked => match set {
                            None => Source::Carry { old: j, compat },
                            Some(step) => Source::Set {
                                step,
                                carry: Some((j, compat)),
                            },
                        },
                        Compat::Changed => match set {
                            Some(step) => Source::Set { step, carry: None },
                            None => {
                                self.problem(
                                    case_name,
                                    subject,
                                    Problem::TypeChanged { from: a, to: b.clone() },
                                    held(j),
                                    format!(
                                        "declare how to compute its values as `{b}`: `{} {{ set {} = … }}`",
                                        head(ndef, parts),
                                        f.name
                                    ),
                                );
                                Source::Missing
                            }
                        },
                    }
                }
                (None, Some(step)) => Source::Set { step, carry: None },
                (None, None) => match default {
                    Some(v) => {
                        self.change(
                            Some(t),
                            ChangeKind::Compatible,
                            case_name,
                            subject,
                            ChangeWhat::NewField {
                                optional: f.ty.is_opt(),
                            },
                            owners,
                        );
                        Source::Default(v.clone())
                    }
                    None => {
                        let ty = ty_name(progs.new, &f.ty);
                        self.problem(
                            case_name,
                            subject,
                            Problem::NoDefault { ty: ty.clone() },
                            owners,
                            format!(
                                "give it a default (`{0}: {ty} = …`), make it optional (`{0}: {ty}?`), or compute it: `{1} {{ set {0} = … }}`",
                                f.name,
                                head(ndef, parts)
                            ),
                        );
                        Source::Missing
                    }
                },
            };
            out.push(source);
        }
        self.removed_fields(t, odef, ndef, parts, &carried, &out, held);
        out
    }

    /// The old stored fields no new field reads: dropped as declared, or refused.
    #[expect(
        clippy::too_many_arguments,
        reason = "one call site, each argument distinct"
    )]
    fn removed_fields(
        &mut self,
        t: CaseTypeId,
        odef: &CaseDef,
        ndef: &CaseDef,
        parts: bool,
        carried: &[bool],
        sources: &[Source],
        held: impl Fn(usize) -> usize,
    ) {
        let progs = self.progs;
        let block = self.block(t, parts);
        let steps: &[MigrateStep] = block.map_or(&[], |b| &b.steps);
        let (olds, news) = (odef.fields_of(parts), ndef.fields_of(parts));
        let mut refused: Vec<&str> = Vec::new();
        for (j, f) in olds.iter().enumerate() {
            if carried[j] || !matches!(f.kind, FieldKind::Stored { .. }) {
                continue;
            }
            let subject = field_subject(ndef, parts, &f.name);
            let dropped = steps
                .iter()
                .any(|s| matches!(s, MigrateStep::Drop(d) if *d == f.name));
            if dropped {
                self.change(
                    Some(t),
                    ChangeKind::Declared,
                    &ndef.name,
                    subject,
                    ChangeWhat::FieldDropped,
                    held(j),
                );
                continue;
            }
            // a new field read from nothing, of a type that holds the old values
            let renamed_to = news
                .iter()
                .zip(sources)
                .find(|(g, s)| {
                    matches!(
                        s,
                        Source::Default(_) | Source::Missing | Source::Set { carry: None, .. }
                    ) && matches!(g.kind, FieldKind::Stored { .. })
                        && progs.compat(&f.ty, &g.ty) != Compat::Changed
                })
                .map(|(g, _)| g.name.clone());
            let head = head(ndef, parts);
            let help = match &renamed_to {
                Some(r) => format!(
                    "if it was renamed, declare `{head} {{ rename {0} to {r} }}`; to discard its values, `{head} {{ drop {0} }}`",
                    f.name
                ),
                None => format!(
                    "to discard its values, declare `{head} {{ drop {0} }}`; if it was renamed, `{head} {{ rename {0} to <new name> }}`",
                    f.name
                ),
            };
            self.problem(
                &ndef.name,
                subject,
                Problem::FieldRemoved { renamed_to },
                held(j),
                help,
            );
            refused.push(&f.name);
        }
        // a `drop` or `rename` of a field the old policy lacks, close to a refused one: a typo
        for s in steps {
            let name = match s {
                MigrateStep::Drop(d) => d,
                MigrateStep::Rename { from, .. } => from,
                _ => continue,
            };
            if stored(olds, name).is_some() {
                continue;
            }
            if let Some(close) = did_you_mean(name, refused.iter().copied()) {
                let place = from_place(block);
                self.unknown_old(&ndef.name, "field", name, Some(close.to_string()), place);
            }
        }
    }

    fn map_statuses(&mut self, t: CaseTypeId, odef: &CaseDef, ndef: &CaseDef, stats: &Stats) {
        let Progs { old, new } = self.progs;
        let block = self.block(t, false);
        let steps: &[MigrateStep] = block.map_or(&[], |b| &b.steps);
        let olds = old
            .enum_def(odef.status_enum)
            .map_or(&[][..], |e| &e.values[..]);
        let news = new
            .enum_def(ndef.status_enum)
            .map_or(&[][..], |e| &e.values[..]);
        let mut map = Vec::with_capacity(olds.len());
        let mut refused: Vec<&str> = Vec::new();
        for (k, s) in olds.iter().enumerate() {
            let count = stats.status.get(k).copied().unwrap_or(0);
            if let Some(i) = news.iter().position(|x| x == s) {
                map.push(Some(MemberId::at(i)));
                continue;
            }
            let mapped = steps.iter().find_map(|st| match st {
                MigrateStep::Status { from, to } if from == s => Some(*to),
                _ => None,
            });
            if let Some(to) = mapped {
                let to_name = news.get(to.index()).cloned().unwrap_or_default();
                self.change(
                    Some(t),
                    ChangeKind::Declared,
                    &ndef.name,
                    Subject::Status(s.clone()),
                    ChangeWhat::StatusMapped { to: to_name },
                    count,
                );
                map.push(Some(to));
                continue;
            }
            let close = did_you_mean(s, news.iter().map(String::as_str))
                .map_or("<a status of the new policy>".to_string(), str::to_string);
            self.problem(
                &ndef.name,
                Subject::Status(s.clone()),
                Problem::StatusRemoved,
                count,
                format!(
                    "declare the status its cases take: `migrate {} {{ status {s} -> {close} }}`",
                    ndef.name
                ),
            );
            refused.push(s);
            map.push(None);
        }
        for s in news.iter().filter(|s| !olds.contains(s)) {
            self.change(
                Some(t),
                ChangeKind::Compatible,
                &ndef.name,
                Subject::Status(s.clone()),
                ChangeWhat::NewStatus,
                0,
            );
        }
        for st in steps {
            if let MigrateStep::Status { from, .. } = st {
                if olds.contains(from) {
                    continue;
                }
                if let Some(close) = did_you_mean(from, refused.iter().copied()) {
                    let place = from_place(block);
                    self.unknown_old(&ndef.name, "status", from, Some(close.to_string()), place);
                }
            }
        }
        self.types[t.index()].statuses = map;
    }

    fn map_deadlines(&mut self, t: CaseTypeId, odef: &CaseDef, ndef: &CaseDef, stats: &Stats) {
        let Progs { old, new } = self.progs;
        let name = |p: &'a crate::program::Program, g: &DeadlineId| {
            p.deadline(*g).map_or("", |d| d.name.as_str())
        };
        let olds: Vec<&str> = odef.deadlines.iter().map(|g| name(old, g)).collect();
        let news: Vec<&str> = ndef.deadlines.iter().map(|g| name(new, g)).collect();
        self.types[t.index()].deadlines = news
            .iter()
            .map(|n| olds.iter().position(|o| o == n))
            .collect();
        for o in olds.iter().filter(|o| !news.contains(o)) {
            self.change(
                Some(t),
                ChangeKind::Compatible,
                &ndef.name,
                Subject::Deadline(o.to_string()),
                ChangeWhat::DeadlineRemoved,
                stats.cases,
            );
        }
    }

    /// After conversion: the values that did not fit, as problems.
    pub fn misfit_problems(&mut self) {
        let new = self.progs.new;
        let old = self.progs.old;
        for t in 0..self.types.len() {
            let Some(ndef) = new.case_def(CaseTypeId::at(t)) else {
                continue;
            };
            let Some(odef) = self.types[t].old_ty.and_then(|o| old.case_def(o)) else {
                continue;
            };
            let key_misfits = self.types[t].key_misfits;
            if key_misfits > 0 {
                let format = self.types[t]
                    .key_format
                    .and_then(|f| new.format(f))
                    .map_or(String::new(), |f| f.name.clone());
                self.problem(
                    &ndef.name,
                    Subject::Key,
                    Problem::KeyDoesNotFit { format },
                    key_misfits,
                    "keep a key format that every existing key matches: a case's key cannot be migrated".into(),
                );
            }
            for parts in [false, true] {
                let m = &self.types[t];
                let (sources, misfits) = if parts {
                    (&m.parts, &m.part_misfits)
                } else {
                    (&m.fields, &m.misfits)
                };
                let mut found = Vec::new();
                for (i, (s, [unset, other])) in sources.iter().zip(misfits).enumerate() {
                    let Source::Carry { old: j, .. } = s else {
                        continue;
                    };
                    let (Some(f), Some(g)) =
                        (odef.fields_of(parts).get(*j), ndef.fields_of(parts).get(i))
                    else {
                        continue;
                    };
                    let (a, b) = (ty_name(old, &f.ty), ty_name(new, &g.ty));
                    let head = head(ndef, parts);
                    let subject = field_subject(ndef, parts, &g.name);
                    if *unset > 0 {
                        found.push((
                            subject.clone(),
                            Problem::NoLongerOptional {
                                from: a.clone(),
                                to: b.clone(),
                            },
                            *unset,
                            format!(
                                "keep it optional, or compute it: `{head} {{ set {} = … }}`",
                                g.name
                            ),
                        ));
                    }
                    if *other > 0 {
                        found.push((
                            subject,
                            Problem::ValuesDoNotFit { from: a, to: b },
                            *other,
                            format!(
                                "keep a type that holds the old values, or compute them: `{head} {{ set {} = … }}`",
                                g.name
                            ),
                        ));
                    }
                }
                for (subject, problem, count, help) in found {
                    self.problem(&ndef.name, subject, problem, count, help);
                }
            }
        }
    }

    /// After a conversion without problems: the checked values and keys, as changes.
    pub fn values_checked(&mut self) {
        let Progs { old, new } = self.progs;
        for t in 0..self.types.len() {
            let Some(ndef) = new.case_def(CaseTypeId::at(t)) else {
                continue;
            };
            let Some(o) = self.types[t].old_ty else {
                continue;
            };
            let Some(odef) = old.case_def(o) else {
                continue;
            };
            let stats = self.stats.get(o.index()).cloned().unwrap_or_default();
            if let Some(f) = self.types[t].key_format {
                let format = new.format(f).map_or(String::new(), |f| f.name.clone());
                self.change(
                    Some(CaseTypeId::at(t)),
                    ChangeKind::Compatible,
                    &ndef.name,
                    Subject::Key,
                    ChangeWhat::KeysChecked { format },
                    stats.cases,
                );
            }
            for parts in [false, true] {
                let sources = if parts {
                    self.types[t].parts.clone()
                } else {
                    self.types[t].fields.clone()
                };
                let holders = if parts {
                    &stats.part_holders
                } else {
                    &stats.holders
                };
                for (i, s) in sources.iter().enumerate() {
                    let Source::Carry {
                        old: j,
                        compat: Compat::Checked,
                    } = s
                    else {
                        continue;
                    };
                    let (Some(f), Some(g)) =
                        (odef.fields_of(parts).get(*j), ndef.fields_of(parts).get(i))
                    else {
                        continue;
                    };
                    self.change(
                        Some(CaseTypeId::at(t)),
                        ChangeKind::Compatible,
                        &ndef.name,
                        field_subject(ndef, parts, &g.name),
                        ChangeWhat::ValuesChecked {
                            from: ty_name(old, &f.ty),
                            to: ty_name(new, &g.ty),
                        },
                        holders.get(*j).copied().unwrap_or(0),
                    );
                }
            }
        }
    }

    /// What one applied `set` did: a change, or problems.
    pub fn set_outcome(
        &mut self,
        block: &MigrateDef,
        field: u16,
        expr: &str,
        failed: usize,
        unset: usize,
        reason: Option<String>,
    ) {
        let new = self.progs.new;
        let Some(ndef) = new.case_def(block.case_ty) else {
            return;
        };
        let Some(f) = ndef.fields_of(block.parts).get(field as usize) else {
            return;
        };
        let subject = field_subject(ndef, block.parts, &f.name);
        let help =
            "make the expression give a value for every case, e.g. with a fallback: `… ?? <value>`"
                .to_string();
        if failed > 0 {
            self.problem(
                &ndef.name,
                subject.clone(),
                Problem::SetFailed {
                    expr: expr.to_string(),
                    reason,
                },
                failed,
                help.clone(),
            );
        }
        if unset > 0 {
            self.problem(
                &ndef.name,
                subject.clone(),
                Problem::SetLeftUnset {
                    expr: expr.to_string(),
                },
                unset,
                help,
            );
        }
        if failed == 0 && unset == 0 {
            let stats = self.types[block.case_ty.index()]
                .old_ty
                .and_then(|o| self.stats.get(o.index()));
            let count = stats.map_or(0, |s| if block.parts { s.participants } else { s.cases });
            self.change(
                Some(block.case_ty),
                ChangeKind::Declared,
                &ndef.name,
                subject,
                ChangeWhat::FieldComputed {
                    expr: expr.to_string(),
                },
                count,
            );
        }
    }

    /// Values erased by `erase when`, per field of case type `t` and of its participants.
    pub fn erased(&mut self, t: CaseTypeId, case: &[usize], parts: &[usize]) {
        let Some(ndef) = self.progs.new.case_def(t) else {
            return;
        };
        for (is_part, counts) in [(false, case), (true, parts)] {
            for (f, n) in counts.iter().enumerate() {
                if *n == 0 {
                    continue;
                }
                let Some(def) = ndef.fields_of(is_part).get(f) else {
                    continue;
                };
                let subject = field_subject(ndef, is_part, &def.name);
                self.change(
                    Some(t),
                    ChangeKind::Compatible,
                    &ndef.name,
                    subject,
                    ChangeWhat::Erased,
                    *n,
                );
            }
        }
    }

    /// The recomputed deadlines of case type `t`: new ones as changes (with the cases they
    /// are past), failures as problems.
    pub fn deadline_outcome(
        &mut self,
        t: CaseTypeId,
        failed: usize,
        reason: Option<String>,
        overdue: &[usize],
    ) {
        let new = self.progs.new;
        let Some(ndef) = new.case_def(t) else {
            return;
        };
        if failed > 0 {
            self.problem(
                &ndef.name,
                Subject::CaseType,
                Problem::DeadlineFailed {
                    reason: reason.unwrap_or_default(),
                },
                failed,
                "compute deadlines from fields every migrated case holds".into(),
            );
        }
        let count = self.types[t.index()].ids.len();
        let new_slots: Vec<usize> = self.types[t.index()]
            .deadlines
            .iter()
            .enumerate()
            .filter(|(_, from)| from.is_none())
            .map(|(d, _)| d)
            .collect();
        // a new case type's deadlines are all new, and so is the type: not listed again
        if self.types[t.index()].old_ty.is_none() {
            return;
        }
        for d in new_slots {
            let name = ndef
                .deadlines
                .get(d)
                .and_then(|g| new.deadline(*g))
                .map_or(String::new(), |x| x.name.clone());
            self.change(
                Some(t),
                ChangeKind::Compatible,
                &ndef.name,
                Subject::Deadline(name),
                ChangeWhat::NewDeadline {
                    overdue: overdue.get(d).copied().unwrap_or(0),
                },
                count,
            );
        }
    }

    pub fn into_error(self) -> MigrationError {
        MigrationError {
            problems: self.problems,
        }
    }

    pub fn into_plan(self) -> MigrationPlan {
        let mut changes: Vec<Change> = Vec::new();
        for m in self.types {
            changes.extend(m.changes);
        }
        changes.extend(self.tail);
        MigrationPlan { changes }
    }
}

/// A new field's source when its case type (or participants) is new: its default.
fn initial(f: &crate::program::FieldDef) -> Source {
    match &f.kind {
        FieldKind::Stored { default: Some(v) } => Source::Default(v.clone()),
        FieldKind::Stored { default: None } => Source::Missing,
        FieldKind::Derived(_) => Source::Derived,
    }
}

/// Where a block is written, for a report.
fn from_place(block: Option<&MigrateDef>) -> String {
    block.map_or_else(|| "a `migrate` block".into(), |b| b.place.clone())
}
