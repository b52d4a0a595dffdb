//! The longest string a pattern can match, read from its source: `^[0-9]{6}$` matches
//! nothing longer than 6 characters, `^[a-z]+$` has no bound, and neither has `[0-9]{6}`
//! (unanchored, it matches inside any longer text).
//!
//! The source has already been compiled by `regex_lite`, so it is valid in its syntax. The
//! bound must never be too small (a value the pattern matches would be refused), so any
//! construct not understood here gives no bound: the format then falls back to the default
//! cap, which only matters for values longer than it.

use std::iter::Peekable;
use std::str::Chars;

/// What one part of a pattern can match: at most `max` characters (`None`: no bound), and
/// whether every match of it is pinned to the start (`^`, `\A`) or the end (`$`, `\z`) of
/// the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Extent {
    max: Option<usize>,
    starts: bool,
    ends: bool,
}

impl Extent {
    /// A part that matches no character and pins nothing (`\b`, a flag directive).
    const EMPTY: Extent = Extent {
        max: Some(0),
        starts: false,
        ends: false,
    };
    /// One character (`a`, `.`, `[0-9]`, `\d`).
    const CHAR: Extent = Extent {
        max: Some(1),
        starts: false,
        ends: false,
    };
}

/// The most characters (Unicode scalar values) a string that `source` matches can have,
/// or `None` when there is no bound, or when it cannot tell.
///
/// A bound exists only when every match spans the whole input, i.e. the pattern pins both
/// its start and its end. A match covering the whole input is then as long as the input,
/// and no longer than the sum of the longest matches of its parts.
pub(super) fn max_chars(source: &str) -> Option<usize> {
    let mut scan = Scan {
        chars: source.chars().peekable(),
    };
    let whole = scan.alternation()?;
    if scan.chars.next().is_some() {
        return None; // an unopened `)`: not a pattern regex_lite accepts
    }
    if whole.starts && whole.ends {
        whole.max
    } else {
        None
    }
}

struct Scan<'s> {
    chars: Peekable<Chars<'s>>,
}

impl Scan<'_> {
    /// `a|b|…` up to the end or a `)`. `None`: a construct this scan does not handle.
    fn alternation(&mut self) -> Option<Extent> {
        let mut all = self.sequence()?;
        while self.chars.next_if_eq(&'|').is_some() {
            let next = self.sequence()?;
            all = Extent {
                max: all.max.zip(next.max).map(|(a, b)| a.max(b)),
                // Pinned only if every alternative is.
                starts: all.starts && next.starts,
                ends: all.ends && next.ends,
            };
        }
        Some(all)
    }

    /// Items one after the other, up to `|`, `)` or the end.
    fn sequence(&mut self) -> Option<Extent> {
        let mut all = Extent::EMPTY;
        loop {
            let item = match self.chars.peek() {
                None | Some('|' | ')') => return Some(all),
                Some(_) => self.item()?,
            };
            all = Extent {
                max: all.max.zip(item.max).and_then(|(a, b)| a.checked_add(b)),
                // One pinned item pins the whole sequence: the sequence's match contains
                // the item's.
                starts: all.starts || item.starts,
                ends: all.ends || item.ends,
            };
        }
    }

    /// One atom and the repetitions that follow it.
    fn item(&mut self) -> Option<Extent> {
        let mut item = self.atom()?;
        while let Some(&op) = self.chars.peek() {
            let (min, max) = match op {
                '?' => (0, Some(1)),
                '*' => (0, None),
                '+' => (1, None),
                '{' => {
                    self.chars.next();
                    self.counts()?
                }
                _ => break,
            };
            if op != '{' {
                self.chars.next();
            }
            // `*?`, `{2,3}?`: lazy, the same strings.
            self.chars.next_if_eq(&'?');
            item = repeat(item, min, max);
        }
        Some(item)
    }

    /// `n}`, `n,}` or `n,m}`, after the `{`.
    fn counts(&mut self) -> Option<(u32, Option<u32>)> {
        let min = self.number()?;
        let max = if self.chars.next_if_eq(&',').is_some() {
            if self.skip_spaces_then('}') {
                return Some((min, None));
            }
            Some(self.number()?)
        } else {
            Some(min)
        };
        self.skip_spaces_then('}').then_some((min, max))
    }

    /// A decimal number, spaces around it allowed (as regex_lite allows them).
    fn number(&mut self) -> Option<u32> {
        while self.chars.next_if(|c| c.is_whitespace()).is_some() {}
        let mut digits = String::new();
        while let Some(d) = self.chars.next_if(char::is_ascii_digit) {
            digits.push(d);
        }
        while self.chars.next_if(|c| c.is_whitespace()).is_some() {}
        digits.parse().ok()
    }

    /// Skips spaces; whether `c` follows (it is then consumed).
    fn skip_spaces_then(&mut self, c: char) -> bool {
        while self.chars.next_if(|c| c.is_whitespace()).is_some() {}
        self.chars.next_if_eq(&c).is_some()
    }

    fn atom(&mut self) -> Option<Extent> {
        match self.chars.next()? {
            '(' => self.group(),
            '[' => self.class().then_some(Extent::CHAR),
            '\\' => self.escape(),
            '^' => Some(Extent {
                starts: true,
                ..Extent::EMPTY
            }),
            '$' => Some(Extent {
                ends: true,
                ..Extent::EMPTY
            }),
            // A repetition with nothing to repeat is not valid.
            '*' | '+' | '?' | '{' => None,
            _ => Some(Extent::CHAR),
        }
    }

    /// A group, after its `(`: `(…)`, `(?:…)`, `(?P<name>…)`, `(?<name>…)`, `(?flags:…)`,
    /// or the flag directive `(?flags)`.
    fn group(&mut self) -> Option<Extent> {
        if self.chars.next_if_eq(&'?').is_some() {
            if self.chars.next_if_eq(&'P').is_some() {
                self.chars.next_if_eq(&'<')?;
                self.name()?;
            } else if self.chars.next_if_eq(&'<').is_some() {
                self.name()?;
            } else {
                // Flags up to `:` or `)`. Multi-line mode makes `^`/`$` match at line ends,
                // and verbose mode changes how the rest reads: neither is handled here.
                loop {
                    match self.chars.next()? {
                        'i' | 's' | 'U' | 'R' | 'u' | '-' => {}
                        ':' => break,
                        ')' => {
                            // A directive repeats nothing; a repetition after it would
                            // apply to the item before it.
                            return match self.chars.peek() {
                                Some('?' | '*' | '+' | '{') => None,
                                _ => Some(Extent::EMPTY),
                            };
                        }
                        _ => return None,
                    }
                }
            }
        }
        let inner = self.alternation()?;
        self.chars.next_if_eq(&')')?;
        Some(inner)
    }

    /// A capture group's name, up to and including its `>`.
    fn name(&mut self) -> Option<()> {
        loop {
            match self.chars.next()? {
                '>' => return Some(()),
                c if c.is_alphanumeric() || matches!(c, '_' | '.' | '[' | ']') => {}
                _ => return None,
            }
        }
    }

    /// Skips a bracket class after its `[`; whether it was closed. It matches one character,
    /// whatever it holds.
    fn class(&mut self) -> bool {
        self.chars.next_if_eq(&'^');
        let mut dashes = false;
        while self.chars.next_if_eq(&'-').is_some() {
            dashes = true;
        }
        // `]` first is a member, not the end (`[]a]`, but `[-]` is closed).
        if !dashes {
            self.chars.next_if_eq(&']');
        }
        loop {
            match self.chars.next() {
                None => return false,
                Some(']') => return true,
                // An escape is one character after the `\`, or a hexadecimal `\x{…}`,
                // whose braces and digits hold no bracket.
                Some('\\') => {
                    if self.chars.next().is_none() {
                        return false;
                    }
                }
                // regex_lite allows no nested class, only `[:name:]` inside one.
                Some('[') => {
                    if self.chars.next_if_eq(&':').is_none() {
                        return false;
                    }
                    loop {
                        match self.chars.next() {
                            None => return false,
                            Some(':') if self.chars.next_if_eq(&']').is_some() => break,
                            Some(_) => {}
                        }
                    }
                }
                Some(_) => {}
            }
        }
    }

    /// An escape, after its `\`.
    fn escape(&mut self) -> Option<Extent> {
        let c = self.chars.next()?;
        match c {
            'd' | 'D' | 's' | 'S' | 'w' | 'W' | 'a' | 'f' | 't' | 'n' | 'r' | 'v' => {
                Some(Extent::CHAR)
            }
            'x' | 'u' | 'U' => {
                if self.chars.next_if_eq(&'{').is_some() {
                    while self.chars.next_if(|c| *c != '}').is_some() {}
                    self.chars.next_if_eq(&'}')?;
                } else {
                    let digits = match c {
                        'x' => 2,
                        'u' => 4,
                        _ => 8,
                    };
                    for _ in 0..digits {
                        self.chars.next_if(char::is_ascii_hexdigit)?;
                    }
                }
                Some(Extent::CHAR)
            }
            'A' => Some(Extent {
                starts: true,
                ..Extent::EMPTY
            }),
            'z' => Some(Extent {
                ends: true,
                ..Extent::EMPTY
            }),
            'b' => {
                // `\b{start}` and its kin; `\b{2}` is a repeated boundary, left to `item`.
                let mut ahead = self.chars.clone();
                if ahead.next_if_eq(&'{').is_some()
                    && ahead
                        .peek()
                        .is_some_and(|c| c.is_ascii_alphabetic() || *c == '-')
                {
                    while self.chars.next_if(|c| *c != '}').is_some() {}
                    self.chars.next_if_eq(&'}')?;
                }
                Some(Extent::EMPTY)
            }
            'B' | '<' | '>' => Some(Extent::EMPTY),
            // An escaped punctuation character stands for itself.
            c if c.is_ascii_punctuation() => Some(Extent::CHAR),
            _ => None,
        }
    }
}

/// `item` repeated `min..=max` times (`max`: `None` for no upper count).
fn repeat(item: Extent, min: u32, max: Option<u32>) -> Extent {
    let times = max.map(|m| m as usize);
    let longest = match (item.max, times) {
        (Some(0), _) | (_, Some(0)) => Some(0),
        (Some(each), Some(n)) => each.checked_mul(n),
        (None, _) | (_, None) => None,
    };
    Extent {
        max: longest,
        // With at least one repetition, every match contains a match of the item.
        starts: item.starts && min >= 1,
        ends: item.ends && min >= 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn bounds_of_the_usual_formats() {
        for (source, max) in [
            ("^[0-9]{6}$", Some(6)),
            ("^1[0-9]{10}$", Some(11)),
            ("^[A-Za-z0-9_-]{1,64}$", Some(64)),
            ("^[0-9]{5}[0-9X]$", Some(6)),
            ("^(555|99[0-9]{10}555)$", Some(15)),
            ("^(?:ab|a|)$", Some(2)),
            ("^a?b{2,3}c{0}$", Some(4)),
            (r"\A[a-z]{3}\z", Some(3)),
            ("^$", Some(0)),
            ("^é.{2}$", Some(3)),
            (r"^\d{2}-\x{41}\u0042\.$", Some(6)),
            (r"^[\]\[[:alpha:]x-]{1,2}[]a]$", Some(3)),
            (r"^[\]\[:alpha:]x-]{1,2}$", Some(5)),
            ("^[-]{2}[^-]$", Some(3)),
            ("^(?P<area>[0-9]{3})-(?<n>[0-9]{4})$", Some(8)),
            ("(?i)^[a-z]{1,5}$", Some(5)),
            ("^(?s:.){2}$", Some(2)),
            ("^ab$|^c$", Some(2)),
            (r"^\bword\b{end}$", Some(4)),
            ("^a{ 2 , 4 }$", Some(4)),
            ("^x*?y{2}?$", None),
            ("^[a-z]+$", None),
            ("^[a-z]*$", None),
            ("^[a-z]{2,}$", None),
            ("[0-9]{6}", None),
            ("^[0-9]{6}", None),
            ("[0-9]{6}$", None),
            ("^a$|b", None),
            ("(^a)*$", None),
            ("(?m)^a$", None),
            ("(?x)^a b$", None),
            (r"^\pL$", None),
            ("^(a|b)+$", None),
            ("^(a+){0}$", Some(0)),
        ] {
            assert_eq!(max_chars(source), max, "{source}");
        }
    }

    /// Every string over a small alphabet that is longer than the derived bound: the
    /// reference engine matches none of them.
    fn assert_bound_holds(source: &str) -> Result<(), TestCaseError> {
        let Ok(regex) = regex_lite::Regex::new(source) else {
            return Ok(()); // not a pattern: nothing to check
        };
        let Some(max) = max_chars(source) else {
            return Ok(());
        };
        let alphabet = ['a', 'b', '0'];
        for len in max + 1..=max + 2 {
            if len > 7 {
                break;
            }
            for mut n in 0..alphabet.len().pow(len as u32) {
                let s: String = (0..len)
                    .map(|_| {
                        let c = alphabet[n % alphabet.len()];
                        n /= alphabet.len();
                        c
                    })
                    .collect();
                prop_assert!(
                    !regex.is_match(&s),
                    "{} matches {:?}, longer than its bound {}",
                    source,
                    s,
                    max
                );
            }
        }
        Ok(())
    }

    /// A random pattern: atoms, groups, alternatives, anchors and repetitions.
    fn pattern() -> impl Strategy<Value = String> {
        let atom = prop_oneof![
            Just("a".to_string()),
            Just("b".to_string()),
            Just("[ab]".to_string()),
            Just("[^a]".to_string()),
            Just(".".to_string()),
            Just(r"\d".to_string()),
            Just("^".to_string()),
            Just("$".to_string()),
            Just(r"\b".to_string()),
            Just(r"\A".to_string()),
            Just(r"\z".to_string()),
            Just("(?i)".to_string()),
        ];
        let count = prop_oneof![
            Just(String::new()),
            Just(String::new()),
            Just("?".to_string()),
            Just("*".to_string()),
            Just("+".to_string()),
            (0u32..3).prop_map(|n| format!("{{{n}}}")),
            (0u32..3, 0u32..3).prop_map(|(a, b)| format!("{{{a},{}}}", a + b)),
        ];
        let item = (atom, count).prop_map(|(a, c)| a + &c);
        let leaf = prop::collection::vec(item, 0..4).prop_map(|v| v.concat());
        leaf.prop_recursive(3, 24, 3, |inner| {
            (
                prop::collection::vec(inner, 1..3),
                prop_oneof![Just("("), Just("(?:")],
                prop_oneof![Just(""), Just("?"), Just("{1,2}"), Just("{2}")],
                prop_oneof![Just(""), Just("^"), Just("a")],
                prop_oneof![Just(""), Just("$"), Just("b")],
            )
                .prop_map(|(alts, open, count, before, after)| {
                    format!("{before}{open}{}){count}{after}", alts.join("|"))
                })
        })
    }

    #[test]
    fn no_longer_string_matches() {
        let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
            cases: 1500,
            failure_persistence: None,
            ..ProptestConfig::default()
        });
        let bounded = std::cell::Cell::new(0);
        let result = runner.run(&pattern(), |source| {
            let anchored = format!("^{source}$");
            bounded.set(bounded.get() + usize::from(max_chars(&anchored).is_some()));
            assert_bound_holds(&source)?;
            assert_bound_holds(&anchored)
        });
        if let Err(e) = result {
            panic!("{e}");
        }
        // The check means something only if many patterns have a bound.
        assert!(bounded.get() > 300, "only {} bounded", bounded.get());
    }
}
