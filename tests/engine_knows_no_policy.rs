//! The engine knows nothing of the shipped policies: no role names, sender numbers, zones,
//! legal references or message texts anywhere in `src/` (the acceptance check
//! `grep -rniE 'entity_leader|website_admin|12381|Dear ICP|Dublin|1182|manifestly|dsar' src/`).

use std::path::Path;

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn src_holds_no_policy_fact() {
    let mut all = Vec::new();
    files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut all);
    assert!(all.len() > 10, "src/ was read");
    let mut hits = Vec::new();
    for path in all {
        let text = std::fs::read_to_string(&path)
            .unwrap_or_default()
            .to_lowercase();
        for (n, line) in text.lines().enumerate() {
            for word in [
                "entity_leader",
                "website_admin",
                "12381",
                "dear icp",
                "dublin",
                "1182",
                "manifestly",
                "dsar",
            ] {
                if line.contains(word) {
                    hits.push(format!("{}:{}: {word}", path.display(), n + 1));
                }
            }
        }
    }
    assert!(
        hits.is_empty(),
        "policy facts belong in rules/, not src/:\n{}",
        hits.join("\n")
    );
}
