//! `docket fmt [--check] [PATH…]`: lays out `.docket` rule files the one canonical way.

use crate::{plural, report, EXIT_OK, EXIT_REFUSED, EXIT_UNUSABLE};
use clap::Args;
use docket::fmt::{format, FmtError};
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Lay out `.docket` rule files the one canonical way, in place.
///
/// Only whitespace changes: every token and every comment stays where it was in the order of
/// the file. Blocks are indented two spaces, one item a line; at most one blank line is kept
/// where there were some; the author's line breaks inside expressions and rule headers are
/// kept. YAML tables are not touched.
///
/// A folder is searched with its subfolders (not hidden ones) for `*.docket` files; a file
/// given by name is formatted whatever its name. Without PATH, the current folder is searched (there is no
/// file to rewrite behind the built-in policy).
///
/// Exit status: 0 when every file is (now) formatted; with `--check`, 1 when some file would
/// change (they are listed, nothing is written); 2 when a file does not parse (the file is
/// left as it was; the problem on stderr), a PATH does not exist, or no rule file was found.
#[derive(Args)]
#[command(after_help = "\
Example:
  docket fmt rules/icp                 # rewrite the policy's rule files in place
  docket fmt --check rules/            # list the files that are not formatted; exit 1 if any")]
pub struct FmtArgs {
    /// List the files that would change and exit 1 if there are any; write nothing
    #[arg(long)]
    check: bool,

    /// Rule files, or folders searched with their subfolders for `*.docket` files;
    /// default: the current folder
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
}

/// Runs `docket fmt`; returns the exit status.
pub fn fmt(args: &FmtArgs) -> u8 {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let files = match rule_files(&paths) {
        Ok(files) => files,
        Err(message) => {
            report(&message);
            return EXIT_UNUSABLE;
        }
    };
    let mut out = io::stdout().lock();
    let mut unusable = false;
    let mut changed = Vec::new();
    for file in &files {
        let name = file.display().to_string();
        let text = match fs::read_to_string(file) {
            Ok(text) => text,
            Err(e) => {
                report(&format!("error: cannot read `{name}`: {e}"));
                unusable = true;
                continue;
            }
        };
        let formatted = match format(&name, &text) {
            Ok(f) => f,
            Err(e @ (FmtError::Parse { .. } | FmtError::Internal { .. })) => {
                report(&e.to_string());
                unusable = true;
                continue;
            }
        };
        if formatted == text {
            continue;
        }
        if args.check {
            let _ = writeln!(out, "{name}");
        } else if let Err(e) = write_in_place(file, &formatted) {
            report(&format!("error: cannot write `{name}`: {e}"));
            unusable = true;
            continue;
        } else {
            let _ = writeln!(out, "formatted {name}");
        }
        changed.push(name);
    }
    let _ = out.flush();
    if unusable {
        EXIT_UNUSABLE
    } else if args.check && !changed.is_empty() {
        report(&format!(
            "error: {} not formatted\n  = help: run `docket fmt` on {} to format {}",
            if changed.len() == 1 {
                "1 rule file is".to_string()
            } else {
                format!("{} are", plural(changed.len(), "rule file"))
            },
            if changed.len() == 1 { "it" } else { "them" },
            if changed.len() == 1 { "it" } else { "them" },
        ));
        EXIT_REFUSED
    } else {
        EXIT_OK
    }
}

/// Replaces `path`'s contents by `text` through a file beside it, so that a crash leaves the
/// old file or the new one, never half of one.
fn write_in_place(path: &Path, text: &str) -> io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".fmt-tmp");
    let tmp = PathBuf::from(tmp);
    let permissions = fs::metadata(path)?.permissions();
    let written = fs::write(&tmp, text)
        .and_then(|()| fs::set_permissions(&tmp, permissions))
        .and_then(|()| fs::rename(&tmp, path));
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written
}

/// The rule files `paths` name: a file as given; for a folder, every `*.docket` file in it or
/// its subfolders, in path order (symbolic links to folders and hidden folders, `.git`, are
/// not followed). Finding none
/// is an error: a check that checks nothing must not pass.
fn rule_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let unusable = |path: &Path, e: io::Error| {
        if e.kind() == io::ErrorKind::NotFound {
            format!(
                "error: `{}` does not exist: give `.docket` rule files, or folders of them",
                path.display()
            )
        } else {
            format!("error: cannot read `{}`: {e}", path.display())
        }
    };
    let mut files = Vec::new();
    let mut folders = Vec::new();
    for path in paths {
        let meta = fs::metadata(path).map_err(|e| unusable(path, e))?;
        if !meta.is_dir() {
            files.push(path.clone());
            continue;
        }
        let mut found = Vec::new();
        let mut pending = vec![path.clone()];
        while let Some(dir) = pending.pop() {
            for entry in fs::read_dir(&dir).map_err(|e| unusable(&dir, e))? {
                let entry = entry.map_err(|e| unusable(&dir, e))?;
                let found_path = entry.path();
                let kind = entry.file_type().map_err(|e| unusable(&found_path, e))?;
                let hidden = entry.file_name().to_string_lossy().starts_with('.');
                if kind.is_dir() && !hidden {
                    pending.push(found_path);
                } else if found_path.extension().is_some_and(|x| x == "docket")
                    && found_path.is_file()
                {
                    found.push(found_path);
                }
            }
        }
        found.sort();
        files.extend(found);
        folders.push(format!("`{}`", path.display()));
    }
    if files.is_empty() {
        return Err(format!(
            "error: no rule file found: searched {} and {} subfolders for `*.docket` files",
            folders.join(", "),
            if folders.len() == 1 { "its" } else { "their" }
        ));
    }
    Ok(files)
}
