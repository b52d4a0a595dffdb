//! The operator page of `docket serve` (`GET /`), opened in a real headless Chromium on a
//! service holding the example stream: the case, its people (masked), messages, history and
//! the due list are in the browser's DOM; no sensitive value is; a screenshot is a real PNG.

#[path = "support/chromium.rs"]
mod chromium;
#[path = "support/server.rs"]
#[allow(
    dead_code,
    reason = "each test binary uses its own part of the shared support"
)]
mod server;
#[path = "support/tempdir.rs"]
#[allow(
    dead_code,
    reason = "each test binary uses its own part of the shared support"
)]
mod tempdir;
use server::{example, request, secrets, Server};
use tempdir::TempDir;

#[test]
fn the_page_is_static_needs_no_token_and_forbids_inline_script() {
    let server = Server::start("serve-page-static");
    let page = request(&server.addr, "GET", "/", None, b"");
    assert_eq!(page.status, 200, "{}", page.body);
    let head = page.head.to_ascii_lowercase();
    assert!(head.contains("content-type: text/html"), "{head}");
    assert!(
        head.contains("content-security-policy: default-src 'self'; script-src 'self';"),
        "{head}"
    );
    assert!(!head.contains("unsafe-inline"), "{head}");
    assert!(head.contains("x-content-type-options: nosniff"), "{head}");
    assert!(page
        .body
        .contains("<script src=\"/page/page.js\" defer></script>"));
    assert!(!page.body.contains("<script>"), "no inline script");
    assert!(!page.body.contains("style="), "no inline style");
    for (path, kind) in [
        ("/page/page.js", "text/javascript"),
        ("/page/page.css", "text/css"),
    ] {
        let file = request(&server.addr, "GET", path, None, b"");
        assert_eq!(file.status, 200, "{path}");
        let head = file.head.to_ascii_lowercase();
        assert!(head.contains(&format!("content-type: {kind}")), "{head}");
        assert!(head.contains("x-content-type-options: nosniff"), "{head}");
    }
    let script = request(&server.addr, "GET", "/page/page.js", None, b"").body;
    assert!(!script.contains("innerHTML"), "data goes in as text");
    assert!(
        !script.contains("localStorage"),
        "the token stays in the tab"
    );
    // the API behind it still needs the token
    let due = request(&server.addr, "GET", "/v1/due", None, b"");
    assert_eq!(due.status, 401, "{}", due.body);
}

#[test]
fn the_page_shows_a_case_and_the_due_list_in_headless_chromium() {
    let Some(bin) = chromium::find() else {
        return;
    };
    let server = Server::start_with("serve-page", &["--no-auth"]);
    // the example before its ticks, so that the filings' validation windows are still open
    let example = example();
    let events: Vec<&str> = example
        .lines()
        .filter(|l| !l.contains(r#""type":"tick""#))
        .collect();
    let body = events.join("\n");
    let posted = request(&server.addr, "POST", "/v1/events", None, body.as_bytes());
    assert_eq!(posted.status, 200, "{}", posted.body);
    let dir = TempDir::new("serve-page-chromium");
    let url = server.url("/#/case/filing/ICP-0001");

    let dom = chromium::dom(&bin, dir.path(), &url);
    assert!(
        dom.contains("data-state=\"ready\""),
        "the page loaded everything:\n{dom}"
    );
    let section = |id: &str| -> &str {
        let start = dom
            .find(&format!("id=\"{id}\""))
            .unwrap_or_else(|| panic!("no `{id}` in\n{dom}"));
        let end = dom[start..]
            .find("</table>")
            .map_or(dom.len(), |e| start + e);
        &dom[start..end]
    };
    // the status, then a person (masked), a message, history rows and the due list
    assert!(
        dom.contains("id=\"case-status\" class=\"badge\">under_review</span>"),
        "{dom}"
    );
    let people = section("participants");
    assert!(people.contains("13800138000"), "a person's phone: {people}");
    assert!(
        people.contains("<span class=\"masked\">sensitive</span>"),
        "{people}"
    );
    let messages = section("messages");
    assert!(messages.contains(">validation_failed<"), "{messages}");
    assert!(
        messages
            .contains(">Dear ICP user: Your text message validation failed. Please try again.<"),
        "{messages}"
    );
    let history = section("history");
    assert!(history.matches("<tr>").count() >= 5, "{history}");
    assert!(history.contains(">order_submitted<"), "{history}");
    let due = section("due");
    assert!(due.contains("href=\"#/case/filing/"), "{due}");
    assert!(due.contains(">window_end<"), "{due}");
    for secret in secrets() {
        assert!(!dom.contains(&secret), "`{secret}` on the page");
    }
    assert!(due.contains(">ICP-0002<"), "{due}");
    assert!(due.contains(">ICP-0002<"), "{due}");

    let bytes = chromium::screenshot(&bin, dir.path(), &url, (1200, 900));
    // a blank page compresses to a few kilobytes; text and tables do not
    assert!(
        bytes.len() > 30_000,
        "the screenshot holds a rendered page ({} bytes)",
        bytes.len()
    );
}

#[test]
fn the_page_says_when_there_is_no_such_case() {
    let Some(bin) = chromium::find() else {
        return;
    };
    let server = Server::start_with("serve-page-missing", &["--no-auth"]);
    let dir = TempDir::new("serve-page-missing-chromium");
    let dom = chromium::dom(&bin, dir.path(), &server.url("/#/case/filing/NOPE-1"));
    assert!(
        dom.contains("No such case: there is no filing keyed NOPE-1."),
        "{dom}"
    );
    assert!(dom.contains("No open deadline."), "{dom}");
}

#[test]
fn the_page_asks_for_the_token_the_service_needs() {
    let Some(bin) = chromium::find() else {
        return;
    };
    let server = Server::start("serve-page-token");
    let dir = TempDir::new("serve-page-token-chromium");
    let dom = chromium::dom(&bin, dir.path(), &server.url("/#/case/filing/ICP-0001"));
    assert!(dom.contains("data-state=\"failed-token\""), "{dom}");
    assert!(
        dom.contains("This service needs a token: enter its bearer token above."),
        "{dom}"
    );
}
