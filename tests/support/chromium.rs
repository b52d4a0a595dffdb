//! Debian's headless Chromium for the tests that look at a page in a real browser: found on
//! PATH (required under CI), run with a profile of its own and a time limit.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Chromium, or `None` (the test is then skipped, and says so) when it is not installed;
/// under CI (`$CI` set) a missing Chromium fails the test.
pub fn find() -> Option<PathBuf> {
    let found = on_path();
    if found.is_none() {
        if std::env::var_os("CI").is_some() {
            panic!("chromium is not installed: CI must install it (see .ci/run)");
        }
        println!("skipped: no `chromium` or `chromium-browser` on PATH");
    }
    found
}

/// `chromium` or `chromium-browser` on PATH.
fn on_path() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|d| [d.join("chromium"), d.join("chromium-browser")])
        .find(|p| p.is_file())
}

/// Runs Chromium headless with `args`, killed after two minutes.
fn run(bin: &Path, profile: &Path, args: &[String]) -> Output {
    let child = Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            &format!("--user-data-dir={}", profile.display()),
        ])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium starts");
    let id = child.id();
    let deadline = Instant::now() + Duration::from_secs(120);
    let watcher = std::thread::spawn(move || {
        while Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(200));
            if !Path::new(&format!("/proc/{id}")).exists() {
                return;
            }
        }
        // only the process this test started, by its id
        let _ = Command::new("kill").arg(id.to_string()).status();
    });
    let out = child.wait_with_output().expect("chromium runs");
    let _ = watcher.join();
    out
}

/// The width and height in a PNG's header.
fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.get(..8)? != b"\x89PNG\r\n\x1a\n" || bytes.get(12..16)? != b"IHDR" {
        return None;
    }
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    Some((be(bytes.get(16..20)?), be(bytes.get(20..24)?)))
}

/// The DOM of the page at `url` once its scripts and their calls are done (up to 10 s of
/// the page's virtual time), in a fresh profile under `dir`.
pub fn dom(bin: &Path, dir: &Path, url: &str) -> String {
    let out = run(
        bin,
        &dir.join("profile-dom"),
        &[
            "--virtual-time-budget=10000".into(),
            "--dump-dom".into(),
            url.to_string(),
        ],
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A screenshot of the page at `url` in a window of `size` (width, height), in a fresh
/// profile under `dir`: the PNG's bytes, checked to be a PNG of that size.
pub fn screenshot(bin: &Path, dir: &Path, url: &str, size: (u32, u32)) -> Vec<u8> {
    let shot = dir.join("screenshot.png");
    let out = run(
        bin,
        &dir.join("profile-shot"),
        &[
            "--virtual-time-budget=10000".into(),
            format!("--screenshot={}", shot.display()),
            format!("--window-size={},{}", size.0, size.1),
            url.to_string(),
        ],
    );
    let bytes = std::fs::read(&shot).unwrap_or_else(|e| {
        panic!(
            "no screenshot ({e}); chromium said:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert_eq!(png_size(&bytes), Some(size), "a PNG of the window");
    bytes
}
