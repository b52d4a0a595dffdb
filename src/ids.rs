//! Typed indexes into a checked [`crate::program::Program`]: each kind of declaration has
//! its own id type, so a record id cannot be passed where an enumeration id is expected.
//!
//! Each is a `u16` underneath (a [`crate::value::Value`] holds one and stays three words).
//! An id is a position in one checked program and means nothing in another: saved worlds
//! and the binary case codec name case types, and never store these numbers.

/// Declares an id type: a `u16` index into one of the program's vectors.
macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[repr(transparent)]
        pub struct $name(u16);

        #[allow(dead_code, reason = "made for every id type; not each uses all")]
        impl $name {
            /// The first (a placeholder where an error left none).
            pub(crate) const FIRST: $name = $name(0);

            /// The id of the item at position `i`, if `i` fits in an id.
            pub fn new(i: usize) -> Option<$name> {
                u16::try_from(i).ok().map($name)
            }

            /// The id of the item at position `i`, as the checker numbers declarations.
            /// INVARIANT: `i` fits in a `u16` (as with the `as u16` casts this replaces, a
            /// larger index would wrap; the debug build checks).
            pub(crate) fn at(i: usize) -> $name {
                debug_assert!(i <= usize::from(u16::MAX), "{} {i} out of range", stringify!($name));
                $name(i as u16)
            }

            /// The id with this number.
            pub(crate) const fn from_raw(n: u16) -> $name {
                $name(n)
            }

            /// The position in the program's vector of these.
            #[inline]
            pub fn index(self) -> usize {
                usize::from(self.0)
            }
        }
    };
}

id! {
    /// A record type (an event's fields, a record-typed field): indexes `Program::records`.
    RecordId
}
id! {
    /// An enumeration (statuses, a table's key values): indexes `Program::enums`.
    EnumId
}
id! {
    /// An event type: indexes `Program::events` and `Program::event_handlers`.
    EventId
}
id! {
    /// A declared text format (`phone`, `filing_id`): indexes `Program::formats`.
    FormatId
}
id! {
    /// A requirements table: indexes `Program::requirements` (and, row by row,
    /// `SharedOut::requirement_sets`).
    TableId
}
id! {
    /// A message of the messages tables: indexes `SharedOut::messages`.
    MessageId
}
id! {
    /// A compiled pattern (a `matches` regex, a limit's pattern): indexes
    /// `Program::patterns`.
    PatternId
}
id! {
    /// A calendar table: indexes `Program::calendars`.
    CalendarId
}
id! {
    /// A member of an enumeration (a status, a role): indexes `EnumDef::values` of its
    /// enumeration. The binary case codec writes this number.
    MemberId
}
id! {
    /// A case type: indexes `Program::cases`.
    CaseTypeId
}
id! {
    /// A deadline of some case type: indexes `Program::deadlines` and
    /// `Program::deadline_handlers` (a case's own deadlines are slots: positions in its
    /// type's `CaseDef::deadlines`, which lists their ids).
    DeadlineId
}
