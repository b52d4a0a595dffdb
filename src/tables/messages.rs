//! `kind: messages`: message id → the texts shown to the user.

use super::decode::{Cx, Owner};
use super::yaml::Node;
use super::{Message, MessagesTable};

const TOP: [&str; 2] = ["kind", "messages"];
const FIELDS: [&str; 3] = ["text", "result", "next_step"];

/// Decodes the top-level `entries` of a messages file; problems go to `cx`.
pub(super) fn decode(entries: &[(Node, Node)], name: String, cx: &mut Cx) -> Option<MessagesTable> {
    let top = cx.fields(
        entries,
        &TOP,
        &TOP,
        Owner::Record("the table file"),
        "a messages table has `kind` and `messages`",
        Default::default(),
    );
    let (_, node) = top[1]?;
    let entries = cx.mapping(
        node,
        || "`messages`".to_string(),
        "a mapping from message ids to messages",
    )?;
    let mut messages = Vec::new();
    for (id, key, value, first) in cx.named_entries(entries, "message id", "message id") {
        let message = decode_message(id, key, value, cx);
        messages.extend(message.filter(|_| first));
    }
    Some(MessagesTable { name, messages })
}

fn decode_message(id: &str, key: &Node, node: &Node, cx: &mut Cx) -> Option<Message> {
    let owner = format!("message `{id}`");
    let entries = cx.mapping(
        node,
        || owner.clone(),
        "a mapping with `text`, `result` and `next_step`",
    )?;
    let found = cx.fields(
        entries,
        &FIELDS,
        &FIELDS,
        Owner::Record(&owner),
        "a message has `text`, `result` and `next_step`",
        key.span,
    );
    let mut texts = Vec::with_capacity(FIELDS.len());
    for (field, slot) in FIELDS.iter().zip(found) {
        let text = slot.and_then(|(_, n)| cx.string(n, || format!("`{field}` of {owner}")));
        texts.push(text.map(str::to_string));
    }
    let [Some(text), Some(result), Some(next_step)] =
        <[Option<String>; 3]>::try_from(texts).ok()?
    else {
        return None;
    };
    Some(Message {
        id: id.to_string(),
        text,
        result,
        next_step,
        span: key.span,
    })
}
