//! The sections read off the YAML tables: each table with its notes (the `note` fields and
//! the `#` comments that cite where a row comes from), and every message.

use super::{code, heading, text, Block, Inline, Item, Line, Policy};
use crate::ast::{Action, Trigger};
use crate::tables::{comment_above, header_comment, LimitValue, MessageText, Piece, Table};

fn note(s: Option<String>) -> Line {
    s.map_or(Vec::new(), |s| vec![text(s)])
}

/// A message column as written: text, and `{…}` placeholders as their source.
fn message_text(t: &MessageText) -> String {
    t.pieces
        .iter()
        .map(|p| match p {
            Piece::Text(s) => s.clone(),
            Piece::Placeholder { source, .. } => format!("{{{source}}}"),
        })
        .collect()
}

fn limit_value(v: &LimitValue) -> (String, String) {
    match v {
        LimitValue::Count(n) => ("count".into(), n.to_string()),
        LimitValue::Duration(d) => ("duration".into(), crate::duration::format_duration(*d)),
        LimitValue::Pattern(p) => ("pattern".into(), p.source.clone()),
        LimitValue::Text(t) => ("text".into(), t.clone()),
        LimitValue::Period(p) => ("period".into(), p.format()),
        LimitValue::Zone(name, _) => ("zone".into(), name.clone()),
    }
}

/// "Tables": requirements, limits and calendars, each with its header comment and notes.
pub(super) fn tables(p: &Policy) -> Vec<Block> {
    let mut out = vec![heading(2, vec![text("Tables")], "tables")];
    for (src, table) in &p.tables {
        let Some(source) = p.sources.get(*src) else {
            continue;
        };
        let body = &source.text;
        let (name, kind) = match table {
            Table::Requirements(t) => (&t.name, "requirements"),
            Table::Limits(t) => (&t.name, "limits"),
            Table::Calendar(c) => (&c.name, "calendar"),
            // messages have a section of their own
            Table::Messages(_) => continue,
        };
        out.push(heading(
            3,
            vec![
                code(name.clone()),
                text(format!(" ({kind}, ")),
                code(source.name.clone()),
                text(")"),
            ],
            format!("table-{name}"),
        ));
        if let Some(h) = header_comment(body) {
            out.push(Block::Para(vec![text(h)]));
        }
        match table {
            Table::Requirements(t) => {
                let mut head = t.keys.clone();
                head.push(format!("required ({})", t.of));
                head.push("note".into());
                let rows = t
                    .rows
                    .iter()
                    .map(|row| {
                        let mut cells: Vec<Line> =
                            row.keys.iter().map(|k| vec![code(k.clone())]).collect();
                        let required: Vec<String> = row
                            .required
                            .iter()
                            .filter_map(|i| t.values.get(*i).cloned())
                            .collect();
                        cells.push(if required.is_empty() {
                            vec![text("none")]
                        } else {
                            vec![code(required.join(", "))]
                        });
                        cells.push(note(comment_above(body, row.span.start)));
                        cells
                    })
                    .collect();
                out.push(Block::Table { head, rows });
            }
            Table::Limits(t) => {
                let rows = t
                    .limits
                    .iter()
                    .map(|l| {
                        let (kind, value) = limit_value(&l.value);
                        let n = l.note.clone().or_else(|| comment_above(body, l.span.start));
                        vec![
                            vec![code(l.name.clone())],
                            vec![text(kind)],
                            vec![code(value)],
                            note(n),
                        ]
                    })
                    .collect();
                out.push(Block::Table {
                    head: ["limit", "kind", "value", "note"]
                        .map(String::from)
                        .to_vec(),
                    rows,
                });
            }
            Table::Calendar(c) => {
                let days: Vec<&str> = crate::calendar::WEEKDAYS
                    .iter()
                    .zip(c.weekdays)
                    .filter(|(_, on)| *on)
                    .map(|(d, _)| *d)
                    .collect();
                out.push(Block::Para(vec![
                    text("Working days: "),
                    text(days.join(", ")),
                    text("."),
                ]));
                let rows = c
                    .holidays
                    .iter()
                    .map(|d| {
                        vec![
                            vec![code(d.to_string())],
                            vec![text(format!("{:?}", d.weekday()))],
                            note(c.notes.get(d).cloned()),
                        ]
                    })
                    .collect();
                out.push(Block::Table {
                    head: ["holiday", "weekday", "note"].map(String::from).to_vec(),
                    rows,
                });
            }
            Table::Messages(_) => {}
        }
    }
    out
}

/// Which rules emit each message: `(message id, rule, trigger)`.
fn emitters(p: &Policy) -> Vec<(String, String, String)> {
    fn walk(actions: &[Action], site: &(String, String), out: &mut Vec<(String, String, String)>) {
        for a in actions {
            match a {
                Action::Emit(id) => out.push((id.name.clone(), site.0.clone(), site.1.clone())),
                Action::Add {
                    bind: Some((_, block)),
                    ..
                } => walk(block, site, out),
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    for h in p.handlers() {
        let trigger = match &h.trigger {
            Trigger::Event(n) => n.name.clone(),
            Trigger::Deadline(n) => format!("deadline {}", n.name),
        };
        for r in &h.rules {
            let site = (r.name.name.clone(), trigger.clone());
            walk(&r.then, &site, &mut out);
            for (_, actions) in &r.else_when {
                walk(actions, &site, &mut out);
            }
            if let Some(actions) = &r.otherwise {
                walk(actions, &site, &mut out);
            }
        }
    }
    out.dedup();
    out
}

/// "Messages": every message's columns, its note, and the rules that emit it.
pub(super) fn messages(p: &Policy) -> Vec<Block> {
    let mut out = vec![heading(2, vec![text("Messages")], "messages")];
    let emitted = emitters(p);
    for (src, table) in &p.tables {
        let Table::Messages(t) = table else { continue };
        let Some(source) = p.sources.get(*src) else {
            continue;
        };
        out.push(Block::Para(vec![
            text("From "),
            code(source.name.clone()),
            text(". A "),
            code("{…}"),
            text(" placeholder is filled in when the message is emitted."),
        ]));
        if let Some(h) = header_comment(&source.text) {
            out.push(Block::Para(vec![text(h)]));
        }
        let mut items = Vec::new();
        for m in &t.messages {
            let mut children: Vec<Item> = m
                .columns()
                .map(|(col, value)| {
                    Item::leaf(vec![
                        Inline::Strong(format!("{col}:")),
                        text(" "),
                        text(message_text(value)),
                    ])
                })
                .collect();
            if let Some(n) = comment_above(&source.text, m.span.start) {
                children.push(Item::leaf(vec![
                    Inline::Strong("note:".into()),
                    text(" "),
                    text(n),
                ]));
            }
            let mut by = vec![Inline::Strong("emitted by:".into()), text(" ")];
            for (i, (_, rule, trigger)) in emitted.iter().filter(|(id, ..)| *id == m.id).enumerate()
            {
                if i > 0 {
                    by.push(text(", "));
                }
                by.extend([
                    text("rule "),
                    code(rule.clone()),
                    text(" on "),
                    code(trigger.clone()),
                ]);
            }
            if by.len() == 2 {
                by.push(text("no rule"));
            }
            children.push(Item::leaf(by));
            items.push(Item {
                line: vec![code(m.id.clone())],
                children,
            });
        }
        out.push(Block::List {
            ordered: false,
            items,
        });
    }
    out
}
