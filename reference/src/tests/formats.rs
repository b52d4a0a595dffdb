//! The hand-written parts checked against the libraries they stand in for: the `at` parser
//! against jiff, string escaping against serde_json; and the field formats and decoding.

use crate::time::parse_at;
use crate::{vocab, write, EventKind, Model, Role};
use jiff::Timestamp;

/// SplitMix64, for deterministic random cases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// What the engine accepts: the RFC 3339 shape (with `T`, `t` or a space; seconds; an
/// optional fraction; `Z`/`z` or `±hh:mm`), then jiff.
fn jiff_at(s: &str) -> Option<Timestamp> {
    let b = s.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let digit_at = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];
    if !digit_at.iter().all(|&i| b[i].is_ascii_digit()) {
        return None;
    }
    let mut rest = &b[19..];
    if let [b'.', f @ ..] = rest {
        let n = f.iter().take_while(|d| d.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        rest = &f[n..];
    }
    let ok = match rest {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', h0, h1, b':', m0, m1] => {
            [h0, h1, m0, m1].iter().all(|d| d.is_ascii_digit())
                && (*h0, *h1) <= (b'2', b'3')
                && *m0 <= b'5'
        }
        _ => false,
    };
    if !ok {
        return None;
    }
    s.parse().ok()
}

#[test]
fn at_parser_agrees_with_jiff() {
    let seeds = [
        "2026-11-28T09:00:00+08:00",
        "2026-11-28 09:00:00Z",
        "2028-02-29t23:59:60.123456789-05:30",
        "9999-12-30T22:00:00.999999999Z",
        "9999-12-31T23:59:59+23:59",
        "0000-01-01T00:00:00-23:59",
        "1970-01-01T00:00:00.5z",
        "2100-02-28T00:00:00+00:00",
        "2000-02-29T12:30:45.000000001+14:00",
        "1969-12-31T23:59:59.999999999Z",
    ];
    let alphabet = b"0123456789012345678901234567890123:+-.TtZz 9";
    let mut r = Rng(7);
    let mut accepted = 0;
    for &s in &seeds {
        assert_eq!(parse_at(s), jiff_at(s), "{s}");
    }
    for _ in 0..300_000 {
        let mut s = seeds[r.below(seeds.len())].as_bytes().to_vec();
        for _ in 0..1 + r.below(3) {
            match r.below(6) {
                0 if !s.is_empty() => {
                    s.remove(r.below(s.len()));
                }
                1 => {
                    let at = r.below(s.len() + 1);
                    s.insert(at, alphabet[r.below(alphabet.len())]);
                }
                _ if !s.is_empty() => {
                    let at = r.below(s.len());
                    s[at] = alphabet[r.below(alphabet.len())];
                }
                _ => {}
            }
        }
        let s = String::from_utf8(s).expect("ASCII");
        let want = jiff_at(&s);
        accepted += usize::from(want.is_some());
        assert_eq!(parse_at(&s), want, "{s:?}");
    }
    assert!(accepted > 30_000, "too few valid cases: {accepted}");
}

#[test]
fn strings_are_escaped_as_serde_json_escapes_them() {
    let mut cases: Vec<String> = (0u8..=0x7f).map(|b| char::from(b).to_string()).collect();
    cases.push("Dear ICP user: \"quoted\" \\ back\u{7f} é 中文 \u{1F600}\n".into());
    cases.push(String::new());
    for s in cases {
        let mut mine = String::new();
        write::string(&mut mine, &s);
        assert_eq!(mine, serde_json::to_string(&s).unwrap(), "{s:?}");
    }
    let mut n = String::new();
    for x in [0usize, 7, 10, 99, 100, 12345, usize::MAX] {
        n.clear();
        write::number(&mut n, x);
        assert_eq!(n, x.to_string());
    }
}

#[test]
fn field_formats() {
    assert!(vocab::is_filing("F-1_a"));
    assert!(vocab::is_filing(&"a".repeat(64)));
    assert!(!vocab::is_filing(&"a".repeat(65)));
    assert!(!vocab::is_filing(""));
    assert!(!vocab::is_filing("F 1"));
    assert!(!vocab::is_filing("F\u{e9}"));
    assert_eq!(vocab::phone("13800000001"), Some(13_800_000_001));
    for bad in [
        "23800000001",
        "1380000000",
        "138000000012",
        "1380000000a",
        "+8613800000001",
    ] {
        assert_eq!(vocab::phone(bad), None, "{bad}");
    }
    for (c, text) in [
        ("12345x", "12345X"),
        ("12345X", "12345X"),
        ("000000", "000000"),
    ] {
        assert_eq!(vocab::cert(c).map(vocab::cert_text).as_deref(), Some(text));
    }
    for bad in ["12345", "12345Y", "1234567", "X12345", "12 45X", "1234x5"] {
        assert_eq!(vocab::cert(bad), None, "{bad}");
    }
    assert_ne!(vocab::cert("123450"), vocab::cert("012345"));
    assert_eq!(
        vocab::code("004213").map(vocab::code_text).as_deref(),
        Some("004213")
    );
    for bad in ["12a456", "12345", "1234567", " 00011", "4213"] {
        assert_eq!(vocab::code(bad), None, "{bad}");
    }
    for good in ["12381", "106123456789012381", "106000000000012381"] {
        assert!(vocab::is_miit_sender(good), "{good}");
    }
    for bad in [
        "10690012381",
        "95555",
        "1061234567890123810",
        "12382",
        "106123456789012382",
        "106a23456789012381",
    ] {
        assert!(!vocab::is_miit_sender(bad), "{bad}");
    }
}

#[test]
fn decode_reads_each_type() {
    let m = Model::new();
    let e = m
        .decode(r#"{"type":"order_submitted","at":"2026-11-28 09:00:00+08:00","filing":"F\u0031","scenario":"modify","variant":"service","personnel":[{"role":"website_admin","phone":"13900000002","cert_last6":"67890x"},{"role":"entity_leader","phone":"1","cert_last6":"1"}]}"#)
        .unwrap_err();
    assert!(
        e.0.contains("personnel"),
        "{e:?}: every entry is format-checked"
    );
    let e = m
        .decode(r#"{"type":"order_submitted","at":"2026-11-28 09:00:00+08:00","filing":"F\u0031","scenario":"modify","variant":"service","personnel":[{"role":"website_admin","phone":"13900000002","cert_last6":"67890x"}]}"#)
        .unwrap();
    assert_eq!(e.at, "2026-11-28T01:00:00Z".parse().unwrap());
    match e.kind {
        EventKind::Order {
            filing, personnel, ..
        } => {
            assert_eq!(filing, "F1");
            assert_eq!(personnel[0].role, Role::WebsiteAdmin);
            assert_eq!(personnel[0].cert, "67890X");
        }
        other => panic!("{other:?}"),
    }
    // reading: `"sender": null` is absent.
    let e = m
        .decode(r#"{"type":"sms_sent","at":"2026-11-28T09:00:00Z","filing":"F1","phone":"13900000002","code":"004213","sender":null}"#)
        .unwrap();
    assert!(matches!(e.kind, EventKind::Sms { sender: None, .. }));
    let e = m
        .decode(r#"{"at":"2026-11-28T09:00:00Z","type":"tick"}"#)
        .unwrap();
    assert_eq!(e.kind, EventKind::Tick);
}

#[test]
fn decode_refuses_bad_lines() {
    let m = Model::new();
    let at = r#""at":"2026-11-28T09:00:00+08:00""#;
    let bad = [
        String::new(),
        "   ".into(),
        "null".into(),
        "[]".into(),
        format!(r#"["tick",{at}]"#),
        format!(r#"{{"type":"tick",{at},"type":"tick"}}"#),
        format!(r#"{{"type":"tick",{at},{at}}}"#),
        format!(r#"{{"type":"tick",{at},"note":"x"}}"#),
        format!(r#"{{"type":"tick",{at},"filing":null}}"#),
        format!(r#"{{"type":"tick",{at},"sender":null}}"#),
        format!(r#"{{"type":"Tick",{at}}}"#),
        format!(r#"{{"type":5,{at}}}"#),
        r#"{"type":"tick","at":"2026-11-28T09:00:00"}"#.into(),
        r#"{"type":"tick","at":"20261128T090000Z"}"#.into(),
        r#"{"type":"tick","at":"2026-11-28T09:00:00+0800"}"#.into(),
        format!(r#"{{"type":"order_canceled",{at},"filing":"F1","filing":"F1"}}"#),
        format!(r#"{{"type":"order_canceled",{at},"filing":5}}"#),
        format!(
            r#"{{"type":"sms_sent",{at},"filing":"F1","phone":"13800000001","code":"004213","sender":5}}"#
        ),
        format!(r#"{{"type":"sms_sent",{at},"filing":"F1","phone":"13800000001","code":null}}"#),
        format!(
            r#"{{"type":"phone_change",{at},"filing":"F1","role":"owner","new_phone":"13800000001"}}"#
        ),
        format!(
            r#"{{"type":"order_submitted",{at},"filing":"F1","scenario":"cancel","variant":"entity","personnel":[["entity_leader","13800000001","12345X"]]}}"#
        ),
        format!(
            r#"{{"type":"order_submitted",{at},"filing":"F1","scenario":"cancel","variant":"entity","personnel":[{{"role":"entity_leader","phone":"13800000001","cert_last6":"12345X","name":"Li"}}]}}"#
        ),
        format!(
            r#"{{"type":"order_submitted",{at},"filing":"F1","scenario":"cancel","variant":"entity","personnel":[{{"role":"entity_leader","phone":"13800000001","cert_last6":"12345X","role":"entity_leader"}}]}}"#
        ),
        format!(
            r#"{{"type":"order_submitted",{at},"filing":"F1","scenario":"cancel","variant":"all","personnel":[]}}"#
        ),
        format!(
            r#"{{"type":"order_submitted",{at},"filing":"F1","scenario":"cancel","variant":"entity","personnel":[]}}"#
        ),
        format!(
            r#"{{"type":"order_submitted",{at},"filing":"F1","scenario":"cancel","variant":"entity","personnel":null}}"#
        ),
    ];
    for line in bad {
        assert!(m.decode(&line).is_err(), "accepted: {line}");
    }
}
