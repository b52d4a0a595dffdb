//! A saved world's JSON, written and read case by case: the whole document is never held
//! as one JSON value, so saving or loading a world takes little more than the world itself.
//!
//! The layout written: the header members on the first line, then one case a line:
//!
//! ```text
//! {"docket_world": 1, "policy": {…}, "clock": "2026-…", "cases": [
//! {"type": "filing", "key": "A", …},
//! {"type": "filing", "key": "B", …}
//! ]}
//! ```
//!
//! Any JSON layout of the same document is read back (members in any order).

use super::{bad, case_json, kind_of, short, Loader, VERSION};
use crate::engine::WorldError;
use crate::program::Program;
use crate::world::{CaseData, World};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value as J;
use std::fmt;
use std::io::{self, BufRead, Write};

/// Writes `world` as a saved world's JSON to `out`.
pub(crate) fn write(
    prog: &Program,
    world: &World,
    policy: &J,
    out: &mut dyn Write,
) -> io::Result<()> {
    out.write_all(b"{\"docket_world\": ")?;
    write!(out, "{VERSION}")?;
    out.write_all(b", \"policy\": ")?;
    one_line(out, policy)?;
    out.write_all(b", \"clock\": ")?;
    one_line(out, &J::from(world.clock.map(|t| t.to_string())))?;
    out.write_all(b", \"cases\": [")?;
    let mut first = true;
    for c in &world.cases {
        let Some(j) = case_json(prog, c) else {
            continue;
        };
        out.write_all(if first { b"\n" } else { b",\n" })?;
        first = false;
        one_line(out, &j)?;
    }
    out.write_all(b"\n]}\n")
}

/// `j` on one line, with a space after each `:` and `,` to read it.
fn one_line(out: &mut dyn Write, j: &J) -> io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(out, Spaced);
    serde::Serialize::serialize(j, &mut ser).map_err(io::Error::other)
}

struct Spaced;

impl serde_json::ser::Formatter for Spaced {
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            w.write_all(b", ")
        }
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            w.write_all(b", ")
        }
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }
}

/// What a saved world says of itself, before its cases.
#[derive(Default)]
pub(crate) struct Header {
    /// The policy that saved it: `{version, files}` (absent in worlds saved before versions).
    pub policy: Option<J>,
    pub clock: Option<jiff::Timestamp>,
}

/// Reads the header of the saved world `text`, skipping its cases; checks the whole
/// document's shape (its members, its version, that `cases` is a list).
pub(crate) fn header(text: &str) -> Result<Header, WorldError> {
    let mut failed = None;
    let mut header = Header::default();
    run(text, Pass::Header(&mut header), &mut failed)?;
    Ok(header)
}

/// Reads every case of the saved world `text` with `loader`, handing each to `add`.
pub(crate) fn cases(
    text: &str,
    loader: &Loader<'_>,
    add: &mut dyn FnMut(usize, CaseData) -> Result<(), WorldError>,
) -> Result<(), WorldError> {
    let mut failed = None;
    run(text, Pass::Cases(loader, add), &mut failed)
}

/// Hands a read case on.
type Add<'a> = &'a mut dyn FnMut(usize, CaseData) -> Result<(), WorldError>;

enum Pass<'a, 'l> {
    Header(&'a mut Header),
    Cases(&'a Loader<'l>, Add<'a>),
}

/// Deserializes `text` with `pass`; an error of the loader's (kept in `failed`) wins over
/// the JSON error serde wraps it in.
fn run(text: &str, pass: Pass<'_, '_>, failed: &mut Option<WorldError>) -> Result<(), WorldError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let result = Doc {
        pass,
        failed: &mut *failed,
    }
    .deserialize(&mut de)
    .and_then(|()| de.end());
    match (failed.take(), result) {
        (Some(e), _) => Err(e),
        (None, Ok(())) => Ok(()),
        (None, Err(e)) if e.is_data() => Err(bad(e.to_string())),
        (None, Err(e)) => Err(bad(format!("the state file is not valid JSON: {e}"))),
    }
}

/// A loader's error, carried through serde: the real one is in `failed`.
fn carried<E: de::Error>(failed: &mut Option<WorldError>, e: WorldError) -> E {
    *failed = Some(e);
    E::custom("")
}

struct Doc<'a, 'l, 'f> {
    pass: Pass<'a, 'l>,
    failed: &'f mut Option<WorldError>,
}

impl<'de> DeserializeSeed<'de> for Doc<'_, '_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Doc<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a docket world of version {VERSION}")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Doc { mut pass, failed } = self;
        let (mut version, mut cases) = (None, false);
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match (&*key, &mut pass) {
                ("docket_world", _) => version = Some(map.next_value::<J>()?),
                ("policy", Pass::Header(h)) => h.policy = Some(map.next_value()?),
                ("clock", Pass::Header(h)) => {
                    h.clock = clock(&map.next_value()?).map_err(|e| carried(failed, e))?
                }
                ("cases", Pass::Header(_)) => {
                    map.next_value_seed(Cases {
                        loader: None,
                        failed: &mut *failed,
                    })?;
                    cases = true;
                }
                ("cases", Pass::Cases(loader, add)) => {
                    map.next_value_seed(Cases {
                        loader: Some((loader, &mut **add)),
                        failed: &mut *failed,
                    })?;
                    cases = true;
                }
                ("policy" | "clock", Pass::Cases(..)) => {
                    map.next_value::<IgnoredAny>()?;
                }
                (other, _) => {
                    return Err(carried(
                        failed,
                        bad(format!("unknown member `{}`", short(other))),
                    ))
                }
            }
        }
        if version.and_then(|v| v.as_u64()) != Some(VERSION) {
            return Err(carried(
                failed,
                bad(format!(
                    "the state file is not a docket world of version {VERSION}"
                )),
            ));
        }
        if !cases {
            return Err(carried(failed, bad("`cases` is missing")));
        }
        Ok(())
    }
}

fn clock(j: &J) -> Result<Option<jiff::Timestamp>, WorldError> {
    match j {
        J::String(s) => s
            .parse()
            .map(Some)
            .map_err(|_| bad("`clock`: expected an RFC 3339 instant")),
        J::Null => Ok(None),
        other => Err(bad(format!(
            "`clock`: expected an RFC 3339 instant, found {}",
            kind_of(other)
        ))),
    }
}

/// The list of cases, each read as a JSON value and handed to the loader at once (no
/// loader: skipped).
struct Cases<'a, 'l, 'f> {
    loader: Option<(&'a Loader<'l>, Add<'a>)>,
    failed: &'f mut Option<WorldError>,
}

impl<'de> DeserializeSeed<'de> for Cases<'_, '_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Cases<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of cases")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Some((loader, add)) = self.loader else {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            return Ok(());
        };
        let mut i = 0;
        while let Some(c) = seq.next_element::<J>()? {
            loader
                .json(i, &c)
                .and_then(|c| add(i, c))
                .map_err(|e| carried(self.failed, e))?;
            i += 1;
        }
        Ok(())
    }
}

/// A saved world being read: its header, and its cases still to come.
pub(crate) struct Saved<'r> {
    pub header: Header,
    body: Body<'r>,
}

enum Body<'r> {
    /// The layout [`write`] makes: the cases, one a line, still in the input.
    Lines(&'r mut dyn BufRead),
    /// Any other layout: the whole document.
    Text(String),
}

/// The end of the list of cases and of the document, in the layout [`write`] makes.
const END: &str = "]}";

/// Opens the saved world `input`: in the layout [`write`] makes, only its first line is read
/// now (the cases are read one at a time by [`load_saved`]); in any other, the whole of it.
pub(crate) fn open(input: &mut dyn BufRead) -> Result<Saved<'_>, WorldError> {
    let mut first = Vec::new();
    input
        .read_until(b'\n', &mut first)
        .map_err(|e| bad(format!("cannot read the state file: {e}")))?;
    let first = String::from_utf8(first).map_err(|_| bad("the state file is not valid UTF-8"))?;
    let head = first.trim_end();
    if head.starts_with("{\"docket_world\"") && head.ends_with("\"cases\": [") {
        let header = header(&format!("{head}{END}"))?;
        return Ok(Saved {
            header,
            body: Body::Lines(input),
        });
    }
    let mut rest = Vec::new();
    input
        .read_to_end(&mut rest)
        .map_err(|e| bad(format!("cannot read the state file: {e}")))?;
    let text = String::from_utf8(rest)
        .map(|rest| first + &rest)
        .map_err(|_| bad("the state file is not valid UTF-8"))?;
    Ok(Saved {
        header: header(&text)?,
        body: Body::Text(text),
    })
}

/// The world `saved` holds, each case checked under `prog` (sensitive values in clear sealed
/// with `key`).
pub(crate) fn load_saved(
    prog: &Program,
    saved: Saved<'_>,
    key: Option<&crate::seal::SealKey>,
) -> Result<World, WorldError> {
    let clock = saved.header.clock;
    match saved.body {
        Body::Text(text) => {
            super::build(prog, clock, key, 0, |loader, add| cases(&text, loader, add))
        }
        Body::Lines(input) => super::build(prog, clock, key, 0, |loader, add| {
            let mut line = Vec::new();
            let mut i = 0;
            loop {
                line.clear();
                let n = input
                    .read_until(b'\n', &mut line)
                    .map_err(|e| bad(format!("cannot read the state file: {e}")))?;
                let text = std::str::from_utf8(&line)
                    .map_err(|_| bad(format!("case {}: not valid UTF-8", i + 1)))?
                    .trim_end();
                if n == 0 {
                    return Err(bad(
                        "the state file ends before its cases do: it was cut short",
                    ));
                }
                if text == END {
                    break;
                }
                let text = text.strip_suffix(',').unwrap_or(text);
                let c: J = serde_json::from_str(text)
                    .map_err(|e| bad(format!("case {}: not valid JSON: {e}", i + 1)))?;
                add(i, loader.json(i, &c)?)?;
                i += 1;
            }
            // nothing but blank space may follow
            let mut rest = Vec::new();
            input
                .read_to_end(&mut rest)
                .map_err(|e| bad(format!("cannot read the state file: {e}")))?;
            if rest.iter().all(u8::is_ascii_whitespace) {
                Ok(())
            } else {
                Err(bad("the state file goes on after its end"))
            }
        }),
    }
}
