//! The grammar, rule by rule (in the spirit of tera's `assert_lex_rule!`), the shapes the
//! parser builds, and the wording of syntax errors, which authors read.

use super::{
    cut_point, is_keyword, open_brackets, parse_file, parse_part, DocketParser, Part, Rule,
    KEYWORDS, MAX_NESTING,
};
use crate::ast::*;
use crate::diag::Diagnostic;
use crate::span::Source;
use pest::Parser;

/// Whether `rule` matches the whole of `input` (pest stops at the end of a match, so a
/// match of a prefix is not enough).
fn lexes(rule: Rule, input: &str) -> bool {
    match DocketParser::parse(rule, input) {
        Ok(pairs) => pairs
            .last()
            .is_some_and(|p| p.as_span().end() == input.len()),
        Err(_) => false,
    }
}

macro_rules! assert_lex_rule {
    ($rule:expr, $($input:expr),+ $(,)?) => {
        $(assert!(lexes($rule, $input), "{:?} should match {:?}", $rule, $input);)+
    };
}

macro_rules! assert_not_lex_rule {
    ($rule:expr, $($input:expr),+ $(,)?) => {
        $(assert!(!lexes($rule, $input), "{:?} should not match {:?}", $rule, $input);)+
    };
}

fn parse(text: &str) -> Result<File, Vec<Diagnostic>> {
    parse_file(0, &Source::new("t.docket", text))
}

fn parse_ok(text: &str) -> File {
    match parse(text) {
        Ok(f) => f,
        Err(ds) => panic!("{text:?} should parse, got {:?}", messages(&ds)),
    }
}

/// The diagnostics of a file that must not parse.
fn parse_err(text: &str) -> Vec<Diagnostic> {
    match parse(text) {
        Ok(_) => panic!("{text:?} should not parse"),
        Err(ds) => ds,
    }
}

fn messages(ds: &[Diagnostic]) -> Vec<String> {
    ds.iter().map(|d| d.message.clone()).collect()
}

/// The one syntax error of `text`.
fn syntax_error(text: &str) -> Diagnostic {
    let mut ds = parse_err(text);
    assert_eq!(ds.len(), 1, "{text:?}: {:?}", messages(&ds));
    ds.remove(0)
}

/// The expression of `deadline d = <src>`, as an s-expression showing how it groups.
fn shape(src: &str) -> String {
    let file = parse_ok(&format!("deadline d = {src}\n"));
    match file.deadlines.as_slice() {
        [d] => sexpr(&d.expr),
        other => panic!("expected one deadline, got {}", other.len()),
    }
}

fn path(p: &[Ident]) -> String {
    p.iter()
        .map(|i| i.name.as_str())
        .collect::<Vec<_>>()
        .join(".")
}

fn sexpr(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Int(n) => n.to_string(),
        ExprKind::Duration(d) => format!("{}s", d.as_secs()),
        ExprKind::Instant(t) => format!("@{t}"),
        ExprKind::Date(d) => format!("@{d}"),
        ExprKind::Period(p) => format!("<{}>", p.format()),
        ExprKind::Call(f, args) => format!("{}({})", f.name, list(args)),
        ExprKind::Str(t) => template(t),
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::Unset => "unset".into(),
        ExprKind::Now => "now".into(),
        ExprKind::Regex(r) => format!("/{r}/"),
        ExprKind::Path(p) => path(p),
        ExprKind::Lookup(t, keys) => format!("{}[{}]", t.name, list(keys)),
        ExprKind::List(items) => format!("[{}]", list(items)),
        ExprKind::Comprehension { var, source, cond } => {
            format!("[{} in {} where {}]", var.name, sexpr(source), sexpr(cond))
        }
        ExprKind::Quantifier {
            kind,
            var,
            source,
            cond,
        } => format!(
            "({} {} {} {})",
            if *kind == Quant::All { "all" } else { "any" },
            var.name,
            sexpr(source),
            sexpr(cond)
        ),
        ExprKind::Count(x) => format!("(count {})", sexpr(x)),
        ExprKind::Not(x) => format!("(not {})", sexpr(x)),
        ExprKind::Neg(x) => format!("(neg {})", sexpr(x)),
        ExprKind::Is(x, test) => match test {
            IsTest::Set => format!("(is-set {})", sexpr(x)),
            IsTest::Unset => format!("(is-unset {})", sexpr(x)),
            IsTest::Tag(t) => format!("(is {} {})", t.name, sexpr(x)),
        },
        ExprKind::Binary(op, a, b) => format!("({} {} {})", op.symbol(), sexpr(a), sexpr(b)),
    }
}

fn list(items: &[Expr]) -> String {
    items.iter().map(sexpr).collect::<Vec<_>>().join(" ")
}

fn template(t: &Template) -> String {
    let parts: Vec<String> = t
        .parts
        .iter()
        .map(|p| match p {
            TemplatePart::Text(s) => format!("{s:?}"),
            TemplatePart::Expr(e) => format!("{{{}}}", sexpr(e)),
        })
        .collect();
    format!("(str {})", parts.join(" "))
}

// ── Words ───────────────────────────────────────────────────────────────────

#[test]
fn names_are_lowercase_led_identifiers() {
    assert_lex_rule!(Rule::name, "filing", "first_sms_at", "_private", "x1", "p");
    assert_not_lex_rule!(Rule::name, "Filing", "1x", "", "a-b", "a.b");
}

#[test]
fn keywords_are_not_names() {
    for kw in [
        "format",
        "statuses",
        "case",
        "key",
        "participants",
        "event",
        "deadline",
        "on",
        "for",
        "new",
        "let",
        "rule",
        "when",
        "else",
        "set",
        "unset",
        "emit",
        "reject",
        "show",
        "add",
        "as",
        "in",
        "where",
        "and",
        "or",
        "not",
        "is",
        "matches",
        "true",
        "false",
        "sensitive",
        "all",
        "any",
        "count",
        "now",
    ] {
        assert_lex_rule!(Rule::keyword, kw);
        assert_not_lex_rule!(Rule::name, kw);
    }
    // a keyword followed by more letters is a name
    assert_lex_rule!(
        Rule::name,
        "settings",
        "on_time",
        "newest",
        "counter",
        "events",
        "index"
    );
}

/// `word` read by the grammar's `keyword` rule, whole.
fn lexes_as_keyword(word: &str) -> bool {
    DocketParser::parse(Rule::keyword, word).is_ok_and(|p| p.as_str().len() == word.len())
}

#[test]
fn the_keyword_list_is_the_grammars() {
    assert!(
        KEYWORDS.windows(2).all(|w| w[0] < w[1]),
        "in order, once each"
    );
    // the words `keyword_body` spells out: each branch's first letter, then each of its
    // strings
    let grammar = include_str!("../../grammar/docket.pest");
    let body = grammar
        .split("keyword_body = _{")
        .nth(1)
        .and_then(|rest| rest.split("~ !ident_char").next())
        .expect("keyword_body in the grammar");
    let mut spelt = Vec::new();
    for line in body.lines() {
        let Some((first, strings)) = line.split_once("..") else {
            continue;
        };
        let Some(letter) = first.trim_end_matches('\'').chars().last() else {
            continue;
        };
        if !strings.contains('"') {
            continue; // a range of first letters, looked ahead
        }
        for (i, part) in strings.split('"').enumerate() {
            if i % 2 == 1 {
                spelt.push(format!("{letter}{part}"));
            }
        }
    }
    spelt.sort();
    assert_eq!(
        spelt, KEYWORDS,
        "the keywords spelt out in grammar/docket.pest"
    );
    for word in KEYWORDS {
        assert!(lexes_as_keyword(word), "{word}");
        assert!(is_keyword(word));
    }
    // and every word of up to three letters, with the keywords' prefixes and extensions
    let letters = ('a'..='z').chain(['_', '0']);
    let mut words: Vec<String> = letters.clone().map(String::from).collect();
    for _ in 0..2 {
        let longer: Vec<String> = (words.iter())
            .flat_map(|w| letters.clone().map(move |c| format!("{w}{c}")))
            .collect();
        words.extend(longer);
    }
    for kw in KEYWORDS {
        words.extend((1..kw.len()).map(|n| kw[..n].to_string()));
        words.extend(['s', '_', '1', 'x'].map(|c| format!("{kw}{c}")));
    }
    words.extend(["".to_string(), "Event".to_string(), "event.x".to_string()]);
    for w in &words {
        assert_eq!(is_keyword(w), lexes_as_keyword(w), "{w:?}");
    }
}

#[test]
fn a_keyword_where_a_name_belongs_is_explained() {
    let d = syntax_error("on x { let set = 1 }");
    assert_eq!(d.message, "expected a name");
    assert_eq!(d.label.as_deref(), Some("found `set`"));
    assert_eq!(
        d.help.as_deref(),
        Some("`set` is a keyword of the language and cannot be used as a name")
    );
}

#[test]
fn comments_run_to_the_end_of_the_line() {
    let f = parse_ok(
        "// a file comment\n\
         event tick {} // after a declaration\n\
         deadline d = now // inside an expression\n  + 1h\n\
         // at the end, without a newline",
    );
    assert_eq!(f.events.len(), 1);
    assert_eq!(sexpr(&f.deadlines[0].expr), "(+ now 3600s)");
    // brackets and quotes in a comment mean nothing
    parse_ok("event e {} // anything { ( \" at all\n");
    assert_eq!(
        syntax_error("# not a comment\n").label.as_deref(),
        Some("found `#`")
    );
}

// ── Literals ────────────────────────────────────────────────────────────────

#[test]
fn durations() {
    assert_lex_rule!(
        Rule::duration,
        "24h",
        "30m",
        "90s",
        "2d",
        "1h30m",
        "1d2h3m4s"
    );
    assert_not_lex_rule!(Rule::duration, "24", "h", "24 h", "24hours", "1.5h", "-1h");
    assert_eq!(shape("24h"), "86400s");
    assert_eq!(shape("1h30m"), "5400s");
    assert_eq!(shape("2d"), "172800s");
    // the grammar reads `30m1h`, the parser refuses it with a reason
    let d = syntax_error("deadline d = now + 30m1h\n");
    assert!(
        d.message
            .starts_with("invalid duration `30m1h`: unit `h` out of order"),
        "{}",
        d.message
    );
    assert!(d.help.is_some());
}

#[test]
fn instants() {
    assert_lex_rule!(
        Rule::instant,
        "@2026-11-28T10:00:00+08:00",
        "@2026-11-28T02:00:00Z"
    );
    assert_not_lex_rule!(Rule::instant, "2026-11-28T10:00:00Z", "@");
    assert_eq!(shape("@2026-11-28T10:00:00+08:00"), "@2026-11-28T02:00:00Z");
    let d = syntax_error("deadline d = @2026-13-45T00:00:00+08:00\n");
    assert_eq!(d.message, "invalid instant `@2026-13-45T00:00:00+08:00`");
    assert_eq!((d.span.start, d.span.end), (13, 39));
    assert!(d.help.is_some_and(|h| h.contains("RFC 3339")));
}

#[test]
fn integers_and_their_limit() {
    assert_lex_rule!(Rule::integer, "0", "5", "9223372036854775807");
    assert_not_lex_rule!(Rule::integer, "5x", "-5", "1_000");
    assert_eq!(shape("9223372036854775807"), "9223372036854775807");
    let d = syntax_error("deadline d = 9223372036854775808\n");
    assert_eq!(d.message, "the number `9223372036854775808` is too large");
}

#[test]
fn booleans_unset_and_now() {
    assert_lex_rule!(Rule::boolean, "true", "false");
    assert_not_lex_rule!(Rule::boolean, "truth", "True");
    assert_lex_rule!(Rule::unset_lit, "unset");
    assert_lex_rule!(Rule::now, "now");
    assert_not_lex_rule!(Rule::now, "nowhere");
    assert_eq!(shape("true or unset"), "(or true unset)");
}

#[test]
fn regexes() {
    assert_lex_rule!(Rule::regex, "/^1[0-9]{10}$/", r"/a\/b/", "//");
    assert_not_lex_rule!(Rule::regex, "/a\nb/", "/unclosed");
    assert_eq!(shape(r"x matches /^a\/b$/"), "(matches x /^a/b$/)");
}

#[test]
fn strings_with_escapes_and_interpolations() {
    assert_lex_rule!(
        Rule::string,
        r#""""#,
        r#""plain""#,
        r#""a {x.y} b""#,
        r#""\" \\ \{ \} \n""#
    );
    assert_not_lex_rule!(Rule::string, "\"no end", "\"two\nlines\"", r#""\q""#);
    assert_eq!(
        shape(r#""say \"hi\" \\ \{literal\} {p.phone}!\n""#),
        r#"(str "say \"hi\" \\ {literal} " {p.phone} "!\n")"#
    );
    // an interpolation holds a whole expression, strings included
    assert_eq!(
        shape(r#""{a ?? "none"} and {count(xs) + 1}""#),
        r#"(str {(?? a (str "none"))} " and " {(+ (count xs) 1)})"#
    );
    assert_eq!(shape(r#""""#), "(str )");
}

#[test]
fn an_unterminated_string_points_at_its_start() {
    let text = "on x { rule r { reject \"oops\n } }";
    let d = syntax_error(text);
    assert_eq!(d.message, "unterminated string");
    assert_eq!(d.span.start, text.find('"').unwrap_or_default());
    assert_eq!(
        d.label.as_deref(),
        Some("this string is not closed on its line")
    );
}

#[test]
fn an_unknown_escape_is_named() {
    let d = syntax_error(r#"on x { rule r { reject "a \q b" } }"#);
    assert_eq!(d.message, r"unknown escape `\q` in a string");
    assert!(d.help.is_some_and(|h| h.contains(r"`\n`")));
}

// ── Expressions ─────────────────────────────────────────────────────────────

#[test]
fn precedence_from_or_down_to_not_and_comparisons() {
    assert_eq!(
        shape("a or b and not c == d"),
        "(or a (and b (not (== c d))))"
    );
    assert_eq!(shape("a and b or c"), "(or (and a b) c)");
    assert_eq!(shape("not a and b"), "(and (not a) b)");
    assert_eq!(shape("not not a"), "(not (not a))");
    assert_eq!(shape("a == b and c != d"), "(and (== a b) (!= c d))");
}

#[test]
fn precedence_of_arithmetic_and_coalesce() {
    assert_eq!(shape("a + b * c"), "(+ a (* b c))");
    assert_eq!(shape("a * b + c"), "(+ (* a b) c)");
    assert_eq!(shape("a - b - c"), "(- (- a b) c)");
    assert_eq!(shape("-a * b"), "(* (neg a) b)");
    assert_eq!(shape("x ?? y + 1"), "(?? x (+ y 1))");
    assert_eq!(shape("x ?? y == z"), "(== (?? x y) z)");
    assert_eq!(shape("(a + b) * c"), "(* (+ a b) c)");
    assert_eq!(
        shape("filing.first_sms_at + limits.validation_window <= now"),
        "(<= (+ filing.first_sms_at limits.validation_window) now)"
    );
}

#[test]
fn every_operator_is_read_back_from_its_symbol() {
    for op in crate::ast::BinOp::ALL {
        let text = format!("a {} b", op.symbol());
        assert_eq!(shape(&text), format!("({} a b)", op.symbol()), "{text}");
    }
}

#[test]
fn comparisons_in_and_matches() {
    for op in ["==", "!=", "<", "<=", ">", ">="] {
        assert_eq!(shape(&format!("a {op} b")), format!("({op} a b)"));
    }
    assert_eq!(shape("x.role in p.roles"), "(in x.role p.roles)");
    assert_eq!(shape("a in xs and b"), "(and (in a xs) b)");
    assert_eq!(
        shape("s matches limits.miit_sender"),
        "(matches s limits.miit_sender)"
    );
    // `in` and `matches` need a word boundary
    assert_eq!(shape("a == index"), "(== a index)");
}

#[test]
fn is_tests_bind_tightest() {
    assert_eq!(shape("x is set"), "(is-set x)");
    assert_eq!(shape("x is unset"), "(is-unset x)");
    assert_eq!(shape("filing.status is open"), "(is open filing.status)");
    assert_eq!(shape("not x is set"), "(not (is-set x))");
    assert_eq!(
        shape("a is unset or a matches /^1/"),
        "(or (is-unset a) (matches a /^1/))"
    );
    assert_eq!(shape("a + b is set"), "(+ a (is-set b))");
    assert_lex_rule!(Rule::is_test, "is set", "is unset", "is open");
    assert_not_lex_rule!(Rule::is_test, "is", "is 5");
}

#[test]
fn collections_quantifiers_and_lookups() {
    assert_eq!(shape("[]"), "[]");
    assert_eq!(shape("[1, 2, 3,]"), "[1 2 3]");
    assert_eq!(
        shape("[p in people where p.phone == event.phone and p.pending]"),
        "[p in people where (and (== p.phone event.phone) p.pending)]"
    );
    assert_eq!(
        shape("all(q in p.filing.people: q.validated)"),
        "(all q p.filing.people q.validated)"
    );
    assert_eq!(shape("any(x in xs: x.n > 1)"), "(any x xs (> x.n 1))");
    assert_eq!(shape("count(xs) > 1"), "(> (count xs) 1)");
    assert_eq!(
        shape("roles[event.scenario, event.variant]"),
        "roles[event.scenario event.variant]"
    );
    assert_eq!(shape("event.at"), "event.at");
}

#[test]
fn placeholder_expressions() {
    use super::parse_expr;
    // plain paths are read without pest: the same tree, the same spans
    for text in [
        "limits.max_resends",
        "event.code",
        "p",
        "a_b.c1.dE",
        "event",
    ] {
        let fast = parse_expr(text).expect("a path");
        let slow = parse_expr(&format!("({text})")).expect("an expression");
        assert_eq!(sexpr(&fast), sexpr(&slow), "{text}");
        let (ExprKind::Path(a), ExprKind::Path(b)) = (&fast.kind, &slow.kind) else {
            panic!("{text} is a path");
        };
        for (x, y) in a.iter().zip(b) {
            assert_eq!(
                (x.span.start + 1, x.span.end + 1),
                (y.span.start, y.span.end)
            );
        }
    }
    assert_eq!(
        sexpr(&parse_expr("count(event.l) + 1").expect("an expression")),
        "(+ (count event.l) 1)"
    );
    for bad in [
        "not", "p.set", "a..b", "", " ", "a +", "(((", "\"", "Upper", "1a",
    ] {
        assert!(parse_expr(bad).is_err(), "{bad:?}");
    }
    let e = parse_expr("a +").unwrap_err();
    assert!(e.to_string().starts_with("expected "), "{e}");
    assert!(!e.to_string().contains("end of the file"), "{e}");
}

#[test]
fn expression_spans_cover_their_text() {
    let text = "deadline d = a or b and not c == d\n";
    let f = parse_ok(text);
    let e = &f.deadlines[0].expr;
    assert_eq!(&text[e.span.start..e.span.end], "a or b and not c == d");
    let ExprKind::Binary(BinOp::Or, _, rhs) = &e.kind else {
        panic!("expected `or` at the top, got {}", sexpr(e));
    };
    assert_eq!(&text[rhs.span.start..rhs.span.end], "b and not c == d");
}

// ── Types ───────────────────────────────────────────────────────────────────

#[test]
fn types() {
    assert_lex_rule!(
        Rule::type_expr,
        "count",
        "instant?",
        "roles.scenario",
        "set<role>",
        "list<{ role: role, phone: phone, cert_last6: cert_last6 sensitive }>",
        "{}",
        "list<set<text?>>?"
    );
    assert_not_lex_rule!(Rule::type_expr, "Set<role>", "set<>", "?");
}

// ── Declarations ────────────────────────────────────────────────────────────

#[test]
fn format_declarations() {
    let f = parse_ok(
        "format phone = /^1[0-9]{10}$/ \"a mobile number\"\n\
         format cert = /^[0-9]{5}[0-9X]$/ uppercase trim\n\
         format code = limits.code_format \"six digits\"\n",
    );
    let [phone, cert, code] = f.formats.as_slice() else {
        panic!("three formats expected");
    };
    assert_eq!(phone.name.name, "phone");
    assert!(matches!(&phone.pattern, PatternSrc::Regex(r, _) if r == "^1[0-9]{10}$"));
    assert_eq!(phone.description.as_deref(), Some("a mobile number"));
    let transforms: Vec<&str> = cert.transforms.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(transforms, ["uppercase", "trim"]);
    assert!(cert.description.is_none());
    assert!(matches!(&code.pattern, PatternSrc::Limit(p) if path(p) == "limits.code_format"));
    // a description is plain text
    let d = syntax_error("format x = /a/ \"{y}\"\n");
    assert_eq!(d.message, "this string cannot hold `{…}` interpolations");
}

#[test]
fn statuses_with_tags() {
    let f = parse_ok("statuses {\n  new_one\n  waiting: open\n  done: final, quiet\n}\n");
    let items: Vec<(String, Vec<String>)> = f.statuses[0]
        .items
        .iter()
        .map(|i| {
            (
                i.name.name.clone(),
                i.tags.iter().map(|t| t.name.clone()).collect(),
            )
        })
        .collect();
    assert_eq!(
        items,
        [
            ("new_one".to_string(), vec![]),
            ("waiting".to_string(), vec!["open".to_string()]),
            (
                "done".to_string(),
                vec!["final".to_string(), "quiet".to_string()]
            ),
        ]
    );
}

#[test]
fn case_and_participants() {
    let f = parse_ok(
        "case filing key id: filing_id {\n  scenario: roles.scenario\n  first_sms_at: instant?\n}\n\
         participants people in filing {\n  roles: set<role> = []\n  cert: cert_last6 sensitive\n  \
         code: code? sensitive\n  pending = not validated and code is set\n}\n",
    );
    let case = &f.cases[0];
    assert_eq!(
        (case.name.name.as_str(), case.key.name.as_str()),
        ("filing", "id")
    );
    assert!(case.fields[1].name().name == "first_sms_at");
    assert!(matches!(&case.fields[1], FieldDecl::Stored { ty, .. } if ty.optional));
    let parts = &f.participants[0];
    assert_eq!(
        (parts.name.name.as_str(), parts.case.name.as_str()),
        ("people", "filing")
    );
    assert!(matches!(
        &parts.fields[0],
        FieldDecl::Stored {
            default: Some(_),
            sensitive: false,
            ..
        }
    ));
    assert!(matches!(
        &parts.fields[1],
        FieldDecl::Stored {
            sensitive: true,
            default: None,
            ..
        }
    ));
    assert!(
        matches!(&parts.fields[2], FieldDecl::Stored { ty, sensitive: true, .. } if ty.optional)
    );
    match &parts.fields[3] {
        FieldDecl::Derived { name, expr } => {
            assert_eq!(name.name, "pending");
            assert_eq!(sexpr(expr), "(and (not validated) (is-set code))");
        }
        other => panic!("a derived field expected, got {other:?}"),
    }
}

#[test]
fn erase_clauses() {
    assert_lex_rule!(
        Rule::erase_clause,
        "erase when validated",
        "erase when validated or not filing.status is open",
        "erase  when\n  x"
    );
    assert_not_lex_rule!(
        Rule::erase_clause,
        "erase",
        "erase validated",
        "erasewhen x",
        "erased when x"
    );
    assert_lex_rule!(
        Rule::stored_field,
        ": code? sensitive erase when validated",
        ": count = 0 erase when done",
        ": code? erase when true"
    );
    let f = parse_ok(
        "participants people in filing {\n  code: code? sensitive erase when validated or not filing.status is open\n  erase: bool = false\n  n: count = 0 erase when erase\n}\n",
    );
    let fields = &f.participants[0].fields;
    match &fields[0] {
        FieldDecl::Stored {
            sensitive: true,
            erase: Some((clause, cond)),
            ..
        } => {
            assert_eq!(clause.end - clause.start, "erase when".len());
            assert_eq!(sexpr(cond), "(or validated (not (is open filing.status)))");
        }
        other => panic!("a field with `erase when` expected, got {other:?}"),
    }
    // `erase` is no keyword: a field may be named so, and read
    assert_eq!(fields[1].name().name, "erase");
    assert!(
        matches!(&fields[2], FieldDecl::Stored { default: Some(_), erase: Some((_, c)), .. } if sexpr(c) == "erase")
    );
    assert!(matches!(&fields[1], FieldDecl::Stored { erase: None, .. }));
}

#[test]
fn an_erase_clause_needs_its_condition() {
    let d = syntax_error("participants p in c {\n  code: code? sensitive erase when\n}\n");
    assert_eq!(d.message, "expected an expression");
    // without `when`, `erase` reads as the name of the next field
    let d = syntax_error("participants p in c {\n  code: code? sensitive erase validated\n}\n");
    assert_eq!(d.message, "expected `:` or `=`");
    assert_eq!(
        d.help.as_deref(),
        Some("to erase a field when a condition holds, write `erase when <condition>` after its type")
    );
}

#[test]
fn events_with_and_without_commas() {
    let f = parse_ok(
        "event sms_sent { filing: filing_id, phone: phone, code: code sensitive, sender: text? }\n\
         event order { personnel: list<{ role: role, phone: phone }>, }\n\
         event spaced { a: text b: count }\n\
         event tick {}\n",
    );
    let fields: Vec<(&str, bool)> = f.events[0]
        .fields
        .iter()
        .map(|x| (x.name.name.as_str(), x.sensitive))
        .collect();
    assert_eq!(
        fields,
        [
            ("filing", false),
            ("phone", false),
            ("code", true),
            ("sender", false)
        ]
    );
    assert!(f.events[0].fields[3].ty.optional);
    assert!(
        matches!(&f.events[1].fields[0].ty.kind, TypeKind::List(inner)
        if matches!(&inner.kind, TypeKind::Record(r) if r.len() == 2))
    );
    assert_eq!(f.events[2].fields.len(), 2);
    assert!(f.events[3].fields.is_empty());
}

#[test]
fn deadlines() {
    let f = parse_ok("deadline window_end = filing.first_sms_at + limits.validation_window\n");
    assert_eq!(f.deadlines[0].name.name, "window_end");
    assert_eq!(
        sexpr(&f.deadlines[0].expr),
        "(+ filing.first_sms_at limits.validation_window)"
    );
}

#[test]
fn handlers_triggers_and_routes() {
    let f = parse_ok(
        "on order for new filing(event.filing) { }\n\
         on sms for filing(event.filing) { let x = 1 let y = x }\n\
         on attempt { }\n\
         on deadline window_end { }\n",
    );
    let [created, routed, unrouted, deadline] = f.handlers.as_slice() else {
        panic!("four handlers expected");
    };
    assert!(matches!(&created.trigger, Trigger::Event(id) if id.name == "order"));
    assert!(created
        .route
        .as_ref()
        .is_some_and(|r| r.create && r.case.name == "filing"));
    let route = routed.route.as_ref().map(|r| (r.create, sexpr(&r.key)));
    assert_eq!(route, Some((false, "event.filing".to_string())));
    let lets: Vec<&str> = routed.lets.iter().map(|l| l.name.name.as_str()).collect();
    assert_eq!(lets, ["x", "y"]);
    assert!(unrouted.route.is_none());
    assert!(matches!(&deadline.trigger, Trigger::Deadline(id) if id.name == "window_end"));
}

#[test]
fn rules_with_for_when_and_else() {
    let f = parse_ok(
        "on e {\n  rule always { emit a }\n  rule guarded for p in xs when p.n > 1 {\n    emit b\n  } else {\n    emit c\n  }\n}\n",
    );
    let [always, guarded] = f.handlers[0].rules.as_slice() else {
        panic!("two rules expected");
    };
    assert!(always.for_each.is_none() && always.when.is_none() && always.otherwise.is_none());
    assert_eq!(always.then.len(), 1);
    let (var, src) = guarded
        .for_each
        .as_ref()
        .map(|(v, s)| (v.name.as_str(), sexpr(s)))
        .unwrap_or_default();
    assert_eq!((var, src.as_str()), ("p", "xs"));
    assert_eq!(
        guarded.when.as_ref().map(sexpr).as_deref(),
        Some("(> p.n 1)")
    );
    assert!(matches!(guarded.otherwise.as_deref(), Some([Action::Emit(id)]) if id.name == "c"));
}

#[test]
fn actions() {
    let f = parse_ok(
        "on e for c(event.id) {\n  rule r {\n    set c.status = done\n    emit done\n    \
         reject \"no {event.id}\"\n    reject phone \"bad phone\"\n    show n = 1 + 2\n    \
         add people(phone: x.phone, cert: x.cert,) as p { set p.roles = p.roles + [x.role] }\n    \
         add people(phone: y)\n  }\n}\n",
    );
    let actions = &f.handlers[0].rules[0].then;
    assert_eq!(actions.len(), 7);
    assert!(matches!(&actions[0], Action::Set { target, value, .. }
        if path(target) == "c.status" && sexpr(value) == "done"));
    assert!(matches!(&actions[1], Action::Emit(id) if id.name == "done"));
    assert!(
        matches!(&actions[2], Action::Reject { field: None, message }
        if template(message) == r#"(str "no " {event.id})"#)
    );
    assert!(matches!(&actions[3], Action::Reject { field: Some(f), .. } if f.name == "phone"));
    assert!(matches!(&actions[4], Action::Show { name, value }
        if name.name == "n" && sexpr(value) == "(+ 1 2)"));
    match &actions[5] {
        Action::Add {
            collection,
            keys,
            bind: Some((p, block)),
            ..
        } => {
            assert_eq!(collection.name, "people");
            let keys: Vec<String> = keys
                .iter()
                .map(|(k, v)| format!("{}={}", k.name, sexpr(v)))
                .collect();
            assert_eq!(keys, ["phone=x.phone", "cert=x.cert"]);
            assert_eq!(p.name, "p");
            assert_eq!(block.len(), 1);
        }
        other => panic!("an `add … as p {{ … }}` expected, got {other:?}"),
    }
    assert!(matches!(&actions[6], Action::Add { bind: None, .. }));
}

#[test]
fn an_empty_file_and_a_comment_only_file_parse() {
    let f = parse_ok("");
    assert!(f.handlers.is_empty() && f.events.is_empty());
    parse_ok("// nothing here yet\n");
}

// ── Syntax errors read well ─────────────────────────────────────────────────

#[test]
fn a_missing_expression_says_so() {
    let text = "on x { rule r when { } }";
    let d = syntax_error(text);
    assert_eq!(d.message, "expected an expression");
    assert_eq!(d.span.start, text.find("{ }").unwrap_or_default());
    assert_eq!(d.label.as_deref(), Some("found `{`"));
    assert!(d.help.is_some_and(|h| h.contains("after `when`")));
}

#[test]
fn a_missing_closing_brace_points_back_to_its_opening() {
    let text = "on x {\n  rule r { emit a }\n\non y { }\n";
    let d = syntax_error(text);
    assert_eq!(d.message, "expected `else`, `rule` or `}`");
    assert_eq!(d.span.start, text.find("on y").unwrap_or_default());
    assert_eq!(d.label.as_deref(), Some("found `on`"));
    assert_eq!(
        d.help.as_deref(),
        Some("the `{` on line 1 is never closed: is a `}` missing before this?")
    );
    // before any declaration word, `invariant` included
    let d = syntax_error("on x {\n  rule r { emit a }\n\ninvariant i for c = true else \"m\"\n");
    assert_eq!(d.label.as_deref(), Some("found `invariant`"));
    assert!(d
        .help
        .is_some_and(|h| h.starts_with("the `{` on line 1 is never closed")));
    // at the end of the file too
    let d = syntax_error("on x {\n  rule r { emit a }\n");
    assert_eq!(d.label.as_deref(), Some("found the end of the file"));
    assert!(d
        .help
        .is_some_and(|h| h.starts_with("the `{` on line 1 is never closed")));
}

#[test]
fn literal_tokens_are_named_where_pest_tried_them() {
    // pest places the failure on the rule it last tried (`set`); the `=` it tried got further
    let text = "on x { rule r { set c.status done } }";
    let d = syntax_error(text);
    assert_eq!(d.message, "expected `=`");
    assert_eq!(d.label.as_deref(), Some("found `done`"));
    assert_eq!(d.span.start, text.find("done").unwrap_or_default());

    assert_eq!(
        syntax_error("case c key id c_id { }").message,
        "expected `:`"
    );
    assert_eq!(
        syntax_error("on x for c event.id { }").message,
        "expected `(`"
    );
    assert_eq!(
        syntax_error("participants p filing { }").message,
        "expected `in`"
    );
    assert_eq!(
        syntax_error("deadline d = all(x xs: y)").message,
        "expected `in`"
    );
    assert_eq!(
        syntax_error("on x { let a = [1, 2 3] }").message,
        "expected an operator, `]` or `,`"
    );
}

#[test]
fn a_single_equals_in_a_condition_suggests_double() {
    let d = syntax_error("on x { rule r when a = b { } }");
    assert_eq!(d.message, "expected `{`, an operator or `(`");
    assert!(d
        .help
        .is_some_and(|h| h.starts_with("write `==` to compare")));
}

#[test]
fn junk_at_the_top_level_lists_the_declarations() {
    let d = syntax_error("rule r { }");
    assert_eq!(
        d.message,
        "expected a declaration (`format`, `statuses`, `case`, `participants`, `event`, `deadline` or `on`)"
    );
    assert_eq!(d.label.as_deref(), Some("found `rule`"));
    // after a declaration, too
    let d = syntax_error("event e {}\nrule r { }");
    assert!(
        d.message.starts_with("expected a declaration"),
        "{}",
        d.message
    );
}

#[test]
fn an_action_is_expected_in_a_block() {
    let d = syntax_error("on x { rule r { when } }");
    assert_eq!(
        d.message,
        "expected an action (`set`, `emit`, `reject`, `show` or `add`) or `}`"
    );
}

#[test]
fn syntax_messages_never_show_grammar_rule_names() {
    for text in [
        "on x { rule r when { } }",
        "on x { rule r { emit } }",
        "event e { a: }",
        "statuses { a: }",
        "format f = 5",
        "participants p filing { }",
        "on x { rule r { add people() } }",
        "deadline d = all(x xs: y)",
        "on x { rule r { show = 1 } }",
        "case c key id: { }",
    ] {
        let d = syntax_error(text);
        for word in ["_", "Rule", "EOI", "expr ", "unexpected input"] {
            assert!(
                !d.message.contains(word),
                "{text:?}: {:?} shows {word:?}",
                d.message
            );
        }
        assert!(
            d.message.starts_with("expected "),
            "{text:?}: {:?}",
            d.message
        );
    }
}

// ── Nesting ─────────────────────────────────────────────────────────────────

fn nested(depth: usize) -> String {
    format!("deadline d = {}x{}\n", "(".repeat(depth), ")".repeat(depth))
}

#[test]
fn nesting_up_to_the_limit_parses() {
    let f = parse_ok(&nested(MAX_NESTING));
    assert_eq!(sexpr(&f.deadlines[0].expr), "x");
}

#[test]
fn nesting_beyond_the_limit_is_refused_clearly() {
    let text = nested(MAX_NESTING + 1);
    let d = syntax_error(&text);
    assert_eq!(
        d.message,
        format!("brackets nest more than {MAX_NESTING} deep")
    );
    // the caret is on the first bracket too many
    assert_eq!(d.span.start, "deadline d = ".len() + MAX_NESTING);
    assert!(d.help.is_some_and(|h| h.contains("`let`")));
}

#[test]
fn very_deep_input_does_not_exhaust_the_stack() {
    for open in ["(", "[", "{", "not (", "\"{"] {
        let text = format!("deadline d = {}", open.repeat(100_000));
        let d = syntax_error(&text);
        assert!(
            d.message.starts_with("brackets nest more than"),
            "{open:?}: {}",
            d.message
        );
    }
}

#[test]
fn deeply_nested_types_are_refused_before_parsing() {
    let ty = |depth: usize| format!("{}x{}", "set<".repeat(depth), ">".repeat(depth));
    parse_ok(&format!("case c key id: {} {{}}\n", ty(MAX_NESTING)));
    for text in [
        format!("case c key id: {} {{}}\n", ty(MAX_NESTING + 1)),
        format!(
            "event e {{ a: {} }}\n",
            "list < // a comment\n".repeat(100_000)
        ),
    ] {
        let d = syntax_error(&text);
        assert!(
            d.message.starts_with("brackets nest more than"),
            "{}",
            d.message
        );
    }
    // `<` and `>` of comparisons are no brackets
    let many: String = (0..MAX_NESTING + 10)
        .map(|i| format!("deadline d{i} = a < b\n"))
        .collect();
    parse_ok(&many);
}

#[test]
fn brackets_in_comments_strings_and_patterns_do_not_count() {
    let deep = "(".repeat(2 * MAX_NESTING);
    parse_ok(&format!("// {deep}\ndeadline d = x\n"));
    parse_ok(&format!("deadline d = \"{deep}\" \n"));
    let patterns: String = (0..MAX_NESTING + 10)
        .map(|i| format!("deadline d{i} = x matches /\\(/\n"))
        .collect();
    parse_ok(&patterns);
}

#[test]
fn open_brackets_tracks_strings_and_interpolations() {
    let text = r#"on x { rule r { reject "a {b(c"#;
    let open: Vec<char> = open_brackets(text, text.len())
        .unwrap_or_default()
        .into_iter()
        .map(|(c, _)| c)
        .collect();
    assert_eq!(open, ['{', '{', '"', '{', '(']);
    // a string ends with its line; a comment hides brackets; an escaped quote stays in
    let text = "a \"(\n ( // ((\n \"x \\\" [\" )";
    let open = open_brackets(text, text.len()).unwrap_or_default();
    assert_eq!(open, []);
}

#[test]
fn field_declarations_expect_a_colon_or_an_equals_sign() {
    assert_eq!(
        syntax_error("case c key id: t { a }").message,
        "expected `:` or `=`"
    );
    assert_eq!(syntax_error("event e { a }").message, "expected `:`");
    assert_eq!(syntax_error("event e { a: }").message, "expected a type");
}

#[test]
fn long_operator_chains_are_bounded_too() {
    use super::MAX_EXPR_DEPTH;
    // operators nest without brackets: `not not …` and `a + a + …` build deep trees
    let at_limit = format!("deadline d = {}x\n", "not ".repeat(MAX_EXPR_DEPTH - 1));
    parse_ok(&at_limit);
    let sum = format!("deadline d = x{}\n", " + x".repeat(MAX_EXPR_DEPTH - 1));
    parse_ok(&sum);
    for text in [
        format!("deadline d = {}x\n", "not ".repeat(MAX_EXPR_DEPTH)),
        format!("deadline d = x{}\n", " or x".repeat(MAX_EXPR_DEPTH)),
        format!("deadline d = {}x\n", "- ".repeat(100_000)),
        format!("deadline d = x{}\n", " * x".repeat(100_000)),
        // brackets and operators add up
        format!("deadline d = {}x{}\n", "(not ".repeat(40), ")".repeat(40)).replace("(not x", "(not x or x or x or x or x or x or x or x or x or x or x or x or x or x or x or x or x or x or x or x or x or x or x or x or x"),
    ] {
        let d = syntax_error(&text);
        assert_eq!(d.message, format!("this expression is more than {MAX_EXPR_DEPTH} operations deep"));
        assert!(d.help.is_some_and(|h| h.contains("`let`")));
    }
}

#[test]
fn periods_dates_and_calls() {
    assert_lex_rule!(
        Rule::period,
        "1 month",
        "2 months",
        "7 days",
        "1 week",
        "1 year",
        "1 month 2 days"
    );
    assert_not_lex_rule!(Rule::period, "1 monthly", "month", "1m", "1  fortnight");
    assert_eq!(shape("@2027-01-02 + 1 month"), "(+ @2027-01-02 <1 month>)");
    assert_eq!(shape("2 * 7 days"), "(* 2 <7 days>)");
    assert_eq!(
        shape("start_of(roll_forward(date_of(now) + limits.p, holidays) + 1 day)"),
        "start_of((+ roll_forward((+ date_of(now) limits.p) holidays) <1 day>))"
    );
    assert_eq!(shape("f()"), "f()");
    // a count followed by a name that is no unit stays a count
    assert_eq!(shape("1 + months"), "(+ 1 months)");
}

#[test]
fn rules_chain_else_when() {
    let file = parse_ok(
        "on e { rule r when a { emit x } else when b { emit y } else when c { emit z } else { emit w } }",
    );
    let rule = &file.handlers[0].rules[0];
    assert_eq!(rule.else_when.len(), 2);
    assert!(rule.otherwise.is_some());
}

#[test]
fn migrate_rules() {
    assert_lex_rule!(
        Rule::migrate_decl,
        "migrate filing { }",
        "migrate filing { rename a to b drop c set d = e + 1 status x -> y }",
        "migrate people in filing { rename code to otp }",
        "migrate filing from application { }",
        "migrate drop loan",
        // the step words are no keywords: fields may bear them
        "migrate filing { rename to to drop drop from }"
    );
    assert_not_lex_rule!(
        Rule::migrate_decl,
        "migrate filing { rename a b }",
        "migrate filing { status x => y }",
        "migrate filing { move a to b }",
        "migrate people in filing from x { }",
        "migrate drop"
    );
    assert_lex_rule!(Rule::status_step, "status waiting -> awaiting_validation");
    assert_lex_rule!(Rule::set_step, "set attempts = failures + 1");
}

#[test]
fn migrate_blocks_lower_to_their_steps() {
    let f = parse_ok(
        "migrate filing from application {\n  rename first_sms_at to first_sent_at\n  drop legacy\n  set tries = failures + 1\n  status waiting -> open\n}\nmigrate people in filing { drop code }\nmigrate drop loan\n",
    );
    assert_eq!(f.migrations.len(), 3);
    let MigrateDecl::Block {
        target,
        parts_of,
        from,
        steps,
        ..
    } = &f.migrations[0]
    else {
        panic!("a block");
    };
    assert_eq!(target.name, "filing");
    assert!(parts_of.is_none());
    assert_eq!(from.as_ref().map(|f| f.name.as_str()), Some("application"));
    assert!(
        matches!(&steps[0], MigrateStep::Rename { from, to } if from.name == "first_sms_at" && to.name == "first_sent_at")
    );
    assert!(matches!(&steps[1], MigrateStep::Drop(d) if d.name == "legacy"));
    assert!(matches!(&steps[2], MigrateStep::Set { field, .. } if field.name == "tries"));
    assert!(
        matches!(&steps[3], MigrateStep::Status { from, to } if from.name == "waiting" && to.name == "open")
    );
    assert!(
        matches!(&f.migrations[1], MigrateDecl::Block { parts_of: Some(c), target, .. } if c.name == "filing" && target.name == "people")
    );
    assert!(matches!(&f.migrations[2], MigrateDecl::DropCase(c) if c.name == "loan"));
}

/// The rule files of the repository's policies, with their texts.
fn repository_rule_files() -> Vec<Source> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for dir in ["rules", "tests/policies"] {
        let Ok(policies) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for policy in policies.flatten() {
            for file in std::fs::read_dir(policy.path())
                .into_iter()
                .flatten()
                .flatten()
            {
                let path = file.path();
                if path.extension().is_some_and(|e| e == "docket") {
                    let text = std::fs::read_to_string(&path).expect("a rule file");
                    out.push(Source::new(path.display().to_string(), text));
                }
            }
        }
    }
    out
}

/// A file parsed in two parts cut at `cut`, as two threads parse it at load.
fn in_two(src: &Source, cut: usize) -> Option<File> {
    let mut file = parse_part(0, src, Part::Before(cut))?;
    file.append(parse_part(0, src, Part::From(cut))?);
    Some(file)
}

#[test]
fn a_rule_file_parsed_in_two_parts_is_the_file_parsed_whole() {
    let files = repository_rule_files();
    assert!(files.len() >= 3, "{} rule files found", files.len());
    let mut cut = 0;
    for src in &files {
        let whole = format!("{:?}", parse_file(0, src).expect("the policy parses"));
        // where a load cuts it, and every other line start: wherever both parts parse,
        // they hold the whole file's declarations, spans and all
        let chosen = cut_point(&src.text);
        let lines = src.text.match_indices('\n').map(|(i, _)| i + 1);
        let mut agreeing = 0;
        for at in chosen.into_iter().chain(lines) {
            if let Some(parts) = in_two(src, at) {
                assert_eq!(format!("{parts:?}"), whole, "{} cut at {at}", src.name);
                agreeing += 1;
            } else {
                assert_ne!(Some(at), chosen, "{}: the chosen cut fails", src.name);
            }
        }
        cut += usize::from(chosen.is_some());
        assert!(agreeing > 1, "{}", src.name);
    }
    // the two large policies are cut
    assert!(cut >= 2, "{cut} files cut");
    // a file cut at a line that does not start a declaration fails in a part, not silently
    let text = "deadline d = a\n  + 1h\nevent e { }\n";
    assert!(in_two(
        &Source::new("x.docket", text),
        text.find("  +").unwrap_or(0)
    )
    .is_none());
    // a line that looks like a declaration inside braces (a string, a list): the part
    // before it is refused for its open bracket, before any parse
    for inside in ["\"{\n", "[\n", "{ x\n"] {
        let text = format!("event a {{ x: text }}\non a {{ rule r {{ emit {inside}event e {{ }}\n");
        let src = Source::new("x.docket", text.as_str());
        let at = text.find("event e").unwrap_or(0);
        assert!(parse_part(0, &src, Part::Before(at)).is_none(), "{text}");
        assert!(in_two(&src, at).is_none());
    }
}
