//! Bidirectional control characters in rule files: they can make code read differently from
//! how it runs (a `//` comment that displays after the code it hides), so each is warned of.

use crate::diag::{Code, Diagnostic};
use crate::span::{Source, Span};

/// The characters warned of, with their names: the embeddings, overrides and isolates of
/// Unicode's bidirectional algorithm, and the two directional marks.
const BIDI: &[(char, &str)] = &[
    ('\u{202A}', "LEFT-TO-RIGHT EMBEDDING"),
    ('\u{202B}', "RIGHT-TO-LEFT EMBEDDING"),
    ('\u{202C}', "POP DIRECTIONAL FORMATTING"),
    ('\u{202D}', "LEFT-TO-RIGHT OVERRIDE"),
    ('\u{202E}', "RIGHT-TO-LEFT OVERRIDE"),
    ('\u{2066}', "LEFT-TO-RIGHT ISOLATE"),
    ('\u{2067}', "RIGHT-TO-LEFT ISOLATE"),
    ('\u{2068}', "FIRST STRONG ISOLATE"),
    ('\u{2069}', "POP DIRECTIONAL ISOLATE"),
    ('\u{200E}', "LEFT-TO-RIGHT MARK"),
    ('\u{200F}', "RIGHT-TO-LEFT MARK"),
];

/// The first byte of each character of [`BIDI`] in UTF-8 (all are in U+2000–U+2FFF).
const BIDI_FIRST_BYTE: u8 = 0xE2;

/// A warning at each bidirectional control character of a rule file, `source` its index.
pub fn bidi_warnings(source: usize, src: &Source) -> Vec<Diagnostic> {
    // each of them is written with this first byte, which starts a character wherever it is
    // (the bytes that continue one are 0x80–0xBF): most files hold none
    memchr::memchr_iter(BIDI_FIRST_BYTE, src.text.as_bytes())
        .filter_map(|at| {
            let c = src.text.get(at..)?.chars().next()?;
            let (_, name) = BIDI.iter().find(|(b, _)| *b == c)?;
            let span = Span::new(at, at + c.len_utf8());
            Some(
                Diagnostic::warning(
                    Code::Bidi,
                    source,
                    span,
                    format!(
                        "bidirectional control character U+{:04X} ({name}) in a rule file",
                        u32::from(c)
                    ),
                )
                .with_label("here, shown as `\u{FFFD}`")
                .with_help(
                    "it can make the code display differently from how it runs: remove it (write it in a message table if a text needs it)",
                )
                .with_replacement(""),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_bidi_character_is_warned_of_where_it_is() {
        let text = "// a\u{202E}b\nrule x \u{2066}{}\u{200F}\n";
        let ds = bidi_warnings(3, &Source::new("p.docket", text));
        let at: Vec<(usize, Code, usize)> = ds
            .iter()
            .map(|d| (d.span.start, d.code, d.source))
            .collect();
        let first = text.find('\u{202E}').unwrap_or_default();
        let second = text.find('\u{2066}').unwrap_or_default();
        let third = text.find('\u{200F}').unwrap_or_default();
        assert_eq!(
            at,
            [
                (first, Code::Bidi, 3),
                (second, Code::Bidi, 3),
                (third, Code::Bidi, 3)
            ]
        );
        assert!(
            ds[0].message.contains("U+202E (RIGHT-TO-LEFT OVERRIDE)"),
            "{}",
            ds[0].message
        );
        let src = Source::new("p.docket", text);
        assert_eq!(src.line_col(ds[1].span.start), (2, 8));
        assert!(bidi_warnings(0, &Source::new("p.docket", "rule r {} // שלום\n")).is_empty());
    }

    #[test]
    fn every_bidi_character_is_found_among_others_of_its_first_byte() {
        for (c, _) in BIDI {
            assert_eq!(c.to_string().as_bytes()[0], BIDI_FIRST_BYTE, "{c:?}");
        }
        // beside quotes, dashes and arrows of the same first byte, and text of other scripts
        let mut text = String::from("“a” — b → 备案 ");
        for (c, _) in BIDI {
            text.push(*c);
            text.push_str("‘x’…");
        }
        let found: Vec<usize> = bidi_warnings(0, &Source::new("p.docket", text.as_str()))
            .iter()
            .map(|d| d.span.start)
            .collect();
        let each: Vec<usize> = (text.char_indices())
            .filter(|(_, c)| BIDI.iter().any(|(b, _)| b == c))
            .map(|(at, _)| at)
            .collect();
        assert_eq!(found, each);
        assert_eq!(found.len(), BIDI.len());
    }
}
