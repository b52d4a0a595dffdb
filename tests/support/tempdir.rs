//! Temporary directories for tests, and edited copies of the shipped policy in them.

use std::path::{Path, PathBuf};

/// A directory under the system temp dir, unique to this process, name and instant, removed
/// on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let dir =
            std::env::temp_dir().join(format!("docket-{name}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn str(&self) -> &str {
        self.0.to_str().expect("the temp dir path is UTF-8")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A copy of `rules/icp` under a temp dir, each file passed through `edit(name, text)`.
pub fn rules_copy(name: &str, edit: impl Fn(&str, String) -> String) -> TempDir {
    let dir = TempDir::new(name);
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/icp");
    let entries = std::fs::read_dir(&rules)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", rules.display()));
    for entry in entries {
        let path = entry
            .unwrap_or_else(|e| panic!("cannot list {}: {e}", rules.display()))
            .path();
        let Some(file_name) = path.file_name().filter(|_| path.is_file()) else {
            continue;
        };
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let text = edit(file_name.to_str().expect("a UTF-8 name"), text);
        std::fs::write(dir.path().join(file_name), text)
            .unwrap_or_else(|e| panic!("cannot write the copy of {}: {e}", path.display()));
    }
    dir
}
