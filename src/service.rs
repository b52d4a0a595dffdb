//! What a service in front of a store asks of an engine beyond running lines: what a line
//! would do without keeping it, and one case as JSON with its sensitive values masked.

use crate::engine::Engine;
use crate::event::Header;
use crate::outcome::{Record, RecordBody};
use crate::program::{CaseTypeId, FieldDef, FieldKind};
use crate::seal::{is_sealed, SealKey, Sealing};
use crate::world::World;
use serde_json::Value as J;

/// How a sensitive value is shown, as `docket journal` shows one.
const MASK: &str = "<sensitive>";

impl Engine {
    /// What `line` would do to `world`, as the record [`Engine::run_line_sealed`] would give
    /// for it (`seq` numbers the line), with nothing kept: the world is only read. Sensitive
    /// values are sealed with `key` before the event is evaluated, so that they compare with
    /// the sealed values of a store's world.
    pub fn evaluate_line_sealed(
        &self,
        world: &World,
        seq: usize,
        line: &str,
        key: &SealKey,
    ) -> Record {
        let (header, result) = if line.trim().is_empty() {
            (
                Header::default(),
                Err("the line is empty: write one JSON object per line".to_string()),
            )
        } else {
            match self.parse_line(line, Sealing::Seal(key)) {
                Ok((h, event)) => {
                    let step = self.evaluate(world, &event).map_err(|e| e.to_string());
                    (h, step.map(|s| s.outcomes))
                }
                Err((h, e)) => (h, Err(e.to_string())),
            }
        };
        Record {
            seq,
            event_type: header.type_name,
            at: header.at,
            body: match result {
                Ok(outcomes) => RecordBody::Outcomes(outcomes),
                Err(e) => RecordBody::Error(format!("line {seq}: {e}")),
            },
        }
    }

    /// The case of type `case_type` keyed `key` in `world`, as one JSON object (`type`,
    /// `key`, `status`, `fields`, `participants`, `deadlines`), as a saved world holds it
    /// but with every value of a field declared `sensitive`, and every sealed value, shown as
    /// `<sensitive>`. `None` when the policy has no such case type or the world no such case.
    pub fn case_json(&self, world: &World, case_type: &str, key: &str) -> Option<String> {
        let prog = self.program();
        let ty = CaseTypeId::new(self.case_names().iter().position(|n| *n == case_type)?)?;
        // the key as an event's would be: its format's transforms applied
        let key_format = prog.case_def(ty)?.key_format.and_then(|f| prog.format(f));
        let key = key_format.map_or(key.into(), |f| f.transform(key));
        let id = world.find(ty, key.as_bytes())?;
        let case = world.cases.get(id as usize)?;
        let def = prog.case_def(case.ty)?;
        let mut json = crate::persist::case_json(prog, case)?;
        if let Some(fields) = json.get_mut("fields") {
            mask_declared(fields, &def.fields);
        }
        if let Some(J::Array(parts)) = json.get_mut("participants") {
            for p in parts {
                mask_declared(p, &def.parts.fields);
            }
        }
        mask_sealed(&mut json);
        Some(json.to_string())
    }
}

/// Masks the set values of the fields of `defs` declared `sensitive` in the object `fields`.
fn mask_declared(fields: &mut J, defs: &[FieldDef]) {
    for d in defs {
        if d.sensitive && matches!(d.kind, FieldKind::Stored { .. }) {
            if let Some(v) = fields.get_mut(d.name.as_str()).filter(|v| !v.is_null()) {
                *v = J::from(MASK);
            }
        }
    }
}

/// Masks every sealed value (a sensitive member of a record or list is sealed in a store's
/// world, though its field is not declared `sensitive` as a whole).
fn mask_sealed(j: &mut J) {
    match j {
        J::String(s) if is_sealed(s) => *s = MASK.into(),
        J::Array(items) => items.iter_mut().for_each(mask_sealed),
        J::Object(m) => m.values_mut().for_each(mask_sealed),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use crate::{Engine, SealKey, Source, World};

    fn key() -> SealKey {
        SealKey::from_hex(&"ab".repeat(32)).expect("a key")
    }

    /// A policy of the rule file `rules` and one message, `ok`.
    fn policy(rules: &str) -> Engine {
        Engine::from_sources(vec![
            Source::new(
                "messages.yaml",
                "kind: messages\nmessages:\n  ok: { text: t, result: r, next_step: n }\n",
            ),
            Source::new("p.docket", rules),
        ])
        .unwrap_or_else(|e| panic!("{}", e.render()))
    }

    /// A request with a sensitive pin on the case and on each of its holders.
    fn engine() -> Engine {
        policy(
            r#"
                format pin = /^[0-9]{4}$/ "four digits"
                statuses { open }
                case request key id: text { pin: pin? sensitive }
                participants holders in request { name: text  pin: pin sensitive }
                event submit { request: text, pin: pin sensitive }
                on submit for new request(event.request) {
                  rule r {
                    set request.pin = event.pin
                    add holders(name: "a", pin: event.pin)
                    emit ok
                  }
                }
                "#,
        )
    }

    const SUBMIT: &str =
        r#"{"type":"submit","at":"2026-11-28T09:00:00+08:00","request":"R1","pin":"4242"}"#;

    #[test]
    fn a_case_shows_no_sensitive_value() {
        let engine = engine();
        let mut world = World::new();
        let record = engine.run_line_sealed(&mut world, 1, SUBMIT, &key());
        assert!(!record.is_error(), "{}", record.to_json());
        let shown = engine.case_json(&world, "request", "R1").expect("R1");
        assert!(shown.contains(r#""key":"R1""#), "{shown}");
        assert!(!shown.contains("4242"), "{shown}");
        assert!(!shown.contains("sealed:"), "{shown}");
        assert_eq!(shown.matches("<sensitive>").count(), 2, "{shown}");
        assert_eq!(engine.case_json(&world, "request", "R2"), None);
        assert_eq!(engine.case_json(&world, "no_such_type", "R1"), None);
    }

    #[test]
    fn a_case_is_found_by_its_key_as_an_event_would_give_it() {
        let engine = policy(
            r#"
            format rid = /^[A-Z0-9]{2,8}$/ uppercase trim "two to eight letters or digits"
            statuses { open }
            case request key id: rid {}
            event submit { request: rid }
            on submit for new request(event.request) {
              rule r { emit ok }
            }
            "#,
        );
        let mut world = World::new();
        let line = r#"{"type":"submit","at":"2026-11-28T09:00:00+08:00","request":"ab12"}"#;
        let record = engine.run_line_sealed(&mut world, 1, line, &key());
        assert!(!record.is_error(), "{}", record.to_json());
        for asked in ["AB12", "ab12", " aB12 "] {
            let shown = engine.case_json(&world, "request", asked).expect(asked);
            assert!(shown.contains(r#""key":"AB12""#), "{shown}");
        }
        assert_eq!(engine.case_json(&world, "request", "AB13"), None);
    }

    #[test]
    fn evaluating_a_line_keeps_nothing() {
        let engine = engine();
        let mut world = World::new();
        let would = engine.evaluate_line_sealed(&world, 1, SUBMIT, &key());
        assert!(world.is_empty());
        let did = engine.run_line_sealed(&mut world, 1, SUBMIT, &key());
        assert_eq!(would.to_json(), did.to_json());
        let refused = engine.evaluate_line_sealed(&world, 2, "{", &key());
        assert!(refused.is_error());
        assert!(
            refused.to_json().contains("line 2: "),
            "{}",
            refused.to_json()
        );
    }
}
