//! Writing output records (contract §3) by hand, byte for byte as serde_json would write the
//! engine's records.

use crate::vocab::{Msg, ROLES};
use crate::world::{Out, World};
use crate::{Catalogue, MESSAGE_IDS};

/// Appends `s` as a JSON string, escaped as serde_json escapes: `"` and `\`, the short forms
/// `\b \f \n \r \t`, any other control character as `\u00xx` (lower-case hex).
pub(crate) fn string(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let short = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            0x08 => "\\b",
            0x0c => "\\f",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if short.is_empty() {
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        } else {
            out.push_str(short);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// Appends the decimal digits of `n`.
pub(crate) fn number(out: &mut String, mut n: usize) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &buf[i..] {
        out.push(char::from(d));
    }
}

/// Each message's JSON object, rendered once.
pub(crate) fn render_catalogue(c: &Catalogue) -> Vec<String> {
    MESSAGE_IDS
        .iter()
        .map(|id| {
            let mut s = String::from("{\"id\":");
            string(&mut s, id);
            if let Some(t) = c.texts.get(*id) {
                s.push_str(",\"text\":");
                string(&mut s, &t.text);
                s.push_str(",\"result\":");
                string(&mut s, &t.result);
                s.push_str(",\"next_step\":");
                string(&mut s, &t.next_step);
            }
            s.push('}');
            s
        })
        .collect()
}

/// `{"seq":N,"type":"…","at":"…"` — the start of every record; `type` and `at` when known.
pub(crate) fn head(out: &mut String, seq: usize, ty: Option<&str>, at: Option<&str>) {
    out.push_str("{\"seq\":");
    number(out, seq);
    if let Some(ty) = ty {
        out.push_str(",\"type\":");
        string(out, ty);
    }
    if let Some(at) = at {
        out.push_str(",\"at\":");
        string(out, at);
    }
}

/// The rest of an accepted line's record: `,"outcomes":[…]}`.
pub(crate) fn outcomes(out: &mut String, world: &World, frags: &[String], outs: &[Out]) {
    out.push_str(",\"outcomes\":[");
    for (i, o) in outs.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match o.filing {
            Some(f) => {
                // A filing id and a status name need no escaping.
                out.push_str("{\"filing\":\"");
                out.push_str(&world.filings[f as usize].id);
                out.push_str("\",\"status\":\"");
                out.push_str(o.status.name());
                out.push_str("\",\"messages\":[");
            }
            None => out.push_str("{\"filing\":null,\"status\":null,\"messages\":["),
        }
        for (j, m) in o.msgs().iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            message(out, frags, *m);
        }
        out.push(']');
        if let Some(roles) = o.roles {
            out.push_str(",\"required_roles\":[");
            let mut first = true;
            for r in ROLES {
                if roles & crate::vocab::role_bit(r) != 0 {
                    if !first {
                        out.push(',');
                    }
                    first = false;
                    out.push('"');
                    out.push_str(r.name());
                    out.push('"');
                }
            }
            out.push(']');
        }
        out.push('}');
    }
    out.push_str("]}");
}

fn message(out: &mut String, frags: &[String], m: Msg) {
    match frags.get(m as usize) {
        Some(f) => out.push_str(f),
        None => {
            out.push_str("{\"id\":\"");
            out.push_str(m.id());
            out.push_str("\"}");
        }
    }
}

/// The rest of a refused line's record: `,"error":"line N: …"}`.
pub(crate) fn error(out: &mut String, seq: usize, why: &str) {
    let mut text = String::with_capacity(why.len() + 12);
    text.push_str("line ");
    number(&mut text, seq);
    text.push_str(": ");
    text.push_str(why);
    out.push_str(",\"error\":");
    string(out, &text);
    out.push('}');
}
