//! Policy-declared patterns (`format phone = /^1[0-9]{10}$/`): compiled once, matched on
//! every event field that carries a format.
//!
//! Formats are almost always a fully anchored sequence of character classes with counts,
//! sometimes a few alternatives (`^(ACME|X[0-9]{4}ACME)$`). Those are matched here by a
//! small position-set automaton, several times faster than a general regex engine; anything
//! else (unanchored patterns, groups inside a sequence, flags, long inputs) goes to
//! `regex_lite`, which also defines the syntax and is the reference the fast path is tested
//! against.

use std::fmt;

mod bound;

/// The most characters a value checked against a format may have when the format's
/// pattern sets no bound on the length of what it matches (`^[a-z]+$`, or an unanchored
/// pattern). Longer values are refused before the matcher runs, so that matching time
/// depends on the pattern, not on what the input holds. A policy that needs longer values
/// writes its bound in the pattern (`^[^<>]{0,20000}$`).
pub const UNBOUNDED_FORMAT_CAP: usize = 4096;

/// A compiled regular expression, with its source as written.
#[derive(Clone)]
pub struct Pattern {
    /// The expression as written.
    pub source: String,
    /// The compiled expression: the reference for every match the fast automaton does not
    /// answer. `None` when it answers all that can match: every string the expression
    /// matches is shorter than [`MAX_FAST_LEN`] bytes (`^1[0-9]{10}$`; compiling it would
    /// cost more than a policy's whole check of its formats).
    regex: Option<regex_lite::Regex>,
    /// The same language as a position-set automaton, when the expression is simple enough.
    fast: Option<Alternatives>,
    /// The most characters a string it matches can have, when it bounds them.
    max_chars: Option<usize>,
}

impl Pattern {
    /// Compiles a pattern; the error says what is wrong with it.
    pub fn new(source: &str) -> Result<Pattern, String> {
        let fast = Alternatives::parse(source);
        let regex = match fast.as_ref().and_then(Alternatives::max_bytes) {
            // the fast subset is valid syntax of the general engine (a property test
            // compiles every random pattern the fast parser takes)
            Some(bytes) if bytes < MAX_FAST_LEN => None,
            _ => Some(regex_lite::Regex::new(source).map_err(|e| e.to_string())?),
        };
        Ok(Pattern {
            source: source.to_string(),
            regex,
            fast,
            max_chars: bound::max_chars(source),
        })
    }

    /// Whether the expression matches `s`, exactly as written: it is anchored only if
    /// the author wrote `^…$`.
    pub fn is_match(&self, s: &str) -> bool {
        // Nothing longer than the bound matches: no need to run a matcher over it.
        if self.max_chars.is_some_and(|max| longer_than(s, max)) {
            return false;
        }
        match (&self.fast, &self.regex) {
            (Some(fast), _) if s.len() < MAX_FAST_LEN => fast.is_match(s),
            (_, Some(regex)) => regex.is_match(s),
            // no general engine: nothing this long matches (`Pattern::new`)
            (_, None) => false,
        }
    }

    /// The most characters (Unicode scalar values) a string the pattern matches can have:
    /// `Some(6)` for `^[0-9]{6}$`, `None` when it sets no bound (`^[a-z]+$`, `[0-9]{6}`).
    pub fn max_chars(&self) -> Option<usize> {
        self.max_chars
    }

    /// The most characters a value checked against this pattern as a format may have:
    /// the pattern's bound, or [`UNBOUNDED_FORMAT_CAP`] when it has none.
    pub fn format_cap(&self) -> usize {
        self.max_chars().unwrap_or(UNBOUNDED_FORMAT_CAP)
    }

    /// Whether `s` is longer than [`Pattern::format_cap`]: such a value is refused as not
    /// in the format without running the matcher. Reads at most that many characters of it.
    pub fn too_long_for_format(&self, s: &str) -> bool {
        longer_than(s, self.format_cap())
    }

    /// The pattern as ASCII classes alone, when it is that (`^1[0-9]{10}$`,
    /// `^[A-Za-z0-9_-]{1,64}$`): every string it matches is read by [`Plain::matches`].
    pub(crate) fn plain(&self) -> Option<Plain<'_>> {
        match self.fast.as_ref().map(|f| f.0.as_slice()) {
            Some(
                [Sequence {
                    shortcut: Some(shortcut),
                    ..
                }],
            ) => Some(Plain(shortcut)),
            _ => None,
        }
    }

    /// Whether [`Pattern::is_match`] takes the fast path for short inputs.
    #[cfg(test)]
    pub(crate) fn is_fast(&self) -> bool {
        self.fast.is_some()
    }
}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Pattern").field(&self.source).finish()
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

/// Inputs at least this long (in bytes) go to the general engine: positions are bits of a
/// `u128`.
const MAX_FAST_LEN: usize = 128;

/// Whether `s` has more than `max` characters; reads at most `max + 1` of them.
fn longer_than(s: &str, max: usize) -> bool {
    // A character is at least one byte: a string of at most `max` bytes is short enough.
    s.len() > max && s.chars().nth(max).is_some()
}

/// `^(a|b|…)$` or `^a$`: whole-input alternatives, each a sequence of items.
#[derive(Clone, Debug)]
struct Alternatives(Vec<Sequence>);

/// One alternative, with the shortcut its shape allows: a match is then a length check
/// and one bit test per byte.
#[derive(Clone, Debug)]
struct Sequence {
    items: Vec<Item>,
    shortcut: Option<Shortcut>,
}

/// How a sequence of ASCII classes only is matched without the general search.
#[derive(Clone, Debug)]
enum Shortcut {
    /// Every item has a fixed count (`^1[0-9]{10}$`): one class per byte.
    PerByte(Fixed),
    /// One item (`^[A-Za-z0-9_-]{1,64}$`): `min..=max` bytes, each in the class.
    Run { class: Bits, min: u32, max: u32 },
}

/// An ASCII class as two words: bit `b % 64` of word `b / 64` for byte `b` (tested with a
/// word shift, cheaper than a shift of a `u128`).
type Bits = [u64; 2];

fn bits(ascii: u128) -> Bits {
    [ascii as u64, (ascii >> 64) as u64]
}

/// Whether byte `b` is in `class`: bytes of non-ASCII characters are >= 128, in no class.
#[inline]
fn has(class: &Bits, b: u8) -> bool {
    b < 128 && (class[usize::from(b >> 6)] >> (b & 63)) & 1 != 0
}

impl Sequence {
    fn new(items: Vec<Item>) -> Sequence {
        let ascii = items.iter().all(|i| !i.class.negated);
        let fixed = ascii && items.iter().all(|i| i.min == i.max);
        let len: u64 = items.iter().map(|i| u64::from(i.min)).sum();
        let shortcut = match items.as_slice() {
            _ if fixed && len < MAX_FAST_LEN as u64 => Some(Shortcut::PerByte(Fixed::new(
                &(items.iter())
                    .flat_map(|i| std::iter::repeat_n(i.class.ascii, i.min as usize))
                    .collect::<Vec<_>>(),
            ))),
            [one] if ascii => Some(Shortcut::Run {
                class: bits(one.class.ascii),
                min: one.min,
                max: one.max,
            }),
            _ => None,
        };
        Sequence { items, shortcut }
    }

    fn is_match(&self, s: &str) -> bool {
        // (a non-ASCII character has a byte in no ASCII class: counting bytes rather than
        // characters changes no answer)
        match &self.shortcut {
            Some(shortcut) => Plain(shortcut).matches(s),
            None => matches_sequence(&self.items, s),
        }
    }
}

/// A sequence of one ASCII class per byte, of a fixed length (`^1[0-9]{10}$`), matched a
/// word at a time: each byte of a word is checked against the range from its class's least
/// byte to its greatest in a few operations for the whole word, then each byte whose class
/// has gaps (`[0-9X]`) against its class.
#[derive(Clone, Debug)]
struct Fixed {
    len: usize,
    /// The words read, each of [`Fixed::width`] bytes (the last one may overlap the one
    /// before it); none for a sequence shorter than 4 bytes.
    words: Vec<Word>,
    /// 8, or 4 for a sequence of 4 to 7 bytes.
    width: usize,
    /// The positions whose class is not one range of bytes, with their class.
    gaps: Vec<(usize, Bits)>,
    /// Every byte some position's class holds.
    admits: u128,
}

/// A word of a [`Fixed`] sequence: where it starts, and per byte what added to the byte
/// sets its high bit when it is above its range (`127 - greatest`), and what added sets it
/// when it is in or above (`128 - least`). A byte and either stays below 256: no carry
/// crosses into the next byte.
#[derive(Clone, Copy, Debug)]
struct Word {
    at: usize,
    above: u64,
    at_least: u64,
}

/// The high bit of every byte of a word.
const HIGH: u64 = 0x8080_8080_8080_8080;

impl Fixed {
    /// The sequence of `classes`, one a byte (ASCII bytes as bits; fewer than
    /// [`MAX_FAST_LEN`]).
    fn new(classes: &[u128]) -> Fixed {
        let len = classes.len();
        let width = match len {
            8.. => 8,
            4..8 => 4,
            _ => 0,
        };
        // a class is one range when its bits, shifted down to its least, are all ones
        let range = |c: u128| {
            c != 0 && (c >> c.trailing_zeros()) & (c >> c.trailing_zeros()).wrapping_add(1) == 0
        };
        let gaps = (classes.iter().enumerate())
            .filter(|(_, c)| width == 0 || !range(**c))
            .map(|(i, c)| (i, bits(*c)))
            .collect();
        let mut words = Vec::new();
        let mut at = 0;
        while width > 0 && at < len {
            let start = at.min(len - width);
            let (mut above, mut at_least) = (0u64, 0u64);
            let word = classes.get(start..start + width).unwrap_or_default();
            for (k, c) in word.iter().enumerate() {
                // (a class with gaps is checked by its range too, then byte by byte; an
                // empty one is a gap no byte passes)
                let (least, greatest) = match *c {
                    0 => (0, 127),
                    c => (
                        u64::from(c.trailing_zeros()),
                        u64::from(127 - c.leading_zeros()),
                    ),
                };
                above |= (127 - greatest) << (8 * k);
                at_least |= (128 - least) << (8 * k);
            }
            words.push(Word {
                at: start,
                above,
                at_least,
            });
            at += width;
        }
        Fixed {
            len,
            words,
            width,
            gaps,
            admits: classes.iter().fold(0, |all, c| all | c),
        }
    }

    /// Whether `s` is the sequence.
    fn matches(&self, s: &str) -> bool {
        let s = s.as_bytes();
        if s.len() != self.len {
            return false;
        }
        let high = if self.width == 8 { HIGH } else { HIGH >> 32 };
        for w in &self.words {
            let word = match s.get(w.at..w.at + self.width) {
                Some(&[a, b, c, d, e, f, g, h]) => u64::from_le_bytes([a, b, c, d, e, f, g, h]),
                Some(&[a, b, c, d]) => u64::from(u32::from_le_bytes([a, b, c, d])),
                _ => return false,
            };
            // every byte ASCII, none above its range, each at least its least
            if word & HIGH != 0
                || (word + w.above) & HIGH != 0
                || (word + w.at_least) & high != high
            {
                return false;
            }
        }
        (self.gaps.iter()).all(|(i, c)| s.get(*i).is_some_and(|b| has(c, *b)))
    }
}

/// A pattern of ASCII classes alone ([`Pattern::plain`]).
#[derive(Clone, Copy)]
pub(crate) struct Plain<'p>(&'p Shortcut);

impl Plain<'_> {
    /// The most bytes a string it matches has.
    pub(crate) fn max_len(self) -> usize {
        match self.0 {
            Shortcut::PerByte(fixed) => fixed.len,
            Shortcut::Run { max, .. } => *max as usize,
        }
    }

    /// Whether some byte a string it matches can hold is one of `bytes` (ASCII bytes as
    /// bits).
    pub(crate) fn admits_any(self, bytes: u128) -> bool {
        let admits = match self.0 {
            Shortcut::PerByte(fixed) => fixed.admits,
            Shortcut::Run { class, .. } => u128::from(class[0]) | u128::from(class[1]) << 64,
        };
        admits & bytes != 0
    }

    /// Whether it matches `s`.
    pub(crate) fn matches(self, s: &str) -> bool {
        match self.0 {
            Shortcut::PerByte(fixed) => fixed.matches(s),
            Shortcut::Run { class, min, max } => {
                (*min as usize..=*max as usize).contains(&s.len())
                    && s.bytes().all(|b| has(class, b))
            }
        }
    }
}

/// One character class repeated `min..=max` times.
#[derive(Clone, Debug)]
struct Item {
    class: Class,
    min: u32,
    /// `u32::MAX` for no upper bound.
    max: u32,
}

/// A set of characters: ASCII ranges, possibly negated. Non-ASCII characters are only in a
/// negated class.
#[derive(Clone, Debug)]
struct Class {
    /// Bit `b` set: byte `b` (< 128) is in the class before negation.
    ascii: u128,
    negated: bool,
}

impl Class {
    fn single(c: u8) -> Class {
        Class {
            ascii: 1 << c,
            negated: false,
        }
    }

    fn contains(&self, c: char) -> bool {
        let listed = (c as u32) < 128 && self.ascii & (1 << c as u32) != 0;
        listed != self.negated
    }
}

impl Alternatives {
    /// The automaton for `source`, or `None` when it is outside the subset handled here.
    fn parse(source: &str) -> Option<Alternatives> {
        let body = source.strip_prefix('^')?;
        let body = body.strip_suffix('$').filter(|b| !ends_escaped(b))?;
        // One optional group around the whole body: `(…)` or `(?:…)`. Only inside it may
        // alternatives be written: `^a|b$` is `(^a)|(b$)`, which is not whole-input.
        let (body, grouped) = match body.strip_prefix('(') {
            Some(inner) => {
                let inner = inner.strip_prefix("?:").unwrap_or(inner);
                let inner = inner.strip_suffix(')').filter(|b| !ends_escaped(b))?;
                if inner.starts_with('?') {
                    return None; // flags or another group kind
                }
                (inner, true)
            }
            None => (body, false),
        };
        let mut alternatives = Vec::new();
        let mut items = Vec::new();
        let mut chars = body.chars().peekable();
        while let Some(c) = chars.next() {
            let class = match c {
                '|' if grouped => {
                    alternatives.push(Sequence::new(std::mem::take(&mut items)));
                    continue;
                }
                '[' => parse_class(&mut chars)?,
                '\\' => escape_class(chars.next()?)?,
                '.' => Class {
                    ascii: 1 << b'\n',
                    negated: true,
                },
                '(' | ')' | '{' | '}' | '*' | '+' | '?' | '^' | '$' | ']' | '|' => return None,
                c if c.is_ascii() => Class::single(c as u8),
                _ => return None,
            };
            let (min, max) = match chars.peek() {
                Some('?') => (0, 1),
                Some('*') => (0, u32::MAX),
                Some('+') => (1, u32::MAX),
                Some('{') => {
                    chars.next();
                    let mut spec = String::new();
                    loop {
                        match chars.next()? {
                            '}' => break,
                            c => spec.push(c),
                        }
                    }
                    let bounds = parse_counts(&spec)?;
                    items.push(Item {
                        class,
                        min: bounds.0,
                        max: bounds.1,
                    });
                    if matches!(chars.peek(), Some('?' | '+' | '*' | '{')) {
                        return None; // lazy or stacked repetition
                    }
                    continue;
                }
                _ => (1, 1),
            };
            if (min, max) != (1, 1) {
                chars.next();
                if matches!(chars.peek(), Some('?' | '+' | '*' | '{')) {
                    return None;
                }
            }
            items.push(Item { class, min, max });
        }
        alternatives.push(Sequence::new(items));
        Some(Alternatives(alternatives))
    }

    fn is_match(&self, s: &str) -> bool {
        self.0.iter().any(|seq| seq.is_match(s))
    }

    /// The most bytes a string the alternatives match can have, when they bound it: an
    /// ASCII class matches one byte, a negated one (the only kind holding other
    /// characters) up to four.
    fn max_bytes(&self) -> Option<usize> {
        let mut most = 0usize;
        for seq in &self.0 {
            let mut bytes = 0usize;
            for item in &seq.items {
                if item.max == u32::MAX {
                    return None;
                }
                let each = if item.class.negated { 4 } else { 1 };
                bytes = bytes.checked_add((item.max as usize).checked_mul(each)?)?;
            }
            most = most.max(bytes);
        }
        Some(most)
    }
}

/// Whether `s` ends with an odd number of backslashes (its last character is escaped).
fn ends_escaped(s: &str) -> bool {
    s.bytes().rev().take_while(|b| *b == b'\\').count() % 2 == 1
}

/// `{n}`, `{n,}` or `{n,m}` with `n <= m` (the general engine refuses the others).
fn parse_counts(spec: &str) -> Option<(u32, u32)> {
    let num = |s: &str| -> Option<u32> {
        let s = s.trim();
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    match spec.split_once(',') {
        None => num(spec).map(|n| (n, n)),
        Some((lo, hi)) if hi.trim().is_empty() => num(lo).map(|n| (n, u32::MAX)),
        Some((lo, hi)) => Some((num(lo)?, num(hi)?)).filter(|(lo, hi)| lo <= hi),
    }
}

/// The class of an escape outside brackets: `\d`, or an escaped punctuation character.
fn escape_class(c: char) -> Option<Class> {
    match c {
        'd' => Some(Class {
            ascii: digits(),
            negated: false,
        }),
        c if literal_escape(c) => Some(Class::single(c as u8)),
        _ => None,
    }
}

/// Whether `\c` is the character `c` itself, as the general engine reads it: ASCII
/// punctuation, but for `\<` and `\>` (word boundaries there, and refused in a class).
fn literal_escape(c: char) -> bool {
    c.is_ascii_punctuation() && !matches!(c, '<' | '>')
}

fn digits() -> u128 {
    (b'0'..=b'9').fold(0, |m, b| m | 1 << b)
}

/// A bracket class after its `[`: ASCII members and ranges, `^` negation, escaped
/// punctuation, `\d`.
fn parse_class(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Option<Class> {
    let negated = chars.next_if_eq(&'^').is_some();
    let mut ascii = 0u128;
    let mut first = true;
    loop {
        let c = chars.next()?;
        let lo = match c {
            ']' if !first => break,
            '[' => return None, // nested classes and `[:alpha:]`
            // set operations (`[a-z&&[^x]]`, `--`, `~~`)
            '&' | '-' | '~' if chars.peek() == Some(&c) => return None,
            '\\' => match chars.next()? {
                'd' => {
                    // `\d-x` would be a range from a class: the general engine refuses it
                    if chars.peek() == Some(&'-') && !next_closes(chars) {
                        return None;
                    }
                    ascii |= digits();
                    first = false;
                    continue;
                }
                e if literal_escape(e) => e,
                _ => return None,
            },
            c => c,
        };
        // A `]` first is a member, never the start of a range (`[]-a]` is `]`, `-`, `a`).
        let starts_range = !(first && c == ']');
        first = false;
        if !lo.is_ascii() {
            return None;
        }
        // A range `lo-hi`, unless the `-` is the last member.
        let hi = if starts_range && chars.peek() == Some(&'-') && !next_closes(chars) {
            chars.next();
            match chars.next()? {
                // `lo--`: a set difference to the general engine, which refuses it
                '-' | '\\' | '[' => return None,
                h if h.is_ascii() && h >= lo => h,
                _ => return None,
            }
        } else {
            lo
        };
        for b in lo as u8..=hi as u8 {
            ascii |= 1 << b;
        }
    }
    Some(Class { ascii, negated })
}

/// Whether the class's next character, after the `-` it is at, is its closing `]`.
fn next_closes(chars: &std::iter::Peekable<std::str::Chars<'_>>) -> bool {
    let mut ahead = chars.clone();
    ahead.next();
    ahead.peek() == Some(&']')
}

/// Whether the whole of `s` (shorter than [`MAX_FAST_LEN`] bytes) is the sequence `items`:
/// the set of byte positions reachable after each item, as bits.
fn matches_sequence(items: &[Item], s: &str) -> bool {
    let bytes = s.as_bytes();
    let ascii = s.is_ascii();
    let mut reach: u128 = 1;
    for item in items {
        let mut next: u128 = 0;
        let mut from = reach;
        while from != 0 {
            let start = from.trailing_zeros() as usize;
            from &= from - 1;
            if item.min == 0 {
                next |= 1 << start;
            }
            let mut at = start;
            let mut count = 0u32;
            while count < item.max {
                // ASCII input (the usual case) needs no decoding: one byte, one character.
                let c = if ascii {
                    match bytes.get(at) {
                        Some(b) => char::from(*b),
                        None => break,
                    }
                } else {
                    match s[at..].chars().next() {
                        Some(c) => c,
                        None => break,
                    }
                };
                if !item.class.contains(c) {
                    break;
                }
                at += c.len_utf8();
                count += 1;
                if count >= item.min {
                    next |= 1 << at;
                }
            }
        }
        if next == 0 {
            return false;
        }
        reach = next;
    }
    reach & (1 << bytes.len()) != 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The general engine's reading of `p`: the reference every match is tested against.
    fn reference(p: &Pattern) -> regex_lite::Regex {
        regex_lite::Regex::new(&p.source).unwrap_or_else(|e| panic!("{}: {e}", p.source))
    }

    const SHAPES: [&str; 14] = [
        "^7[0-9]{4}$",
        "^[A-Za-z0-9_-]{1,64}$",
        "^[0-9]{5}[0-9X]$",
        "^[0-9]{6}$",
        "^(555|99[0-9]{4}555)$",
        "^(?:ab|a|)$",
        r"^\d{2,}\.[a-c]*x+$",
        "^[^0-9]{0,3}$",
        "^.{2}$",
        "^[-a]{1,2}[a-]$",
        r"^[\]\\]+$",
        "^(a|b)$",
        "^$",
        "^é$",
    ];

    /// Every escaped ASCII punctuation character, alone and in a class, as the fast
    /// parser reads it (when it takes it) and as the general engine does: `\<` and `\>`
    /// are word boundaries there, not the characters.
    #[test]
    fn escaped_punctuation_is_read_as_the_general_engine_reads_it() {
        for c in (b'!'..=b'~')
            .map(char::from)
            .filter(char::is_ascii_punctuation)
        {
            for source in [
                format!("^\\{c}$"),
                format!("^[\\{c}]$"),
                format!("^a\\{c}$"),
            ] {
                let general = regex_lite::Regex::new(&source);
                if Alternatives::parse(&source).is_none() {
                    continue;
                }
                let general = general.unwrap_or_else(|e| panic!("{source}: {e}"));
                let p = Pattern::new(&source).unwrap();
                for s in [c.to_string(), format!("a{c}"), "a".into(), String::new()] {
                    assert_eq!(p.is_match(&s), general.is_match(&s), "{source} on {s:?}");
                }
            }
        }
    }

    /// Every bracket class of up to four pieces from dashes, brackets, escapes and
    /// members: one the general engine refuses (`[$--]` is a set difference to it, `[\d-a]`
    /// a range from a class) the fast parser refuses too, and one it takes it reads the
    /// same (`[]-a]` is `]`, `-` and `a`), on every ASCII character.
    #[test]
    fn every_short_class_is_read_as_the_general_engine_reads_it() {
        const PIECES: [&str; 8] = ["-", "]", "a", "c", "$", r"\d", "^", r"\-"];
        let mut bodies = vec![String::new()];
        let mut taken = 0;
        for _ in 0..4 {
            bodies = bodies
                .iter()
                .flat_map(|b| PIECES.iter().map(move |p| format!("{b}{p}")))
                .collect();
            for body in &bodies {
                let source = format!("^[{body}]$");
                if Alternatives::parse(&source).is_none() {
                    continue;
                }
                let general = regex_lite::Regex::new(&source)
                    .unwrap_or_else(|e| panic!("{source} is taken by the fast parser only: {e}"));
                let p = Pattern::new(&source).unwrap();
                for c in (0u8..128).map(char::from) {
                    let s = c.to_string();
                    assert_eq!(p.is_match(&s), general.is_match(&s), "{source} on {s:?}");
                }
                taken += 1;
            }
        }
        // (most of them are in the fast subset)
        assert!(taken > 2_000, "{taken}");
    }

    #[test]
    fn the_usual_formats_take_the_fast_path() {
        for shape in &SHAPES[..12] {
            assert!(Pattern::new(shape).unwrap().is_fast(), "{shape}");
        }
    }

    #[test]
    fn other_shapes_fall_back_to_the_general_engine() {
        for source in [
            "[0-9]{6}",
            "^(a|b)+$",
            "^(?i)abc$",
            "^a{2}?$",
            "^a**$",
            r"^\w+$",
            "^[[:alpha:]]$",
            "^(a)(b)$",
            "^abc",
            "^a|b$",
            "^(ab|a)c?$",
            r"^a\b$",
        ] {
            let p = Pattern::new(source).unwrap();
            assert!(!p.is_fast(), "{source}");
        }
    }

    #[test]
    fn fast_and_general_agree_on_examples() {
        let inputs = [
            "",
            "7",
            "71234",
            "7123",
            "712345",
            "81234",
            "555",
            "991234555",
            "99123455",
            "9912345555",
            "12345X",
            "12345x",
            "004213",
            "ab",
            "abc",
            "ac",
            "a",
            "12.abx",
            "1.x",
            "abc",
            "a\n",
            "ab",
            "-",
            "--a",
            "a-",
            "]\\",
            "é",
            "ée",
            "a",
            "b",
            "ab",
            "\u{0}",
        ];
        for shape in SHAPES {
            let p = Pattern::new(shape).unwrap();
            for s in inputs {
                assert_eq!(p.is_match(s), reference(&p).is_match(s), "{shape} on {s:?}");
            }
        }
    }

    #[test]
    fn long_inputs_use_the_general_engine() {
        let p = Pattern::new("^[a-z]*$").unwrap();
        assert!(p.is_match(&"a".repeat(500)));
        assert!(!p.is_match(&format!("{}1", "a".repeat(500))));
        assert!(p.is_match(&"a".repeat(MAX_FAST_LEN - 1)));
    }

    #[test]
    fn format_cap_is_the_bound_or_the_default() {
        let code = Pattern::new("^[0-9]{6}$").unwrap();
        assert_eq!((code.max_chars(), code.format_cap()), (Some(6), 6));
        assert!(!code.too_long_for_format("123456"));
        assert!(code.too_long_for_format("1234567"));
        // Characters are counted, not bytes.
        let two = Pattern::new("^.{2}$").unwrap();
        assert!(!two.too_long_for_format("éé"));
        assert!(two.too_long_for_format("éée"));
        let words = Pattern::new("^[a-z ]+$").unwrap();
        assert_eq!(words.max_chars(), None);
        assert_eq!(words.format_cap(), UNBOUNDED_FORMAT_CAP);
        assert!(!words.too_long_for_format(&"a".repeat(UNBOUNDED_FORMAT_CAP)));
        assert!(words.too_long_for_format(&"a".repeat(UNBOUNDED_FORMAT_CAP + 1)));
        // A bound written in the pattern lifts the default.
        let long = Pattern::new("^[a-z]{0,5000}$").unwrap();
        assert!(!long.too_long_for_format(&"a".repeat(5000)));
    }

    #[test]
    fn a_huge_value_is_over_the_cap_of_a_long_unbounded_pattern() {
        let alternatives: Vec<String> = (0..200).map(|i| format!("x{i}y[a-z]*")).collect();
        let p = Pattern::new(&format!("^({})+$", alternatives.join("|"))).unwrap();
        assert_eq!(p.max_chars(), None);
        let value = "x1y".repeat(100_000 / 3);
        // The check refuses it from its first 4097 characters, before any matcher runs.
        assert!(p.too_long_for_format(&value));
        assert!(longer_than(&value, UNBOUNDED_FORMAT_CAP));
        assert!(!longer_than("", 0));
        assert!(longer_than("a", 0));
        assert!(!longer_than("ééé", 3));
    }

    #[test]
    fn nothing_longer_than_the_bound_is_matched() {
        let p = Pattern::new("^(555|99[0-9]{10}555)$").unwrap();
        assert_eq!(p.max_chars(), Some(15));
        assert!(p.is_match("990123456789555"));
        assert!(!p.is_match(&format!("99{}555", "0".repeat(100_000))));
    }

    /// A sequence of one class per byte is matched a word at a time: every length around
    /// the word widths, every position holding every ASCII character (and one that is not),
    /// classes that are one range and classes with gaps, as the general engine matches.
    #[test]
    fn a_fixed_sequence_matched_by_words_agrees_with_the_general_engine() {
        let mut seen = 0;
        for n in 0..=17 {
            for (source, least) in [
                (format!("^[0-9]{{{n}}}$"), "0".repeat(n)),
                (format!("^1[0-9]{{{n}}}$"), format!("1{}", "0".repeat(n))),
                (format!("^[0-9]{{{n}}}[0-9X]$"), "0".repeat(n + 1)),
                (format!("^[a-cx]{{{n}}}$"), "a".repeat(n)),
                (format!("^[ -~]{{{n}}}z$"), format!("{}z", " ".repeat(n))),
            ] {
                let p = Pattern::new(&source).unwrap();
                assert!(p.plain().is_some(), "{source}");
                let general = reference(&p);
                let mut inputs = vec![least.clone(), format!("{least}0"), format!("0{least}")];
                inputs.extend((1..=least.len()).map(|k| least[k..].to_string()));
                for at in 0..least.len() {
                    for c in (0u8..128).map(char::from).chain(['é']) {
                        let mut s = least.clone();
                        s.replace_range(at..=at, c.encode_utf8(&mut [0; 4]));
                        inputs.push(s);
                    }
                }
                for s in &inputs {
                    assert_eq!(p.is_match(s), general.is_match(s), "{source} on {s:?}");
                    seen += usize::from(p.is_match(s));
                }
            }
        }
        // (not every input refused)
        assert!(seen > 10_000, "{seen}");
    }

    /// A random pattern of the fast subset, from a few classes and counts.
    fn fast_pattern() -> impl Strategy<Value = String> {
        let atom = prop_oneof![
            Just("a".to_string()),
            Just("[0-9]".to_string()),
            Just("[a-c1]".to_string()),
            Just("[^b]".to_string()),
            Just(r"\.".to_string()),
            Just(".".to_string()),
            Just(r"\d".to_string()),
        ];
        let count = prop_oneof![
            Just(String::new()),
            Just("?".to_string()),
            Just("*".to_string()),
            Just("+".to_string()),
            (0u32..3).prop_map(|n| format!("{{{n}}}")),
            (0u32..3, 0u32..3).prop_map(|(a, b)| format!("{{{a},{}}}", a + b)),
            (0u32..3).prop_map(|n| format!("{{{n},}}")),
        ];
        let seq = prop::collection::vec((atom, count).prop_map(|(a, c)| a + &c), 0..5)
            .prop_map(|v| v.concat());
        prop::collection::vec(seq, 1..3).prop_map(|alts| {
            if alts.len() == 1 {
                format!("^{}$", alts[0])
            } else {
                format!("^({})$", alts.join("|"))
            }
        })
    }

    /// Any short pattern of the characters that mean something to either parser, mostly
    /// anchored (the fast parser takes nothing else).
    fn any_pattern() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("a"),
            Just("b"),
            Just("X"),
            Just("0"),
            Just("9"),
            Just("é"),
            Just(" "),
            Just("["),
            Just("]"),
            Just("^"),
            Just("-"),
            Just("("),
            Just(")"),
            Just("?:"),
            Just("|"),
            Just("{"),
            Just("}"),
            Just(","),
            Just("2"),
            Just("*"),
            Just("+"),
            Just("?"),
            Just("."),
            Just("\\"),
            Just("\\d"),
            Just("\\w"),
            Just("\\."),
            Just("\\-"),
            Just("\\<"),
            Just("\\]"),
            Just("\\{"),
            Just("\\/"),
            Just("!"),
            Just("&&"),
            Just("--"),
            Just("~~"),
            Just("[:alpha:]"),
            Just("{1,2}"),
            Just("{2,1}"),
            Just("{1, 2}"),
            Just("{,2}"),
            Just("{3}"),
            Just("{0}"),
            Just("[a-z]"),
            Just("[z-a]"),
            Just("$"),
            Just("\\x41"),
            Just("(?i)"),
        ];
        (
            prop::collection::vec(piece, 0..8),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(pieces, open, close)| {
                let body = pieces.concat();
                format!(
                    "{}{body}{}",
                    if open { "^" } else { "" },
                    if close { "$" } else { "" }
                )
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 5_000,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]
        /// A pattern compiled without the general engine must be one it takes, and read
        /// the same.
        #[test]
        fn the_fast_subset_is_valid_for_the_general_engine(
            source in any_pattern(),
            inputs in prop::collection::vec("[abX09é .\\-\\]\\[]{0,6}", 6),
        ) {
            if Alternatives::parse(&source).is_some() {
                let general = regex_lite::Regex::new(&source);
                prop_assert!(general.is_ok(), "{} is taken by the fast parser only", source);
                let p = Pattern::new(&source).map_err(TestCaseError::fail)?;
                for s in &inputs {
                    prop_assert_eq!(p.is_match(s), reference(&p).is_match(s), "{} on {:?}", source, s);
                }
            }
        }
    }

    #[test]
    fn short_formats_need_no_general_engine_and_long_inputs_never_match_them() {
        for (shape, general) in [
            ("^1[0-9]{10}$", false),
            ("^[A-Za-z0-9_-]{1,64}$", false),
            ("^[0-9]{5}[0-9X]$", false),
            ("^[^a]{0,31}$", false),
            ("^[^a]{0,32}$", true),
            ("^[a-z]{0,200}$", true),
            ("^[a-z]+$", true),
            ("^(ab|[0-9]{3})$", false),
            ("[0-9]{6}", true),
        ] {
            let p = Pattern::new(shape).unwrap_or_else(|e| panic!("{shape}: {e}"));
            assert_eq!(p.regex.is_some(), general, "{shape}");
            for s in ["a".repeat(200), "1".repeat(MAX_FAST_LEN), "é".repeat(64)] {
                assert_eq!(p.is_match(&s), reference(&p).is_match(&s), "{shape} on {s}");
            }
        }
        // a count the general engine refuses is refused, fast subset or not
        assert!(Pattern::new("^a{2,1}$").is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 2000,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]
        #[test]
        fn fast_path_agrees_with_the_general_engine(
            source in fast_pattern(),
            inputs in prop::collection::vec("[a-c0-9.\n é]{0,7}", 8),
        ) {
            let p = Pattern::new(&source).unwrap();
            prop_assert!(p.is_fast(), "{} is in the fast subset", source);
            for s in &inputs {
                prop_assert_eq!(p.is_match(s), reference(&p).is_match(s), "{} on {:?}", source, s);
            }
        }
    }
}
