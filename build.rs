//! Embeds the shipped ICP policy (`rules/icp/`) into the library, and lists the scenario
//! files (`tests/scenarios/*.yaml`) so that each becomes its own test.

use std::fmt::Write as _;
use std::path::Path;

fn listing(dir: &Path, exts: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| exts.iter().any(|x| n.ends_with(x)))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn main() {
    let root = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let out = std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into());
    let rules = Path::new(&root).join("rules/icp");
    println!("cargo:rerun-if-changed=rules/icp");
    let mut code = String::from("&[\n");
    for n in listing(&rules, &[".yaml", ".docket"]) {
        let _ = writeln!(
            code,
            "    (\"rules/icp/{n}\", include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/rules/icp/{n}\"))),"
        );
    }
    code.push(']');
    let _ = std::fs::write(Path::new(&out).join("builtin_icp.rs"), code);

    // One test per data file: `tests/scenarios/*.yaml` → run_scenario, `tests/errors/*.yaml` → run_case.
    for (dir, out_file, prefix, runner) in [
        (
            "tests/scenarios",
            "scenario_tests.rs",
            "scenario",
            "run_scenario",
        ),
        ("tests/errors", "error_tests.rs", "error", "run_case"),
    ] {
        println!("cargo:rerun-if-changed={dir}");
        let mut tests = String::new();
        // the files of the folder, then those of each policy's subfolder (`gdpr-dsar/…`)
        let mut files: Vec<String> = listing(&Path::new(&root).join(dir), &[".yaml"]);
        let mut subdirs: Vec<String> = std::fs::read_dir(Path::new(&root).join(dir))
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .filter(|e| e.path().is_dir())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n != "snapshots")
                    .collect()
            })
            .unwrap_or_default();
        subdirs.sort();
        for sub in subdirs {
            println!("cargo:rerun-if-changed={dir}/{sub}");
            for n in listing(&Path::new(&root).join(dir).join(&sub), &[".yaml"]) {
                files.push(format!("{sub}/{n}"));
            }
        }
        for n in files {
            let stem = n.trim_end_matches(".yaml");
            let ident: String = stem
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() {
                        c.to_ascii_lowercase()
                    } else {
                        '_'
                    }
                })
                .collect();
            let _ = writeln!(
                tests,
                "#[test]\nfn {prefix}_{ident}() {{ {runner}(\"{stem}\"); }}"
            );
        }
        let _ = std::fs::write(Path::new(&out).join(out_file), tests);
    }
}
