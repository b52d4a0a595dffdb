//! Reading typed values out of the YAML tree, collecting every problem on the way.

use std::collections::HashMap;

use crate::diag::did_you_mean;
use crate::span::{Source, Span};

use super::error::TableError;
use super::yaml::{Node, Value};

/// The state of one file's decoding: the file, and the problems found so far.
pub(crate) struct Cx<'s> {
    pub(crate) src: &'s Source,
    pub(crate) errors: Vec<TableError>,
}

/// What a record is, for error messages: a row of a requirements table (named by its
/// 1-based number), or anything else (named in words).
#[derive(Clone, Copy)]
pub(crate) enum Owner<'a> {
    Row(usize),
    Record(&'a str),
    /// The message with this id (named "message `id`").
    Message(&'a str),
}

impl<'s> Cx<'s> {
    pub(crate) fn new(src: &'s Source) -> Self {
        Cx {
            src,
            errors: Vec::new(),
        }
    }

    /// The 1-based line that `span` starts on.
    pub(crate) fn line(&self, span: Span) -> usize {
        self.src.line_col(span.start).0
    }

    pub(crate) fn push(&mut self, error: TableError) {
        self.errors.push(error);
    }

    fn wrong_type(&mut self, what: String, expected: &'static str, node: &Node) {
        self.push(TableError::WrongType {
            what,
            expected,
            found: node.value.describe(),
            span: node.span,
        });
    }

    /// The string in `node`, or an error saying `what` must be one.
    pub(crate) fn string<'n>(
        &mut self,
        node: &'n Node,
        what: impl FnOnce() -> String,
    ) -> Option<&'n str> {
        match &node.value {
            Value::Str(s) => Some(s),
            _ => {
                self.wrong_type(what(), "a string", node);
                None
            }
        }
    }

    /// The name in `node`: a string of the form `[a-z_][a-z0-9_]*`. `kind` says what kind
    /// of name it is ("role name"), `what` where it is.
    pub(crate) fn name<'n>(
        &mut self,
        node: &'n Node,
        kind: &str,
        what: impl FnOnce() -> String,
    ) -> Option<&'n str> {
        let s = self.string(node, what)?;
        if is_name(s) {
            Some(s)
        } else {
            self.push(TableError::InvalidName {
                what: kind.to_string(),
                name: s.to_string(),
                span: node.span,
            });
            None
        }
    }

    /// The items of the list in `node`, or an error saying `what` must be one.
    pub(crate) fn list<'n>(
        &mut self,
        node: &'n Node,
        what: impl FnOnce() -> String,
    ) -> Option<&'n [Node]> {
        match &node.value {
            Value::Seq(items) => Some(items),
            _ => {
                self.wrong_type(what(), "a list", node);
                None
            }
        }
    }

    /// The entries of the mapping in `node`, or an error saying `what` must be one
    /// (`expected` says what kind of mapping, e.g. "a mapping like `{ count: 5 }`").
    pub(crate) fn mapping<'n>(
        &mut self,
        node: &'n Node,
        what: impl FnOnce() -> String,
        expected: &'static str,
    ) -> Option<&'n [(Node, Node)]> {
        match &node.value {
            Value::Map(entries) => Some(entries),
            _ => {
                self.wrong_type(what(), expected, node);
                None
            }
        }
    }

    /// Sorts the entries of a record into `allowed` fields: the result has, for each
    /// allowed field, its first `(key, value)`. Reports unknown and repeated fields, and
    /// missing `required` ones at `missing_at`. `expected` describes the fields for the
    /// help ("a message has `text`, `result` and `next_step`").
    pub(crate) fn fields<'n>(
        &mut self,
        entries: &'n [(Node, Node)],
        allowed: &[&str],
        required: &[&str],
        owner: Owner,
        expected: &str,
        missing_at: Span,
    ) -> Vec<Option<&'n (Node, Node)>> {
        let owner_text = || match owner {
            Owner::Row(n) => format!("row {n}"),
            Owner::Record(s) => s.to_string(),
            Owner::Message(id) => format!("message `{id}`"),
        };
        let mut found: Vec<Option<&(Node, Node)>> = vec![None; allowed.len()];
        for entry in entries {
            let key = &entry.0;
            let Value::Str(field) = &key.value else {
                self.wrong_type(format!("a key in {}", owner_text()), "a name", key);
                continue;
            };
            let Some(i) = allowed.iter().position(|a| a == field) else {
                let suggestion = did_you_mean(field, allowed.iter().copied()).map(str::to_string);
                self.push(match owner {
                    Owner::Row(row) => TableError::UnknownColumn {
                        column: field.clone(),
                        row,
                        suggestion,
                        expected: expected.to_string(),
                        span: key.span,
                    },
                    Owner::Record(_) | Owner::Message(_) => TableError::UnknownField {
                        field: field.clone(),
                        owner: owner_text(),
                        suggestion,
                        expected: expected.to_string(),
                        span: key.span,
                    },
                });
                continue;
            };
            match found[i] {
                Some((first, _)) => {
                    let first_line = self.line(first.span);
                    self.push(TableError::DuplicateField {
                        field: field.clone(),
                        owner: owner_text(),
                        first_line,
                        span: key.span,
                    });
                }
                None => found[i] = Some(entry),
            }
        }
        for (name, slot) in allowed.iter().zip(&found) {
            if slot.is_none() && required.contains(name) {
                self.push(match owner {
                    Owner::Row(row) => TableError::MissingColumn {
                        column: name.to_string(),
                        row,
                        expected: expected.to_string(),
                        span: missing_at,
                    },
                    Owner::Record(_) | Owner::Message(_) => TableError::MissingField {
                        field: name.to_string(),
                        owner: owner_text(),
                        expected: expected.to_string(),
                        span: missing_at,
                    },
                });
            }
        }
        found
    }

    /// The entries of a mapping from names to records (`limits:`, `messages:`) whose
    /// names are valid, each with whether it is the first with its name (a repeat is
    /// reported here, and still worth checking inside). `kind` says what the names name
    /// ("limit"), `name_kind` what kind of name they are ("limit name").
    pub(crate) fn named_entries<'n>(
        &mut self,
        entries: &'n [(Node, Node)],
        kind: &'static str,
        name_kind: &str,
    ) -> Vec<(&'n str, &'n Node, &'n Node, bool)> {
        let mut out = Vec::new();
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for (key, value) in entries {
            let Some(name) = self.name(key, name_kind, || format!("a {name_kind}")) else {
                continue;
            };
            let first = match seen.get(name) {
                Some(&first) => {
                    let first_line = self.line(first);
                    self.push(TableError::DuplicateName {
                        what: kind,
                        name: name.to_string(),
                        first_line,
                        span: key.span,
                    });
                    false
                }
                None => {
                    seen.insert(name, key.span);
                    true
                }
            };
            out.push((name, key, value, first));
        }
        out
    }
}

/// Whether `s` is a name: `[a-z_][a-z0-9_]*`.
pub(crate) fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for good in ["a", "_", "owner_2", "x9", "_a1"] {
            assert!(is_name(good), "{good}");
        }
        for bad in ["", "A", "9a", "a-b", "a b", "é", "Owner"] {
            assert!(!is_name(bad), "{bad}");
        }
    }
}
