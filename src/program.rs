//! The checked policy: every name resolved to an index, every expression typed.
//!
//! Only [`crate::check`] builds a `Program`, so the evaluator never sees an unchecked AST.

pub use crate::ids::{
    CalendarId, CaseTypeId, DeadlineId, EnumId, EventId, FormatId, MemberId, MessageId, PatternId,
    RecordId, TableId,
};
use crate::outcome::MessageOut;
use crate::span::Source;
use crate::tables::{Pattern, RequirementTable};
use crate::value::{Ty, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// A checked policy, ready to evaluate events.
#[derive(Debug)]
pub struct Program {
    pub sources: Vec<Source>,
    pub enums: Vec<EnumDef>,
    pub formats: Vec<FormatDef>,
    pub records: Vec<RecordDef>,
    pub events: Vec<EventDef>,
    pub event_index: HashMap<String, EventId>,
    pub requirements: Vec<RequirementTable>,
    pub calendars: Vec<crate::calendar::Calendar>,
    /// The policy's time zone (its `zone` limit): where dates are counted.
    pub zone: Option<jiff::tz::TimeZone>,
    pub patterns: Vec<Pattern>,
    /// The case types, in declaration order (a case's `ty` indexes it).
    pub cases: Vec<CaseDef>,
    /// Every deadline of every case type; a case type lists its own in `CaseDef::deadlines`.
    pub deadlines: Vec<DeadlineDef>,
    /// The handler of each event type, by event index.
    pub event_handlers: Vec<Option<HandlerDef>>,
    /// The handler of each deadline, by deadline index.
    pub deadline_handlers: Vec<Option<HandlerDef>>,
    /// What outcomes share, built once: each message as output (by message index), each
    /// status name (by status index), and the case type's name.
    pub shared: SharedOut,
    /// The declared migrations (`migrate …` blocks), in file order.
    pub migrations: Vec<MigrateDef>,
    /// The case types of an older policy whose cases are discarded (`migrate drop loan`).
    pub dropped_cases: Vec<String>,
    /// Where messages, table rows, statuses and deadlines are written (for coverage).
    pub sites: crate::sites::Sites,
    /// The declared invariants, in file order.
    pub invariants: Vec<InvariantDef>,
    /// Whether evaluation runs compiled code ([`Program::compile`]) where it has it.
    pub(crate) compiled: bool,
    /// Whether some `erase when` condition or deadline reads what changes without its case
    /// changing (the clock, other cases): a case of which an event wrote nothing but its
    /// deadlines is then looked at after the event too (set by [`Program::compile`]).
    pub(crate) reads_unwritten: bool,
    /// A number no other program checked by this process has: a world remembers the
    /// program its indexes were last found to fit ([`crate::World`]'s `indexed_for`), so
    /// that each event applied by the same program does not compare their shapes again.
    pub(crate) id: u64,
}

/// A number for a program just checked, none given before ([`Program::id`]).
pub(crate) fn new_program_id() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// `invariant name for filing [change] = condition else "message"`, checked.
#[derive(Debug, Clone)]
pub struct InvariantDef {
    pub name: String,
    /// The case type whose every case it is about.
    pub case_ty: CaseTypeId,
    /// Over a case before and after one event (`change`), or over a case after each event.
    pub transition: bool,
    /// The condition, a bool. Slot 0 holds the case (in a transition invariant, slot 0 is
    /// `after` and slot 1 `before`, the same case: what reads only `before` is wrapped in
    /// [`IExpr::Before`], evaluated on the world before the event).
    pub holds: Unit,
    /// What is wrong when it does not hold, read in the same scope.
    pub message: Vec<TPart>,
    /// Where it is declared.
    pub site: crate::sites::Site,
}

/// A `migrate` block, checked against this policy. Its names of the old policy (a renamed
/// or dropped field, an old status) are checked when a world is migrated.
#[derive(Debug, Clone)]
pub struct MigrateDef {
    /// The case type of this policy it migrates.
    pub case_ty: CaseTypeId,
    /// Whether it migrates the participants of that case type.
    pub parts: bool,
    /// `from application`: the case type's name in the old policy.
    pub from: Option<String>,
    pub steps: Vec<MigrateStep>,
    /// Where it is written (`rules/x.docket:12`), for reports.
    pub place: String,
}

/// One checked step of a `migrate` block.
#[derive(Debug, Clone)]
pub enum MigrateStep {
    /// The old field's values move to this policy's stored field `to`.
    Rename { from: String, to: u16 },
    /// The old field's values are discarded.
    Drop(String),
    /// The stored field is computed over the migrated case (or participant, as slot 0).
    Set {
        field: u16,
        unit: Unit,
        /// Whether the value reads a sensitive one (then no evaluation error is echoed).
        sensitive: bool,
        /// The expression as written, for reports.
        text: String,
    },
    /// Cases in the old status `from` are put in status `to`.
    Status { from: String, to: MemberId },
}

/// The strings every outcome repeats, shared rather than copied into each one.
#[derive(Debug)]
pub struct SharedOut {
    pub messages: Vec<Arc<MessageOut>>,
    /// Each case type's status names (`[case type][status]`).
    pub statuses: Vec<Vec<crate::outcome::Name>>,
    /// Each case type's name.
    pub case_names: Vec<crate::outcome::Name>,
    /// Each requirements table's rows as the set values a lookup returns (`[table][row]`),
    /// so that every case holding one shares it.
    pub requirement_sets: Vec<Vec<Value>>,
    /// The set of each single enumeration member (`[enum][member]`).
    pub singletons: Vec<Vec<Value>>,
    /// What writing a shown value takes (enumeration names, the time zone).
    pub(crate) names: Arc<crate::shown::ValueNames>,
}

#[derive(Debug, Clone)]
pub struct EnumDef {
    pub name: String,
    pub values: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct FormatDef {
    pub name: String,
    pub pattern: Pattern,
    pub uppercase: bool,
    pub lowercase: bool,
    pub trim: bool,
    /// `at most N characters`.
    pub max_chars: Option<usize>,
    pub description: String,
}

impl FormatDef {
    /// Whether `raw` is in the format as it stands, known without copying or counting:
    /// the pattern is ASCII classes alone (`^1[0-9]{10}$`, `^[A-Za-z0-9_-]{1,64}$`), which
    /// `raw` matches, and no transform could change a string it matches (no space for
    /// `trim` to cut, no letter for a case change). `false` says nothing:
    /// [`FormatDef::transform`] and the pattern decide.
    pub(crate) fn plainly_matches(&self, raw: &str) -> bool {
        const SPACES: u128 = 1 << b' ' | 0b11111 << b'\t';
        const LOWER: u128 = ((1 << 26) - 1) << b'a';
        const UPPER: u128 = ((1 << 26) - 1) << b'A';
        let Some(plain) = self.pattern.plain() else {
            return false;
        };
        let changed = [
            (self.trim, SPACES),
            (self.uppercase, LOWER),
            (self.lowercase, UPPER),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .fold(0, |all, (_, bytes)| all | bytes);
        !plain.admits_any(changed)
            && self.max_chars.is_none_or(|max| plain.max_len() <= max)
            && plain.matches(raw)
    }

    /// `raw` with the format's transforms applied (`trim`, then `uppercase` or
    /// `lowercase`), copied only when they change something.
    pub fn transform<'r>(&self, raw: &'r str) -> std::borrow::Cow<'r, str> {
        if !(self.trim || self.uppercase || self.lowercase) {
            return raw.into();
        }
        let trimmed = if self.trim { raw.trim() } else { raw };
        if trimmed.is_ascii() {
            // the common case, without asking Unicode's tables of each character
            return if self.uppercase && trimmed.bytes().any(|b| b.is_ascii_lowercase()) {
                trimmed.to_ascii_uppercase().into()
            } else if self.lowercase
                && !self.uppercase
                && trimmed.bytes().any(|b| b.is_ascii_uppercase())
            {
                trimmed.to_ascii_lowercase().into()
            } else {
                trimmed.into()
            };
        }
        let changes = |case: fn(char) -> bool| trimmed.chars().any(case);
        if self.uppercase && changes(|c| !c.to_uppercase().eq([c])) {
            trimmed.to_uppercase().into()
        } else if self.lowercase && !self.uppercase && changes(|c| !c.to_lowercase().eq([c])) {
            trimmed.to_lowercase().into()
        } else {
            trimmed.into()
        }
    }
}

#[derive(Debug, Clone)]
pub struct RecordDef {
    pub fields: Vec<RecordFieldDef>,
}

#[derive(Debug, Clone)]
pub struct RecordFieldDef {
    pub name: String,
    pub ty: Ty,
    pub sensitive: bool,
}

#[derive(Debug, Clone)]
pub struct EventDef {
    pub name: String,
    pub record: RecordId,
}

#[derive(Debug, Clone)]
pub struct FieldDef {
    pub name: String,
    pub ty: Ty,
    pub sensitive: bool,
    pub kind: FieldKind,
}

#[derive(Debug, Clone)]
pub enum FieldKind {
    /// Stored; `default` is its value at creation (`None`: must be given).
    Stored { default: Option<Value> },
    /// Computed on read from the other fields; read-only.
    Derived(Unit),
}

impl Program {
    /// Compiles every handler (`true`), or drops their compiled code so that the tree
    /// walker evaluates everything (`false`).
    pub(crate) fn compile(&mut self, compiled: bool) {
        self.compiled = compiled;
        let erasures = (self.cases.iter()).flat_map(|c| c.erase.iter().chain(&c.parts.erase));
        self.reads_unwritten = (erasures.map(|e| &e.reads))
            .chain(self.deadlines.iter().map(|d| &d.reads))
            .any(|r| r.always);
        if compiled {
            for unit in Unit::values(self) {
                unit.code.fill(self, &unit.expr);
            }
            for unit in Unit::conditions(self) {
                unit.code.fill_test(self, &unit.expr);
            }
        }
        // (each deadline's handler with its case type)
        let handlers = (self.event_handlers.iter().map(|h| (h, None))).chain(
            (self.deadline_handlers.iter())
                .zip(&self.deadlines)
                .map(|(h, d)| (h, Some(d.case_ty))),
        );
        let codes: Vec<_> = handlers
            .map(|(h, of)| match h {
                Some(h) if compiled => crate::eval::compile_handler(self, h, of),
                _ => Default::default(),
            })
            .collect();
        let handlers = self
            .event_handlers
            .iter_mut()
            .chain(&mut self.deadline_handlers);
        for (h, code) in handlers.zip(codes) {
            if let Some(h) = h {
                h.code = code;
            }
        }
    }

    /// An instant as RFC 3339: with the offset of the policy's time zone when it declares
    /// one, else in UTC.
    pub fn instant_text(&self, t: jiff::Timestamp) -> String {
        crate::text::instant_text(t, self.zone.as_ref())
    }

    /// The name of an enumeration value.
    pub fn enum_name(&self, e: EnumId, i: MemberId) -> &str {
        crate::text::enum_name(&self.enums, e, i)
    }

    /// A value as JSON (output and saved worlds); `case_key` names a case value.
    pub fn value_json(
        &self,
        v: &Value,
        case_key: &dyn Fn(u32) -> Option<String>,
    ) -> serde_json::Value {
        use serde_json::Value as J;
        match v {
            Value::Unset | Value::Part(_) => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Count(n) => J::from(*n),
            Value::Duration(d) => J::String(crate::duration::format_duration(*d)),
            Value::Instant(t) => J::String(self.instant_text(*t)),
            Value::Date(d) => J::String(d.to_string()),
            Value::Period(p) => J::String(p.format()),
            Value::Text(s) => J::String(s.to_string()),
            Value::Enum(e, i) => J::String(self.enum_name(*e, *i).to_string()),
            Value::List(items) | Value::Set(items) | Value::Record(items) => {
                J::Array(items.iter().map(|x| self.value_json(x, case_key)).collect())
            }
            Value::Case(id) => case_key(*id).map_or(J::Null, J::String),
        }
    }
}

/// The values of fields at creation: defaults, and unset where none is given.
pub fn initial_values(fields: &[FieldDef]) -> Vec<Value> {
    let mut values = Vec::with_capacity(fields.len());
    initial_values_into(fields, &mut values);
    values
}

/// [`initial_values`] into `values` (emptied first), to reuse its storage.
pub fn initial_values_into(fields: &[FieldDef], values: &mut Vec<Value>) {
    values.clear();
    values.extend(fields.iter().map(|f| match &f.kind {
        FieldKind::Stored { default: Some(v) } => v.clone(),
        _ => Value::Unset,
    }));
}

/// A case type (e.g. a filing): keyed by text, with a status, fields, participants and
/// deadlines.
#[derive(Debug, Clone)]
pub struct CaseDef {
    pub name: String,
    pub key_name: String,
    pub key_format: Option<FormatId>,
    pub status_enum: EnumId,
    /// `tags[t]` = (tag name, which statuses carry it).
    pub tags: Vec<(String, Vec<bool>)>,
    pub fields: Vec<FieldDef>,
    /// The name of every case of the world (`case request … in requests`), if declared.
    pub all_name: Option<String>,
    /// Stored fields that a world-wide lookup of cases uses: the world indexes each.
    pub indexed: Vec<u16>,
    /// Its participants (a case type without any has an empty block).
    pub parts: PartsDef,
    /// Its deadlines, as indices into `Program::deadlines`; a case keeps one state each,
    /// in this order.
    pub deadlines: Vec<DeadlineId>,
    /// Stored fields erased (set unset) when their condition (over the case, as slot 0)
    /// holds, checked after each event on the cases it changed.
    pub erase: Vec<EraseDef>,
}

impl CaseDef {
    /// The fields of this case type's cases, or of their participants.
    pub fn fields_of(&self, of_part: bool) -> &[FieldDef] {
        if of_part {
            &self.parts.fields
        } else {
            &self.fields
        }
    }

    /// A case type with no name, fields or statuses (what a broken declaration leaves).
    pub fn empty() -> CaseDef {
        CaseDef {
            name: String::new(),
            key_name: String::new(),
            key_format: None,
            status_enum: EnumId::FIRST,
            tags: Vec::new(),
            fields: Vec::new(),
            all_name: None,
            indexed: Vec::new(),
            parts: PartsDef {
                name: String::new(),
                fields: Vec::new(),
                indexed: Vec::new(),
                erase: Vec::new(),
            },
            deadlines: Vec::new(),
            erase: Vec::new(),
        }
    }
}

impl Program {
    /// The enumeration `id`.
    pub fn enum_def(&self, id: EnumId) -> Option<&EnumDef> {
        self.enums.get(id.index())
    }

    /// The event type `id`.
    pub fn event(&self, id: EventId) -> Option<&EventDef> {
        self.events.get(id.index())
    }

    /// The handler of the event type `id`, if it has one.
    pub fn event_handler(&self, id: EventId) -> Option<&HandlerDef> {
        self.event_handlers.get(id.index())?.as_ref()
    }

    /// The deadline `id`.
    pub fn deadline(&self, id: DeadlineId) -> Option<&DeadlineDef> {
        self.deadlines.get(id.index())
    }

    /// The handler of the deadline `id`, if it has one.
    pub fn deadline_handler(&self, id: DeadlineId) -> Option<&HandlerDef> {
        self.deadline_handlers.get(id.index())?.as_ref()
    }

    /// The text format `id`.
    pub fn format(&self, id: FormatId) -> Option<&FormatDef> {
        self.formats.get(id.index())
    }

    /// The requirements table `id`.
    pub fn requirement_table(&self, id: TableId) -> Option<&RequirementTable> {
        self.requirements.get(id.index())
    }

    /// The message `id`, as outcomes carry it.
    pub fn message(&self, id: MessageId) -> Option<&Arc<MessageOut>> {
        self.shared.messages.get(id.index())
    }

    /// The calendar table `id`.
    pub fn calendar(&self, id: CalendarId) -> Option<&crate::calendar::Calendar> {
        self.calendars.get(id.index())
    }

    /// The record type `id`.
    pub fn record(&self, id: RecordId) -> Option<&RecordDef> {
        self.records.get(id.index())
    }

    /// The case type `ty`.
    pub fn case_def(&self, ty: CaseTypeId) -> Option<&CaseDef> {
        self.cases.get(ty.index())
    }
}

/// The participants of a case (e.g. the required people of a filing).
#[derive(Debug, Clone)]
pub struct PartsDef {
    pub name: String,
    pub fields: Vec<FieldDef>,
    /// Stored fields that a world-wide lookup uses: the world keeps an index on each.
    pub indexed: Vec<u16>,
    /// Stored fields erased when their condition holds, as [`CaseDef::erase`] (over the
    /// participant, as slot 0).
    pub erase: Vec<EraseDef>,
}

/// `erase when`: a stored field unset once its condition holds.
#[derive(Debug, Clone)]
pub struct EraseDef {
    pub field: u16,
    pub when: Unit,
    /// What the condition reads. INVARIANT: after every event, no field a condition holds
    /// for is still set; so a condition is read again only for a case where something it
    /// reads changed, or where its own field did.
    pub reads: Reads,
}

/// What an expression over one case reads of it, derived fields followed.
#[derive(Debug, Clone, Default)]
pub struct Reads {
    pub status: bool,
    pub case_fields: Vec<u16>,
    /// Fields of a participant: its own, or another's.
    pub part_fields: Vec<u16>,
    /// Something that changes without the case changing (the clock, other cases): read
    /// every time.
    pub always: bool,
}

#[derive(Debug, Clone)]
pub struct DeadlineDef {
    pub name: String,
    /// The case type it belongs to.
    pub case_ty: CaseTypeId,
    pub unit: Unit,
    /// What its instant reads of its case: it is computed again only for a case where
    /// something of it changed (or that is new).
    pub reads: Reads,
}

/// A compiled expression with the number of local slots it needs (slot 0 is `self`/the case).
#[derive(Debug, Clone)]
pub struct Unit {
    pub expr: IExpr,
    pub locals: usize,
    /// Its compiled code, filled by [`Program::compile`] (used only when the program is
    /// compiled: an engine that walks the tree ignores it).
    pub(crate) code: crate::eval::UnitCode,
}

impl Unit {
    pub fn new(expr: IExpr, locals: usize) -> Unit {
        Unit {
            expr,
            locals,
            code: Default::default(),
        }
    }

    /// The units read for their value: derived fields, deadlines (the others, conditions,
    /// are [`Unit::conditions`]).
    fn values(prog: &Program) -> impl Iterator<Item = &Unit> {
        fn derived(fields: &[FieldDef]) -> impl Iterator<Item = &Unit> {
            fields.iter().filter_map(|f| match &f.kind {
                FieldKind::Derived(u) => Some(u),
                FieldKind::Stored { .. } => None,
            })
        }
        let cases =
            (prog.cases.iter()).flat_map(|c| derived(&c.fields).chain(derived(&c.parts.fields)));
        cases.chain(prog.deadlines.iter().map(|d| &d.unit))
    }

    /// The units read for their truth: `erase when` conditions, invariants.
    fn conditions(prog: &Program) -> impl Iterator<Item = &Unit> {
        let erase = (prog.cases.iter()).flat_map(|c| c.erase.iter().chain(&c.parts.erase));
        (erase.map(|e| &e.when)).chain(prog.invariants.iter().map(|i| &i.holds))
    }
}

#[derive(Debug, Clone)]
pub struct HandlerDef {
    pub route: Option<RouteDef>,
    /// Local slots: the lets first, then rule variables.
    pub locals: usize,
    pub lets: Vec<(u16, IExpr)>,
    pub rules: Vec<RuleDef>,
    /// Its `let`s, `for` sources and conditions compiled (empty until the checker compiles
    /// them, and in an engine made to walk the tree).
    pub code: crate::eval::HandlerCode,
}

#[derive(Debug, Clone)]
pub struct RouteDef {
    pub create: bool,
    /// Find the case, or create it when there is none.
    pub or_new: bool,
    /// The case type it routes to.
    pub case_ty: CaseTypeId,
    pub key: IExpr,
    /// The event field the key comes from, named in errors.
    pub key_field: Option<String>,
}

#[derive(Debug, Clone)]
pub struct RuleDef {
    pub name: String,
    pub for_each: Option<(u16, IExpr)>,
    /// Whether `for_each` walks one of the handler's `let` lists (its slot, which no rule
    /// writes): item by item where the list lies. Set once the handler's lets are known.
    pub over_let: bool,
    pub when: Option<IExpr>,
    pub then: Vec<IAction>,
    /// `else when` branches, tried in order when `when` does not hold.
    pub else_when: Vec<(IExpr, Vec<IAction>)>,
    pub otherwise: Vec<IAction>,
    /// Where this rule's messages and changes are reported.
    pub context: RuleContext,
    /// Where it and its branches are written, and its guards' parts (for traces and
    /// coverage).
    pub site: crate::sites::RuleSite,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleContext {
    /// The case of the `for` variable (a participant or a case).
    ForVar,
    /// The handler's routed case (or the deadline's case).
    Handler,
    /// No case: answers about a person (`filing: null`).
    Nobody,
}

/// A place that `set` can write.
#[derive(Debug, Clone)]
pub enum Place {
    CaseStatus(IExpr),
    CaseField(IExpr, u16),
    PartField(IExpr, u16),
}

#[derive(Debug, Clone)]
pub enum IAction {
    Set(Place, IExpr),
    Emit(MessageId),
    /// `emit` of a message whose placeholders read the emitting rule's scope: each column's
    /// text (`text`, `result`, `next_step`, then the extra ones), rendered at each emit.
    EmitWith {
        message: MessageId,
        columns: Vec<Vec<TPart>>,
    },
    Reject {
        field: Option<String>,
        message: Vec<TPart>,
    },
    Show(Arc<str>, IExpr),
    /// Find-or-create a participant of the context case with these field values, bind it, run the block.
    Add {
        keys: Vec<(u16, IExpr)>,
        bind: u16,
        block: Vec<IAction>,
    },
}

#[derive(Debug, Clone)]
pub enum TPart {
    Text(String),
    Expr(IExpr),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// The built-in functions; a calendar argument is resolved to its table at load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    /// `length(text)`: how many characters.
    Length,
    /// `words(value)`: an enumeration value's name, `_` read as a space.
    Words,
    /// `date_of(instant)`: its local date in the policy's zone.
    DateOf,
    /// `start_of(date)`: the first instant of that day in the policy's zone.
    StartOf,
    /// `roll_forward(date, calendar)`: the date if a working day, else the next one.
    RollForward(CalendarId),
    /// `is_working_day(date, calendar)`
    IsWorkingDay(CalendarId),
    /// `add_working_days(date, count, calendar)`
    AddWorkingDays(CalendarId),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arith {
    Add,
    Sub,
    Mul,
}

impl Arith {
    /// The operator as written in a rule file.
    pub fn symbol(self) -> &'static str {
        match self {
            Arith::Add => "+",
            Arith::Sub => "-",
            Arith::Mul => "*",
        }
    }
}

/// A typed, resolved expression.
#[derive(Debug, Clone)]
pub enum IExpr {
    Lit(Value),
    EventField(u16),
    EventAt,
    Now,
    Local(u16),
    CaseKey(Box<IExpr>),
    CaseStatus(Box<IExpr>),
    CaseField(Box<IExpr>, u16),
    /// A derived field: (the case, its case type, the field).
    CaseDerived(Box<IExpr>, CaseTypeId, u16),
    CaseParts(Box<IExpr>),
    PartField(Box<IExpr>, u16),
    /// A derived field of a participant: (it, its case type, the field).
    PartDerived(Box<IExpr>, CaseTypeId, u16),
    PartCase(Box<IExpr>),
    RecField(Box<IExpr>, u16),
    /// A requirement-table lookup; `of` is the enum of its values; `blame` names the event
    /// field to blame when no row matches.
    Lookup {
        table: TableId,
        of: EnumId,
        keys: Vec<IExpr>,
        /// The enumeration of each key column (`roles.scenario`, …), the keys' types.
        columns: Vec<EnumId>,
        blame: Option<String>,
    },
    /// `[r in requests where r.<field> == key and cond]` over every case: served from the
    /// world's index on the case field `field`.
    CaseIndexLookup {
        ty: CaseTypeId,
        field: u16,
        key: Box<IExpr>,
        var: u16,
        cond: Box<IExpr>,
    },
    /// `[p in people where p.<field> == key and cond]`: served from the world's index on `field`.
    IndexLookup {
        ty: CaseTypeId,
        field: u16,
        key: Box<IExpr>,
        var: u16,
        cond: Box<IExpr>,
    },
    List(Vec<IExpr>),
    Filter {
        var: u16,
        source: Box<IExpr>,
        cond: Box<IExpr>,
    },
    Quant {
        all: bool,
        var: u16,
        source: Box<IExpr>,
        cond: Box<IExpr>,
    },
    Count(Box<IExpr>),
    Not(Box<IExpr>),
    Neg(Box<IExpr>),
    And(Box<IExpr>, Box<IExpr>),
    Or(Box<IExpr>, Box<IExpr>),
    Cmp(Cmp, Box<IExpr>, Box<IExpr>),
    Arith(Arith, Box<IExpr>, Box<IExpr>),
    /// Set or list union/difference (`+`/`-` on collections); the result is a set.
    SetOp(Arith, Box<IExpr>, Box<IExpr>),
    /// `+`/`-` on a list: appends the right side's items, or removes them; order and
    /// repeats are kept.
    ListOp(Arith, Box<IExpr>, Box<IExpr>),
    /// A built-in function.
    Call(Func, Vec<IExpr>),
    In(Box<IExpr>, Box<IExpr>),
    Matches(Box<IExpr>, PatternId),
    Coalesce(Box<IExpr>, Box<IExpr>),
    IsSet(Box<IExpr>),
    /// `x is <tag>` on a status of case type `.1`.
    HasTag(Box<IExpr>, CaseTypeId, u16),
    Template(Vec<TPart>),
    /// In a transition invariant: the expression evaluated on the world as it was before
    /// the event (what reads `before`).
    Before(Box<IExpr>),
}

impl IExpr {
    /// The conjuncts of it (`a and b and c`), in order, appended to `into`.
    pub(crate) fn conjuncts<'e>(&'e self, into: &mut Vec<&'e IExpr>) {
        match self {
            IExpr::And(a, b) => {
                a.conjuncts(into);
                b.conjuncts(into);
            }
            e => into.push(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::FormatDef;
    use crate::tables::Pattern;
    use proptest::prelude::*;

    fn def(trim: bool, uppercase: bool, lowercase: bool) -> FormatDef {
        FormatDef {
            name: "f".into(),
            pattern: Pattern::new("^.*$").unwrap(),
            uppercase,
            lowercase,
            trim,
            max_chars: None,
            description: String::new(),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]
        /// The transforms give what `str`'s own give, ASCII or not, and borrow the text
        /// when they change nothing.
        #[test]
        fn transforms_are_strs_own(raw in "[ a-zA-Z0-9_éÉßİ\u{1F600}\t]{0,12}", flags in 0u8..8) {
            let d = def(flags & 1 != 0, flags & 2 != 0, flags & 4 != 0);
            let trimmed = if d.trim { raw.trim() } else { raw.as_str() };
            let expected = if d.uppercase {
                trimmed.to_uppercase()
            } else if d.lowercase {
                trimmed.to_lowercase()
            } else {
                trimmed.to_string()
            };
            let got = d.transform(&raw);
            prop_assert_eq!(&*got, expected.as_str());
            prop_assert_eq!(matches!(got, std::borrow::Cow::Borrowed(_)), expected == trimmed);
        }

        /// A value plainly in a format is one the transforms leave as it is and the pattern
        /// matches; and every such value of a pattern of ASCII classes alone, whose classes
        /// hold nothing a transform changes, is plainly in it.
        #[test]
        fn a_value_plainly_in_a_format_is_in_it_as_it_stands(
            raw in prop_oneof![
                "[ a-dA-D0-9\t]{0,10}", "[0-9]{4,6}", "[ 0-9X]{4}", "[a-d]{2}[A-D]{2}", "[A-D0-9]{8}",
            ],
            flags in 0u8..16,
            pattern in prop::sample::select(vec![
                "^[0-9]{6}$", "^1[0-9]{3}$", "^[0-9]{3}[0-9X]$", "^[a-d]{2}[A-D]{2}$",
                "^[ a0-9]{1,9}$", "^[ 0-9]{4}$", "^[A-D0-9]{8}$", "^.{4}$", "^(1|2[0-9])$",
            ]),
        ) {
            let mut d = def(flags & 1 != 0, flags & 2 != 0, flags & 4 != 0);
            d.pattern = Pattern::new(pattern).unwrap();
            d.max_chars = (flags & 8 != 0).then_some(5);
            let transformed = d.transform(&raw);
            let in_format = transformed == raw.as_str()
                && d.max_chars.is_none_or(|m| raw.chars().count() <= m)
                && d.pattern.is_match(&raw);
            let plain = d.plainly_matches(&raw);
            prop_assert!(!plain || in_format, "{} {:?} flags {}", pattern, raw, flags);
            let (spaces, lower, upper) = (
                pattern.contains(' '),
                pattern.bytes().any(|b| b.is_ascii_lowercase()),
                pattern.bytes().any(|b| b.is_ascii_uppercase()),
            );
            let changeable = (d.trim && spaces) || (d.uppercase && lower) || (d.lowercase && upper);
            if d.pattern.plain().is_some() && !changeable && d.max_chars.is_none() {
                prop_assert_eq!(plain, in_format, "{} {:?} flags {}", pattern, raw, flags);
            }
        }
    }
}
