//! The `help` line of a syntax error: the likely fix for a mistake authors make (a `&&` for
//! `and`, `else if` for `else when`, `;` at the end of an action…), else what the grammar
//! expected there, written out. Every syntax error gets one.

/// What is known at a syntax error.
pub(super) struct At<'a> {
    /// The text before the error, and from the error on.
    pub before: &'a str,
    pub rest: &'a str,
    /// What was found: a word, one character, or empty at the end of the file.
    pub found: &'a str,
    /// The "expected …" message.
    pub message: &'a str,
    /// The innermost bracket still open (`(`, `[` or `{`), and the line it is on.
    pub unclosed: Option<(char, usize)>,
    /// Whether `found` is a keyword of the language.
    pub keyword: bool,
}

/// The help for a syntax error: a likely fix, or what the grammar expected, explained.
pub(super) fn help(at: &At) -> String {
    likely_fix(at).unwrap_or_else(|| expected(at))
}

/// The fix of a likely mistake, when the error looks like one.
pub(super) fn likely_fix(at: &At) -> Option<String> {
    let expects = |what: &str| at.message.contains(what);
    let last_word = at
        .before
        .trim_end()
        .rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .next()
        .unwrap_or_default();
    let closer = |open: char| match open {
        '(' => ')',
        '[' => ']',
        _ => '}',
    };
    let fix = |s: &str| Some(s.to_string());
    match at.found {
        // A declaration word (or the end) where a closing bracket was possible: the block
        // before it was never closed.
        found
            if at.unclosed.is_some_and(|(open, _)| {
                expects(&format!("`{}`", closer(open)))
                    && (found.is_empty() || super::DECLARATION_WORDS.contains(&found))
            }) =>
        {
            let (open, line) = at.unclosed?;
            Some(format!(
                "the `{open}` on line {line} is never closed: is a `{}` missing before this?",
                closer(open)
            ))
        }
        "&" => fix("write `and` for both conditions: `a and b`"),
        "|" => fix("write `or` for either condition: `a or b`"),
        "!" if at.rest.starts_with("!=") => None,
        "!" => fix("write `not` to negate a condition: `not a`"),
        "if" if last_word == "else" => {
            fix("write `else when <condition>` for a further branch (`if` is not a word of the language)")
        }
        "if" => fix("write `when <condition>` for a rule's condition"),
        "elif" | "elsif" | "elseif" => fix("write `else when <condition>` for a further branch"),
        ";" => fix("remove the `;`: each action or declaration ends at its line's end"),
        "'" => fix("write text in double quotes: `\"…\"`"),
        "#" => fix("comments start with `//`"),
        ">" if at.before.ends_with('<') => fix("write `!=` for \"is not equal to\""),
        ":" if at.rest.starts_with(":=") => fix("write `=` alone to give a value: `set x = …`"),
        "=" if expects("an operator") => {
            fix("write `==` to compare: a single `=` gives a value in `set`, `let` and `show`")
        }
        "=" if expects("an expression") && at.before.ends_with('=') => {
            fix("write a single `=` to give a value in `set`, `let` and `show`; `==` compares")
        }
        "%" | "/" if expects("an operator") || expects("`{`") => fix(
            "the operators on counts are `+`, `-` and `*`; there is no division or remainder",
        ),
        "." if expects("an operator") || expects("`{`") => {
            if at.before.ends_with(|c: char| c.is_ascii_digit()) {
                fix("counts are whole numbers: there are no decimals")
            } else {
                None
            }
        }
        "\"" if expects("a name") && last_word == "emit" => {
            fix("write the message id without quotes: `emit validation_failed`")
        }
        "not" if last_word == "is" => fix("write `x is unset` (or `x is set`)"),
        "True" | "TRUE" => fix("write `true` in lowercase"),
        "False" | "FALSE" => fix("write `false` in lowercase"),
        "null" | "nil" | "None" | "NULL" => fix("write `unset` for no value"),
        "then" => fix("write the actions in braces after the condition: `when … { … }`"),
        "{" if expects("an expression") && last_word == "when" => fix(
            "write the condition after `when`, or leave `when` out for a rule that always applies",
        ),
        _ if at.before.trim_end().ends_with("erase") && expects("`:`") => fix(
            "to erase a field when a condition holds, write `erase when <condition>` after its type",
        ),
        found if expects("a name") && at.keyword => Some(format!(
            "`{found}` is a keyword of the language and cannot be used as a name"
        )),
        found
            if found.chars().next().is_some_and(|c| c.is_ascii_uppercase())
                && (expects("a name") || expects("an expression")) =>
        {
            Some(format!(
                "names are lowercase letters, digits and `_`: write `{}`",
                found.to_ascii_lowercase()
            ))
        }
        _ => None,
    }
}

/// What the grammar expected, explained: the fallback help.
fn expected(at: &At) -> String {
    let expects = |what: &str| at.message.contains(what);
    let help = if expects("an action") {
        "an action is `set x = value`, `emit message_id`, `reject field \"text\"`, `show name = value` or `add participants(field: value) as p { … }`"
    } else if expects("a declaration") {
        "a rule file holds declarations: `format`, `enum`, `statuses`, `case`, `participants`, `event`, `deadline`, `on` (a handler) and `migrate`"
    } else if expects("`let`") || expects("`rule`") {
        "a handler holds `let name = value` lines, then rules: `rule name [for x in xs] [when condition] { actions }`"
    } else if expects("a type") {
        "a type is `bool`, `count`, `duration`, `instant`, `date`, `period`, `text`, a declared name, `set<T>`, `list<T>`, `{a: T}`, or `T?` for an optional one"
    } else if expects("a migration step") {
        "a migration step is `rename old to new`, `drop field`, `set field = value` or `status old -> new`"
    } else if expects("an expression") {
        "an expression is a name (`event.phone`), a literal (`5`, `24h`, `\"text\"`, `true`, `unset`), a call (`count(xs)`), a list (`[x in xs where …]`) or one in brackets"
    } else if expects("an operator") || expects("`{`") {
        "an expression goes on with an operator (`==`, `!=`, `<`, `and`, `or`, `+`, `in`, `??`, `is set`…); a rule's actions go in `{ … }`"
    } else if expects("`in`") {
        "`for` and the quantifiers read `x in xs`: a name for each item, `in`, then the list or set"
    } else if expects("`=`") {
        "write `=` and the value: `set x = …`, `let x = …`, `show x = …`"
    } else if expects("a name") {
        "a name is lowercase letters, digits and `_`, starting with a letter or `_`"
    } else if expects("`}`") || expects("`)`") || expects("`]`") {
        "close the bracket that is still open, or remove what is in its way"
    } else {
        "the README's table of the rule language shows how each construct is written"
    };
    help.to_string()
}
