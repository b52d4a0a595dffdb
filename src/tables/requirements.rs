//! `kind: requirements`: key columns → the set of values required.

use crate::diag::did_you_mean;

use super::decode::{Cx, Owner};
use super::error::{list_and, TableError};
use super::yaml::{Node, Value};
use super::{joined, ReqRow, RequirementTable};

const FIELDS: [&str; 5] = ["kind", "keys", "of", "values", "rows"];

/// Decodes the top-level `entries` of a requirements file; problems go to `cx`.
pub(super) fn decode(
    entries: &[(Node, Node)],
    name: String,
    cx: &mut Cx,
) -> Option<RequirementTable> {
    let top = cx.fields(
        entries,
        &FIELDS,
        &FIELDS,
        Owner::Record("the table file"),
        "a requirements table has `kind`, `keys`, `of`, `values` and `rows`",
        Default::default(),
    );
    let [_, keys, of, values, rows] = top[..] else {
        return None;
    };
    let keys = keys.and_then(|(_, n)| key_columns(n, cx));
    let of = of.and_then(|(_, n)| cx.name(n, "type name", || "`of`".to_string()));
    // The type's name in messages, even if `of` itself is wrong.
    let of_name = of.unwrap_or("value");
    let values = values.and_then(|(_, n)| vocabulary(n, of_name, cx));
    let rows = rows.and_then(|(_, n)| cx.list(n, || "`rows`".to_string()));

    let mut table = RequirementTable {
        name,
        keys: keys.clone().unwrap_or_default(),
        of: of.unwrap_or_default().to_string(),
        values: values.clone().unwrap_or_default(),
        rows: Vec::new(),
        index: Default::default(),
    };
    let columns = keys.as_deref().map(Columns::new);
    for (i, node) in rows.unwrap_or_default().iter().enumerate() {
        let Some(row) = decode_row(
            node,
            i + 1,
            columns.as_ref(),
            of_name,
            values.as_deref(),
            cx,
        ) else {
            continue;
        };
        let key = joined(&row.keys);
        if let Some(&first) = table.index.get(&key) {
            let first_line = cx.line(table.rows[first].span);
            let cells: Vec<String> = table
                .keys
                .iter()
                .zip(&row.keys)
                .map(|(column, cell)| format!("{column}: {cell}"))
                .collect();
            cx.push(TableError::DuplicateRow {
                keys: format!("`{}`", cells.join(", ")),
                first_line,
                span: row.span,
            });
            continue;
        }
        table.index.insert(key, table.rows.len());
        table.rows.push(row);
    }
    (keys.is_some() && of.is_some() && values.is_some() && rows.is_some()).then_some(table)
}

/// `keys`: a non-empty list of distinct column names, none of them `required`.
fn key_columns(node: &Node, cx: &mut Cx) -> Option<Vec<String>> {
    let items = cx.list(node, || "`keys`".to_string())?;
    if items.is_empty() {
        cx.push(TableError::NoKeys { span: node.span });
        return None;
    }
    let mut ok = true;
    let mut keys: Vec<String> = Vec::new();
    for item in items {
        let Some(key) = cx.name(item, "column name", || "an entry of `keys`".to_string()) else {
            ok = false;
            continue;
        };
        if key == "required" {
            cx.push(TableError::ReservedColumn { span: item.span });
            ok = false;
        } else if keys.iter().any(|k| k == key) {
            cx.push(TableError::RepeatedValue {
                what: "column".to_string(),
                value: key.to_string(),
                list: "keys",
                span: item.span,
            });
            ok = false;
        } else {
            keys.push(key.to_string());
        }
    }
    ok.then_some(keys)
}

/// `values`: a list of distinct names of type `of`.
fn vocabulary(node: &Node, of: &str, cx: &mut Cx) -> Option<Vec<String>> {
    let items = cx.list(node, || "`values`".to_string())?;
    let mut ok = true;
    let mut values: Vec<String> = Vec::new();
    let kind = format!("{of} name");
    for item in items {
        let Some(value) = cx.name(item, &kind, || "an entry of `values`".to_string()) else {
            ok = false;
            continue;
        };
        if values.iter().any(|v| v == value) {
            cx.push(TableError::RepeatedValue {
                what: of.to_string(),
                value: value.to_string(),
                list: "values",
                span: item.span,
            });
            ok = false;
        } else {
            values.push(value.to_string());
        }
    }
    ok.then_some(values)
}

/// Row number `number` (1-based). Without valid `keys`, only its `required` is checked;
/// without valid `values`, only its shape. `None` if a key cell is missing or wrong.
/// What every row of a table with known key columns is read against, made once per table.
struct Columns<'k> {
    /// The key columns, then `required`.
    names: Vec<&'k str>,
    /// For each key column, what kind of name its cells are ("scenario name").
    kinds: Vec<String>,
    /// The help of a row with a wrong column.
    expected: String,
}

impl<'k> Columns<'k> {
    fn new(keys: &'k [String]) -> Self {
        let mut names: Vec<&str> = keys.iter().map(String::as_str).collect();
        names.push("required");
        Columns {
            kinds: keys.iter().map(|k| format!("{k} name")).collect(),
            expected: format!("a row has the columns {}", list_and(&names)),
            names,
        }
    }
}

fn decode_row(
    node: &Node,
    number: usize,
    columns: Option<&Columns>,
    of: &str,
    values: Option<&[String]>,
    cx: &mut Cx,
) -> Option<ReqRow> {
    let entries = cx.mapping(node, || format!("row {number}"), "a mapping of its columns")?;
    let Some(columns) = columns else {
        // The key columns are unknown: check what can be checked without them.
        if let Some((_, required)) = entries
            .iter()
            .find(|(k, _)| k.value == Value::Str("required".to_string()))
        {
            required_values(required, number, of, values, cx);
        }
        return None;
    };
    let found = cx.fields(
        entries,
        &columns.names,
        &columns.names,
        Owner::Row(number),
        &columns.expected,
        node.span,
    );
    let mut cells = Vec::with_capacity(columns.kinds.len());
    for ((column, kind), slot) in columns.names.iter().zip(&columns.kinds).zip(&found) {
        let cell =
            slot.and_then(|(_, n)| cx.name(n, kind, || format!("`{column}` in row {number}")));
        cells.push(cell.map(str::to_string));
    }
    let required = found
        .last()
        .copied()
        .flatten()
        .and_then(|(_, n)| required_values(n, number, of, values, cx));
    // The row is kept even if `required` is wrong, so that a repeated row is still found.
    Some(ReqRow {
        keys: cells.into_iter().collect::<Option<_>>()?,
        required: required.unwrap_or_default(),
        span: node.span,
    })
}

/// A row's `required`: a list of distinct members of `values`, as sorted indices.
fn required_values(
    node: &Node,
    number: usize,
    of: &str,
    values: Option<&[String]>,
    cx: &mut Cx,
) -> Option<Vec<usize>> {
    let items = cx.list(node, || format!("`required` in row {number}"))?;
    let mut indices = Vec::with_capacity(items.len());
    let mut seen: Vec<&str> = Vec::new();
    for item in items {
        let Some(value) = cx.string(item, || format!("an entry of `required` in row {number}"))
        else {
            continue;
        };
        if seen.contains(&value) {
            cx.push(TableError::RepeatedValue {
                what: of.to_string(),
                value: value.to_string(),
                list: "required",
                span: item.span,
            });
            continue;
        }
        seen.push(value);
        let Some(values) = values else { continue };
        match values.iter().position(|v| v == value) {
            Some(i) => indices.push(i),
            None => cx.push(TableError::UnknownValue {
                of: of.to_string(),
                value: value.to_string(),
                suggestion: did_you_mean(value, values.iter().map(String::as_str))
                    .map(str::to_string),
                known: values.to_vec(),
                span: item.span,
            }),
        }
    }
    indices.sort_unstable();
    Some(indices)
}
