//! The formatter's output buffer: it walks the source text alongside, so that every token is
//! taken from where it was written and every comment on the way is kept.

/// Lines longer than this are broken where the layout allows (`{ … }` lists).
pub const WIDTH: usize = 100;

/// What goes before a token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Sep {
    /// Nothing: `a.b`, `f(`, `x?`. A line break in the source is dropped.
    Glue,
    /// One space. A line break in the source is dropped.
    Space,
    /// Two spaces, between the items of a `{ … }` list written without commas.
    Wide,
    /// One space, or, where the source broke the line here, a break to the continuation
    /// column (the author's line breaks inside expressions and rule headers are kept).
    Soft,
    /// A new line at `indent`; one blank line before it when the source had at least one.
    /// Comments met on the way go at `comments` (the inner indent, before a closing `}`).
    Line { indent: usize, comments: usize },
    /// A closing `}` of a block: a new line at `indent`, never after a blank line; comments
    /// on the way go at `comments`, inside the block.
    Close { indent: usize, comments: usize },
}

impl Sep {
    /// A new line at `indent`, with comments on the way at the same indent.
    pub(super) fn line(indent: usize) -> Sep {
        Sep::Line {
            indent,
            comments: indent,
        }
    }
}

/// The formatter lost its place in the source: a bug of the formatter, not of the file.
#[derive(Debug)]
pub(super) struct Lost(pub(super) usize);

/// A saved position of a [`Printer`], to try a layout and go back.
#[derive(Clone)]
pub(super) struct Mark<'s> {
    last: &'s str,
    out: usize,
    cursor: usize,
    col: usize,
    indent: usize,
    align: usize,
    need_newline: bool,
}

pub(super) struct Printer<'s> {
    pub(super) src: &'s str,
    /// Everything of `src` before this byte has been printed (or was whitespace).
    cursor: usize,
    out: String,
    /// The column (in chars) where the next character goes.
    col: usize,
    /// The indent of the current line's block.
    pub(super) indent: usize,
    /// Continuation columns, innermost last; `None` until the first token after it is placed.
    align: Vec<Option<usize>>,
    /// A `//` comment ended the current line: the next token goes on a new one.
    need_newline: bool,
    /// The token printed last.
    last: &'s str,
}

/// What lies between the cursor and the next token.
struct Trivia<'s> {
    /// Each comment with the number of line breaks before it (since the previous token or
    /// comment).
    comments: Vec<(usize, &'s str)>,
    /// Line breaks between the last comment (or the previous token) and the token.
    breaks: usize,
    /// Where the next token starts.
    next: usize,
}

impl<'s> Printer<'s> {
    pub(super) fn new(src: &'s str) -> Self {
        Printer {
            src,
            cursor: 0,
            out: String::with_capacity(src.len() + src.len() / 8),
            col: 0,
            indent: 0,
            align: Vec::new(),
            need_newline: false,
            last: "",
        }
    }

    pub(super) fn mark(&self) -> Mark<'s> {
        Mark {
            last: self.last,
            out: self.out.len(),
            cursor: self.cursor,
            col: self.col,
            indent: self.indent,
            align: self.align.len(),
            need_newline: self.need_newline,
        }
    }

    pub(super) fn reset(&mut self, m: &Mark<'s>) {
        self.last = m.last;
        self.out.truncate(m.out);
        self.cursor = m.cursor;
        self.col = m.col;
        self.indent = m.indent;
        self.align.truncate(m.align);
        self.need_newline = m.need_newline;
    }

    /// The column (in chars) where the next character goes.
    pub(super) fn col(&self) -> usize {
        self.col
    }

    /// `n` spaces, here (to line up what comes next).
    pub(super) fn pad(&mut self, n: usize) {
        self.write(&" ".repeat(n));
    }

    /// Whether a line ended since `m`.
    pub(super) fn broke_since(&self, m: &Mark<'s>) -> bool {
        self.out.get(m.out..).is_some_and(|t| t.contains('\n'))
    }

    /// Whether the source text from the cursor to `end` spans more than one line.
    pub(super) fn multiline_until(&self, end: usize) -> bool {
        self.src
            .get(self.cursor..end)
            .is_some_and(|t| t.contains('\n'))
    }

    /// Continuation lines go to `col` until the matching [`Printer::pop_align`].
    pub(super) fn push_align(&mut self, col: usize) {
        self.align.push(Some(col));
    }

    /// Continuation lines go to the column of the next token placed, until the matching
    /// [`Printer::pop_align`].
    pub(super) fn push_align_here(&mut self) {
        self.align.push(None);
    }

    pub(super) fn pop_align(&mut self) {
        self.align.pop();
    }

    /// Prints the token `src[start..end]` after `sep` and the comments before it.
    pub(super) fn token(&mut self, start: usize, end: usize, sep: Sep) -> Result<(), Lost> {
        let trivia = self.trivia();
        if trivia.next != start || end < start || end > self.src.len() {
            return Err(Lost(self.cursor));
        }
        let text = &self.src[start..end];
        // Two tokens that would read as one when glued keep a space: `@2026-01-02 :` (an
        // instant takes `:` and `-` in), `a b`.
        let sep = if sep == Sep::Glue && would_merge(self.last, text) {
            Sep::Space
        } else {
            sep
        };
        self.place(trivia, sep, false);
        self.last = text;
        self.write(text);
        self.cursor = end;
        Ok(())
    }

    /// Prints the fixed word or mark `lit` (`rule`, `{`, `->`), which must come next.
    pub(super) fn lit(&mut self, lit: &str, sep: Sep) -> Result<(), Lost> {
        let start = self.trivia().next;
        if !self.src[start..].starts_with(lit) {
            return Err(Lost(start));
        }
        self.token(start, start + lit.len(), sep)
    }

    /// The comments left at the end of the file, then one final line break.
    pub(super) fn finish(mut self) -> Result<String, Lost> {
        let trivia = self.trivia();
        if trivia.next != self.src.len() {
            return Err(Lost(trivia.next));
        }
        self.place(trivia, Sep::line(0), true);
        while self.out.ends_with(' ') {
            self.out.pop();
        }
        if !self.out.is_empty() {
            self.out.push('\n');
        }
        Ok(self.out)
    }

    /// A lost place: where in the source the printer was.
    pub(super) fn lost(&self) -> Lost {
        Lost(self.cursor)
    }

    /// Whether `lit` comes next, after whitespace and comments.
    pub(super) fn next_is(&self, lit: &str) -> bool {
        self.src[self.trivia().next..].starts_with(lit)
    }

    /// Whether comments lie between the cursor and the next token.
    pub(super) fn comment_ahead(&self) -> bool {
        !self.trivia().comments.is_empty()
    }

    fn trivia(&self) -> Trivia<'s> {
        let bytes = self.src.as_bytes();
        let mut i = self.cursor;
        let mut breaks = 0;
        let mut comments = Vec::new();
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => {
                    breaks += 1;
                    i += 1;
                }
                b' ' | b'\t' | b'\r' => i += 1,
                b'/' if bytes.get(i + 1) == Some(&b'/') => {
                    let end = self.src[i..].find('\n').map_or(self.src.len(), |n| i + n);
                    comments.push((breaks, self.src[i..end].trim_end()));
                    breaks = 0;
                    i = end;
                }
                _ => break,
            }
        }
        Trivia {
            comments,
            breaks,
            next: i,
        }
    }

    /// Prints the comments of `trivia` and the separator before the next token (`at_end`:
    /// there is no next token, only the end of the file).
    fn place(&mut self, trivia: Trivia<'s>, sep: Sep, at_end: bool) {
        let comment_col = match sep {
            Sep::Line { comments, .. } | Sep::Close { comments, .. } => comments,
            _ => self.continuation(),
        };
        for (breaks, text) in trivia.comments {
            if breaks == 0 && !self.out.is_empty() {
                self.write("  ");
            } else {
                self.newline(breaks >= 2, comment_col);
            }
            self.write(text);
            self.need_newline = true;
        }
        if at_end {
            return;
        }
        match sep {
            Sep::Line { indent, .. } => {
                self.newline(trivia.breaks >= 2, indent);
                self.indent = indent;
            }
            Sep::Close { indent, .. } => {
                self.newline(false, indent);
                self.indent = indent;
            }
            Sep::Soft if self.need_newline || trivia.breaks > 0 => {
                let col = self.continuation();
                self.newline(false, col);
            }
            _ if self.need_newline => {
                let col = self.continuation();
                self.newline(false, col);
            }
            Sep::Soft | Sep::Space => self.write(" "),
            Sep::Wide => self.write("  "),
            Sep::Glue => {}
        }
        self.need_newline = false;
        let col = self.col;
        for a in self.align.iter_mut().rev() {
            if a.is_some() {
                break;
            }
            *a = Some(col);
        }
    }

    /// The column a continuation line starts at.
    fn continuation(&self) -> usize {
        self.align
            .iter()
            .rev()
            .find_map(|a| *a)
            .unwrap_or(self.indent + 2)
    }

    /// Ends the line (nothing at the start of the file) and indents the next one. A blank line
    /// goes between when `blank` holds, except at the start of the file or of a block.
    fn newline(&mut self, blank: bool, indent: usize) {
        while self.out.ends_with(' ') {
            self.out.pop();
        }
        if !self.out.is_empty() {
            if blank && !self.out.ends_with('{') {
                self.out.push('\n');
            }
            self.out.push('\n');
        }
        self.need_newline = false;
        self.col = 0;
        self.write(&" ".repeat(indent));
    }

    fn write(&mut self, text: &str) {
        self.out.push_str(text);
        match text.rfind('\n') {
            Some(i) => self.col = text[i + 1..].chars().count(),
            None => self.col += text.chars().count(),
        }
    }
}

/// Whether `b` printed right after `a` would be read as part of `a`.
fn would_merge(a: &str, b: &str) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let (Some(last), Some(first)) = (a.chars().last(), b.chars().next()) else {
        return false;
    };
    (word(last) && word(first)) || (a.starts_with('@') && (word(first) || ":-+.".contains(first)))
}
