//! Example strings of a pattern, for `docket verify`'s generated values: the `n`-th string of
//! a small family that the pattern's simple forms (literals, classes, counts, groups with
//! alternatives) describe. Each candidate is checked against the compiled pattern by the
//! caller; a pattern these forms do not cover gives no example.

/// One piece of a pattern.
#[derive(Debug, Clone)]
enum Piece {
    /// Characters that may stand here, preferred ones first.
    Class(Vec<char>),
    /// Alternatives, each a sequence (the first is used).
    Group(Vec<Vec<(Piece, usize)>>),
}

/// The characters an example prefers, in order: readable ones first.
fn preferred() -> impl Iterator<Item = char> {
    ('A'..='Z')
        .chain('0'..='9')
        .chain('a'..='z')
        .chain("_-.@+ ".chars())
}

/// The `n`-th example of `pattern` (0, 1, 2, … give different strings while the pattern
/// allows), or `None` when its syntax is beyond the simple forms.
pub(super) fn example(pattern: &str, n: usize) -> Option<String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut pos = 0;
    let seq = sequence(&chars, &mut pos)?;
    if pos != chars.len() {
        return None;
    }
    // every class position, in order, with how many characters it offers
    let mut slots = Vec::new();
    flatten(&seq, &mut slots);
    // `n` in mixed radix over the slots, the last slot varying fastest
    let mut digits = vec![0usize; slots.len()];
    let mut rest = n;
    for (d, slot) in digits.iter_mut().zip(&slots).rev() {
        let base = slot.len().max(1);
        *d = rest % base;
        rest /= base;
    }
    if rest > 0 {
        return None;
    }
    Some(
        slots
            .iter()
            .zip(digits)
            .filter_map(|(s, d)| s.get(d).copied())
            .collect(),
    )
}

fn flatten(seq: &[(Piece, usize)], out: &mut Vec<Vec<char>>) {
    for (piece, times) in seq {
        for _ in 0..*times {
            match piece {
                Piece::Class(cs) => out.push(cs.clone()),
                Piece::Group(alts) => {
                    if let Some(first) = alts.first() {
                        flatten(first, out);
                    }
                }
            }
        }
    }
}

/// A sequence up to `|`, `)` or the end; each piece with the count it is used (its least,
/// at least one for `+` and counts that allow one).
fn sequence(cs: &[char], pos: &mut usize) -> Option<Vec<(Piece, usize)>> {
    let mut out = Vec::new();
    while let Some(&c) = cs.get(*pos) {
        let piece = match c {
            '|' | ')' => break,
            '^' | '$' => {
                *pos += 1;
                continue;
            }
            '(' => {
                *pos += 1;
                if cs.get(*pos) == Some(&'?') {
                    // `(?:…)`
                    if cs.get(*pos + 1) != Some(&':') {
                        return None;
                    }
                    *pos += 2;
                }
                let mut alts = vec![sequence(cs, pos)?];
                while cs.get(*pos) == Some(&'|') {
                    *pos += 1;
                    alts.push(sequence(cs, pos)?);
                }
                if cs.get(*pos) != Some(&')') {
                    return None;
                }
                *pos += 1;
                Piece::Group(alts)
            }
            '[' => {
                *pos += 1;
                Piece::Class(class(cs, pos)?)
            }
            '\\' => {
                *pos += 1;
                Piece::Class(escape(cs, pos)?.into_chars())
            }
            '.' => {
                *pos += 1;
                Piece::Class(preferred().collect())
            }
            '*' | '+' | '?' | '{' => return None,
            c => {
                *pos += 1;
                Piece::Class(vec![c])
            }
        };
        let times = quantifier(cs, pos)?;
        out.push((piece, times));
    }
    Some(out)
}

/// How many times the piece before `pos` is used: its least count, but one where the
/// pattern allows it (an example with a character reads better than an empty one).
fn quantifier(cs: &[char], pos: &mut usize) -> Option<usize> {
    let times = match cs.get(*pos) {
        Some('*') | Some('?') => {
            *pos += 1;
            1
        }
        Some('+') => {
            *pos += 1;
            1
        }
        Some('{') => {
            let close = cs[*pos..].iter().position(|c| *c == '}')? + *pos;
            let inner: String = cs[*pos + 1..close].iter().collect();
            *pos = close + 1;
            let (lo, hi) = match inner.split_once(',') {
                Some((lo, hi)) => (lo.trim().parse::<usize>().ok()?, hi.trim().parse().ok()),
                None => {
                    let n = inner.trim().parse::<usize>().ok()?;
                    (n, Some(n))
                }
            };
            if lo == 0 && hi != Some(0) {
                1
            } else {
                lo
            }
        }
        _ => 1,
    };
    // a lazy or possessive mark changes nothing here
    if cs.get(*pos) == Some(&'?') {
        *pos += 1;
    }
    Some(times)
}

/// What an escape stands for.
enum Escaped {
    One(char),
    Set(Box<dyn Fn(char) -> bool>),
}

impl Escaped {
    fn into_chars(self) -> Vec<char> {
        match self {
            Escaped::One(c) => vec![c],
            Escaped::Set(f) => preferred().filter(|c| f(*c)).collect(),
        }
    }
}

fn escape(cs: &[char], pos: &mut usize) -> Option<Escaped> {
    let c = *cs.get(*pos)?;
    *pos += 1;
    Some(match c {
        'd' => Escaped::Set(Box::new(|c: char| c.is_ascii_digit())),
        'D' => Escaped::Set(Box::new(|c: char| !c.is_ascii_digit())),
        'w' => Escaped::Set(Box::new(|c: char| c.is_alphanumeric() || c == '_')),
        'W' => Escaped::Set(Box::new(|c: char| !(c.is_alphanumeric() || c == '_'))),
        's' => Escaped::Set(Box::new(char::is_whitespace)),
        'S' => Escaped::Set(Box::new(|c: char| !c.is_whitespace())),
        'x' => {
            let code: String = if cs.get(*pos) == Some(&'{') {
                let close = cs[*pos..].iter().position(|c| *c == '}')? + *pos;
                let s = cs[*pos + 1..close].iter().collect();
                *pos = close + 1;
                s
            } else {
                let s = cs.get(*pos..*pos + 2)?.iter().collect();
                *pos += 2;
                s
            };
            Escaped::One(char::from_u32(u32::from_str_radix(&code, 16).ok()?)?)
        }
        'n' => Escaped::One('\n'),
        't' => Escaped::One('\t'),
        c if c.is_ascii_alphanumeric() => return None,
        c => Escaped::One(c),
    })
}

/// A `[…]` class (after its `[`): the preferred characters it holds.
fn class(cs: &[char], pos: &mut usize) -> Option<Vec<char>> {
    let negated = cs.get(*pos) == Some(&'^');
    if negated {
        *pos += 1;
    }
    let mut tests: Vec<Escaped> = Vec::new();
    let mut first = true;
    loop {
        let c = *cs.get(*pos)?;
        if c == ']' && !first {
            *pos += 1;
            break;
        }
        first = false;
        let item = if c == '\\' {
            *pos += 1;
            escape(cs, pos)?
        } else if c == '[' {
            return None;
        } else {
            *pos += 1;
            Escaped::One(c)
        };
        // a range `a-z`
        if let Escaped::One(lo) = item {
            if cs.get(*pos) == Some(&'-') && cs.get(*pos + 1).is_some_and(|c| *c != ']') {
                *pos += 1;
                let hi = match *cs.get(*pos)? {
                    '\\' => {
                        *pos += 1;
                        match escape(cs, pos)? {
                            Escaped::One(c) => c,
                            Escaped::Set(_) => return None,
                        }
                    }
                    c => {
                        *pos += 1;
                        c
                    }
                };
                tests.push(Escaped::Set(Box::new(move |c| lo <= c && c <= hi)));
                continue;
            }
        }
        tests.push(item);
    }
    let holds = |c: char| {
        tests.iter().any(|t| match t {
            Escaped::One(x) => *x == c,
            Escaped::Set(f) => f(c),
        })
    };
    let mut out: Vec<char> = preferred().filter(|c| holds(*c) != negated).collect();
    if out.is_empty() && !negated {
        // only characters outside the preferred ones: the class's own
        out = tests
            .iter()
            .filter_map(|t| match t {
                Escaped::One(c) => Some(*c),
                Escaped::Set(_) => None,
            })
            .collect();
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::example;

    #[test]
    fn examples_of_simple_patterns() {
        assert_eq!(example("^1[0-9]{10}$", 0).as_deref(), Some("10000000000"));
        assert_eq!(example("^1[0-9]{10}$", 1).as_deref(), Some("10000000001"));
        assert_eq!(example("^[0-9]{5}[0-9X]$", 0).as_deref(), Some("00000X"));
        assert_eq!(example("^[0-9]{5}[0-9X]$", 1).as_deref(), Some("000000"));
        assert_eq!(example("^[A-Za-z0-9_-]{1,64}$", 1).as_deref(), Some("B"));
        assert_eq!(
            example("^(ACME|X[0-9]{4}ACME)$", 0).as_deref(),
            Some("ACME")
        );
        assert_eq!(example(r"^[^@\s]+@[^@\s]+$", 1).as_deref(), Some("A@B"));
        assert_eq!(example("^a$", 1), None);
        assert_eq!(example("^(?i)a$", 0), None);
    }
}
