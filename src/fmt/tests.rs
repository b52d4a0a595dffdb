//! Tests of the formatter.
