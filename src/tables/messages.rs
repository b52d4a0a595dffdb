//! `kind: messages`: message id → the texts shown to the user, each a template that may hold
//! `{…}` placeholders; `columns: [audience]` declares extra columns every message then has.

use super::decode::{Cx, Owner};
use super::error::{list_and, TableError};
use super::template::message_text;
use super::yaml::Node;
use super::{Message, MessageText, MessagesTable};

const TOP: [&str; 3] = ["kind", "columns", "messages"];
const REQUIRED_TOP: [&str; 2] = ["kind", "messages"];
/// The columns every message has, in the order of the output.
const STANDARD: [&str; 3] = ["text", "result", "next_step"];

/// Decodes the top-level `entries` of a messages file; problems go to `cx`.
pub(super) fn decode(entries: &[(Node, Node)], name: String, cx: &mut Cx) -> Option<MessagesTable> {
    let top = cx.fields(
        entries,
        &TOP,
        &REQUIRED_TOP,
        Owner::Record("the table file"),
        "a messages table has `kind` and `messages`, and may declare extra `columns`",
        Default::default(),
    );
    let columns = match top[1] {
        Some((_, node)) => columns(node, cx)?,
        None => Vec::new(),
    };
    let (_, node) = top[2]?;
    let entries = cx.mapping(
        node,
        || "`messages`".to_string(),
        "a mapping from message ids to messages",
    )?;
    let mut fields: Vec<&str> = STANDARD.to_vec();
    fields.extend(columns.iter().map(String::as_str));
    let expected = format!("a message has {}", list_and(&fields));
    let file_end = cx.src.text.len();
    let mut starts: Vec<usize> = entries.iter().map(|(k, _)| k.span.start).collect();
    starts.sort_unstable();
    let mut messages = Vec::new();
    for (id, key, value, first) in cx.named_entries(entries, "message id", "message id") {
        // where the next message starts: its texts are looked for before it
        let after = starts.partition_point(|&start| start <= key.span.start);
        let next = starts.get(after).copied().unwrap_or(file_end);
        let message = decode_message(id, key, value, &fields, &expected, next, cx);
        messages.extend(message.filter(|_| first));
    }
    Some(MessagesTable {
        name,
        columns,
        messages,
    })
}

/// `columns: [audience, channel]`: names, none standard, none twice.
fn columns(node: &Node, cx: &mut Cx) -> Option<Vec<String>> {
    let items = cx.list(node, || "`columns`".to_string())?;
    let mut out: Vec<String> = Vec::new();
    let mut ok = true;
    for item in items {
        let Some(name) = cx.name(item, "column name", || "a column of `columns`".to_string())
        else {
            ok = false;
            continue;
        };
        if STANDARD.contains(&name) || name == "id" {
            cx.push(TableError::StandardColumn {
                name: name.to_string(),
                span: item.span,
            });
            ok = false;
        } else if out.iter().any(|c| c == name) {
            cx.push(TableError::RepeatedValue {
                what: "column".to_string(),
                value: name.to_string(),
                list: "columns",
                span: item.span,
            });
            ok = false;
        } else {
            out.push(name.to_string());
        }
    }
    ok.then_some(out)
}

fn decode_message(
    id: &str,
    key: &Node,
    node: &Node,
    fields: &[&str],
    expected: &str,
    next: usize,
    cx: &mut Cx,
) -> Option<Message> {
    let owner = || format!("message `{id}`");
    let entries = cx.mapping(
        node,
        owner,
        "a mapping with `text`, `result` and `next_step`",
    )?;
    let found = cx.fields(
        entries,
        fields,
        fields,
        Owner::Message(id),
        expected,
        key.span,
    );
    let mut texts: Vec<Option<MessageText>> = Vec::with_capacity(fields.len());
    for (field, slot) in fields.iter().zip(found) {
        let text = slot.and_then(|(k, n)| {
            let what = || format!("`{field}` of {}", owner());
            let s = cx.string(n, what)?;
            // the next key of this message after this one, or the next message
            let bound = entries
                .iter()
                .map(|(other, _)| other.span.start)
                .filter(|&start| start > k.span.start)
                .min()
                .unwrap_or(next);
            message_text(cx, n, s, &what, bound)
        });
        texts.push(text);
    }
    let texts: Option<Vec<MessageText>> = texts.into_iter().collect();
    let mut texts = texts?.into_iter();
    let (Some(text), Some(result), Some(next_step)) = (texts.next(), texts.next(), texts.next())
    else {
        return None;
    };
    let extra = fields[STANDARD.len()..]
        .iter()
        .map(|c| c.to_string())
        .zip(texts)
        .collect();
    Some(Message {
        id: id.to_string(),
        text,
        result,
        next_step,
        extra,
        span: key.span,
    })
}
