//! Help lines of type errors: the likely fix when a value has another type than the place
//! it is put in, by the pair of types.

use crate::value::Ty;

/// How to fix a value of type `found` where `want` is expected.
pub(super) fn mismatch(want: &Ty, found: &Ty) -> String {
    let help = match (want.strip_opt(), found.strip_opt()) {
        (Ty::List(_), Ty::Set(_)) => {
            "a set has no order and no repeats, a list has both: declare both as `list<…>` or both as `set<…>`"
        }
        (Ty::Set(_), Ty::List(_)) => {
            "a list keeps order and repeats, a set does not: declare both as `set<…>` or both as `list<…>`"
        }
        (Ty::List(_) | Ty::Set(_), _) => "write the value in brackets to make a list of it: `[x]`",
        (_, Ty::List(_) | Ty::Set(_)) => {
            "this is a collection: pick an item with `[x in xs where …]` and a quantifier (`any(x in xs: …)`), or count it with `count(xs)`"
        }
        (Ty::Bool, _) => {
            "a condition is true or false: compare the value (`x == …`, `x > …`) or test it (`x is set`)"
        }
        (Ty::Count, Ty::Duration) | (Ty::Duration, Ty::Count) => {
            "a duration never stands for a count: write a duration with its unit (`24h`, `30m`), or compare counts with counts"
        }
        (Ty::Duration, Ty::Period) | (Ty::Period, Ty::Duration) => {
            "a duration is exact (`24h`, `2d`) and a period counts the calendar (`1 month`, `7 days`): use the one the other side is"
        }
        (Ty::Instant, Ty::Date) => "`start_of(d)` is the instant the day `d` starts, in the policy's zone",
        (Ty::Date, Ty::Instant) => "`date_of(t)` is the date of the instant `t`, in the policy's zone",
        (Ty::Instant, Ty::Duration) => {
            "an instant plus a duration is an instant: `event.at + limits.window`"
        }
        (Ty::Duration, Ty::Instant) => {
            "an instant minus an instant is a duration: `event.at - filing.first_sms_at`"
        }
        (Ty::Text, Ty::Enum(_)) => "`words(x)` reads an enumeration value as text",
        (Ty::Text | Ty::Format(_), Ty::Count) => "write text in quotes: `\"…\"`",
        (Ty::Format(_), Ty::Text) => {
            "a text is not checked against the format: read the value from a field declared with this format"
        }
        (Ty::Format(_), Ty::Format(_)) => {
            "two formats are different types, even when their patterns agree: declare both with the same format"
        }
        (Ty::Enum(_), Ty::Text) => "write the value's name without quotes: `approved`",
        _ => "change the value, or the type it is declared with, so that the two agree",
    };
    help.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_and_list_are_explained() {
        let set = Ty::Set(Box::new(Ty::Instant));
        let list = Ty::List(Box::new(Ty::Instant));
        assert!(mismatch(&list, &set).contains("declare both as `list<…>`"));
        assert!(mismatch(&set, &list).contains("declare both as `set<…>`"));
        assert!(mismatch(&Ty::Count, &Ty::Duration).contains("never stands for a count"));
        assert!(!mismatch(&Ty::Count, &Ty::Text).is_empty());
    }
}
