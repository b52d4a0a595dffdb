//! The obligations view: the open deadlines of a world, whose they are and when they fall
//! due, read off the world's deadline queue.

use crate::engine::Engine;
use crate::seal::is_sealed;
use crate::value::CaseId;
use crate::world::World;
use jiff::Timestamp;

/// How a sensitive value is shown, as `docket journal` shows one.
const MASK: &str = "<sensitive>";

/// One open deadline: a deadline of a case that is scheduled and has not fired yet.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Due {
    /// When it falls due: RFC 3339, with the offset of the policy's zone (as records show
    /// instants).
    pub at: String,
    /// The case's type.
    #[serde(rename = "type")]
    pub case_type: String,
    /// The case's key.
    pub key: String,
    /// The case's status now.
    pub status: String,
    /// The deadline's name.
    pub deadline: String,
}

/// The open deadlines asked for, earliest first, and whether more were left out.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct DueList {
    /// In order of instant, then case type, case key and deadline name.
    pub due: Vec<Due>,
    /// Whether more open deadlines (before the bound asked for) than `due` holds remain.
    pub more: bool,
}

impl DueList {
    /// As one line of JSON: `{"due":[{"at","type","key","status","deadline"}…],"more":BOOL}`.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl Engine {
    /// The open deadlines of `world` due strictly before `before` (all of them without it):
    /// the first `limit` in order of (instant, case type, case key, deadline name), and
    /// whether more remain. Nothing sensitive is shown: a case key that is a sealed value
    /// is shown as `<sensitive>`.
    pub fn due(&self, world: &World, before: Option<Timestamp>, limit: usize) -> DueList {
        let prog = self.program();
        // (instant, case type, key, deadline name): the queue is in order of instant, so
        // taking whole instants until more than `limit` are taken is enough to sort by
        let mut taken: Vec<(Timestamp, &str, &str, &str, CaseId)> = Vec::new();
        for &(at, id, d) in &world.queue {
            if before.is_some_and(|b| at >= b) {
                break;
            }
            if taken.len() > limit && taken.last().is_some_and(|last| last.0 != at) {
                break;
            }
            let Some(case) = world.cases.get(id as usize) else {
                continue;
            };
            let Some(def) = prog.case_def(case.ty) else {
                continue;
            };
            let Some(deadline) = def
                .deadlines
                .get(usize::from(d))
                .and_then(|d| prog.deadline(*d))
            else {
                continue;
            };
            taken.push((at, &def.name, case.key.as_str(), &deadline.name, id));
        }
        taken.sort_unstable_by(|a, b| (a.0, a.1, a.2, a.3).cmp(&(b.0, b.1, b.2, b.3)));
        let more = taken.len() > limit;
        taken.truncate(limit);
        let due = taken
            .into_iter()
            .filter_map(|(at, case_type, key, deadline, id)| {
                let case = world.cases.get(id as usize)?;
                let def = prog.case_def(case.ty)?;
                Some(Due {
                    at: prog.instant_text(at),
                    case_type: case_type.to_string(),
                    key: if is_sealed(key) { MASK } else { key }.to_string(),
                    status: prog.enum_name(def.status_enum, case.status).to_string(),
                    deadline: deadline.to_string(),
                })
            })
            .collect();
        DueList { due, more }
    }
}

#[cfg(test)]
mod tests {
    use super::{Due, DueList};
    use crate::{Engine, Source, World};

    /// A request with two deadlines a day after its submission and one two days after.
    fn engine() -> Engine {
        Engine::from_sources(vec![
            Source::new(
                "messages.yaml",
                "kind: messages\nmessages:\n  ok: { text: t, result: r, next_step: n }\n",
            ),
            Source::new(
                "limits.yaml",
                "kind: limits\nlimits:\n  zone: { zone: Asia/Singapore }\n  day: { duration: 24h }\n  two_days: { duration: 48h }\n",
            ),
            Source::new(
                "p.docket",
                r#"
                statuses { open  closed }
                case request key id: text { submitted: instant }
                deadline remind = request.submitted + limits.day
                deadline expire = request.submitted + limits.day
                deadline archive = request.submitted + limits.two_days
                event submit { request: text }
                event close { request: text }
                event tick {}
                on submit for new request(event.request) {
                  rule r {
                    set request.submitted = event.at
                    emit ok
                  }
                }
                on close for request(event.request) {
                  rule c {
                    set request.status = closed
                    emit ok
                  }
                }
                on deadline remind { rule rr { emit ok } }
                on deadline expire { rule re { emit ok } }
                on deadline archive { rule ra { emit ok } }
                "#,
            ),
        ])
        .unwrap_or_else(|e| panic!("{}", e.render()))
    }

    fn run(engine: &Engine, world: &mut World, lines: &[&str]) {
        for (i, line) in lines.iter().enumerate() {
            let record = engine.run_line(world, i + 1, line);
            assert!(!record.is_error(), "{}", record.to_json());
        }
    }

    fn due(at: &str, key: &str, status: &str, deadline: &str) -> Due {
        Due {
            at: at.into(),
            case_type: "request".into(),
            key: key.into(),
            status: status.into(),
            deadline: deadline.into(),
        }
    }

    #[test]
    fn open_deadlines_in_order_with_the_policy_zone() {
        let engine = engine();
        let mut world = World::new();
        run(
            &engine,
            &mut world,
            &[
                r#"{"type":"submit","at":"2026-11-28T09:00:00+08:00","request":"R2"}"#,
                r#"{"type":"submit","at":"2026-11-28T09:00:00+08:00","request":"R1"}"#,
                r#"{"type":"submit","at":"2026-11-28T10:00:00+08:00","request":"R3"}"#,
                r#"{"type":"close","at":"2026-11-28T11:00:00+08:00","request":"R3"}"#,
            ],
        );
        let all = engine.due(&world, None, 1000);
        let day = "2026-11-29T09:00:00+08:00";
        let two = "2026-11-30T09:00:00+08:00";
        assert_eq!(
            all,
            DueList {
                due: vec![
                    due(day, "R1", "open", "expire"),
                    due(day, "R1", "open", "remind"),
                    due(day, "R2", "open", "expire"),
                    due(day, "R2", "open", "remind"),
                    due("2026-11-29T10:00:00+08:00", "R3", "closed", "expire"),
                    due("2026-11-29T10:00:00+08:00", "R3", "closed", "remind"),
                    due(two, "R1", "open", "archive"),
                    due(two, "R2", "open", "archive"),
                    due("2026-11-30T10:00:00+08:00", "R3", "closed", "archive"),
                ],
                more: false,
            }
        );
        assert_eq!(
            all.to_json().split("},{").next(),
            Some(
                r#"{"due":[{"at":"2026-11-29T09:00:00+08:00","type":"request","key":"R1","status":"open","deadline":"expire""#
            )
        );

        // `before` is exclusive; `limit` cuts and says so, within an instant too
        let before = |t: &str| Some(t.parse().expect("an instant"));
        let cut = engine.due(&world, before("2026-11-30T01:00:00Z"), 1000);
        assert_eq!((cut.due.as_slice(), cut.more), (&all.due[..6], false));
        let cut = engine.due(&world, before("2026-11-30T02:00:00Z"), 1000);
        assert_eq!(cut.due, all.due[..8]);
        let cut = engine.due(&world, None, 3);
        assert_eq!((cut.due.as_slice(), cut.more), (&all.due[..3], true));
        let cut = engine.due(&world, before("2026-11-30T01:00:00Z"), 5);
        assert_eq!((cut.due.as_slice(), cut.more), (&all.due[..5], true));
        let cut = engine.due(&world, before("2026-11-30T01:00:00Z"), 6);
        assert_eq!((cut.due.as_slice(), cut.more), (&all.due[..6], false));
        let none = engine.due(&world, before("2026-11-29T01:00:00Z"), 1000);
        assert_eq!(none.to_json(), r#"{"due":[],"more":false}"#);

        // a deadline that fired is no longer open
        run(
            &engine,
            &mut world,
            &[r#"{"type":"tick","at":"2026-11-29T12:00:00+08:00"}"#],
        );
        assert_eq!(engine.due(&world, None, 1000).due, all.due[6..]);
    }
}
