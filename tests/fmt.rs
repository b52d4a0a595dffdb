//! Golden runs of `docket fmt`: the shipped rule files are formatted (the CI check), files are
//! rewritten in place, `--check` lists and exits 1, a file that does not parse is left alone.

use std::path::Path;
use std::process::Command;

#[path = "support/tempdir.rs"]
mod tempdir;
use tempdir::{rules_copy, TempDir};

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `docket ARGS` from the crate root.
fn docket(args: &[&str]) -> Run {
    docket_in(Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

/// Runs `docket ARGS` in `dir`.
fn docket_in(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_docket"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the docket binary runs");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(&path, text).expect("write");
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).expect("read")
}

const MESSY: &str = "// the events\nevent  a{x:t,y : u}\n\n\n\non a{\nrule r when x.y>1\n  and y {emit m // why\n}}\n";
const TIDY: &str =
    "// the events\nevent a { x: t, y: u }\n\non a {\n  rule r when x.y > 1\n              and y {\n    emit m  // why\n  }\n}\n";

#[test]
fn the_shipped_rule_files_are_formatted() {
    let run = docket(&["fmt", "--check", "rules/", "tests/policies/"]);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (Some(0), ""),
        "run `docket fmt rules/ tests/policies/`:\n{}",
        run.stderr
    );
    assert_eq!(run.stderr, "");
}

#[test]
fn fmt_rewrites_in_place_and_check_lists_what_would_change() {
    let dir = TempDir::new("fmt-golden");
    write(dir.path(), "p/messy.docket", MESSY);
    write(dir.path(), "p/sub/tidy.docket", TIDY);
    write(dir.path(), "p/limits.yaml", "limits:   {a: 1}\n");
    let folder = dir.path().join("p");
    let folder = folder.to_str().expect("UTF-8 path");

    let check = docket(&["fmt", "--check", folder]);
    assert_eq!(check.code, Some(1), "{}", check.stderr);
    assert_eq!(check.stdout, format!("{folder}/messy.docket\n"));
    assert_eq!(
        check.stderr,
        "error: 1 rule file is not formatted\n  = help: run `docket fmt` on it to format it\n"
    );
    assert_eq!(
        read(&dir.path().join("p"), "messy.docket"),
        MESSY,
        "--check writes nothing"
    );

    let fmt = docket(&["fmt", folder]);
    assert_eq!(fmt.code, Some(0), "{}", fmt.stderr);
    assert_eq!(fmt.stdout, format!("formatted {folder}/messy.docket\n"));
    assert_eq!(read(&dir.path().join("p"), "messy.docket"), TIDY);
    assert_eq!(read(&dir.path().join("p"), "sub/tidy.docket"), TIDY);
    assert_eq!(
        read(&dir.path().join("p"), "limits.yaml"),
        "limits:   {a: 1}\n",
        "YAML tables are not formatted"
    );
    let names: Vec<_> = std::fs::read_dir(folder)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().into_string().expect("UTF-8"))
        .collect();
    assert_eq!(names.len(), 3, "no temporary file left: {names:?}");

    let again = docket(&["fmt", "--check", folder]);
    assert_eq!((again.code, again.stdout.as_str()), (Some(0), ""));
}

#[test]
fn the_indentation_of_a_policy_is_restored_exactly() {
    let shipped = std::fs::read_to_string("rules/icp/icp.docket").expect("read");
    let flat = |name: &str, text: String| {
        if name.ends_with(".docket") {
            text.lines().map(|l| format!("{}\n", l.trim())).collect()
        } else {
            text
        }
    };
    let rules = rules_copy("fmt-flat", flat);
    assert_ne!(read(rules.path(), "icp.docket"), shipped);
    let run = docket(&["fmt", rules.str()]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(read(rules.path(), "icp.docket"), shipped);
    let check = docket(&["check", rules.str()]);
    assert_eq!(check.code, Some(0), "{}", check.stderr);
}

#[test]
fn without_path_the_current_folder_is_searched_but_not_its_hidden_folders() {
    let dir = TempDir::new("fmt-cwd");
    write(dir.path(), "a/messy.docket", MESSY);
    write(dir.path(), ".hidden/messy.docket", MESSY);
    let run = docket_in(dir.path(), &["fmt"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.stdout, "formatted ./a/messy.docket\n");
    assert_eq!(read(dir.path(), "a/messy.docket"), TIDY);
    assert_eq!(read(dir.path(), ".hidden/messy.docket"), MESSY);
}

#[test]
fn a_file_given_by_name_is_formatted_whatever_its_name() {
    let dir = TempDir::new("fmt-file");
    write(dir.path(), "rules.txt", MESSY);
    let file = dir.path().join("rules.txt");
    let run = docket(&["fmt", file.to_str().expect("UTF-8")]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(read(dir.path(), "rules.txt"), TIDY);
}

#[test]
fn a_file_that_does_not_parse_exits_2_with_its_diagnostic_and_is_left_alone() {
    let dir = TempDir::new("fmt-broken");
    let broken = "on a {\n  rule r when {\n  }\n}\n";
    write(dir.path(), "a_broken.docket", broken);
    write(dir.path(), "b_messy.docket", MESSY);
    for check in [true, false] {
        let mut args = vec!["fmt"];
        if check {
            args.push("--check");
        }
        args.push(dir.str());
        let run = docket(&args);
        assert_eq!(run.code, Some(2), "{}", run.stderr);
        insta::assert_snapshot!(
            "fmt_broken_file_stderr",
            run.stderr.replace(dir.str(), "[DIR]")
        );
        assert_eq!(read(dir.path(), "a_broken.docket"), broken);
    }
    // The other files are still formatted.
    assert_eq!(read(dir.path(), "b_messy.docket"), TIDY);
}

#[test]
fn a_missing_path_or_a_folder_without_rule_files_is_unusable() {
    let run = docket(&["fmt", "no/such/place"]);
    assert_eq!(run.code, Some(2));
    assert_eq!(
        run.stderr,
        "error: `no/such/place` does not exist: give `.docket` rule files, or folders of them\n"
    );
    let run = docket(&["fmt", "--check", "examples"]);
    assert_eq!(run.code, Some(2));
    assert_eq!(
        run.stderr,
        "error: no rule file found: searched `examples` and its subfolders for `*.docket` files\n"
    );
}

#[test]
fn fmt_help_has_an_example() {
    let run = docket(&["fmt", "--help"]);
    assert_eq!(run.code, Some(0));
    assert!(run.stdout.contains("Example:"), "{}", run.stdout);
    assert!(run.stdout.contains("--check"), "{}", run.stdout);
}
