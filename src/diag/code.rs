//! Stable codes of diagnostics: what an editor or a script matches on, whatever the wording.
//!
//! A code never changes meaning once released; a new kind of problem gets a new code.
//! `E…` codes are errors, `W…` codes warnings. The README lists every code (a test checks).

/// The kind of a problem, as a stable code (`E001`, `W001`, …).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Code {
    /// A rule file does not follow the grammar.
    Syntax,
    /// Brackets nest too deep.
    TooDeep,
    /// An expression is too many operations deep.
    ExprTooDeep,
    /// A literal that is no value: a number too large, an impossible date.
    BadLiteral,
    /// A name that nothing declares.
    UnknownName,
    /// A value of the wrong type.
    TypeMismatch,
    /// A derived (read-only) field is set.
    ReadOnly,
    /// Something declared twice.
    Duplicate,
    /// A sensitive value where it could be read.
    SensitiveShown,
    /// Calendar time without a declared time zone.
    NoZone,
    /// A declaration or rule the policy cannot mean.
    Invalid,
    /// A message placeholder that is no expression.
    Placeholder,
    /// A table file is not well-formed YAML.
    TableSyntax,
    /// A table file that is empty, not a mapping, or without a known `kind`.
    TableKind,
    /// An unknown key (field or column) in a table.
    TableUnknownKey,
    /// A missing key (field or column) in a table.
    TableMissingKey,
    /// A key, row, name or value given twice in a table.
    TableDuplicate,
    /// A table value of the wrong type, or an invalid name.
    TableWrongType,
    /// A value a table's `values` (or another list) does not declare.
    TableUnknownValue,
    /// A limit without a value, with several, or with an invalid one (duration, count,
    /// period, zone, date, pattern).
    TableBadLimit,
    /// A `{`/`}` of a message text that is no placeholder.
    TableBadBraces,
    /// A table's shape is wrong: no key columns, a reserved or standard column.
    TableShape,
    /// A policy file cannot be read.
    Unreadable,
    /// A policy without a rule file.
    NoRules,
    /// A scenario file cannot be used.
    Scenario,
    /// An invariant of docket failed: a bug of docket, never a mistake in the policy.
    Internal,
    /// A message that no rule emits.
    UnusedMessage,
    /// A function or `matches` reads a sensitive value, which a store keeps sealed.
    SealedRead,
    /// A sensitive value compared with a value in clear.
    SealedCompare,
    /// A bidirectional control character in a rule file.
    Bidi,
}

impl Code {
    /// Every code, in the order of their numbers.
    pub const ALL: &'static [Code] = &[
        Code::Syntax,
        Code::TooDeep,
        Code::ExprTooDeep,
        Code::BadLiteral,
        Code::UnknownName,
        Code::TypeMismatch,
        Code::ReadOnly,
        Code::Duplicate,
        Code::SensitiveShown,
        Code::NoZone,
        Code::Invalid,
        Code::Placeholder,
        Code::TableSyntax,
        Code::TableKind,
        Code::TableUnknownKey,
        Code::TableMissingKey,
        Code::TableDuplicate,
        Code::TableWrongType,
        Code::TableUnknownValue,
        Code::TableBadLimit,
        Code::TableBadBraces,
        Code::TableShape,
        Code::Unreadable,
        Code::NoRules,
        Code::Scenario,
        Code::Internal,
        Code::UnusedMessage,
        Code::SealedRead,
        Code::SealedCompare,
        Code::Bidi,
    ];

    /// The code as written in output: `E001`.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Syntax => "E001",
            Code::TooDeep => "E002",
            Code::ExprTooDeep => "E003",
            Code::BadLiteral => "E004",
            Code::UnknownName => "E010",
            Code::TypeMismatch => "E011",
            Code::ReadOnly => "E012",
            Code::Duplicate => "E013",
            Code::SensitiveShown => "E014",
            Code::NoZone => "E015",
            Code::Invalid => "E016",
            Code::Placeholder => "E017",
            Code::TableSyntax => "E020",
            Code::TableKind => "E021",
            Code::TableUnknownKey => "E022",
            Code::TableMissingKey => "E023",
            Code::TableDuplicate => "E024",
            Code::TableWrongType => "E025",
            Code::TableUnknownValue => "E026",
            Code::TableBadLimit => "E027",
            Code::TableBadBraces => "E028",
            Code::TableShape => "E029",
            Code::Unreadable => "E040",
            Code::NoRules => "E041",
            Code::Scenario => "E050",
            Code::Internal => "E099",
            Code::UnusedMessage => "W001",
            Code::SealedRead => "W002",
            Code::SealedCompare => "W003",
            Code::Bidi => "W004",
        }
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_distinct_sorted_and_well_formed() {
        let strs: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(strs.iter().collect::<HashSet<_>>().len(), strs.len());
        let mut sorted = strs.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, strs);
        for s in strs {
            assert!(
                s.len() == 4 && (s.starts_with('E') || s.starts_with('W')),
                "{s}"
            );
            assert!(s[1..].chars().all(|c| c.is_ascii_digit()), "{s}");
        }
    }

    #[test]
    fn the_readme_documents_every_code() {
        let readme = include_str!("../../README.md");
        for code in Code::ALL {
            assert!(
                readme.contains(&format!("| `{code}` |")),
                "README.md has no row for `{code}` ({code:?})"
            );
        }
    }
}
