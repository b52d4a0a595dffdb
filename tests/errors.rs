//! The broken-policy corpus (`tests/errors/*.yaml`): each case edits a shipped policy
//! (`rules/icp`, or the one its `policy:` names) the way an author might get it wrong, and the load must fail. The expected
//! fragments written in the case are asserted first, then the house rules every report
//! follows, then the whole rendered report is snapshotted with insta
//! (`tests/errors/snapshots/`), so message, underline and help are reviewed together.
//! build.rs makes each case file its own test (`error_<name>`).

use docket::{Engine, Source};
use serde::Deserialize;
use std::path::Path;

/// One case file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    /// What the author did wrong, in a few words.
    title: String,
    /// The shipped policy edited: `icp` (the default) or `gdpr-dsar`.
    #[serde(default)]
    policy: Option<String>,
    /// The file of `rules/icp` to edit, or a new file (with `content`).
    #[serde(default)]
    file: Option<String>,
    /// Text that must occur exactly once in `file`…
    #[serde(default)]
    replace: Option<String>,
    /// …and what it becomes.
    #[serde(default)]
    with: Option<String>,
    /// The whole new text of `file`.
    #[serde(default)]
    content: Option<String>,
    /// Several edits, applied in order (after `file`/`replace`/`with`/`content`, if given).
    #[serde(default)]
    edits: Vec<Edit>,
    /// Fragments the rendered report must contain.
    expect: Vec<String>,
    /// Fragments the rendered report must not contain (e.g. a follow-on error).
    #[serde(default)]
    reject: Vec<String>,
    /// How many errors the report holds, if the case says.
    #[serde(default)]
    errors: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Edit {
    file: String,
    #[serde(default)]
    replace: Option<String>,
    #[serde(default)]
    with: Option<String>,
    #[serde(default)]
    content: Option<String>,
}

/// Words of the implementation that must never reach an author.
const RUST_WORDS: [&str; 9] = [
    "Ty::", "Option<", "IExpr", "Pair", "Rule::", "Vec<", "Some(", "None", "unwrap",
];

fn cases_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/errors"))
}

/// The files of `rules/<policy>`, by name, in name order (as `Engine::load` reads them).
fn shipped_policy(policy: &str) -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("rules")
        .join(policy);
    docket::policy_files(&dir)
        .expect("the shipped policy is readable")
        .into_iter()
        .map(|p| {
            let name = p
                .file_name()
                .expect("a file name")
                .to_string_lossy()
                .into_owned();
            let text = std::fs::read_to_string(&p).expect("a policy file is readable");
            (name, text)
        })
        .collect()
}

/// Applies one edit; an edit whose `replace` text is not in the file exactly once is a
/// broken case, not a broken policy.
fn apply(
    files: &mut Vec<(String, String)>,
    file: &str,
    replace: Option<&str>,
    with: Option<&str>,
    content: Option<&str>,
) -> Result<(), String> {
    match (replace, with, content) {
        (None, None, Some(content)) => {
            match files.iter_mut().find(|(n, _)| n == file) {
                Some((_, text)) => *text = content.to_string(),
                None => files.push((file.to_string(), content.to_string())),
            }
            files.sort();
            Ok(())
        }
        (Some(from), Some(to), None) => {
            let (_, text) = files
                .iter_mut()
                .find(|(n, _)| n == file)
                .ok_or_else(|| format!("there is no file `{file}` in the policy to edit"))?;
            match text.matches(from).count() {
                1 => {
                    *text = text.replacen(from, to, 1);
                    Ok(())
                }
                0 => Err(format!("`{from}` does not occur in {file}")),
                n => Err(format!(
                    "`{from}` occurs {n} times in {file}: make it unique"
                )),
            }
        }
        _ => Err(format!(
            "an edit of {file} needs either `replace` and `with`, or `content`"
        )),
    }
}

/// The house rules of a report: every headline lowercase, without a final period, placed
/// at `file:line:col` with its source line underlined; no Rust words anywhere.
fn check_shape(report: &str) -> Result<(), String> {
    for word in RUST_WORDS {
        if report.contains(word) {
            return Err(format!("the report shows the implementation word `{word}`"));
        }
    }
    let lines: Vec<&str> = report.lines().collect();
    let mut headlines = 0;
    for (i, line) in lines.iter().enumerate() {
        let Some(message) = line
            .strip_prefix("error: ")
            .or_else(|| line.strip_prefix("warning: "))
        else {
            continue;
        };
        if message.ends_with('.') {
            return Err(format!("a message ends with a period: {line:?}"));
        }
        if message.starts_with(|c: char| c.is_uppercase()) {
            return Err(format!("a message starts with a capital: {line:?}"));
        }
        let is_summary = i + 1 == lines.len() && message.ends_with("in the policy");
        if is_summary {
            continue;
        }
        headlines += 1;
        let located = lines
            .get(i + 1)
            .and_then(|l| l.trim_start().strip_prefix("--> rules/"))
            .and_then(|l| {
                let mut parts = l.rsplitn(3, ':');
                let col = parts.next()?.parse::<usize>().ok()?;
                let line = parts.next()?.parse::<usize>().ok()?;
                Some(col > 0 && line > 0)
            })
            .unwrap_or(false);
        if !located {
            return Err(format!(
                "`{message}` is not followed by `--> rules/<policy>/<file>:<line>:<col>`"
            ));
        }
        if !lines.get(i + 4).is_some_and(|l| l.contains('^')) {
            return Err(format!("`{message}` has no underline"));
        }
    }
    if headlines == 0 {
        return Err("the report holds no error".into());
    }
    if !lines.last().is_some_and(|l| l.ends_with("in the policy")) {
        return Err("the report does not end with its summary line".into());
    }
    Ok(())
}

/// Checks one case up to its snapshot: on success, the rendered report and the title.
fn check_case(name: &str) -> Result<(String, String), String> {
    let path = cases_dir().join(format!("{name}.yaml"));
    let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read the case: {e}"))?;
    let case: Case = serde_yaml::from_str(&text).map_err(|e| format!("bad case file: {e}"))?;
    if case.expect.is_empty() {
        return Err("the case expects nothing: list fragments of the report under `expect`".into());
    }

    let policy = case.policy.as_deref().unwrap_or("icp");
    let mut files = shipped_policy(policy);
    if let Some(file) = &case.file {
        apply(
            &mut files,
            file,
            case.replace.as_deref(),
            case.with.as_deref(),
            case.content.as_deref(),
        )?;
    } else if case.replace.is_some() || case.content.is_some() {
        return Err("`replace` or `content` without `file`".into());
    }
    for e in &case.edits {
        apply(
            &mut files,
            &e.file,
            e.replace.as_deref(),
            e.with.as_deref(),
            e.content.as_deref(),
        )?;
    }
    if case.file.is_none() && case.edits.is_empty() {
        return Err("the case edits nothing".into());
    }

    let sources = files
        .iter()
        .map(|(n, t)| Source::new(format!("rules/{policy}/{n}"), t.as_str()))
        .collect();
    let loaded = std::panic::catch_unwind(|| Engine::from_sources(sources))
        .map_err(|_| "loading the policy panicked".to_string())?;
    let err = match loaded {
        Ok(_) => return Err("the broken policy loaded without an error".into()),
        Err(e) => e,
    };
    let report = err.render();
    let context = |why: String| format!("{why}\n--- the report ---\n{report}");

    for want in &case.expect {
        if !report.contains(want.as_str()) {
            return Err(context(format!("the report should contain {want:?}")));
        }
    }
    for unwanted in &case.reject {
        if report.contains(unwanted.as_str()) {
            return Err(context(format!(
                "the report should not contain {unwanted:?}"
            )));
        }
    }
    if let Some(n) = case.errors {
        let got = err
            .diagnostics
            .iter()
            .filter(|d| d.severity == docket::Severity::Error)
            .count();
        if got != n {
            return Err(context(format!("expected {n} errors, found {got}")));
        }
    }
    check_shape(&report).map_err(context)?;
    Ok((report, case.title))
}

/// Runs one case (build.rs makes a `#[test]` of each `tests/errors/*.yaml` calling this):
/// its expectations and the house rules first, then its snapshot.
fn run_case(name: &str) {
    let (report, title) = match check_case(name) {
        Ok(checked) => checked,
        Err(why) => panic!("tests/errors/{name}.yaml: {why}"),
    };
    insta::with_settings!({
        snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/tests/errors/snapshots"),
        prepend_module_to_snapshot => false,
        description => title,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(name, report);
    });
}

include!(concat!(env!("OUT_DIR"), "/error_tests.rs"));

/// The corpus covers enough ground.
#[test]
fn the_corpus_is_large_enough() {
    let names: Vec<String> = std::fs::read_dir(cases_dir())
        .expect("tests/errors is readable")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter_map(|n| n.strip_suffix(".yaml").map(str::to_string))
        .collect();
    assert!(
        names.len() >= 20,
        "the corpus should hold at least 20 cases, found {}",
        names.len()
    );
}

/// The shipped policy itself must load: otherwise every case above fails for one reason.
#[test]
fn the_shipped_policy_loads() {
    let sources = shipped_policy("icp")
        .into_iter()
        .map(|(n, t)| Source::new(format!("rules/icp/{n}"), t))
        .collect();
    match Engine::from_sources(sources) {
        Err(e) => panic!("rules/icp does not load:\n{}", e.render()),
        // nor with a warning: sensitivity is tracked through derived values, and the shipped
        // policy only lets codes and certificate digits steer its rules
        Ok(engine) => assert!(
            engine.warnings().is_empty(),
            "rules/icp loads with warnings:\n{}",
            engine.render_warnings()
        ),
    }
}
