//! How long does loading and checking a policy take, for the ICP policy and for one 100 times
//! its size?
//!
//! Loading a policy is reading its files, parsing every table and rule file, then checking
//! the whole of it (names, types, optionals, sensitivity) into a program: `Engine::load(dir)`
//! from files, `Engine::from_sources` from texts already in memory (the copy of the texts it
//! takes is made outside the timing), and `Engine::icp()`, the policy built into the library.
//!
//! The synthetic policy is the ICP policy 100 times over, written by this benchmark into
//! `target/tmp/policy-x100/` (then loaded from there): the formats, statuses, case and
//! participants once; then the events, deadline and handlers of `rules/icp/icp.docket` 100
//! times, copy `c` with every event, deadline, rule, message id, limit and scenario name
//! suffixed `_c{c}` (copy 0 is the ICP policy itself); the tables' rows 100 times likewise
//! (1 400 roles rows, 1 700 messages, 700 limits). Its size against ICP's is printed, and it
//! must load without errors (the benchmark checks; `cargo run -- check target/tmp/policy-x100`
//! shows the same). The target is the ICP policy loaded and checked in under 5 ms.
//!
//! Run with `cargo bench --bench load` (under a minute). At the end a table on stderr gives the
//! median time per load of criterion's samples, and the 100× policy's time over ICP's.

mod support;

use docket::{Engine, Source};
use regex_lite::{Captures, Regex};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use support::{show_ns, show_ratio, Recorder};

const COPIES: usize = 100;
const SAMPLES: usize = 20;

/// A policy's `*.yaml` and `*.docket` files, as (file name, text), in name order.
fn read_policy(dir: &Path) -> Vec<(String, String)> {
    docket::policy_files(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .into_iter()
        .map(|p| {
            let name = p
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let text = std::fs::read_to_string(&p)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()));
            (name, text)
        })
        .collect()
}

fn sources(dir: &Path, files: &[(String, String)]) -> Vec<Source> {
    files
        .iter()
        .map(|(name, text)| Source::new(dir.join(name).display().to_string(), text.clone()))
        .collect()
}

// ── The synthetic policy ────────────────────────────────────────────────────

/// Splits a YAML table at its `marker:` line: (head including the marker, body).
fn split_at_marker<'a>(text: &'a str, marker: &str) -> (&'a str, &'a str) {
    let re = Regex::new(&format!(r"(?m)^{marker}:[ \t]*\r?\n")).expect("a regex");
    let m = re
        .find(text)
        .unwrap_or_else(|| panic!("no `{marker}:` line at the start of a line"));
    (&text[..m.end()], &text[m.end()..])
}

/// A table whose body is repeated `COPIES` times, `rename` applied to copy `c` with its suffix.
fn repeat_table(text: &str, marker: &str, rename: impl Fn(&str, &str) -> String) -> String {
    let (head, body) = split_at_marker(text, marker);
    let mut out = head.to_string();
    for c in 0..COPIES {
        out += &rename(body, &suffix(c));
        if !out.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

/// Copy 0 keeps the ICP names; copy c > 0 suffixes them `_c{c}`.
fn suffix(c: usize) -> String {
    if c == 0 {
        String::new()
    } else {
        format!("_c{c}")
    }
}

/// The top-level declarations of a rule file, each with the comment lines above it, as
/// (keyword, text); the text before the first declaration comes first with keyword "".
fn declarations(text: &str) -> Vec<(&str, String)> {
    let keyword = Regex::new(
        r"^(format|enum|statuses|case|participants|event|deadline|on|invariant|migrate)\b",
    )
    .expect("a regex");
    let mut out: Vec<(&str, String)> = vec![("", String::new())];
    let mut pending = String::new();
    for line in text.split_inclusive('\n') {
        if let Some(m) = keyword.find(line) {
            out.push((m.as_str(), std::mem::take(&mut pending)));
        }
        let last = &mut out.last_mut().expect("a declaration").1;
        if line.trim_start().starts_with("//") || line.trim().is_empty() {
            pending += line;
        } else {
            *last += &std::mem::take(&mut pending);
            *last += line;
        }
    }
    if let Some(last) = out.last_mut() {
        last.1 += &pending;
    }
    out
}

/// The rule file 100 times over: shared declarations once (formats, statuses, the case and
/// participants, invariants), the events, deadlines and handlers once per copy with their
/// names suffixed.
fn repeat_rules(text: &str, scenarios: &[String]) -> String {
    let names = [
        Regex::new(r"(?m)^(event\s+)(\w+)").expect("a regex"),
        Regex::new(r"(?m)^(deadline\s+)(\w+)").expect("a regex"),
        Regex::new(r"(?m)^(on\s+(?:deadline\s+)?)(\w+)").expect("a regex"),
        Regex::new(r"\b(rule\s+)(\w+)").expect("a regex"),
        Regex::new(r"\b(emit\s+)(\w+)").expect("a regex"),
        Regex::new(r"\b(limits\.)(\w+)").expect("a regex"),
    ];
    let literal = Regex::new(r#""(\w+)""#).expect("a regex");
    let decls = declarations(text);
    let mut out = String::new();
    for (kw, decl) in &decls {
        if !matches!(*kw, "event" | "deadline" | "on") {
            out += decl;
        }
    }
    for c in 0..COPIES {
        let sfx = suffix(c);
        out += &format!("\n// ── Copy {c} ──────────────────────────────────────────\n");
        for (kw, decl) in &decls {
            if !matches!(*kw, "event" | "deadline" | "on") {
                continue;
            }
            let mut d = decl.clone();
            for re in &names {
                d = re
                    .replace_all(&d, format!("${{1}}${{2}}{sfx}"))
                    .into_owned();
            }
            d = literal
                .replace_all(&d, |caps: &Captures| {
                    if scenarios.iter().any(|s| *s == caps[1]) {
                        format!("\"{}{sfx}\"", &caps[1])
                    } else {
                        caps[0].to_string()
                    }
                })
                .into_owned();
            out += &d;
        }
    }
    out
}

/// The scenario names of the roles table.
fn scenarios(roles: &str) -> Vec<String> {
    let re = Regex::new(r"scenario:\s*(\w+)").expect("a regex");
    let mut names: Vec<String> = re.captures_iter(roles).map(|c| c[1].to_string()).collect();
    names.sort();
    names.dedup();
    names
}

/// Writes the 100× policy next to the build's temporary files; returns its directory.
fn write_synthetic(icp: &[(String, String)]) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("policy-x{COPIES}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let text = |name: &str| {
        icp.iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.as_str())
            .unwrap_or_else(|| panic!("rules/icp has no {name}"))
    };
    let top_key = Regex::new(r"(?m)^(  )([a-z_][a-z0-9_]*)(:)").expect("a regex");
    let scenario = Regex::new(r"(scenario:\s*)(\w+)").expect("a regex");
    let scenario_names = scenarios(text("roles.yaml"));
    let files = [
        (
            "icp.docket",
            repeat_rules(text("icp.docket"), &scenario_names),
        ),
        (
            "limits.yaml",
            repeat_table(text("limits.yaml"), "limits", |body, sfx| {
                top_key
                    .replace_all(body, format!("${{1}}${{2}}{sfx}${{3}}"))
                    .into_owned()
            }),
        ),
        (
            "messages.yaml",
            repeat_table(text("messages.yaml"), "messages", |body, sfx| {
                top_key
                    .replace_all(body, format!("${{1}}${{2}}{sfx}${{3}}"))
                    .into_owned()
            }),
        ),
        (
            "roles.yaml",
            repeat_table(text("roles.yaml"), "rows", |body, sfx| {
                scenario
                    .replace_all(body, format!("${{1}}${{2}}{sfx}"))
                    .into_owned()
            }),
        ),
    ];
    for (name, text) in &files {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
    dir
}

/// Lines and bytes of a policy's files.
fn size(files: &[(String, String)]) -> (usize, usize) {
    files.iter().fold((0, 0), |(l, b), (_, t)| {
        (l + t.lines().count(), b + t.len())
    })
}

fn must_load(what: &str, r: Result<Engine, docket::LoadError>) -> Engine {
    r.unwrap_or_else(|e| panic!("{what} does not load:\n{}", e.render()))
}

fn main() {
    let mut c = support::config(SAMPLES, Duration::from_secs(2));
    let rec = Recorder::default();

    let icp_dir = support::icp_dir();
    let icp = read_policy(&icp_dir);
    let started = Instant::now();
    let x100_dir = write_synthetic(&icp);
    let x100 = read_policy(&x100_dir);
    let synthetic = must_load("the synthetic policy", Engine::load(&x100_dir));
    let (icp_size, x100_size) = (size(&icp), size(&x100));
    eprintln!(
        "policies: ICP {} lines, {} bytes in {} files; synthetic {} lines ({:.0}×), {} bytes ({:.0}×), written to {} in {:.0?} ({} warnings)",
        icp_size.0,
        icp_size.1,
        icp.len(),
        x100_size.0,
        x100_size.0 as f64 / icp_size.0 as f64,
        x100_size.1,
        x100_size.1 as f64 / icp_size.1 as f64,
        x100_dir.display(),
        started.elapsed(),
        synthetic.warnings().len(),
    );
    must_load("rules/icp", Engine::load(&icp_dir));

    let policies = [("icp", &icp_dir, &icp), ("x100", &x100_dir, &x100)];
    for (name, dir, files) in policies {
        let mut group = c.benchmark_group(format!("load_{name}"));
        if name != "icp" {
            group.sample_size(10);
        }
        let id = format!("load_{name}/files");
        group.bench_function("files", |b| {
            b.iter_custom(|iters| {
                let started = Instant::now();
                for _ in 0..iters {
                    drop(must_load(name, Engine::load(dir)));
                }
                rec.record(&id, iters, started.elapsed())
            })
        });
        let texts = sources(dir, files);
        let id = format!("load_{name}/sources");
        group.bench_function("sources", |b| {
            b.iter_custom(|iters| {
                let mut took = Duration::ZERO;
                for _ in 0..iters {
                    let texts = texts.clone();
                    let started = Instant::now();
                    let engine = must_load(name, Engine::from_sources(texts));
                    took += started.elapsed();
                    drop(engine);
                }
                rec.record(&id, iters, took)
            })
        });
        if name == "icp" {
            let id = "load_icp/builtin";
            group.bench_function("builtin", |b| {
                b.iter_custom(|iters| {
                    let started = Instant::now();
                    for _ in 0..iters {
                        drop(std::hint::black_box(Engine::icp()));
                    }
                    rec.record(id, iters, started.elapsed())
                })
            });
        }
        group.finish();
    }
    c.final_summary();

    eprintln!();
    rec.warn_if_unmeasured();
    eprintln!("load and check, median of criterion's samples (target: ICP under 5 ms)");
    eprintln!(
        "{:<10} | {:>10} | {:>10} | {:>9}",
        "from", "ICP", "ICP ×100", "×100/ICP"
    );
    eprintln!("{}", "-".repeat(48));
    for how in ["files", "sources", "builtin"] {
        let icp = rec.ns(&format!("load_icp/{how}"), SAMPLES);
        let x100 = rec.ns(&format!("load_x100/{how}"), 10);
        eprintln!(
            "{how:<10} | {:>10} | {:>10} | {:>9}",
            show_ns(icp),
            show_ns(x100),
            show_ratio(x100, icp)
        );
    }
}
