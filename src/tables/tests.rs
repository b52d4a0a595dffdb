//! Tests of table loading: the shipped ICP tables, and every kind of problem.

use super::*;
use crate::diag::render;

const ROLES: &str = include_str!("../../rules/icp/roles.yaml");
const LIMITS: &str = include_str!("../../rules/icp/limits.yaml");
const MESSAGES: &str = include_str!("../../rules/icp/messages.yaml");

fn ok(name: &str, text: &str) -> Table {
    let src = Source::new(name, text);
    match load(&src) {
        Ok(table) => table,
        Err(errors) => panic!("{name} does not load: {errors:#?}"),
    }
}

/// The problems in a file, as (line, message) pairs.
fn problems(text: &str) -> Vec<(usize, String)> {
    let src = Source::new("t.yaml", text);
    match load(&src) {
        Ok(table) => panic!("loaded, expected problems: {table:#?}"),
        Err(errors) => errors
            .iter()
            .map(|e| (src.line_col(e.span().start).0, e.to_string()))
            .collect(),
    }
}

/// The only problem in a file.
fn problem(text: &str) -> TableError {
    let src = Source::new("t.yaml", text);
    let mut errors = load(&src).expect_err("expected a problem");
    assert_eq!(errors.len(), 1, "{errors:#?}");
    errors.remove(0)
}

fn line(text: &str, e: &TableError) -> usize {
    Source::new("t", text).line_col(e.span().start).0
}

fn requirements(table: Table) -> RequirementTable {
    match table {
        Table::Requirements(t) => t,
        other => panic!("not requirements: {other:?}"),
    }
}

// --- The shipped tables (their contents are checked in tests/icp_tables.rs) ------------

#[test]
fn shipped_tables_load() {
    let roles = requirements(ok("rules/icp/roles.yaml", ROLES));
    assert_eq!(
        (roles.keys.len(), roles.values.len(), roles.rows.len()),
        (2, 2, 14)
    );
    match ok("rules/icp/limits.yaml", LIMITS) {
        Table::Limits(t) => assert_eq!(t.limits.len(), 7),
        _ => panic!("limits.yaml is a limits table"),
    }
    match ok("rules/icp/messages.yaml", MESSAGES) {
        Table::Messages(t) => {
            assert_eq!(t.messages.len(), 17);
            for m in &t.messages {
                assert!(m.columns().all(|(_, t)| !t.pieces.is_empty()), "{}", m.id);
                assert_eq!(&MESSAGES[m.span.start..m.span.end], m.id);
            }
        }
        _ => panic!("messages.yaml is a messages table"),
    }
}

// --- The file as a whole ---------------------------------------------------------------

#[test]
fn syntax_errors_keep_serde_yamls_position() {
    let text = "kind: limits\nlimits:\n  x:\n    text: seed: within 24 hours\n";
    let e = problem(text);
    assert!(matches!(e, TableError::Syntax { .. }));
    assert_eq!(e.to_string(), "invalid YAML: unexpected `:`");
    assert_eq!(line(text, &e), 4);
    assert!(e.help().unwrap().contains("must be quoted"));

    let text = "kind: limits\nlimits:\n  x: { text: seed: within 24 hours }\n";
    let e = problem(text);
    assert_eq!(e.to_string(), "invalid YAML: expected `,` or `}`");
    assert_eq!(line(text, &e), 3);
    assert!(e
        .help()
        .unwrap()
        .contains("quote values that contain `,` or `: `"));

    let text = "kind: messages\nmessages:\n  a: { text: \"open\n";
    let e = problem(text);
    assert_eq!(e.to_string(), "invalid YAML: unexpected end of file");
}

#[test]
fn empty_files_and_non_mappings() {
    assert_eq!(problems(""), [(1, "the table file is empty".to_string())]);
    assert_eq!(
        problems("# just a comment\n"),
        [(1, "the table file is empty".to_string())]
    );
    assert_eq!(
        problems("- kind: limits\n"),
        [(
            1,
            "a table file must be a mapping with a `kind` key, not a list".to_string()
        )]
    );
    assert_eq!(
        problems("hello\n"),
        [(
            1,
            "a table file must be a mapping with a `kind` key, not a string".to_string()
        )]
    );
}

#[test]
fn missing_and_unknown_kind() {
    assert_eq!(
        problems("limits: {}\n"),
        [(1, "missing `kind`".to_string())]
    );
    let text = "# header\nkind: nonsense\n";
    assert_eq!(
        problems(text),
        [(
            2,
            "unknown table kind `nonsense`; expected `requirements`, `limits` or `messages`"
                .to_string()
        )]
    );
    let e = problem("kind: limit\n");
    assert_eq!(e.help().as_deref(), Some("did you mean `limits`?"));
    assert_eq!(
        problem("kind: [limits]\n").to_string(),
        "`kind` must be a string, not a list"
    );
}

#[test]
fn unknown_and_missing_top_level_fields() {
    let text = "kind: messages\nmesages: {}\n";
    let errors = problems(text);
    assert_eq!(
        errors,
        [
            (1, "missing field `messages` in the table file".to_string()),
            (2, "unknown field `mesages` in the table file".to_string()),
        ]
    );
}

// --- Requirements ----------------------------------------------------------------------

const REQ_HEAD: &str =
    "kind: requirements\nkeys: [scenario, variant]\nof: role\nvalues: [owner, admin]\nrows:\n";

#[test]
fn unknown_role_in_flow_and_block_rows() {
    let text = format!(
        "{REQ_HEAD}  - {{ scenario: a, variant: b, required: [owner] }}\n  - {{ scenario: a, variant: c, required: [admn] }}\n  - scenario: b\n    variant: b\n    required:\n      - owner\n      - admn\n"
    );
    let src = Source::new("rules/icp/roles.yaml", text.as_str());
    let errors = load(&src).unwrap_err();
    assert_eq!(errors.len(), 2);
    assert_eq!(errors[0].to_string(), "unknown role `admn`");
    assert_eq!(line(&text, &errors[0]), 7);
    assert_eq!(line(&text, &errors[1]), 12);
    assert_eq!(
        errors[0].help().as_deref(),
        Some("did you mean `admin`? `values` lists `owner` and `admin`")
    );
    // Rendered, as the user sees it.
    assert_eq!(
        render(&errors[0].to_diagnostic(0), &[src]),
        "error: unknown role `admn`\n \
         --> rules/icp/roles.yaml:7:43\n  \
         |\n\
         7 |   - { scenario: a, variant: c, required: [admn] }\n  \
         |                                           ^^^^ not in `values`\n  \
         |\n  \
         = help: did you mean `admin`? `values` lists `owner` and `admin`\n"
    );
}

#[test]
fn duplicate_rows_name_the_first() {
    let text = format!(
        "{REQ_HEAD}  - {{ scenario: a, variant: b, required: [] }}\n  - scenario: a\n    variant: b\n    required: [owner]\n"
    );
    let e = problem(&text);
    assert_eq!(e.to_string(), "duplicate row for `scenario: a, variant: b`");
    assert_eq!(line(&text, &e), 7);
    assert_eq!(e.label().as_deref(), Some("same keys as the row on line 6"));
    assert_eq!(
        e.help().as_deref(),
        Some("merge the two rows or remove one")
    );
}

#[test]
fn row_columns_unknown_missing_repeated() {
    let text = format!(
        "{REQ_HEAD}  - {{ scenario: a, varient: b, required: [] }}\n  - {{ scenario: a, variant: c, variant: d, required: [] }}\n"
    );
    assert_eq!(
        problems(&text),
        [
            (6, "missing column `variant` in row 1".to_string()),
            (6, "unknown column `varient` in row 1".to_string()),
            (7, "field `variant` appears twice in row 2".to_string()),
        ]
    );
    let text = format!("{REQ_HEAD}  - {{ scenario: a, varient: b, required: [] }}\n");
    let src = Source::new("t", text.as_str());
    let errors = load(&src).unwrap_err();
    assert_eq!(
        errors[1].help().as_deref(),
        Some("did you mean `variant`? a row has the columns `scenario`, `variant` and `required`")
    );
}

#[test]
fn repeated_values_and_bad_names() {
    let text = "kind: requirements\nkeys: [scenario, scenario]\nof: role\nvalues: [a, a, Entity-Leader]\nrows: []\n";
    assert_eq!(
        problems(text),
        [
            (2, "column `scenario` is listed twice in `keys`".to_string()),
            (4, "role `a` is listed twice in `values`".to_string()),
            (4, "`Entity-Leader` is not a valid role name".to_string()),
        ]
    );
    let text =
        format!("{REQ_HEAD}  - {{ scenario: First, variant: b, required: [owner, owner] }}\n");
    assert_eq!(
        problems(&text),
        [
            (6, "`First` is not a valid scenario name".to_string()),
            (6, "role `owner` is listed twice in `required`".to_string()),
        ]
    );
}

#[test]
fn keys_must_be_non_empty_and_not_required() {
    let text = "kind: requirements\nkeys: []\nof: role\nvalues: []\nrows: []\n";
    assert_eq!(
        problems(text),
        [(2, "`keys` must list at least one column".to_string())]
    );
    let text = "kind: requirements\nkeys: [required]\nof: role\nvalues: []\nrows: []\n";
    assert_eq!(
        problems(text),
        [(2, "`required` cannot be a key column".to_string())]
    );
}

#[test]
fn wrong_types_in_requirements() {
    let text = format!("{REQ_HEAD}  - {{ scenario: a, variant: 5, required: owner }}\n  - [a]\n");
    assert_eq!(
        problems(&text),
        [
            (
                6,
                "`variant` in row 1 must be a string, not a number".to_string()
            ),
            (
                6,
                "`required` in row 1 must be a list, not a string".to_string()
            ),
            (
                7,
                "row 2 must be a mapping of its columns, not a list".to_string()
            ),
        ]
    );
}

// --- Limits ----------------------------------------------------------------------------

#[test]
fn duplicate_limits_are_caught_at_the_second() {
    let text = "kind: limits\nlimits:\n  a: { count: 1 }\n  b: { count: 2 }\n  a: { count: 3 }\n";
    let e = problem(text);
    assert_eq!(e.to_string(), "duplicate limit `a`");
    assert_eq!(line(text, &e), 5);
    assert_eq!(e.label().as_deref(), Some("first defined on line 3"));
}

#[test]
fn limit_values_checked() {
    let text = "kind: limits\nlimits:\n  \
        none: { note: \"n\" }\n  \
        two: { text: \"five\", count: 5 }\n  \
        window: { duration: 24x }\n  \
        neg: { count: -1 }\n  \
        frac: { count: 1.5 }\n  \
        big: { count: 99999999999999999999 }\n  \
        re: { pattern: '[0-9' }\n  \
        num: { duration: 30 }\n  \
        notes: { text: a, note: [x] }\n  \
        odd: { text: a, cuont: 1 }\n  \
        Bad-Name: { text: a }\n  \
        plain: 24h\n";
    let errors = problems(text);
    let expect = [
        (3, "limit `none` has no value"),
        (4, "limit `two` has both `text` and `count`"),
        (5, "invalid duration `24x` for limit `window`: unknown unit `x`; use `d`, `h`, `m` or `s`"),
        (6, "`count` of limit `neg` must be a non-negative whole number, not `-1`"),
        (7, "`count` of limit `frac` must be a non-negative whole number, not `1.5`"),
        (8, "`count` of limit `big` must be a non-negative whole number, not `99999999999999999999`"),
        (10, "`duration` of limit `num` must be a duration such as `24h`, not a number"),
        (11, "`note` of limit `notes` must be a string, not a list"),
        (12, "unknown field `cuont` in limit `odd`"),
        (13, "`Bad-Name` is not a valid limit name"),
        (14, "limit `plain` must be a mapping like `{ count: 5, note: \"…\" }`, not a string"),
    ];
    let without_pattern: Vec<(usize, String)> =
        errors.iter().filter(|(l, _)| *l != 9).cloned().collect();
    let expect: Vec<(usize, String)> = expect.iter().map(|(l, m)| (*l, m.to_string())).collect();
    assert_eq!(without_pattern, expect);
    let (l, pattern) = errors.iter().find(|(l, _)| *l == 9).unwrap();
    assert_eq!(*l, 9);
    assert!(
        pattern.starts_with("invalid pattern for limit `re`: "),
        "{pattern}"
    );
    assert!(
        !pattern.contains('\n') && !pattern.ends_with('.'),
        "{pattern}"
    );
}

// --- Messages --------------------------------------------------------------------------

#[test]
fn misspelt_message_field() {
    let text = "kind: messages\nmessages:\n  validation_failed:\n    text: \"a\"\n    reslt: \"b\"\n    next_step: \"c\"\n";
    let errors = problems(text);
    assert_eq!(
        errors,
        [
            (
                3,
                "missing field `result` in message `validation_failed`".to_string()
            ),
            (
                5,
                "unknown field `reslt` in message `validation_failed`".to_string()
            ),
        ]
    );
    let src = Source::new("t", text);
    let e = &load(&src).unwrap_err()[1];
    assert_eq!(
        e.help().as_deref(),
        Some("did you mean `result`? a message has `text`, `result` and `next_step`")
    );
}

#[test]
fn message_types_duplicates_and_ids() {
    let text = "kind: messages\nmessages:\n  \
        a: { text: [x], result: r, next_step: n }\n  \
        b: { text: t, text: u, result: r, next_step: n }\n  \
        a: { text: t, result: r, next_step: n }\n  \
        C: { text: t, result: r, next_step: n }\n  \
        d: { text: 5, result: ~, next_step: n }\n  \
        e:\n";
    assert_eq!(
        problems(text),
        [
            (
                3,
                "`text` of message `a` must be a string, not a list".to_string()
            ),
            (4, "field `text` appears twice in message `b`".to_string()),
            (5, "duplicate message id `a`".to_string()),
            (6, "`C` is not a valid message id".to_string()),
            (
                7,
                "`text` of message `d` must be a string, not a number".to_string()
            ),
            (
                7,
                "`result` of message `d` must be a string, not empty".to_string()
            ),
            (
                8,
                "message `e` must be a mapping with `text`, `result` and `next_step`, not empty"
                    .to_string()
            ),
        ]
    );
    let e = problem("kind: messages\nmessages:\n  a: { text: 5, result: r, next_step: n }\n");
    assert_eq!(
        e.help().as_deref(),
        Some("put it in quotes to make it a string")
    );
    let e =
        problem("kind: messages\nmessages:\n  a:\n    text: t\n    result:\n    next_step: n\n");
    assert_eq!(
        (
            line(
                "kind: messages\nmessages:\n  a:\n    text: t\n    result:\n",
                &e
            ),
            e.to_string()
        ),
        (
            5,
            "`result` of message `a` must be a string, not empty".to_string()
        )
    );
    assert_eq!(
        e.help().as_deref(),
        Some("write the text after the `:`, in quotes")
    );
    let e = problem("kind: limits\nlimits:\n  a: { count: many }\n");
    assert_eq!(
        e.help().as_deref(),
        Some("write a whole number such as `5`")
    );
}

#[test]
fn duplicate_message_in_block_style_points_at_the_second() {
    let text = "kind: messages\nmessages:\n  a:\n    text: t\n    result: r\n    next_step: n\n  a:\n    text: t\n    result: r\n    next_step: n\n";
    let e = problem(text);
    assert_eq!(
        (line(text, &e), e.to_string()),
        (7, "duplicate message id `a`".to_string())
    );
    assert_eq!(e.label().as_deref(), Some("first defined on line 3"));
    // The repeat's own problems are reported too.
    let text = format!("{text}  a:\n    text: [t]\n    result: r\n    next_step: n\n");
    assert_eq!(
        problems(&text),
        [
            (7, "duplicate message id `a`".to_string()),
            (11, "duplicate message id `a`".to_string()),
            (
                12,
                "`text` of message `a` must be a string, not a list".to_string()
            ),
        ]
    );
}

// --- Message templates and extra columns -----------------------------------------------

fn messages(table: Table) -> MessagesTable {
    match table {
        Table::Messages(t) => t,
        other => panic!("not messages: {other:?}"),
    }
}

/// Each piece of a text: `"text"`, or `{source}` with the file's text at its span.
fn pieces(file: &str, t: &MessageText) -> Vec<String> {
    t.pieces
        .iter()
        .map(|p| match p {
            Piece::Text(s) => format!("{s:?}"),
            Piece::Placeholder {
                source,
                span,
                exact,
            } => {
                assert!(*exact, "{source} should be placed exactly");
                assert_eq!(&file[span.start..span.end], source);
                format!("{{{source}}}")
            }
        })
        .collect()
}

#[test]
fn placeholders_and_literal_braces() {
    let text = "kind: messages\nmessages:\n  a:\n    text: \"Failed {limits.n} times, {{not}} {x.y}}}\"\n    result: 'r {p.resends}'\n    next_step: plain {matched} text\n";
    let t = messages(ok("m.yaml", text));
    let m = &t.messages[0];
    assert_eq!(
        pieces(text, &m.text),
        [
            "\"Failed \"",
            "{limits.n}",
            "\" times, {not} \"",
            "{x.y}",
            "\"}\""
        ]
    );
    assert_eq!(pieces(text, &m.result), ["\"r \"", "{p.resends}"]);
    assert_eq!(
        pieces(text, &m.next_step),
        ["\"plain \"", "{matched}", "\" text\""]
    );
    // a placeholder runs to the brace that balances its own
    let text = "kind: messages\nmessages:\n  a: { text: \"{x matches /^[0-9]{6}$/}\", result: r, next_step: n }\n";
    let t = messages(ok("m.yaml", text));
    assert_eq!(
        pieces(text, &t.messages[0].text),
        ["{x matches /^[0-9]{6}$/}"]
    );
}

#[test]
fn placeholders_are_placed_in_block_scalars_and_escaped_strings() {
    let text = "kind: messages\nmessages:\n  a:\n    text: |\n      Line one {x}\n      and {x} again\n    result: \"say \\\"hi\\\" {y}\"\n    next_step: >\n      folded {z}\n      text\n  b: { text: \"{x}\", result: r, next_step: n }\n";
    let t = messages(ok("m.yaml", text));
    let m = &t.messages[0];
    assert_eq!(
        pieces(text, &m.text),
        [
            "\"Line one \"",
            "{x}",
            "\"\\nand \"",
            "{x}",
            "\" again\\n\""
        ]
    );
    let starts: Vec<usize> = m
        .text
        .pieces
        .iter()
        .filter_map(|p| match p {
            Piece::Placeholder { span, .. } => Some(span.start),
            Piece::Text(_) => None,
        })
        .collect();
    assert!(starts[0] < starts[1], "{starts:?}");
    assert_eq!(pieces(text, &m.result), ["\"say \\\"hi\\\" \"", "{y}"]);
    assert_eq!(
        pieces(text, &m.next_step),
        ["\"folded \"", "{z}", "\" text\\n\""]
    );
}

#[test]
fn unbalanced_and_empty_braces_are_table_errors() {
    let text = "kind: messages\nmessages:\n  a:\n    text: \"a } b {} c\"\n    result: \"{x\"\n    next_step: n\n";
    assert_eq!(
        problems(text),
        [
            (
                4,
                "`}` without an opening `{` in `text` of message `a`".to_string()
            ),
            (4, "empty placeholder in `text` of message `a`".to_string()),
            (
                5,
                "`{` without a closing `}` in `result` of message `a`".to_string()
            ),
        ]
    );
    let e = problem("kind: messages\nmessages:\n  a: { text: \"x }\", result: r, next_step: n }\n");
    assert_eq!(e.help().as_deref(), Some("write `}}` for a literal `}`"));
    let src = "kind: messages\nmessages:\n  a: { text: \"x }\", result: r, next_step: n }\n";
    assert_eq!(&src[e.span().start..e.span().end], "}");
}

#[test]
fn extra_columns_are_declared_and_kept_in_declared_order() {
    let text = "kind: messages\ncolumns: [audience, channel]\nmessages:\n  a:\n    channel: sms\n    text: t\n    audience: \"for {x}\"\n    result: r\n    next_step: n\n";
    let t = messages(ok("m.yaml", text));
    assert_eq!(t.columns, ["audience", "channel"]);
    let names: Vec<&str> = t.messages[0].columns().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        ["text", "result", "next_step", "audience", "channel"]
    );
    assert_eq!(t.messages[0].extra[1].1.plain(), Some("sms"));

    // undeclared, misspelt, missing
    let text =
        "kind: messages\nmessages:\n  a: { text: t, result: r, next_step: n, audience: x }\n";
    let e = problem(text);
    assert_eq!(e.to_string(), "unknown field `audience` in message `a`");
    let text = "kind: messages\ncolumns: [audience]\nmessages:\n  a: { text: t, result: r, next_step: n, audiense: x }\n";
    assert_eq!(
        problems(text),
        [
            (4, "missing field `audience` in message `a`".to_string()),
            (4, "unknown field `audiense` in message `a`".to_string()),
        ]
    );
    // what `columns` may hold
    assert_eq!(
        problems("kind: messages\ncolumns: [text, a, a, B, id]\nmessages: {}\n"),
        [
            (2, "`text` is a column of every message already".to_string()),
            (2, "column `a` is listed twice in `columns`".to_string()),
            (2, "`B` is not a valid column name".to_string()),
            (2, "`id` is a column of every message already".to_string()),
        ]
    );
}

// --- Robustness ------------------------------------------------------------------------

#[test]
fn never_panics() {
    let mut inputs: Vec<String> = [
        "", "\n", ":", "[", "{", "]", "- - -", "---\n---\n", "kind:", "kind: ~", "kind: 5",
        "kind: requirements", "kind: limits", "kind: messages", "kind: limits\nlimits: ~",
        "kind: limits\nlimits: []", "kind: messages\nmessages: [a]", "kind: requirements\nkeys: 5\nof: 6\nvalues: 7\nrows: 8",
        "kind: requirements\nkeys: [a]\nof: r\nvalues: [x]\nrows: [5, [], {}, ~, {a: [b]}, {required: ~}]",
        "kind: requirements\nkeys: [[a]]\nof: [r]\nvalues: [[x]]\nrows: [{[a]: b, required: [[x]]}]",
        "{[a]: b, kind: limits}", "kind: limits\nlimits: {? [a] : b}", "&a [*a]", "a: &x 1\nb: *y",
        "\t", "kind:\tlimits", "\u{feff}kind: limits\nlimits: {}", "kind: limits\r\nlimits: {x: {count: 1}}\r\n",
        "\u{0}\u{1}\u{2}", "kind: !!str limits\nlimits: {}", "kind: !custom limits", "é: ü\n\u{2028}x: y",
        "kind: messages\nmessages:\n  a:\n    text: |\n      multi\n      line\n    result: >\n      folded\n    next_step: \"n\"\n",
        "kind: messages\ncolumns: [é, ~, [a]]\nmessages:\n  a: { text: \"{{{}}}}{\", result: \"}{é{\", next_step: \"{\\u00e9}\" }\n",
        "kind: messages\ncolumns: x\nmessages:\n  a:\n    text: |\n      {\n      }\n    result: '{''}'\n    next_step: \"{a\\\"}\"\n",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    inputs.push("[".repeat(100_000));
    inputs.push("a:\n  ".repeat(300));
    // Pseudo-random byte junk, read as text the way a caller would.
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..200 {
        let bytes: Vec<u8> = (0..64)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                b"kind: limits{}[],:-#'\"\n \tabc123\xff\xc3"[(seed % 30) as usize]
            })
            .collect();
        inputs.push(String::from_utf8_lossy(&bytes).into_owned());
    }
    for input in inputs {
        let src = Source::new("junk.yaml", input.as_str());
        if let Err(diagnostics) = load_table(0, &src) {
            assert!(!diagnostics.is_empty());
            for d in &diagnostics {
                assert!(!render(d, std::slice::from_ref(&src)).is_empty());
            }
        }
    }
}

#[test]
fn block_scalars_are_read() {
    let text = "kind: messages\nmessages:\n  a:\n    text: |\n      multi\n      line\n    result: >\n      folded\n      text\n    next_step: \"n\"\n";
    let Table::Messages(t) = ok("m.yaml", text) else {
        panic!()
    };
    assert_eq!(t.messages[0].text.plain(), Some("multi\nline\n"));
    assert_eq!(t.messages[0].result.plain(), Some("folded text\n"));
}

#[test]
fn table_names_are_file_stems() {
    assert_eq!(table_name("rules/icp/roles.yaml"), "roles");
    assert_eq!(table_name("C:\\rules\\limits.yml"), "limits");
    assert_eq!(table_name("messages"), "messages");
    assert_eq!(table_name(".hidden"), ".hidden");
    assert_eq!(table_name("a.b.yaml"), "a.b");
    assert_eq!(table_name("rules/x/a.b.yaml"), "a.b");
}

#[test]
fn table_files_and_their_declared_kind() {
    assert!(is_table_file("rules/icp/roles.yaml") && is_table_file("a.b.yml"));
    assert!(!is_table_file("icp.docket") && !is_table_file("yaml"));
    assert_eq!(
        declared_kind("# c\nkind: limits # why\n").as_deref(),
        Some("limits")
    );
    assert_eq!(
        declared_kind("kind: 'messages'\n").as_deref(),
        Some("messages")
    );
    assert_eq!(declared_kind("kind:\nrows: []\n"), None);
}

#[test]
fn a_bad_of_still_names_values_sensibly() {
    let text = "kind: requirements\nkeys: [k]\nof: Role\nvalues: [a]\nrows:\n  - { k: x, required: [b] }\n";
    assert_eq!(
        problems(text),
        [
            (3, "`Role` is not a valid type name".to_string()),
            (6, "unknown value `b`".to_string()),
        ]
    );
}
