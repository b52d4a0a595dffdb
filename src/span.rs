//! Byte-range spans into source files, and the files they point into.

/// A byte range `start..end` into a [`Source`]'s text.
///
/// Spans are cheap to copy and carry no line numbers: lines and columns are
/// computed only when a diagnostic is rendered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// The first byte of the range.
    pub start: usize,
    /// One past the last byte of the range (equal to `start` for an empty span).
    pub end: usize,
}

impl Span {
    /// The span `start..end`.
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }
}

/// A source file as read: its name as shown to the user and its text.
#[derive(Clone, Debug)]
pub struct Source {
    /// The path as shown to the user, e.g. `rules/icp/roles.yaml`.
    pub name: String,
    /// The whole text of the file.
    pub text: String,
    /// Where each line of `text` starts, found at the first [`Source::line_col`] (with the
    /// length of the text it was found for: a text changed since is indexed again).
    lines: std::sync::OnceLock<(usize, Vec<usize>)>,
}

impl Source {
    /// A source named `name` holding `text`. A byte-order mark at the start of `text` (which
    /// some editors write) is dropped: it is not part of the text, and columns on the first
    /// line count from the first character after it, as editors count them.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        let mut text: String = text.into();
        if text.starts_with('\u{feff}') {
            text.drain(..'\u{feff}'.len_utf8());
        }
        Source {
            name: name.into(),
            text,
            lines: std::sync::OnceLock::new(),
        }
    }

    /// The byte offset where each line starts (the first is 0).
    fn line_starts(&self) -> std::borrow::Cow<'_, [usize]> {
        let index = |text: &str| {
            std::iter::once(0)
                .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
                .collect::<Vec<usize>>()
        };
        let (len, starts) = self
            .lines
            .get_or_init(|| (self.text.len(), index(&self.text)));
        if *len == self.text.len() {
            starts.as_slice().into()
        } else {
            index(&self.text).into()
        }
    }

    /// The 1-based line and 1-based column (counted in chars) of byte offset `byte`.
    ///
    /// Lines end at `\n`. An offset past the end is clamped to the end of the text, and
    /// an offset inside a multi-byte char counts as that char.
    pub fn line_col(&self, byte: usize) -> (usize, usize) {
        let byte = floor_char_boundary(&self.text, byte);
        let (line, line_start) = self.line_and_start(byte);
        let col = self.text[line_start..byte].chars().count() + 1;
        (line, col)
    }

    /// The 1-based line of byte offset `byte`: [`Source::line_col`] without counting the
    /// column's characters.
    pub fn line(&self, byte: usize) -> usize {
        self.line_and_start(floor_char_boundary(&self.text, byte)).0
    }

    /// The 1-based line of char boundary `byte`, and where that line starts.
    fn line_and_start(&self, byte: usize) -> (usize, usize) {
        let starts = self.line_starts();
        // the last line starting at or before `byte` (the first always does: it is 0)
        let line = starts.partition_point(|&s| s <= byte).max(1);
        (line, starts.get(line - 1).copied().unwrap_or(0))
    }
}

/// The largest char boundary of `text` at or before `byte` (clamped to `text.len()`).
pub(crate) fn floor_char_boundary(text: &str, byte: usize) -> usize {
    let mut byte = byte.min(text.len());
    while !text.is_char_boundary(byte) {
        byte -= 1;
    }
    byte
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_lines_and_chars() {
        let src = Source::new("t", "ab\ncdé\nf");
        assert_eq!(src.line_col(0), (1, 1));
        assert_eq!(src.line_col(2), (1, 3));
        assert_eq!(src.line_col(3), (2, 1));
        // `é` is two bytes: the `\n` after it is the 4th char of line 2.
        assert_eq!(src.line_col(7), (2, 4));
        assert_eq!(src.line_col(8), (3, 1));
        assert_eq!(src.line_col(9), (3, 2));
        // the line alone, at every offset (inside `é`, past the end)
        for byte in 0..12 {
            assert_eq!(src.line(byte), src.line_col(byte).0, "{byte}");
        }
        assert_eq!(Source::new("t", "").line(5), 1);
    }

    #[test]
    fn a_byte_order_mark_is_dropped() {
        let src = Source::new("t", "\u{feff}ab\u{feff}");
        assert_eq!(src.text, "ab\u{feff}");
        assert_eq!(src.line_col(1), (1, 2));
    }

    #[test]
    fn line_col_clamps_and_respects_char_boundaries() {
        let src = Source::new("t", "aé");
        // Byte 2 is inside `é`: it counts as `é`.
        assert_eq!(src.line_col(2), (1, 2));
        assert_eq!(src.line_col(1000), (1, 3));
        assert_eq!(Source::new("t", "").line_col(5), (1, 1));
    }
}
