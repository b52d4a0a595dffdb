//! Tests of the formatter: the layout of each construct, and properties over the shipped
//! policies, mutated copies of them and generated rule files.

use super::{format, tokens, FmtError, WIDTH};
use crate::dsl;
use crate::span::Source;
use proptest::prelude::*;

/// Every rule file of the shipped policies (`rules/*/`) and of the test policies
/// (`tests/policies/*/`), as (path, text), read at run time: a new policy is covered without
/// being named here.
fn policies() -> &'static [(String, String)] {
    static FILES: std::sync::OnceLock<Vec<(String, String)>> = std::sync::OnceLock::new();
    FILES.get_or_init(|| {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        for top in ["rules", "tests/policies"] {
            let folders = std::fs::read_dir(root.join(top)).expect("the policies are there");
            for folder in folders.filter_map(Result::ok) {
                let Ok(entries) = std::fs::read_dir(folder.path()) else {
                    continue;
                };
                for path in entries.filter_map(|e| e.ok().map(|e| e.path())) {
                    if path.extension().is_some_and(|x| x == "docket") {
                        let text = std::fs::read_to_string(&path).expect("readable");
                        files.push((path.display().to_string(), text));
                    }
                }
            }
        }
        files.sort();
        assert!(files.len() >= 3, "the policies were found: {files:?}");
        files
    })
}

/// The text of the policy file `which` picks.
fn policy(which: prop::sample::Index) -> &'static str {
    let all = policies();
    &all[which.index(all.len())].1
}

fn fmt(text: &str) -> String {
    format("t.docket", text).unwrap_or_else(|e| panic!("{e}\n--- input:\n{text}"))
}

/// The file's syntax tree with every span taken out: what the rest of the engine sees.
fn ast(text: &str) -> String {
    let file = dsl::parse_file(0, &Source::new("t.docket", text))
        .unwrap_or_else(|e| panic!("does not parse: {e:?}\n{text}"));
    let debug = format!("{file:?}");
    let spans = regex_lite::Regex::new(r"Span \{ start: \d+, end: \d+ \}").expect("a regex");
    spans.replace_all(&debug, "Span").into_owned()
}

/// Every comment, in order.
fn comments(text: &str) -> Vec<String> {
    let top = dsl::syntax_tree(text)
        .ok()
        .and_then(|mut t| t.next())
        .expect("parses");
    tokens::tokens(text, top)
        .into_iter()
        .filter_map(|t| match t {
            tokens::Token::Comment(c) => Some(c.to_string()),
            tokens::Token::Text(_) => None,
        })
        .collect()
}

/// What must hold of the formatting of any rule file.
fn check_properties(input: &str) -> Result<(), TestCaseError> {
    let once = fmt(input);
    let twice = fmt(&once);
    prop_assert_eq!(&twice, &once, "not idempotent; input:\n{}", input);
    prop_assert_eq!(
        ast(&once),
        ast(input),
        "the program changed; output:\n{}",
        once
    );
    prop_assert_eq!(
        comments(&once),
        comments(input),
        "a comment changed:\n{}",
        once
    );
    // Independent of the formatter's own tokenizer: every `//` (comments, and any inside
    // strings or regexes, which are kept verbatim) is still there.
    prop_assert_eq!(once.matches("//").count(), input.matches("//").count());
    // Only whitespace changed.
    let squeeze = |t: &str| t.split_whitespace().collect::<String>();
    prop_assert_eq!(squeeze(&once), squeeze(input));
    prop_assert!(once.is_empty() || (once.ends_with('\n') && !once.ends_with("\n\n")));
    prop_assert!(!once.contains("\n\n\n"), "two blank lines:\n{}", once);
    prop_assert!(
        once.lines().all(|l| l == l.trim_end() && !l.contains('\t')),
        "trailing space or a tab:\n{}",
        once
    );
    Ok(())
}

// ── The layout, construct by construct ──────────────────────────────────────

#[test]
fn the_shipped_policies_are_formatted() {
    for (name, text) in policies() {
        let out = fmt(text);
        let first = out.lines().zip(text.lines()).position(|(a, b)| a != b);
        assert!(
            &out == text,
            "{name} is not formatted (line {:?}): run `docket fmt`",
            first.map(|l| l + 1)
        );
    }
}

#[test]
fn the_shipped_policies_keep_their_properties() {
    for (_, text) in policies() {
        check_properties(text).unwrap();
    }
}

#[test]
fn blocks_are_indented_two_spaces_one_item_a_line() {
    let input = "statuses{a  b:open,final}\non  x   for filing( event . id ){let y=1 rule r when y>0{emit m set p.q=[1,2] }}";
    let want = "statuses {
  a
  b: open, final
}
on x for filing(event.id) {
  let y = 1
  rule r when y > 0 {
    emit m
    set p.q = [1, 2]
  }
}
";
    assert_eq!(fmt(input), want);
}

#[test]
fn comments_stay_where_they_are() {
    let input = "// head\n\n\n\n// about x\nevent x { a: t } // trailing\n  // before y\nevent y {}\non x {\n  rule r { // why\n    emit m\n    // the end of r\n  }\n\n\n  // the end of the handler\n}\n// tail";
    let want = "// head

// about x
event x { a: t }  // trailing
// before y
event y {}
on x {
  rule r {  // why
    emit m
    // the end of r
  }

  // the end of the handler
}
// tail
";
    assert_eq!(fmt(input), want);
}

#[test]
fn a_comment_inside_an_expression_breaks_the_line_there() {
    let input = "deadline d = a + // the base\n b + c";
    assert_eq!(
        fmt(input),
        "deadline d = a +  // the base\n             b + c\n"
    );
}

#[test]
fn the_authors_breaks_in_expressions_are_kept_aligned_with_the_expression() {
    let input =
        "on e {\n  rule r for p in ps\n          when a and\n b\n    or c {\n  emit m\n  }\n}\n";
    let want = "on e {
  rule r for p in ps
    when a and
         b
         or c {
    emit m
  }
}
";
    assert_eq!(fmt(input), want);
    let input = "on e {\n  let xs = [x in ys where x.a == 1\n and x.b]\n  let n = f(a,\n b)\n}";
    let want = "on e {
  let xs = [x in ys where x.a == 1
                          and x.b]
  let n = f(a,
            b)
}
";
    assert_eq!(fmt(input), want);
}

#[test]
fn breaks_the_grammar_does_not_need_are_joined() {
    let input = "on e\n{\n  rule r\n  {\n    set a.b =\n 1\n  }\n  else\n  {\n  emit m\n  }\n}";
    let want = "on e {\n  rule r {\n    set a.b =\n      1\n  } else {\n    emit m\n  }\n}\n";
    assert_eq!(fmt(input), want);
}

#[test]
fn formats_on_consecutive_lines_line_up() {
    let input = "format a = /x/ \"an a\"\nformat long_name = lim.f\n\nformat b = /y/ uppercase at most 3 characters\n";
    let want = "format a         = /x/ \"an a\"\nformat long_name = lim.f\n\nformat b = /y/ uppercase at most 3 characters\n";
    assert_eq!(fmt(input), want);
}

#[test]
fn lists_stay_on_one_line_when_written_so_and_short_enough() {
    let input = "enum g {a  b,c}\nevent e {a: t, b: {c: u?, d: list<set<v>>}}\nevent f {\na: t }";
    let want = "enum g { a  b, c }\nevent e { a: t, b: { c: u?, d: list<set<v>> } }\nevent f {\n  a: t\n}\n";
    assert_eq!(fmt(input), want);
    let long = format!("event e {{ {} }}", "field_name: some_type, ".repeat(6));
    let out = fmt(&long);
    assert!(out.lines().all(|l| l.chars().count() <= WIDTH), "{out}");
    assert_eq!(out.lines().count(), 8, "{out}");
    // A record type too long for one line breaks, and the event around it with it.
    let nested = format!(
        "event e {{ a: t, b: {{ {} }} }}",
        "field_name: some_type, ".repeat(5)
    );
    let out = fmt(&nested);
    assert!(
        out.starts_with("event e {\n  a: t,\n  b: {\n    field_name: some_type,\n"),
        "{out}"
    );
    check_properties(&nested).unwrap();
}

#[test]
fn every_construct_is_laid_out() {
    let input = "case request key id:request_id in requests{subject:email sensitive\ncode:code? sensitive erase   when not(status is open)\nperiod:period=2 days\ndue = start_of(d+1 day)}
participants people in request{n:count=0}
migrate request from old{rename a to b\ndrop c\nset n=-1*2\nstatus w->r}
migrate drop loan
migrate people in request{}
on deadline d{rule r when all(p in people:p.n>=0)and any(q in people:q.x??1!=2)and count([x in xs where x matches /a+/])<3 and t[a,b]==@2026-01-02 and now-24h<=x{reject field \"no {x.y}\"
show s=unset
add people(a:1,b:\"x\",)as p{set p.n=p.n+1}}else when x in [] {emit m}else{emit n}}
on e for new request(event.request){}
on f for request(event.request)or new{}";
    let want = "case request key id: request_id in requests {
  subject: email sensitive
  code: code? sensitive erase when not (status is open)
  period: period = 2 days
  due = start_of(d + 1 day)
}
participants people in request {
  n: count = 0
}
migrate request from old {
  rename a to b
  drop c
  set n = -1 * 2
  status w -> r
}
migrate drop loan
migrate people in request {}
on deadline d {
  rule r when all(p in people: p.n >= 0) and any(q in people: q.x ?? 1 != 2) and count([x in xs where x matches /a+/]) < 3 and t[a, b] == @2026-01-02 and now - 24h <= x {
    reject field \"no {x.y}\"
    show s = unset
    add people(a: 1, b: \"x\",) as p {
      set p.n = p.n + 1
    }
  } else when x in [] {
    emit m
  } else {
    emit n
  }
}
on e for new request(event.request) {}
on f for request(event.request) or new {}
";
    assert_eq!(fmt(input), want);
}

/// The example of the README's "Formatting rule files".
#[test]
fn the_readme_example() {
    let input = "event  request_received{request:request_id,subject : email sensitive}
on request_received for new request( event.request ){
rule repeated when count(earlier)+1>=limits.repeat_threshold // this one included
  and request.kind==\"access\" {emit possibly_excessive}}
";
    let want = "event request_received { request: request_id, subject: email sensitive }
on request_received for new request(event.request) {
  rule repeated when count(earlier) + 1 >= limits.repeat_threshold  // this one included
                     and request.kind == \"access\" {
    emit possibly_excessive
  }
}
";
    assert_eq!(fmt(input), want);
    let readme = include_str!("../../README.md");
    assert!(readme.contains(input.trim_end()) && readme.contains(want.trim_end()));
}

#[test]
fn windows_line_ends_and_tabs_become_plain_lines_and_spaces() {
    let input = "on e {\r\n\trule r {\r\n\t\temit m // done\r\n\t}\r\n}\r\n";
    assert_eq!(
        fmt(input),
        "on e {\n  rule r {\n    emit m  // done\n  }\n}\n"
    );
}

#[test]
fn an_empty_file_stays_empty_and_a_comment_only_file_keeps_its_comments() {
    assert_eq!(fmt(""), "");
    assert_eq!(fmt("\n\n  \n"), "");
    assert_eq!(
        fmt("  // only this\n\n\n// and this"),
        "// only this\n\n// and this\n"
    );
}

#[test]
fn a_file_that_does_not_parse_is_a_parse_error_with_the_usual_diagnostic() {
    let err = format("bad.docket", "on e {\n  rule r when {\n  }\n}\n").unwrap_err();
    let FmtError::Parse { diagnostics, .. } = &err else {
        panic!("not a parse error: {err}");
    };
    assert_eq!(diagnostics.len(), 1);
    let text = err.to_string();
    assert!(text.contains("--> bad.docket:2:"), "{text}");
    assert!(text.contains("error: 1 problem in the rule file"), "{text}");
}

// ── Properties over mutated and generated rule files ───────────────────────

/// The positions between two tokens of `text`, and the whitespace there.
fn gaps(text: &str) -> Vec<(usize, usize)> {
    let top = dsl::syntax_tree(text)
        .ok()
        .and_then(|mut t| t.next())
        .expect("parses");
    let mut leaves = Vec::new();
    tokens::leaf_spans(top, &mut leaves);
    // Fixed words and marks sit between leaves; split at every whitespace run outside leaves.
    let mut out = Vec::new();
    let mut at = 0;
    let bytes = text.as_bytes();
    let mut in_comment = false;
    for (start, end) in leaves.into_iter().chain([(text.len(), text.len())]) {
        let mut i = at;
        while i < start {
            if bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'/') {
                in_comment = true;
            }
            if bytes[i] == b'\n' {
                in_comment = false;
            }
            if bytes[i].is_ascii_whitespace() && !in_comment {
                let s = i;
                while i < start && bytes[i].is_ascii_whitespace() {
                    if bytes[i] == b'\n' {
                        in_comment = false;
                    }
                    i += 1;
                }
                out.push((s, i));
            } else {
                i += 1;
            }
        }
        at = end;
    }
    out
}

/// What a mutation puts in place of a run of whitespace.
#[derive(Clone, Debug)]
enum Fill {
    /// Other horizontal whitespace, the line breaks kept.
    Respace(String),
    /// A line break, or a blank line, or two.
    Breaks(usize),
    /// A trailing comment (then a line break).
    Trailing,
    /// A comment on a line of its own.
    OwnLine,
}

fn fill() -> impl Strategy<Value = Fill> {
    prop_oneof![
        4 => "[ \t]{1,3}".prop_map(Fill::Respace),
        2 => (1usize..4).prop_map(Fill::Breaks),
        1 => Just(Fill::Trailing),
        1 => Just(Fill::OwnLine),
    ]
}

/// `text` with the whitespace runs at `picks` (indices into its gaps, wrapped) replaced.
fn mutate(text: &str, picks: &[(usize, Fill)]) -> String {
    let gaps = gaps(text);
    let mut chosen: Vec<(usize, &Fill)> = picks.iter().map(|(i, f)| (i % gaps.len(), f)).collect();
    chosen.sort_by_key(|(i, _)| *i);
    chosen.dedup_by_key(|(i, _)| *i);
    let mut out = String::new();
    let mut at = 0;
    for (n, (i, f)) in chosen.into_iter().enumerate() {
        let (s, e) = gaps[i];
        out.push_str(&text[at..s]);
        let breaks = text[s..e].matches('\n').count();
        match f {
            Fill::Respace(sp) => {
                out.push_str(sp);
                out.push_str(&"\n".repeat(breaks));
                out.push_str(sp);
            }
            Fill::Breaks(k) => out.push_str(&"\n".repeat(*k)),
            Fill::Trailing => out.push_str(&format!(" // note {n}\n")),
            Fill::OwnLine => out.push_str(&format!("\n  // note {n}\n")),
        }
        at = e;
    }
    out.push_str(&text[at..]);
    out
}

/// `text` with horizontal whitespace changed and nothing else: it must format the same.
fn respace(text: &str, picks: &[(usize, String)]) -> String {
    let picks: Vec<_> = picks
        .iter()
        .map(|(i, s)| (*i, Fill::Respace(s.clone())))
        .collect();
    mutate(text, &picks)
}

// Each case formats a whole policy several times over (a debug build on a small CI machine):
// few cases here; `PROPTEST_CASES`-style deep runs are done by raising these by hand.
proptest! {
    #![proptest_config(ProptestConfig {
        cases: 16,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn mutated_shipped_policies_format_safely(
        which in any::<prop::sample::Index>(),
        picks in prop::collection::vec((0usize..10_000, fill()), 1..40),
    ) {
        let text = policy(which);
        let input = mutate(text, &picks);
        check_properties(&input)?;
    }

    #[test]
    fn spaces_within_lines_do_not_matter(
        which in any::<prop::sample::Index>(),
        picks in prop::collection::vec((0usize..10_000, "[ \t]{1,4}"), 1..60),
    ) {
        let text = policy(which);
        prop_assert_eq!(fmt(&respace(text, &picks)), fmt(text));
    }

}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 200,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn generated_rule_files_format_safely(file in gen::file()) {
        check_properties(&file)?;
        let again = respace(&file, &[(0, "\t ".to_string()), (7, "  ".to_string())]);
        prop_assert_eq!(fmt(&again), fmt(&file));
    }
}

/// Random rule files that parse (their names need not resolve): tokens of every construct
/// joined by random whitespace, line breaks and comments.
mod gen {
    use proptest::prelude::*;

    /// The last is long enough that a few of them make a list too long for one line.
    const NAMES: [&str; 10] = [
        "a",
        "b2",
        "filing",
        "p",
        "q_x",
        "drop",
        "to",
        "erase",
        "status",
        "a_name_long_enough_to_fill_a_line",
    ];

    fn name() -> impl Strategy<Value = String> {
        prop::sample::select(&NAMES[..]).prop_map(str::to_string)
    }

    fn path() -> impl Strategy<Value = String> {
        prop::collection::vec(name(), 1..4).prop_map(|v| v.join(" . "))
    }

    fn atom() -> BoxedStrategy<String> {
        prop_oneof![
            path(),
            (0u32..1000).prop_map(|n| n.to_string()),
            Just("\"text\u{1}{a.b}\u{1}\\\"\u{1}//x\"".to_string()),
            Just("24h".to_string()),
            Just("2\u{1}months\u{1}3\u{1}days".to_string()),
            Just("true".to_string()),
            Just("unset".to_string()),
            Just("now".to_string()),
            Just("/a+\\/b/".to_string()),
            Just("@2026-01-02".to_string()),
            Just("event . x".to_string()),
        ]
        .boxed()
    }

    const OPS: [&str; 14] = [
        "or", "and", "==", "!=", "<", "<=", ">", ">=", "in", "matches", "??", "+", "-", "*",
    ];

    pub fn expr() -> BoxedStrategy<String> {
        atom()
            .prop_recursive(3, 24, 3, |inner| {
                prop_oneof![
                    (inner.clone(), prop::sample::select(&OPS[..]), inner.clone())
                        .prop_map(|(a, op, b)| format!("{a} {op} {b}")),
                    inner.clone().prop_map(|e| format!("not {e}")),
                    inner.clone().prop_map(|e| format!("- {e}")),
                    inner.clone().prop_map(|e| format!("( {e} )")),
                    (
                        inner.clone(),
                        prop_oneof![Just("set"), Just("unset"), Just("open")]
                    )
                        .prop_map(|(e, t)| format!("{e} is {t}")),
                    (name(), prop::collection::vec(inner.clone(), 0..3))
                        .prop_map(|(f, args)| format!("{f} ( {} )", args.join(" , "))),
                    (name(), prop::collection::vec(inner.clone(), 1..3))
                        .prop_map(|(t, args)| format!("{t} [ {} ]", args.join(" , "))),
                    prop::collection::vec(inner.clone(), 0..3)
                        .prop_map(|xs| format!("[ {} ]", xs.join(" , "))),
                    (name(), inner.clone(), inner.clone())
                        .prop_map(|(v, s, c)| format!("[ {v} in {s} where {c} ]")),
                    (
                        prop_oneof![Just("all"), Just("any")],
                        name(),
                        inner.clone(),
                        inner.clone()
                    )
                        .prop_map(|(k, v, s, c)| format!("{k} ( {v} in {s} : {c} )")),
                    inner.prop_map(|e| format!("count ( {e} )")),
                ]
            })
            .boxed()
    }

    fn ty() -> BoxedStrategy<String> {
        path()
            .prop_recursive(2, 8, 3, |inner| {
                prop_oneof![
                    inner.clone().prop_map(|t| format!("set < {t} >")),
                    inner.clone().prop_map(|t| format!("list < {t} >")),
                    prop::collection::vec((name(), inner), 0..3).prop_map(|fs| {
                        let fs: Vec<_> = fs.iter().map(|(n, t)| format!("{n} : {t}")).collect();
                        format!("{{ {} }}", fs.join(" , "))
                    }),
                ]
            })
            .prop_map(|t| t.replace(". ", ".").replace(" .", "."))
            .prop_flat_map(|t| prop_oneof![Just(t.clone()), Just(format!("{t} ?"))])
            .boxed()
    }

    fn action() -> BoxedStrategy<String> {
        prop_oneof![
            (path(), expr()).prop_map(|(p, e)| format!("set {p} = {e}")),
            name().prop_map(|n| format!("emit {n}")),
            name().prop_map(|n| format!("reject {n} \"no\u{1}{{\u{1}{n}\u{1}}}\"")),
            (name(), expr()).prop_map(|(n, e)| format!("show {n} = {e}")),
            (name(), expr(), name(), path()).prop_map(|(c, e, b, p)| format!(
                "add {c} ( {c} : {e} , ) as {b} {{ set {p} = 1 }}"
            )),
        ]
        .boxed()
    }

    fn rule() -> BoxedStrategy<String> {
        (
            name(),
            prop::option::of((name(), expr())),
            prop::option::of(expr()),
            prop::collection::vec(action(), 0..3),
            prop::collection::vec((expr(), prop::collection::vec(action(), 0..2)), 0..2),
            prop::option::of(prop::collection::vec(action(), 0..2)),
        )
            .prop_map(|(n, f, w, then, elifs, otherwise)| {
                let mut s = format!("rule {n}");
                if let Some((v, e)) = f {
                    s += &format!(" for {v} in {e}");
                }
                if let Some(w) = w {
                    s += &format!(" when {w}");
                }
                s += &format!(" {{ {} }}", then.join(" "));
                for (c, b) in elifs {
                    s += &format!(" else when {c} {{ {} }}", b.join(" "));
                }
                if let Some(b) = otherwise {
                    s += &format!(" else {{ {} }}", b.join(" "));
                }
                s
            })
            .boxed()
    }

    fn field() -> BoxedStrategy<String> {
        prop_oneof![
            (
                name(),
                ty(),
                any::<bool>(),
                prop::option::of(expr()),
                prop::option::of(expr())
            )
                .prop_map(|(n, t, s, d, e)| {
                    let mut f = format!("{n} : {t}");
                    if s {
                        f += " sensitive";
                    }
                    if let Some(d) = d {
                        f += &format!(" = {d}");
                    }
                    if let Some(e) = e {
                        f += &format!(" erase when {e}");
                    }
                    f
                }),
            (name(), expr()).prop_map(|(n, e)| format!("{n} = {e}")),
        ]
        .boxed()
    }

    fn decl() -> BoxedStrategy<String> {
        prop_oneof![
            (
                name(),
                prop_oneof![Just("/^x$/".to_string()), path()],
                any::<bool>()
            )
                .prop_map(|(n, p, t)| format!(
                    "format {n} = {p}{} \"desc\"",
                    if t {
                        " uppercase at most 5 characters"
                    } else {
                        ""
                    }
                )),
            prop::collection::vec((name(), any::<bool>()), 0..4).prop_map(|vs| {
                let vs: Vec<_> = vs
                    .iter()
                    .map(|(v, c)| format!("{v}{}", if *c { " ," } else { "" }))
                    .collect();
                format!("enum e {{ {} }}", vs.join(" "))
            }),
            prop::collection::vec((name(), prop::collection::vec(name(), 0..3)), 0..4).prop_map(
                |items| {
                    let items: Vec<_> = items
                        .iter()
                        .map(|(n, tags)| {
                            if tags.is_empty() {
                                n.clone()
                            } else {
                                format!("{n} : {}", tags.join(" , "))
                            }
                        })
                        .collect();
                    format!("statuses {{ {} }}", items.join(" "))
                }
            ),
            (name(), ty(), prop::collection::vec(field(), 0..4)).prop_map(|(n, t, fs)| format!(
                "case {n} key id : {t} in all_{n} {{ {} }}",
                fs.join(" ")
            )),
            (name(), prop::collection::vec(field(), 0..4))
                .prop_map(|(n, fs)| format!("participants {n} in c {{ {} }}", fs.join(" "))),
            (
                name(),
                prop::collection::vec((name(), ty(), any::<bool>()), 0..4)
            )
                .prop_map(|(n, fs)| {
                    let fs: Vec<_> = fs
                        .iter()
                        .map(|(f, t, c)| format!("{f} : {t}{}", if *c { " ," } else { "" }))
                        .collect();
                    format!("event {n} {{ {} }}", fs.join(" "))
                }),
            (name(), expr()).prop_map(|(n, e)| format!("deadline {n} = {e}")),
            (
                name(),
                prop::option::of((any::<bool>(), name(), expr(), any::<bool>())),
                prop::collection::vec((name(), expr()), 0..3),
                prop::collection::vec(rule(), 0..3),
            )
                .prop_map(|(t, route, lets, rules)| {
                    let mut s = if t == "p" {
                        "on deadline d".to_string()
                    } else {
                        format!("on {t}")
                    };
                    if let Some((new, c, e, or_new)) = route {
                        s += &format!(
                            " for {}{c} ( {e} ){}",
                            if new { "new " } else { "" },
                            if or_new && !new { " or new" } else { "" }
                        );
                    }
                    let lets: Vec<_> = lets.iter().map(|(n, e)| format!("let {n} = {e}")).collect();
                    format!("{s} {{ {} {} }}", lets.join(" "), rules.join(" "))
                }),
            // (a case type named `drop` would read as `migrate drop …`)
            (name(), expr()).prop_map(|(n, e)| format!(
                "migrate m_{n} from old {{ rename a to b drop c set {n} = {e} status w -> r }}"
            )),
            name().prop_map(|n| format!("migrate drop {n}")),
        ]
        .boxed()
    }

    // Inside tokens that hold spaces (strings, periods), `\u{1}` stands for a space until
    // the file is put together, so that no line break or comment lands inside them.

    /// A separator: mostly a space; sometimes line breaks, tabs or a comment.
    fn sep() -> impl Strategy<Value = &'static str> {
        prop_oneof![
            12 => Just(" "),
            2 => Just("\n"),
            1 => Just("\n\n\n"),
            1 => Just("\t"),
            1 => Just(" // c\n"),
            1 => Just("\n    // own line\n"),
        ]
    }

    pub fn file() -> impl Strategy<Value = String> {
        prop::collection::vec(decl(), 0..6)
            .prop_map(|ds| ds.join("\n"))
            .prop_flat_map(|text| {
                let words: Vec<String> = text.split(' ').map(str::to_string).collect();
                let n = words.len();
                (Just(words), prop::collection::vec(sep(), n))
            })
            .prop_map(|(words, seps)| {
                let mut out = String::new();
                for (w, s) in words.iter().zip(seps) {
                    out.push_str(w);
                    out.push_str(s);
                }
                // Spaces inside a token (a string, a period) were kept from the split.
                out.replace('\u{1}', " ")
            })
    }
}
