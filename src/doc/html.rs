//! The document as one self-contained HTML page: inline CSS, inline SVG diagrams, no
//! script, nothing fetched; every text of the policy escaped.

use super::diagram::{escape, svg};
use super::{Block, Doc, Inline, Item};
use std::fmt::Write as _;

const STYLE: &str = "
body { font-family: system-ui, sans-serif; margin: 0; color: #1d1f24; background: #fff; line-height: 1.45; }
main { max-width: 78rem; margin: 0 auto; padding: 1.5rem 2rem 4rem; }
h1 { font-size: 1.8rem; margin: 0.4rem 0 0.8rem; }
h2 { font-size: 1.4rem; margin-top: 2.2rem; border-bottom: 1px solid #d6d9e0; padding-bottom: 0.2rem; }
h3 { font-size: 1.12rem; margin-top: 1.6rem; }
h4 { font-size: 1rem; margin-top: 1.2rem; }
code { font-family: monospace; font-size: 0.92em; background: #f2f3f6; padding: 0.05em 0.3em; border-radius: 3px; }
table { border-collapse: collapse; margin: 0.6rem 0 1rem; font-size: 0.92rem; }
th, td { border: 1px solid #d6d9e0; padding: 0.3rem 0.55rem; text-align: left; vertical-align: top; }
th { background: #f5f6f8; }
.scroll { overflow-x: auto; }
figure { margin: 1rem 0; overflow-x: auto; }
figcaption { font-size: 0.85rem; color: #555; }
nav ul { columns: 4; padding-left: 1.2rem; margin: 0 0 1rem; }
li { margin: 0.15rem 0; }
";

/// Where the contents go: after the title (made once the headings are known). No text of
/// the policy can hold it: every text is escaped, and this holds a `<`.
const NAV_MARK: &str = "<!--contents-->";

fn inline(line: &[Inline]) -> String {
    line.iter()
        .map(|i| match i {
            Inline::Text(t) => escape(t).replace('\n', "<br>"),
            Inline::Code(c) => format!("<code>{}</code>", escape(c)),
            Inline::Strong(t) => format!("<strong>{}</strong>", escape(t)),
        })
        .collect()
}

fn list(out: &mut String, items: &[Item], ordered: bool) {
    let tag = if ordered { "ol" } else { "ul" };
    let _ = writeln!(out, "<{tag}>");
    for item in items {
        out.push_str("<li>");
        out.push_str(&inline(&item.line));
        if !item.children.is_empty() {
            out.push('\n');
            list(out, &item.children, false);
        }
        out.push_str("</li>\n");
    }
    let _ = writeln!(out, "</{tag}>");
}

fn plain(line: &[Inline]) -> String {
    line.iter()
        .map(|i| match i {
            Inline::Text(t) | Inline::Code(t) | Inline::Strong(t) => t.as_str(),
        })
        .collect()
}

pub(super) fn render(doc: &Doc) -> String {
    let mut body = String::new();
    let mut contents = String::new();
    for b in &doc.blocks {
        match b {
            Block::Heading {
                level,
                text,
                anchor,
            } => {
                let id = escape(anchor);
                let _ = writeln!(body, "<h{level} id=\"{id}\">{}</h{level}>", inline(text));
                if *level == 2 {
                    let _ = writeln!(
                        contents,
                        "<li><a href=\"#{id}\">{}</a></li>",
                        escape(&plain(text))
                    );
                }
                if *level == 1 {
                    body.push_str(NAV_MARK);
                }
            }
            Block::Para(line) => {
                let _ = writeln!(body, "<p>{}</p>", inline(line));
            }
            Block::Table { head, rows } => {
                body.push_str("<div class=\"scroll\"><table>\n<thead><tr>");
                for h in head {
                    let _ = write!(body, "<th>{}</th>", escape(h));
                }
                body.push_str("</tr></thead>\n<tbody>\n");
                for row in rows {
                    body.push_str("<tr>");
                    for cell in row {
                        let _ = write!(body, "<td>{}</td>", inline(cell));
                    }
                    body.push_str("</tr>\n");
                }
                body.push_str("</tbody></table></div>\n");
            }
            Block::List { ordered, items } => list(&mut body, items, *ordered),
            Block::Diagram(g) => {
                let _ = writeln!(
                    body,
                    "<figure>\n{}\n<figcaption>The statuses of <code>{}</code> and what moves a case between them (thick border: where a case starts; grey: no move leaves it; dashed: not a status).</figcaption>\n</figure>",
                    svg(g),
                    escape(&g.name)
                );
            }
        }
    }
    let body = body.replacen(NAV_MARK, &format!("<nav><ul>\n{contents}</ul></nav>\n"), 1);
    let title = escape(&doc.title);
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>Policy {title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n{body}</main>\n</body>\n</html>\n"
    )
}
