//! Unit tests of how old types read as new ones.

use super::types::{ty_name, Compat, Misfit, Progs};
use crate::engine::Engine;
use crate::program::{EnumId, FormatId, MemberId};
use crate::span::Source;
use crate::value::{Ty, Value};

/// Two versions of a tiny policy: `old_decls` and `new_decls` hold formats and enums.
fn programs(old_decls: &str, new_decls: &str) -> (Engine, Engine) {
    let load = |decls: &str| {
        Engine::from_sources(vec![
            Source::new("m.yaml", "kind: messages\nmessages:\n  ok: { text: t, result: r, next_step: n }\n"),
            Source::new(
                "p.docket",
                format!("{decls}\nstatuses {{ open }}\ncase c key id: text {{ }}\nevent e {{ c: text }}\non e for new c(event.c) {{ rule r {{ emit ok }} }}\n"),
            ),
        ])
        .unwrap_or_else(|e| panic!("{e}"))
    };
    (load(old_decls), load(new_decls))
}

#[test]
fn compat_orders_every_kind_of_change() {
    let (old, new) = programs(
        "format pin = /^[0-9]{4}$/\nformat tag = /^[a-z]+$/\nenum size { small big }",
        "format pin = /^[0-9]{5}$/\nformat tag = /^[a-z]+$/\nenum size { tiny small big }",
    );
    let p = Progs {
        old: old.program(),
        new: new.program(),
    };
    let f = |name: &str, e: &Engine| {
        Ty::Format(
            e.program()
                .formats
                .iter()
                .position(|f| f.name == name)
                .map_or(FormatId::from_raw(99), FormatId::at),
        )
    };
    let size = |e: &Engine| {
        Ty::Enum(
            e.program()
                .enums
                .iter()
                .position(|x| x.name == "size")
                .map_or(EnumId::from_raw(99), EnumId::at),
        )
    };
    let opt = |t: Ty| t.opt();
    let cases = [
        (Ty::Count, Ty::Count, Compat::Same),
        (Ty::Count, opt(Ty::Count), Compat::Widened),
        (opt(Ty::Count), Ty::Count, Compat::Checked),
        (Ty::Text, Ty::Count, Compat::Changed),
        (f("tag", &old), f("tag", &new), Compat::Same),
        (f("pin", &old), f("pin", &new), Compat::Checked),
        (f("pin", &old), Ty::Text, Compat::Widened),
        (Ty::Text, f("pin", &new), Compat::Checked),
        (f("pin", &old), f("tag", &new), Compat::Changed),
        (size(&old), size(&new), Compat::Widened),
        (
            Ty::List(Box::new(Ty::Count)),
            Ty::Set(Box::new(Ty::Count)),
            Compat::Changed,
        ),
        (
            Ty::Set(Box::new(size(&old))),
            Ty::Set(Box::new(size(&new))),
            Compat::Widened,
        ),
    ];
    for (from, to, want) in cases {
        assert_eq!(p.compat(&from, &to), want, "{from:?} → {to:?}");
    }
    // the other way round, `tiny` has no place
    let back = Progs {
        old: new.program(),
        new: old.program(),
    };
    assert_eq!(back.compat(&size(&new), &size(&old)), Compat::Checked);
    assert_eq!(Compat::Same.or_worse(Compat::Checked), Compat::Checked);
    assert_eq!(Compat::Changed.or_worse(Compat::Widened), Compat::Changed);
}

#[test]
fn convert_checks_each_value_and_never_shows_it() {
    let (old, new) = programs(
        "format pin = /^[0-9]{4}$/\nenum size { small big }",
        "format pin = /^1[0-9]{3}$/\nenum size { big huge }",
    );
    let p = Progs {
        old: old.program(),
        new: new.program(),
    };
    let pin = Ty::Format(FormatId::FIRST);
    let e = |prog: &Engine| {
        Ty::Enum(
            prog.program()
                .enums
                .iter()
                .position(|x| x.name == "size")
                .map_or(EnumId::from_raw(0), EnumId::at),
        )
    };
    assert_eq!(
        p.convert(&pin, &pin, &Value::text("1234")),
        Ok(Value::text("1234"))
    );
    assert_eq!(
        p.convert(&pin, &pin, &Value::text("2345")),
        Err(Misfit::Value)
    );
    assert_eq!(
        p.convert(&pin.clone().opt(), &pin, &Value::Unset),
        Err(Misfit::Unset)
    );
    assert_eq!(
        p.convert(&pin, &pin.clone().opt(), &Value::Unset),
        Ok(Value::Unset)
    );
    let (eo, en) = (e(&old), e(&new));
    let Ty::Enum(en_idx) = en else { unreachable!() };
    let Ty::Enum(eo_idx) = eo else { unreachable!() };
    // `big` is read by its name, at its new place
    assert_eq!(
        p.convert(&eo, &en, &Value::Enum(eo_idx, MemberId::from_raw(1))),
        Ok(Value::Enum(en_idx, MemberId::from_raw(0)))
    );
    assert_eq!(
        p.convert(&eo, &en, &Value::Enum(eo_idx, MemberId::FIRST)),
        Err(Misfit::Value)
    );
    assert_eq!(
        ty_name(new.program(), &Ty::Set(Box::new(en.opt()))),
        "set<size?>"
    );
}
