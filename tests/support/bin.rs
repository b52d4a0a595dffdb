//! Runs the built `docket` binary from the crate root, as the golden CLI tests do.

use std::io::Write;
use std::process::{Command, Stdio};

/// What one run of the binary did.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `docket ARGS` from the crate root, feeding `stdin` (or nothing) on standard input,
/// with no store key or service token from the environment of whoever runs the tests.
pub fn docket(args: &[&str], stdin: Option<&[u8]>) -> Run {
    let child = command(args, None)
        .spawn()
        .expect("the docket binary starts");
    finish(child, stdin.unwrap_or_default())
}

/// The command `docket ARGS`, run from the crate root with its standard streams piped, the
/// store key taken from `key` (or none: `DOCKET_STORE_KEY` removed), no service token.
pub fn command(args: &[&str], key: Option<&str>) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_docket"));
    cmd.args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("DOCKET_SERVE_TOKEN")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    match key {
        Some(k) => cmd.env("DOCKET_STORE_KEY", k),
        None => cmd.env_remove("DOCKET_STORE_KEY"),
    };
    cmd
}

/// Waits for a started `docket`, having written `stdin` to it.
pub fn finish(mut child: std::process::Child, stdin: &[u8]) -> Run {
    let mut pipe = child.stdin.take().expect("stdin is piped");
    let input = stdin.to_vec();
    // A thread, so that a large input cannot deadlock against a full stdout pipe; the child
    // may exit without reading everything, so a write error is not a failure here.
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(&input);
    });
    let out = child.wait_with_output().expect("the docket binary runs");
    writer.join().expect("the stdin writer does not panic");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}
