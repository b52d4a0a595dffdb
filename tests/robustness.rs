//! Nothing panics on any input: mutated rule files and tables, and junk event lines, always give
//! a value or a rendered error. Deterministic (a fixed-seed generator), so a failure reproduces.
//! How many inputs: a fifth of the full counts locally, all under CI (`tests/support/scale.rs`).

use docket::{Engine, Source, World};

#[path = "support/scale.rs"]
mod scale;

/// SplitMix64: small, fixed-seed, good enough to pick mutations.
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
        (self.next() % n.max(1) as u64) as usize
    }
}

fn shipped() -> Vec<Source> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/rules/icp");
    docket::policy_files(dir)
        .expect("rules/icp")
        .into_iter()
        .map(|p| {
            Source::new(
                p.display().to_string(),
                std::fs::read_to_string(&p).expect("read"),
            )
        })
        .collect()
}

const PIECES: &[&str] = &[
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "\"",
    ":",
    ",",
    "-",
    "\n",
    " ",
    "?",
    "@",
    "/",
    "\\",
    "é",
    "\t",
    "rule",
    "when",
    "set",
    "emit",
    "is",
    "not",
    "unset",
    "0",
    "99999999999999999999",
    "24h",
    "limits.",
    "event.",
    "filing.",
    "people",
    "count(",
    "all(",
    "- ",
    "kind: ",
    "{{",
    "\u{0}",
];

fn mutate(rng: &mut Rng, text: &str) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(chars.len() + 1);
        match rng.below(3) {
            0 if !chars.is_empty() => {
                let end = (at + 1 + rng.below(12)).min(chars.len());
                chars.drain(at.min(end)..end);
            }
            1 => {
                let piece = PIECES[rng.below(PIECES.len())];
                for (i, c) in piece.chars().enumerate() {
                    chars.insert((at + i).min(chars.len()), c);
                }
            }
            _ => {
                if at < chars.len() {
                    let other = rng.below(chars.len());
                    chars.swap(at, other);
                }
            }
        }
    }
    chars.into_iter().collect()
}

#[test]
fn mutated_policies_load_or_report_never_panic() {
    let base = shipped();
    let mut rng = Rng(7);
    let (mut ok, mut refused) = (0, 0);
    let runs = scale::scaled(600);
    for _ in 0..runs {
        let mut sources = base.clone();
        let i = rng.below(sources.len());
        sources[i].text = mutate(&mut rng, &sources[i].text);
        match Engine::from_sources(sources) {
            Ok(_) => ok += 1,
            Err(e) => {
                let report = e.render();
                assert!(report.contains("error"), "{report}");
                refused += 1;
            }
        }
    }
    assert!(
        refused > runs / 2,
        "most mutations should break the policy ({ok} loaded)"
    );
}

#[test]
fn deeply_nested_input_is_refused_not_a_stack_overflow() {
    let mut sources = shipped();
    let docket = sources
        .iter_mut()
        .find(|s| s.name.ends_with(".docket"))
        .expect("a rule file");
    let deep = format!("{}true{}", "(".repeat(5000), ")".repeat(5000));
    docket.text = docket
        .text
        .replace("when not from_miit", &format!("when {deep}"));
    let err = Engine::from_sources(sources).expect_err("too deep");
    assert!(err.render().contains("nest"), "{}", err.render());

    let engine = Engine::icp();
    let mut world = World::new();
    let json = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(engine.run_line(&mut world, 1, &json).is_error());
}

#[test]
fn junk_event_lines_are_error_records() {
    let engine = Engine::icp();
    let mut world = World::new();
    let good = r#"{"type":"order_submitted","at":"2026-11-28T09:00:00+08:00","filing":"F1","scenario":"first_filing","variant":"website","personnel":[{"role":"entity_leader","phone":"13800000001","cert_last6":"11111X"},{"role":"website_admin","phone":"13900000002","cert_last6":"222222"}]}"#;
    assert!(!engine.run_line(&mut world, 1, good).is_error());
    let mut rng = Rng(11);
    for seq in 2..2 + scale::scaled(3000) as usize {
        let line = mutate(&mut rng, good);
        let record = engine.run_line(&mut world, seq, &line);
        let json = record.to_json();
        assert!(
            serde_json::from_str::<serde_json::Value>(&json).is_ok(),
            "{json}"
        );
    }
    for junk in [
        "",
        "null",
        "1e999",
        "\"x\"",
        "{\"type\":\"tick\",\"at\":\"9999-12-31T23:59:59+14:00\"}",
    ] {
        let _ = engine.run_line(&mut world, 1, junk).to_json();
    }
}
