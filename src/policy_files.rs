//! A policy folder: which of its files make the policy, in which order.

use std::path::{Path, PathBuf};

/// The files of the policy in folder `dir`, in name order: every `*.yaml` and `*.yml` file (a
/// table) and every `*.docket` file (rules). Other files and sub-folders are not part of it.
/// The one lister of a policy's files: [`Engine::load`](crate::Engine::load) reads these.
pub fn policy_files(dir: impl AsRef<Path>) -> std::io::Result<Vec<PathBuf>> {
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path
            .extension()
            .is_some_and(|x| x == "yaml" || x == "yml" || x == "docket")
        {
            paths.push(path);
        }
    }
    paths.sort();
    Ok(paths)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_tables_and_rules_in_name_order() {
        let dir = std::env::temp_dir().join(format!("docket-policy-files-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub.docket")).expect("a temp folder");
        for name in ["b.docket", "a.b.yaml", "c.yml", "README.md", "z.yaml.bak"] {
            std::fs::write(dir.join(name), "").expect("a temp file");
        }
        let names: Vec<String> = policy_files(&dir)
            .expect("listed")
            .iter()
            .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect();
        let _ = std::fs::remove_dir_all(&dir);
        // a folder named like a rule file is listed: reading it then fails, as it always did
        assert_eq!(names, ["a.b.yaml", "b.docket", "c.yml", "sub.docket"]);
    }
}
