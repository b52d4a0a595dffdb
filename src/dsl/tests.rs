//! Unit tests of the grammar, rule by rule.
