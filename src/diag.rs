//! Diagnostics: problems found in the policy, rendered once, rustc-style, without colour.

use crate::span::{floor_char_boundary, Source, Span};

mod code;
pub use code::Code;

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Severity {
    /// The policy cannot be used.
    Error,
    /// The policy works, but something looks wrong.
    Warning,
}

impl Severity {
    fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// One problem, pointing at a span of one source file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The kind of problem, as a stable code (`E010`).
    pub code: Code,
    /// The headline: lowercase, no final period, user input in backticks.
    pub message: String,
    /// The index of the file in the `&[Source]` given to `render`.
    pub source: usize,
    /// The bytes to underline.
    pub span: Span,
    /// A short note printed after the underline.
    pub label: Option<String>,
    /// How to fix it, printed as `= help: …`.
    pub help: Option<String>,
    /// Text that can replace the span to fix it (the name a "did you mean" suggests), for
    /// editors that apply fixes.
    pub replacement: Option<String>,
}

impl Diagnostic {
    /// An error of kind `code` at `span` of source number `source`.
    pub fn error(code: Code, source: usize, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            source,
            span,
            label: None,
            help: None,
            replacement: None,
        }
    }

    /// A warning of kind `code` at `span` of source number `source`.
    pub fn warning(code: Code, source: usize, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, source, span, message)
        }
    }

    /// The same diagnostic with a fix: `text` replaces the span.
    pub fn with_replacement(self, text: impl Into<String>) -> Self {
        Diagnostic {
            replacement: Some(text.into()),
            ..self
        }
    }

    /// The same diagnostic with a note after the underline.
    pub fn with_label(self, label: impl Into<String>) -> Self {
        Diagnostic {
            label: Some(label.into()),
            ..self
        }
    }

    /// The same diagnostic with a `help` line.
    pub fn with_help(self, help: impl Into<String>) -> Self {
        Diagnostic {
            help: Some(help.into()),
            ..self
        }
    }
}

/// Renders one diagnostic, every line ending in `\n`:
///
/// ```text
/// error: unknown message id `validaton_failed`
///   --> rules/demo/policy.docket:42:10
///    |
/// 42 |     emit validaton_failed
///    |          ^^^^^^^^^^^^^^^^ not in `messages`
///    |
///    = help: did you mean `validation_failed`?
/// ```
///
/// Never panics: a span outside the text is clamped to it, and a diagnostic whose source
/// index is out of range is rendered without its snippet.
pub fn render(d: &Diagnostic, sources: &[Source]) -> String {
    let mut out = format!("{}: {}\n", d.severity.as_str(), d.message);
    let Some(src) = sources.get(d.source) else {
        if let Some(help) = &d.help {
            out.push_str(&format!("  = help: {help}\n"));
        }
        return out;
    };
    let text = src.text.as_str();

    // INVARIANT: `start <= end <= text.len()`, both on char boundaries.
    let mut start = floor_char_boundary(text, d.span.start);
    let end = floor_char_boundary(text, d.span.end.max(start));
    // A span at the very end of a file that ends with a newline points just after the last
    // character, not at the empty line after it.
    if start == text.len() && start == end && text.ends_with('\n') {
        start -= 1;
        if text[..start].ends_with('\r') {
            start -= 1;
        }
    }
    let end = end.max(start);

    let (line, col) = src.line_col(start);
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let line_text = text[line_start..line_end].trim_end_matches('\r');

    // Underline from the start to the end of the span, or of its first line, whichever
    // comes first; at least one caret.
    let underline_end = end.min(line_start + line_text.len()).max(start);
    let carets = text[start..underline_end].chars().count().max(1);

    let number = line.to_string();
    let pad = " ".repeat(number.len());
    out.push_str(&format!("{pad}--> {}:{line}:{col}\n", src.name));
    out.push_str(&format!("{pad} |\n"));
    // A bidirectional control character would reorder the line on the terminal: each is
    // shown as `�`, one character, so the carets stay aligned.
    let shown: String = line_text
        .chars()
        .map(|c| match c {
            '\t' => ' ',
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' => {
                '\u{FFFD}'
            }
            c => c,
        })
        .collect();
    out.push_str(&format!("{number} | {}\n", shown.trim_end()));
    let mut underline = format!("{pad} | {}{}", " ".repeat(col - 1), "^".repeat(carets));
    if let Some(label) = &d.label {
        underline.push(' ');
        underline.push_str(label);
    }
    out.push_str(&underline);
    out.push('\n');
    if let Some(help) = &d.help {
        out.push_str(&format!("{pad} |\n"));
        out.push_str(&format!("{pad} = help: {help}\n"));
    }
    out
}

/// Renders every diagnostic, a blank line between them, then a summary line such as
/// `error: 3 problems in the policy` or `error: 2 errors, 1 warning in the policy`.
/// An empty list renders as an empty string.
pub fn render_all(ds: &[Diagnostic], sources: &[Source]) -> String {
    render_all_in(ds, sources, "the policy")
}

/// [`render_all`] for problems in something other than a policy: `subject` ends the
/// summary line (e.g. `error: 1 problem in the scenario file …`).
pub fn render_all_in(ds: &[Diagnostic], sources: &[Source], subject: &str) -> String {
    let mut out = String::new();
    for d in ds {
        out.push_str(&render(d, sources));
        out.push('\n');
    }
    let errors = ds.iter().filter(|d| d.severity == Severity::Error).count();
    let warnings = ds.len() - errors;
    let summary = match (errors, warnings) {
        (0, 0) => return out,
        (0, w) => format!("warning: {} in {subject}", plural(w, "warning")),
        (e, 0) => format!("error: {} in {subject}", plural(e, "problem")),
        (e, w) => format!(
            "error: {}, {} in {subject}",
            plural(e, "error"),
            plural(w, "warning")
        ),
    };
    out.push_str(&summary);
    out.push('\n');
    out
}

/// One diagnostic as a JSON object on one line (no newline), for editors and scripts:
///
/// ```json
/// {"file":"rules/demo/policy.docket","severity":"error","code":"E010",
///  "message":"unknown message id `validaton_failed`",
///  "range":{"start":{"line":149,"column":10},"end":{"line":149,"column":26}},
///  "label":null,"help":"did you mean `validation_failed`?",
///  "suggestions":[{"replacement":"validation_failed","range":{…the same…}}]}
/// ```
///
/// Lines and columns are 1-based, columns counted in characters; `end` is just after the
/// last character. `file` is `null` when the source index is out of range (then `range` is
/// `null` too). `suggestions` holds the text that can replace the range, when one is known.
pub fn to_json_line(d: &Diagnostic, sources: &[Source]) -> String {
    let src = sources.get(d.source);
    let range = src.map(|src| {
        let start = floor_char_boundary(&src.text, d.span.start);
        let end = floor_char_boundary(&src.text, d.span.end.max(start));
        let pos = |byte: usize| {
            let (line, column) = src.line_col(byte);
            JsonPos { line, column }
        };
        JsonRange {
            start: pos(start),
            end: pos(end),
        }
    });
    let suggestions = match (&d.replacement, range) {
        (Some(text), Some(range)) => vec![JsonSuggestion {
            replacement: text,
            range,
        }],
        _ => Vec::new(),
    };
    let out = JsonDiagnostic {
        file: src.map(|s| s.name.as_str()),
        severity: d.severity.as_str(),
        code: d.code.as_str(),
        message: &d.message,
        range,
        label: d.label.as_deref(),
        help: d.help.as_deref(),
        suggestions,
    };
    // INVARIANT: strings, numbers and options serialise without error.
    serde_json::to_string(&out).unwrap_or_default()
}

/// The JSON shape of a diagnostic, its keys in this order.
#[derive(serde::Serialize)]
struct JsonDiagnostic<'a> {
    file: Option<&'a str>,
    severity: &'static str,
    code: &'static str,
    message: &'a str,
    range: Option<JsonRange>,
    label: Option<&'a str>,
    help: Option<&'a str>,
    suggestions: Vec<JsonSuggestion<'a>>,
}

#[derive(serde::Serialize, Clone, Copy)]
struct JsonRange {
    start: JsonPos,
    end: JsonPos,
}

#[derive(serde::Serialize, Clone, Copy)]
struct JsonPos {
    line: usize,
    column: usize,
}

#[derive(serde::Serialize)]
struct JsonSuggestion<'a> {
    replacement: &'a str,
    range: JsonRange,
}

/// Every diagnostic as JSON lines: one object ([`to_json_line`]) per line, each line ending in
/// `\n`; no summary line. An empty list renders as an empty string.
pub fn render_json_lines(ds: &[Diagnostic], sources: &[Source]) -> String {
    let mut out = String::new();
    for d in ds {
        out.push_str(&to_json_line(d, sources));
        out.push('\n');
    }
    out
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// The candidate closest to `name` by edit distance (insertions, deletions, substitutions
/// and swaps of two neighbours), if it is within `max(1, len / 3)` edits, `len` counted in
/// chars of `name`. Ties go to the candidate that comes first.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let name: Vec<char> = name.chars().collect();
    let threshold = (name.len() / 3).max(1);
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        let d = edit_distance(&name, &candidate.chars().collect::<Vec<_>>());
        let better = match best {
            Some((best_d, _)) => d < best_d,
            None => true,
        };
        if d <= threshold && better {
            best = Some((d, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// Damerau–Levenshtein distance, optimal string alignment variant.
fn edit_distance(a: &[char], b: &[char]) -> usize {
    // Three rolling rows: two rows back (for swaps), the previous one and the current one.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur: Vec<usize> = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                cur[j] = cur[j].min(before[j - 2] + 1);
            }
        }
        std::mem::swap(&mut before, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(text: &str) -> Vec<Source> {
        vec![Source::new("rules/demo/policy.docket", text)]
    }

    #[test]
    fn renders_the_documented_shape() {
        let mut text = String::new();
        for _ in 0..41 {
            text.push_str("# filler\n");
        }
        text.push_str("    emit validaton_failed\n");
        let start = text.find("validaton").unwrap();
        let d = Diagnostic::error(
            Code::Syntax,
            0,
            Span::new(start, start + "validaton_failed".len()),
            "unknown message id `validaton_failed`",
        )
        .with_label("not in `messages`")
        .with_help("did you mean `validation_failed`?");
        assert_eq!(
            render(&d, &src(&text)),
            "error: unknown message id `validaton_failed`\n\
             \x20 --> rules/demo/policy.docket:42:10\n\
             \x20  |\n\
             42 |     emit validaton_failed\n\
             \x20  |          ^^^^^^^^^^^^^^^^ not in `messages`\n\
             \x20  |\n\
             \x20  = help: did you mean `validation_failed`?\n"
        );
    }

    #[test]
    fn empty_span_without_label_or_help() {
        let d = Diagnostic::warning(Code::Syntax, 0, Span::new(2, 2), "odd");
        assert_eq!(
            render(&d, &src("ab cd\n")),
            "warning: odd\n --> rules/demo/policy.docket:1:3\n  |\n1 | ab cd\n  |   ^\n"
        );
    }

    #[test]
    fn multi_line_span_underlines_to_end_of_first_line() {
        let d = Diagnostic::error(Code::Syntax, 0, Span::new(3, 9), "x");
        let out = render(&d, &src("ab cd\nef\n"));
        assert!(out.contains("1 | ab cd\n  |    ^^\n"), "{out}");
    }

    #[test]
    fn tabs_keep_the_caret_aligned() {
        let d = Diagnostic::error(Code::Syntax, 0, Span::new(2, 3), "x");
        let out = render(&d, &src("\t\tz\n"));
        assert!(out.contains("1 |   z\n  |   ^\n"), "{out}");
        assert!(out.contains(":1:3\n"), "{out}");
    }

    #[test]
    fn end_of_file_points_after_the_last_character() {
        let text = "a: 1\nb: [2\n";
        let d = Diagnostic::error(
            Code::Syntax,
            0,
            Span::new(text.len(), text.len()),
            "unexpected end",
        );
        let out = render(&d, &src(text));
        assert!(out.contains(":2:6\n"), "{out}");
        assert!(out.contains("2 | b: [2\n  |      ^\n"), "{out}");
        // Without a final newline, too.
        let d = Diagnostic::error(Code::Syntax, 0, Span::new(3, 3), "unexpected end");
        assert!(render(&d, &src("abc")).contains("1 | abc\n  |    ^\n"));
    }

    #[test]
    fn never_panics_on_odd_spans() {
        let texts = ["", "\n", "é\né", "\r\n", "a\tb"];
        for text in texts {
            for start in 0..8 {
                for end in 0..8 {
                    let d = Diagnostic::error(Code::Syntax, 0, Span::new(start, end), "x");
                    let out = render(&d, &src(text));
                    assert!(out.contains('^'));
                }
            }
        }
        let d = Diagnostic::error(Code::Syntax, 7, Span::new(0, 1), "x").with_help("h");
        assert_eq!(render(&d, &[]), "error: x\n  = help: h\n");
        let d = Diagnostic::error(Code::Syntax, 0, Span::new(usize::MAX, usize::MAX), "x");
        assert!(render(&d, &src("abc\n")).contains(":1:4\n"));
    }

    #[test]
    fn render_all_separates_and_summarises() {
        let sources = src("a\n");
        let e = Diagnostic::error(Code::Syntax, 0, Span::new(0, 1), "e");
        let w = Diagnostic::warning(Code::Syntax, 0, Span::new(0, 1), "w");
        let one = render(&e, &sources);
        assert_eq!(
            render_all(&[e.clone(), e.clone()], &sources),
            format!("{one}\n{one}\nerror: 2 problems in the policy\n")
        );
        assert!(render_all(&[e.clone(), w.clone(), w.clone()], &sources)
            .ends_with("\nerror: 1 error, 2 warnings in the policy\n"));
        assert!(render_all(&[w], &sources).ends_with("\nwarning: 1 warning in the policy\n"));
        assert!(render_all(&[e], &sources).ends_with("\nerror: 1 problem in the policy\n"));
        assert_eq!(render_all(&[], &sources), "");
    }

    #[test]
    fn did_you_mean_finds_close_names() {
        let names = ["validation_failed", "validation_complete", "resend_success"];
        assert_eq!(
            did_you_mean("validaton_failed", names),
            Some("validation_failed")
        );
        assert_eq!(
            did_you_mean("reslt", ["text", "result", "next_step"]),
            Some("result")
        );
        // A swap of two neighbours is one edit.
        assert_eq!(did_you_mean("rsult", ["result"]), Some("result"));
        assert_eq!(did_you_mean("tetx", ["text"]), Some("text"));
        assert_eq!(did_you_mean("zzz", names), None);
        assert_eq!(did_you_mean("", names), None);
        // Ties go to the first candidate.
        assert_eq!(did_you_mean("ab", ["aa", "bb"]), Some("aa"));
        assert_eq!(did_you_mean("x", std::iter::empty()), None);
    }
}
