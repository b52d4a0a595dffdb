//! The `#` comments of a table file, for readers: where a row, a limit or a message comes
//! from. The loader reads values only; a document of the policy shows these beside them.

/// The whole-line comments directly above the line holding byte `offset` of `text`, their
/// lines joined with single spaces (`None` when the line above is no comment).
pub fn comment_above(text: &str, offset: usize) -> Option<String> {
    let line_start = text
        .get(..offset.min(text.len()))
        .and_then(|before| before.rfind('\n'))
        .map_or(0, |i| i + 1);
    let above = text.get(..line_start).unwrap_or_default();
    let mut lines: Vec<&str> = Vec::new();
    for line in above.lines().rev() {
        match comment_text(line) {
            Some(c) => lines.push(c),
            None => break,
        }
    }
    lines.reverse();
    joined(&lines)
}

/// The comment lines that open the file, before its first value (`None` when it opens with
/// a value).
pub fn header_comment(text: &str) -> Option<String> {
    let lines: Vec<&str> = text
        .strip_prefix('\u{feff}')
        .unwrap_or(text)
        .lines()
        .map_while(comment_text)
        .collect();
    joined(&lines)
}

/// The text of a whole-line comment (`  # text` → `text`), or `None` for any other line.
fn comment_text(line: &str) -> Option<&str> {
    line.trim_start().strip_prefix('#').map(str::trim)
}

/// Comment lines as one paragraph; an empty comment line ends a paragraph.
fn joined(lines: &[&str]) -> Option<String> {
    let mut out = String::new();
    for line in lines {
        if line.is_empty() {
            if !out.is_empty() && !out.ends_with('\n') {
                out.push('\n');
            }
            continue;
        }
        if !out.is_empty() && !out.ends_with('\n') {
            out.push(' ');
        }
        out.push_str(line);
    }
    let out = out.trim_end().to_string();
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_above_a_line_are_joined() {
        let text = "# head\n# more\nkind: x\n# one\n#   two\n  - { a: 1 }\n  - { a: 2 }\n";
        let row1 = text.find("- { a: 1").unwrap();
        let row2 = text.find("- { a: 2").unwrap();
        assert_eq!(comment_above(text, row1).as_deref(), Some("one two"));
        assert_eq!(comment_above(text, row2), None);
        assert_eq!(header_comment(text).as_deref(), Some("head more"));
        assert_eq!(header_comment("kind: x\n# late\n"), None);
    }

    #[test]
    fn an_empty_comment_line_starts_a_paragraph() {
        let text = "# a\n#\n# b\nkind: x\n";
        assert_eq!(header_comment(text).as_deref(), Some("a\nb"));
        assert_eq!(comment_above(text, 0), None);
        assert_eq!(comment_above("", 5), None);
    }
}
