//! `docket doc`: the reviewer's document of the shipped policies, as Markdown (snapshotted)
//! and as HTML, opened in a real headless Chromium (screenshot and DOM checked).

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

#[path = "support/chromium.rs"]
mod chromium;
#[path = "support/tempdir.rs"]
mod tempdir;
use tempdir::{rules_copy, TempDir};

/// The statuses of `rules/icp/icp.docket`, each of which the diagram must show.
const ICP_STATUSES: [&str; 7] = [
    "awaiting_sync",
    "awaiting_validation",
    "partially_validated",
    "under_review",
    "rejected",
    "canceled",
    "no_validation_required",
];

fn docket(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_docket"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .output()
        .expect("the docket binary runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8(b.to_vec()).expect("UTF-8")
}

#[test]
fn icp_markdown_golden() {
    let out = docket(&["doc", "rules/icp"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let md = text(&out.stdout);
    // what a reviewer looks for first, stated before the whole document is compared
    assert!(
        md.contains("```mermaid\nstateDiagram-v2\n"),
        "a Mermaid diagram"
    );
    assert!(md.contains("    [*] --> awaiting_sync : order_submitted\n"));
    assert!(md.contains("    rejected --> canceled : order_canceled, deadline window_end\n"));
    assert!(md.contains(
        "| `window_end` | `filing` | `filing.first_sms_at + limits.validation_window` |"
    ));
    // a limit's note and a requirements row's comment (the seed citations)
    assert!(md.contains("seed: \"You must complete the text message validation within 24 hours.\""));
    assert!(md.contains("\"Modify ICP filing information\""));
    // every message, with the rules that emit it
    assert_eq!(md.matches("  - **emitted by:**").count(), 17);
    assert!(md.contains("1. rule **filing_closed** when `not (filing.status == awaiting_sync or filing.status is open)`"));
    // the policy's version changes with any edit of its files (a formatting too): not
    // what this snapshot is about
    let md = match md.split_once("(version `") {
        Some((head, tail)) => format!(
            "{head}(version `<version>`{}",
            tail.split_once('`').map_or("", |(_, rest)| rest)
        ),
        None => md,
    };
    insta::assert_snapshot!("doc_icp_markdown", md);
}

#[test]
fn the_built_in_policy_is_documented_without_a_directory() {
    let built_in = docket(&["doc"]);
    let dir = docket(&["doc", "rules/icp"]);
    assert_eq!(built_in.status.code(), Some(0));
    assert_eq!(text(&built_in.stdout), text(&dir.stdout));
}

#[test]
fn dsar_moves_are_read_off_its_rules() {
    let out = docket(&["doc", "rules/gdpr-dsar"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let md = text(&out.stdout);
    for line in [
        "    [*] --> received : request_received",
        "    received --> awaiting_identity : identity_requested",
        "    extended --> awaiting_identity : identity_requested",
        "    awaiting_identity --> extended : check_passed",
        "    received --> extended : extension_notified",
        "    overdue --> answered : answered",
        "    received --> overdue : deadline due",
        "    awaiting_identity --> closed_unverified : deadline identity_timeout",
    ] {
        assert!(md.contains(line), "missing `{line}` in\n{md}");
    }
    // a final request is refused by every handler that could move it
    assert!(!md.contains("answered --> "), "no move leaves `answered`");
    // the holidays' notes
    assert!(md.contains("| `2027-03-17` | Wednesday | Saint Patrick's Day |"));
}

#[test]
fn an_unknown_extension_is_refused_before_anything_is_written() {
    let tmp = TempDir::new("doc-ext");
    let target = tmp.path().join("icp.pdf");
    let out = docket(&["doc", "rules/icp", "-o", target.to_str().expect("UTF-8")]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("cannot tell which format to write to"),
        "{err}"
    );
    assert!(
        err.contains("`….md` for Markdown or `….html` for HTML"),
        "{err}"
    );
    assert!(!target.exists());
}

#[test]
fn a_broken_policy_is_reported_with_exit_2() {
    let dir = rules_copy("doc-broken", |name, text| {
        if name.ends_with(".docket") {
            text.replace("emit validation_failed", "emit validaton_failed")
        } else {
            text
        }
    });
    let out = docket(&["doc", dir.str()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("unknown message id `validaton_failed`"));
    assert!(out.stdout.is_empty());
}

#[test]
fn policy_text_is_escaped_in_the_html() {
    let dir = rules_copy("doc-escape", |name, text| {
        if name == "messages.yaml" {
            text.replace(
                "Your ICP filing order has been canceled.",
                "<script>alert('x')</script> <img src=x onerror=alert(1)> & done",
            )
        } else {
            text
        }
    });
    let out_file = dir.path().join("doc.html");
    let out = docket(&["doc", dir.str(), "-o", out_file.to_str().expect("UTF-8")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let html = std::fs::read_to_string(&out_file).expect("written");
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &lt;img src=x onerror=alert(1)&gt; &amp; done"));
    assert!(!html.contains("<script"), "no script element");
    assert!(!html.contains("<img"), "no image element");
}

/// The HTML: one file that needs nothing else.
fn icp_html(dir: &TempDir) -> PathBuf {
    let path = dir.path().join("icp.html");
    let out = docket(&["doc", "rules/icp", "-o", path.to_str().expect("UTF-8")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    path
}

#[test]
fn icp_html_is_self_contained() {
    let dir = TempDir::new("doc-html");
    let html = std::fs::read_to_string(icp_html(&dir)).expect("written");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<style>") && html.contains("<svg "));
    for fetch in [
        "<script",
        "<link",
        "<img",
        "@import",
        "url(http",
        "src=\"",
        "href=\"http",
    ] {
        assert!(
            !html.contains(fetch),
            "the page fetches nothing: found `{fetch}`"
        );
    }
    // the only address is the SVG namespace, which is a name, not a fetch
    assert_eq!(html.matches("http").count(), 1);
    for s in ICP_STATUSES {
        assert!(
            html.contains(&format!(">{s}</text>")),
            "`{s}` in the diagram"
        );
    }
}

#[test]
fn icp_html_in_headless_chromium() {
    let Some(bin) = chromium::find() else {
        return;
    };
    let dir = TempDir::new("doc-chromium");
    let html = icp_html(&dir);
    let url = format!("file://{}", html.display());
    let bytes = chromium::screenshot(&bin, dir.path(), &url, (1400, 1500));
    // a blank page compresses to a few kilobytes; text, tables and the diagram do not
    assert!(
        bytes.len() > 40_000,
        "the screenshot holds a rendered page ({} bytes)",
        bytes.len()
    );

    let dom = chromium::dom(&bin, dir.path(), &url);
    let svg_start = dom.find("<svg").expect("the DOM holds the diagram");
    let svg_end = dom[svg_start..].find("</svg>").expect("the SVG is closed") + svg_start;
    let svg = &dom[svg_start..svg_end];
    for s in ICP_STATUSES {
        assert!(
            svg.contains(&format!(">{s}</text>")),
            "`{s}` is a text node of the diagram in the browser's DOM"
        );
    }
    assert!(
        svg.contains(">order_canceled</text>"),
        "arrows are labelled"
    );
}

#[test]
fn dash_o_md_writes_the_markdown_of_stdout_and_help_has_an_example() {
    let tmp = TempDir::new("doc-md");
    let target = tmp.path().join("ICP.MD");
    let out = docket(&["doc", "rules/icp", "-o", target.to_str().expect("UTF-8")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    let written = std::fs::read_to_string(&target).expect("written");
    assert_eq!(written, text(&docket(&["doc", "rules/icp"]).stdout));
    let help = text(&docket(&["doc", "--help"]).stdout);
    assert!(
        help.contains("Example:") && help.contains("-o icp.html"),
        "{help}"
    );
}
