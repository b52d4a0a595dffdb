//! The moves read off small policies written for each case of the analysis, and the
//! document's escaping.

use super::transitions::{transitions, From, To};
use crate::program::MemberId;
use crate::{Engine, Source};

const RULES: &str = r#"
statuses { draft  review: open  done: final  dropped: final }
case item key id: text { note: text?  at: instant? }
participants people in item { tag: text  ok: bool = false  live = not ok and item.status is open }
event create { item: text }
event touch { item: text }
event close { item: text }
event check { tag: text }
event relabel { item: text }
deadline expire = item.at + 1h
on create for new item(event.item) {
  rule start { set item.status = review  set item.at = event.at }
}
// no status test: from any status
on touch for item(event.item) {
  rule back when item.note is unset { set item.status = draft }
}
// an earlier rule refuses final statuses
on close for item(event.item) {
  rule closed when item.status is final { reject item "closed" }
  rule close { set item.status = done }
}
// a lookup whose condition (a derived field) tests the status
on check {
  let live = [p in people where p.tag == event.tag and p.live]
  let none = [p in live where p.ok]
  rule drop for p in live { set p.item.status = dropped }
  rule again for p in live when count(none) == 0 { set p.item.status = draft }
}
on relabel for item(event.item) or new {
  rule relabel when item.status != done { set item.status = review }
}
on deadline expire {
  rule expire when item.status == review { set item.status = dropped }
  else when item.status == draft { set item.status = review }
}
"#;

fn moves(rules: &str) -> Vec<String> {
    let engine = Engine::from_sources(vec![Source::new("t.docket", rules)])
        .unwrap_or_else(|e| panic!("{}", e.render()));
    let p = engine.program();
    let status = |s: MemberId| p.enums[p.cases[0].status_enum.index()].values[s.index()].clone();
    transitions(p)
        .into_iter()
        .map(|t| {
            let from = match t.from {
                From::New => "new".to_string(),
                From::Any => "any".to_string(),
                From::Status(s) => status(s),
            };
            let to = match t.to {
                To::Status(s) => status(s),
                To::Computed => "computed".to_string(),
            };
            format!("{from} -> {to} on {} by {}", t.trigger, t.rules.join(","))
        })
        .collect()
}

#[test]
fn moves_follow_guards_rejects_lookups_and_derived_fields() {
    assert_eq!(
        moves(RULES),
        [
            "new -> review on create by start",
            "any -> draft on touch by back",
            "draft -> done on close by close",
            "review -> done on close by close",
            // `live` holds people of open items only, and `drop` moved some to `dropped`
            // before `again` runs: `again` runs only when `none` is empty, which says
            // nothing of `live`, so a dropped item may be moved on too
            "review -> dropped on check by drop",
            "review -> draft on check by again",
            "dropped -> draft on check by again",
            "new -> review on relabel by relabel",
            "draft -> review on relabel by relabel",
            "dropped -> review on relabel by relabel",
            "draft -> review on deadline expire by expire",
            "review -> dropped on deadline expire by expire",
        ]
    );
}

#[test]
fn a_rule_that_runs_only_when_an_earlier_one_could_not_ignores_its_moves() {
    // `again` needs `live` empty, while `drop` ran only for items of `live`
    let rules = RULES.replace(
        "rule again for p in live when count(none) == 0",
        "rule again for p in none when count(live) == 0",
    );
    let got = moves(&rules);
    assert!(
        got.contains(&"review -> draft on check by again".to_string()),
        "{got:?}"
    );
    assert!(
        !got.iter().any(|m| m.starts_with("dropped -> draft")),
        "{got:?}"
    );
}

#[test]
fn policy_text_is_escaped_in_html_and_markdown() {
    let messages = "kind: messages\nmessages:\n  hi:\n    text: \"<script>alert(1)</script> & *x*\"\n    result: \"r\"\n    next_step: \"n\"\n";
    let rules = "statuses { a  b }\ncase c key id: text {}\nevent e { c: text }\non e for c(event.c) {\n  rule r when c.status == a { set c.status = b  emit hi }\n}\n";
    let engine = Engine::from_sources(vec![
        Source::new("p/messages.yaml", messages),
        Source::new("p/r.docket", rules),
    ])
    .unwrap_or_else(|e| panic!("{}", e.render()));
    let html = super::html(&engine);
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; *x*"),
        "{html}"
    );
    assert!(!html.contains("<script"), "no script element");
    assert!(!html.contains("http://") || html.matches("http://").count() == 1);
    let md = super::markdown(&engine);
    assert!(
        md.contains("\\<script\\>alert(1)\\</script\\> \\& \\*x\\*"),
        "{md}"
    );
    assert!(md.contains("    a --> b : e"), "{md}");
    assert!(
        !md.contains("any status\" as"),
        "a guarded move is not from any status: {md}"
    );
}
