//! For unit tests: the shipped policies (`rules/*/`), each with the example stream
//! (`examples/*.jsonl`) whose events it reads, found on disk, so that `src/` names no policy.

use crate::Engine;
use std::path::{Path, PathBuf};

fn sorted(dir: &Path, keep: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| keep(p))
        .collect();
    paths.sort();
    paths
}

/// Each shipped policy with the text of the example stream most of whose lines it reads.
pub(crate) fn shipped_examples() -> Vec<(Engine, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let streams: Vec<String> = sorted(&root.join("examples"), |p| {
        p.extension().is_some_and(|e| e == "jsonl")
    })
    .iter()
    .map(|p| std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
    .collect();
    let policies: Vec<(Engine, String)> = sorted(&root.join("rules"), |p| p.is_dir())
        .into_iter()
        .filter_map(|dir| {
            let engine = Engine::load(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
            let read = |s: &String| s.lines().filter(|l| engine.parse_event(l).is_ok()).count();
            let stream = streams.iter().max_by_key(|s| read(s))?.clone();
            (read(&stream) > 0).then_some((engine, stream))
        })
        .collect();
    assert!(
        policies.len() >= 2,
        "the shipped policies and their examples"
    );
    policies
}
