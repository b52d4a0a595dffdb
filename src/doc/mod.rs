//! A reviewer's document of a policy (`docket doc`): its statuses and the moves between
//! them (a diagram), cases, events, every handler's rules in order, deadlines, tables with
//! their notes, and messages — as Markdown or as one self-contained HTML page.
//!
//! The document is built once as `Block`s from the checked program, the rule files'
//! syntax trees and the tables; [`markdown`] and [`html`] only render those blocks. It
//! shows the policy's own texts and never a value of an event (so never a sensitive one).

mod diagram;
mod html;
mod markdown;
mod policy;
mod pretty;
mod tables;
mod transitions;

use crate::ast;
use crate::engine::Engine;
use crate::program::Program;
use crate::span::Source;
use crate::tables::Table;

/// The document as Markdown: tables as pipe tables, each status diagram as a Mermaid
/// `stateDiagram-v2` block.
pub fn markdown(engine: &Engine) -> String {
    markdown::render(&build(engine))
}

/// The document as one HTML page: inline CSS, each status diagram an inline SVG, every text
/// of the policy escaped; it fetches nothing.
pub fn html(engine: &Engine) -> String {
    html::render(&build(engine))
}

/// A run of text.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Inline {
    Text(String),
    /// A name or a piece of the rule language, shown as code.
    Code(String),
    Strong(String),
}

/// A line of inline runs.
pub(crate) type Line = Vec<Inline>;

/// A list item, with the items nested under it.
#[derive(Clone, Debug)]
pub(crate) struct Item {
    pub line: Line,
    pub children: Vec<Item>,
}

impl Item {
    fn leaf(line: Line) -> Item {
        Item {
            line,
            children: Vec::new(),
        }
    }
}

/// A block of the document.
#[derive(Clone, Debug)]
pub(crate) enum Block {
    Heading {
        level: u8,
        text: Line,
        /// The anchor other parts link to (`handler-sms_sent`).
        anchor: String,
    },
    Para(Line),
    Table {
        head: Vec<String>,
        rows: Vec<Vec<Line>>,
    },
    List {
        ordered: bool,
        items: Vec<Item>,
    },
    Diagram(diagram::Graph),
}

/// The document: a title and its blocks.
pub(crate) struct Doc {
    pub title: String,
    pub blocks: Vec<Block>,
}

/// What the sections read: the checked program, the rule files' syntax and the tables.
pub(crate) struct Policy<'e> {
    pub program: &'e Program,
    pub sources: &'e [Source],
    pub files: Vec<ast::File>,
    /// Each table with the index of its source.
    pub tables: Vec<(usize, Table)>,
}

impl Policy<'_> {
    /// Every handler of every rule file, in file order.
    pub fn handlers(&self) -> impl Iterator<Item = &ast::Handler> {
        self.files.iter().flat_map(|f| f.handlers.iter())
    }
}

fn text(s: impl Into<String>) -> Inline {
    Inline::Text(s.into())
}

fn code(s: impl Into<String>) -> Inline {
    Inline::Code(s.into())
}

fn heading(level: u8, text: Line, anchor: impl Into<String>) -> Block {
    Block::Heading {
        level,
        text,
        anchor: anchor.into(),
    }
}

/// The folder the policy's files are in (`rules/icp`), or the first file's name.
fn title_of(sources: &[Source]) -> String {
    let dir = |name: &str| {
        name.rsplit_once(['/', '\\'])
            .map_or(String::new(), |(d, _)| d.to_string())
    };
    let first = sources.first().map(|s| dir(&s.name)).unwrap_or_default();
    if !first.is_empty() && sources.iter().all(|s| dir(&s.name) == first) {
        first
    } else {
        sources.first().map_or(String::new(), |s| s.name.clone())
    }
}

fn build(engine: &Engine) -> Doc {
    let program = engine.program();
    let sources = engine.sources();
    let mut files = Vec::new();
    let mut tables = Vec::new();
    for (i, src) in sources.iter().enumerate() {
        if src.name.ends_with(".yaml") || src.name.ends_with(".yml") {
            // the engine loaded every table; one that fails here is left out, not invented
            if let Ok(t) = crate::tables::load_table(i, src) {
                tables.push((i, t));
            }
        } else if let Ok(f) = crate::dsl::parse_file(i, src) {
            files.push(f);
        }
    }
    let policy = Policy {
        program,
        sources,
        files,
        tables,
    };
    let title = title_of(sources);
    let mut blocks = vec![
        heading(1, vec![text("Policy "), code(title.clone())], "top"),
        Block::Para(vec![
            text("A reviewer's document of the policy, made by "),
            code("docket doc"),
            text(" from its files (version "),
            code(engine.version().chars().take(12).collect::<String>()),
            text("): "),
        ]),
        Block::List {
            ordered: false,
            items: sources
                .iter()
                .map(|s| Item::leaf(vec![code(s.name.clone())]))
                .collect(),
        },
    ];
    blocks.extend(policy::statuses(&policy));
    blocks.extend(policy::cases(&policy));
    blocks.extend(policy::events(&policy));
    blocks.extend(policy::handlers(&policy));
    blocks.extend(policy::deadlines(&policy));
    blocks.extend(policy::invariants(&policy));
    blocks.extend(tables::tables(&policy));
    blocks.extend(tables::messages(&policy));
    Doc { title, blocks }
}

#[cfg(test)]
mod tests;
