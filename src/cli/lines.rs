//! JSON-lines input as a stream of [`Input`]s, read as `docket run` reads it: at most
//! [`MAX_LINE`] bytes held per line, `\r\n` accepted, a byte-order mark skipped on line 1.

use crate::{read_line_bounded, MAX_LINE};
use docket::diff::{Input, Line};
use std::io::BufRead;

/// The lines of a reader; an unreadable input is an `Err` with the message for stderr, and
/// ends the stream.
pub struct JsonLines<R> {
    input: R,
    buf: Vec<u8>,
    seq: usize,
    done: bool,
}

impl<R: BufRead> JsonLines<R> {
    /// The lines of `input`, from its start.
    pub fn new(input: R) -> JsonLines<R> {
        JsonLines {
            input,
            buf: Vec::new(),
            seq: 0,
            done: false,
        }
    }
}

impl<R: BufRead> Iterator for JsonLines<R> {
    type Item = Result<Input, String>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        self.buf.clear();
        let len = match read_line_bounded(&mut self.input, &mut self.buf, MAX_LINE) {
            Ok(None) => {
                self.done = true;
                return None;
            }
            Ok(Some(len)) => len,
            Err(e) => {
                self.done = true;
                return Some(Err(format!(
                    "error: cannot read the input after line {}: {e}",
                    self.seq
                )));
            }
        };
        self.seq += 1;
        let line = if len > MAX_LINE {
            // refused without being held whole, as `docket run` refuses it
            Line::Refused(format!(
                "the line is {len} bytes long; a line is at most {MAX_LINE} bytes"
            ))
        } else {
            let mut bytes = self.buf.as_slice();
            bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
            bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
            if self.seq == 1 {
                bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            }
            match std::str::from_utf8(bytes) {
                Ok(text) => Line::Text(text.to_string()),
                Err(e) => Line::Refused(format!(
                    "not valid UTF-8 (byte {} of the line)",
                    e.valid_up_to() + 1
                )),
            }
        };
        Some(Ok(Input {
            line,
            file_line: None,
        }))
    }
}
