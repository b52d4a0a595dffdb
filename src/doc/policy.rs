//! The sections read off the rule files and the checked program: statuses and their moves,
//! cases, events and formats, handlers with their rules, deadlines.

use super::diagram::{Edge, Graph, Node, NodeKind};
use super::transitions::{transitions, From, To, Transition};
use super::{code, heading, pretty, text, Block, Inline, Item, Line, Policy};
use crate::ast::{self, Action, FieldDecl, PatternSrc, Trigger};
use crate::program::MemberId;

/// Names joined as code, `, ` between them; `none` when there are none.
fn names(list: &[String]) -> Line {
    if list.is_empty() {
        return vec![text("none")];
    }
    let mut out = Vec::new();
    for (i, n) in list.iter().enumerate() {
        if i > 0 {
            out.push(text(", "));
        }
        out.push(code(n.clone()));
    }
    out
}

fn path(parts: &[ast::Ident]) -> String {
    parts
        .iter()
        .map(|p| p.name.as_str())
        .collect::<Vec<_>>()
        .join(".")
}

/// "Statuses and moves": per case type, its statuses, the diagram and the moves.
pub(super) fn statuses(p: &Policy) -> Vec<Block> {
    let prog = p.program;
    let moves = transitions(prog);
    let mut out = vec![
        heading(2, vec![text("Statuses and moves")], "statuses"),
        Block::Para(vec![
            text("Which event or deadline moves a case from one status to another, read off the rules: every "),
            code("set ….status = …"),
            text(", from the statuses in which its rule can find the case as far as status tests say — the rule's guard, the guards of earlier rules of the handler that refuse the event, the conditions of the lookups it ranges over. "),
            Inline::Strong("any status".into()),
            text(": no status test narrows where the case is. Other conditions (a field that is set, a count) are not followed, so a move shown may need them as well. "),
            Inline::Strong("new".into()),
            text(": the event creates the case, which starts in the first status."),
        ]),
    ];
    for (ty, case) in prog.cases.iter().enumerate() {
        let ty = crate::program::CaseTypeId::at(ty);
        let statuses: Vec<String> = prog
            .enum_def(case.status_enum)
            .map(|e| e.values.clone())
            .unwrap_or_default();
        let tags_of = |s: usize| -> Vec<String> {
            case.tags
                .iter()
                .filter(|(_, on)| on.get(s).copied().unwrap_or(false))
                .map(|(n, _)| n.clone())
                .collect()
        };
        out.push(heading(
            3,
            vec![text("Case type "), code(case.name.clone())],
            format!("statuses-{}", case.name),
        ));
        let mine: Vec<&Transition> = moves.iter().filter(|t| t.case_ty == ty).collect();
        out.push(Block::Diagram(graph(
            &case.name, &statuses, &tags_of, &mine,
        )));
        let rows = statuses
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let mut note = Vec::new();
                if i == 0 {
                    note.push(text("where every case starts"));
                }
                vec![vec![code(s.clone())], names(&tags_of(i)), note]
            })
            .collect();
        out.push(Block::Table {
            head: vec!["status".into(), "tags".into(), "".into()],
            rows,
        });
        let status_name = |i: MemberId| statuses.get(i.index()).cloned().unwrap_or_default();
        let rows = mine
            .iter()
            .map(|t| {
                let from = match t.from {
                    From::New => vec![Inline::Strong("new".into())],
                    From::Any => vec![Inline::Strong("any status".into())],
                    From::Status(s) => vec![code(status_name(s))],
                };
                let to = match t.to {
                    To::Status(s) => vec![code(status_name(s))],
                    To::Computed => vec![text("a status computed by the rule")],
                };
                let rules = if t.rules.is_empty() && t.from == From::New {
                    vec![text("creates the case")]
                } else {
                    names(&t.rules)
                };
                vec![from, to, vec![code(t.trigger.clone())], rules]
            })
            .collect::<Vec<_>>();
        if rows.is_empty() {
            out.push(Block::Para(vec![
                text("No rule sets the status of a "),
                code(case.name.clone()),
                text("."),
            ]));
        } else {
            out.push(Block::Table {
                head: vec!["from".into(), "to".into(), "on".into(), "rules".into()],
                rows,
            });
        }
    }
    out
}

/// The diagram of one case type: its statuses, `new` and `any status` where moves start
/// there, and one arrow per pair of statuses, labelled with its triggers.
fn graph(
    case: &str,
    statuses: &[String],
    tags_of: &dyn Fn(usize) -> Vec<String>,
    moves: &[&Transition],
) -> Graph {
    let mut nodes: Vec<Node> = Vec::new();
    let new = moves.iter().any(|t| t.from == From::New).then(|| {
        nodes.push(Node {
            label: "new".into(),
            sub: String::new(),
            kind: NodeKind::Start,
        });
        nodes.len() - 1
    });
    let any = moves.iter().any(|t| t.from == From::Any).then(|| {
        nodes.push(Node {
            label: "any status".into(),
            sub: String::new(),
            kind: NodeKind::Any,
        });
        nodes.len() - 1
    });
    let first = nodes.len();
    for (i, s) in statuses.iter().enumerate() {
        let m = MemberId::at(i);
        let leaves = moves
            .iter()
            .any(|t| t.from == From::Status(m) && t.to != To::Status(m));
        nodes.push(Node {
            label: s.clone(),
            sub: tags_of(i).join(", "),
            kind: NodeKind::Status {
                initial: i == 0,
                terminal: !leaves,
            },
        });
    }
    let computed = moves.iter().any(|t| t.to == To::Computed).then(|| {
        nodes.push(Node {
            label: "computed status".into(),
            sub: String::new(),
            kind: NodeKind::Any,
        });
        nodes.len() - 1
    });
    let mut edges: Vec<Edge> = Vec::new();
    for t in moves {
        let from = match t.from {
            From::New => new,
            From::Any => any,
            From::Status(s) => Some(first + s.index()),
        };
        let to = match t.to {
            To::Status(s) => Some(first + s.index()),
            To::Computed => computed,
        };
        let (Some(from), Some(to)) = (from, to) else {
            continue;
        };
        match edges.iter_mut().find(|e| e.from == from && e.to == to) {
            Some(e) if !e.labels.contains(&t.trigger) => e.labels.push(t.trigger.clone()),
            Some(_) => {}
            None => edges.push(Edge {
                from,
                to,
                labels: vec![t.trigger.clone()],
            }),
        }
    }
    Graph {
        name: case.to_string(),
        nodes,
        edges,
    }
}

fn field_rows(fields: &[FieldDecl]) -> Vec<Vec<Line>> {
    fields
        .iter()
        .map(|f| match f {
            FieldDecl::Stored {
                name,
                ty,
                sensitive,
                default,
                erase,
            } => {
                let mut notes = Vec::new();
                if *sensitive {
                    notes.push(Inline::Strong("sensitive".into()));
                }
                if let Some((_, cond)) = erase {
                    if !notes.is_empty() {
                        notes.push(text("; "));
                    }
                    notes.push(text("erased when "));
                    notes.push(code(pretty::expr(cond)));
                }
                let value = default.as_ref().map_or(Vec::new(), |d| {
                    vec![text("default "), code(pretty::expr(d))]
                });
                vec![
                    vec![code(name.name.clone())],
                    vec![code(pretty::ty(ty))],
                    value,
                    notes,
                ]
            }
            FieldDecl::Derived { name, expr } => vec![
                vec![code(name.name.clone())],
                vec![text("derived")],
                vec![text("= "), code(pretty::expr(expr))],
                Vec::new(),
            ],
        })
        .collect()
}

/// "Cases": each case type's key and fields, and its participants'.
pub(super) fn cases(p: &Policy) -> Vec<Block> {
    let mut out = vec![heading(2, vec![text("Cases")], "cases")];
    let head = || -> Vec<String> {
        ["field", "type", "value", "notes"]
            .map(String::from)
            .to_vec()
    };
    for file in &p.files {
        for c in &file.cases {
            out.push(heading(
                3,
                vec![code(c.name.name.clone())],
                format!("case-{}", c.name.name),
            ));
            let mut line = vec![
                text("Keyed by "),
                code(format!("{}: {}", c.key.name, pretty::ty(&c.key_type))),
            ];
            if let Some(all) = &c.all {
                line.extend([text("; every case, for lookups: "), code(all.name.clone())]);
            }
            line.push(text("."));
            out.push(Block::Para(line));
            out.push(Block::Table {
                head: head(),
                rows: field_rows(&c.fields),
            });
        }
        for parts in &file.participants {
            out.push(heading(
                4,
                vec![
                    text("Participants "),
                    code(parts.name.name.clone()),
                    text(" of "),
                    code(parts.case.name.clone()),
                ],
                format!("participants-{}", parts.name.name),
            ));
            out.push(Block::Table {
                head: head(),
                rows: field_rows(&parts.fields),
            });
        }
    }
    out
}

/// "Events", then the formats and enumerations they use.
pub(super) fn events(p: &Policy) -> Vec<Block> {
    let mut out = vec![heading(2, vec![text("Events")], "events")];
    let mut rows = Vec::new();
    for file in &p.files {
        for e in &file.events {
            let mut fields = Vec::new();
            for (i, f) in e.fields.iter().enumerate() {
                if i > 0 {
                    fields.push(text(", "));
                }
                fields.push(code(format!("{}: {}", f.name.name, pretty::ty(&f.ty))));
                if f.sensitive {
                    fields.push(text(" "));
                    fields.push(Inline::Strong("sensitive".into()));
                }
            }
            if fields.is_empty() {
                fields.push(text("only "));
                fields.push(code("at"));
            }
            let handled = p
                .handlers()
                .find(|h| matches!(&h.trigger, Trigger::Event(n) if n.name == e.name.name))
                .map_or(vec![text("no handler")], |h| vec![code(handler_title(h))]);
            rows.push(vec![vec![code(e.name.name.clone())], fields, handled]);
        }
    }
    out.push(Block::Table {
        head: vec!["event".into(), "fields".into(), "handler".into()],
        rows,
    });
    let mut formats = Vec::new();
    let mut enums = Vec::new();
    for file in &p.files {
        for f in &file.formats {
            let pattern = match &f.pattern {
                PatternSrc::Regex(r, _) => format!("/{}/", r.replace('/', "\\/")),
                PatternSrc::Limit(parts) => path(parts),
            };
            let mut shape: Vec<String> = f.transforms.iter().map(|t| t.name.clone()).collect();
            match &f.max_chars {
                Some(ast::LenSrc::Number(n, _)) => shape.push(format!("at most {n} characters")),
                Some(ast::LenSrc::Limit(parts)) => {
                    shape.push(format!("at most {} characters", path(parts)))
                }
                None => {}
            }
            formats.push(vec![
                vec![code(f.name.name.clone())],
                vec![code(pattern)],
                vec![text(shape.join(", "))],
                vec![text(f.description.clone().unwrap_or_default())],
            ]);
        }
        for e in &file.enums {
            let values: Vec<String> = e.values.iter().map(|v| v.name.clone()).collect();
            enums.push(vec![vec![code(e.name.name.clone())], names(&values)]);
        }
    }
    if !formats.is_empty() {
        out.push(heading(3, vec![text("Formats")], "formats"));
        out.push(Block::Table {
            head: ["format", "pattern", "normalised, bounded", "description"]
                .map(String::from)
                .to_vec(),
            rows: formats,
        });
    }
    if !enums.is_empty() {
        out.push(heading(3, vec![text("Enumerations")], "enums"));
        out.push(Block::Table {
            head: vec!["enumeration".into(), "values".into()],
            rows: enums,
        });
    }
    out
}

/// `on sms_sent for filing(event.filing)`, `on deadline due`.
fn handler_title(h: &ast::Handler) -> String {
    let trigger = match &h.trigger {
        Trigger::Event(n) => n.name.clone(),
        Trigger::Deadline(n) => format!("deadline {}", n.name),
    };
    match &h.route {
        Some(r) => {
            let new = if r.create { "new " } else { "" };
            let or_new = if r.or_new { " or new" } else { "" };
            format!(
                "on {trigger} for {new}{}({}){or_new}",
                r.case.name,
                pretty::expr(&r.key)
            )
        }
        None => format!("on {trigger}"),
    }
}

fn action_items(actions: &[Action]) -> Vec<Item> {
    actions
        .iter()
        .map(|a| {
            let (line, block) = pretty::action(a);
            Item {
                line: vec![code(line)],
                children: block
                    .into_iter()
                    .flat_map(|b| action_items(std::slice::from_ref(b)))
                    .collect(),
            }
        })
        .collect()
}

/// "Handlers": each handler's `let`s and its rules in order, guards and actions.
pub(super) fn handlers(p: &Policy) -> Vec<Block> {
    let mut out = vec![
        heading(2, vec![text("Handlers")], "handlers"),
        Block::Para(vec![
            text("On each event, its handler's "),
            code("let"),
            text("s are computed once, from the world as the event found it; then every rule runs, in the order written, each seeing what the rules above it changed. A rule "),
            code("for x in xs"),
            text(" runs once per item; its "),
            code("when"),
            text(" picks the branch; a "),
            code("reject"),
            text(" refuses the whole event and nothing of it is kept."),
        ]),
    ];
    for h in p.handlers() {
        let anchor = match &h.trigger {
            Trigger::Event(n) => format!("on-{}", n.name),
            Trigger::Deadline(n) => format!("on-deadline-{}", n.name),
        };
        out.push(heading(3, vec![code(handler_title(h))], anchor));
        if !h.lets.is_empty() {
            out.push(Block::List {
                ordered: false,
                items: h
                    .lets
                    .iter()
                    .map(|l| {
                        Item::leaf(vec![
                            text("let "),
                            code(l.name.name.clone()),
                            text(" = "),
                            code(pretty::expr(&l.expr)),
                        ])
                    })
                    .collect(),
            });
        }
        let items = h.rules.iter().map(rule_item).collect();
        out.push(Block::List {
            ordered: true,
            items,
        });
    }
    out
}

fn rule_item(r: &ast::Rule) -> Item {
    let mut line = vec![text("rule "), Inline::Strong(r.name.name.clone())];
    if let Some((var, source)) = &r.for_each {
        line.extend([
            text(" for each "),
            code(var.name.clone()),
            text(" in "),
            code(pretty::expr(source)),
        ]);
    }
    if let Some(w) = &r.when {
        line.extend([text(" when "), code(pretty::expr(w))]);
    }
    let mut children = action_items(&r.then);
    for (cond, actions) in &r.else_when {
        children.push(Item {
            line: vec![text("else when "), code(pretty::expr(cond))],
            children: action_items(actions),
        });
    }
    if let Some(actions) = &r.otherwise {
        children.push(Item {
            line: vec![text("else")],
            children: action_items(actions),
        });
    }
    Item { line, children }
}

/// "Invariants": what holds after every accepted event (`docket verify` checks them).
pub(super) fn invariants(p: &Policy) -> Vec<Block> {
    let mut rows = Vec::new();
    for file in &p.files {
        for inv in &file.invariants {
            let kind = if inv.transition {
                "over each event, before and after it"
            } else {
                "after every event"
            };
            rows.push(vec![
                vec![code(inv.name.name.clone())],
                vec![code(inv.case.name.clone())],
                vec![text(kind)],
                vec![code(pretty::expr(&inv.holds))],
                vec![code(pretty::template(&inv.message))],
            ]);
        }
    }
    if rows.is_empty() {
        return Vec::new();
    }
    vec![
        heading(2, vec![text("Invariants")], "invariants"),
        Block::Para(vec![text(
            "What must hold of every case of the type after every accepted event (or, over each event, of the case before and after it); docket verify checks them on every sequence of events up to a bound, and reports the message when one does not hold.",
        )]),
        Block::Table {
            head: ["invariant", "case", "when", "holds", "else"]
                .map(String::from)
                .to_vec(),
            rows,
        },
    ]
}

/// "Deadlines": when each falls due, and the rules that run then.
pub(super) fn deadlines(p: &Policy) -> Vec<Block> {
    let mut rows = Vec::new();
    for file in &p.files {
        for d in &file.deadlines {
            let case = p
                .program
                .deadlines
                .iter()
                .find(|x| x.name == d.name.name)
                .and_then(|x| p.program.case_def(x.case_ty))
                .map_or(String::new(), |c| c.name.clone());
            let rules: Vec<String> = p
                .handlers()
                .filter(|h| matches!(&h.trigger, Trigger::Deadline(n) if n.name == d.name.name))
                .flat_map(|h| h.rules.iter().map(|r| r.name.name.clone()))
                .collect();
            rows.push(vec![
                vec![code(d.name.name.clone())],
                vec![code(case)],
                vec![code(pretty::expr(&d.expr))],
                if rules.is_empty() {
                    vec![text("no handler")]
                } else {
                    names(&rules)
                },
            ]);
        }
    }
    if rows.is_empty() {
        return Vec::new();
    }
    vec![
        heading(2, vec![text("Deadlines")], "deadlines"),
        Block::Para(vec![text(
            "A deadline falls due at the instant it computes, for each case where that is set; its handler's rules then run with the case, before the event that passed the instant.",
        )]),
        Block::Table {
            head: ["deadline", "case", "due at", "rules"].map(String::from).to_vec(),
            rows,
        },
    ]
}
