//! Exactly one access right on an existing record.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Privilege;

/// One of the seven access rights on an existing record (R1.1): what a record request asks
/// about. Unlike a [`Privilege`] set it cannot hold two rights, nor Create (decided against a
/// would-be record), so `Read | Write` is not a record request.
///
/// In JSON it is the privilege's name, as for [`Privilege`]: `"Read"`, `"AppendTo"`.
///
/// ```
/// use accessgate::{Privilege, RecordPrivilege};
///
/// let write: RecordPrivilege = serde_json::from_str("\"Write\"")?;
/// assert_eq!(Privilege::from(write), Privilege::WRITE);
/// let both = serde_json::from_str::<RecordPrivilege>("\"Read | Write\"").unwrap_err();
/// assert!(both.to_string().starts_with(
///     "a record request names exactly one of Read, Write, Delete, Append, AppendTo, Assign \
///      and Share, not `Read | Write`"
/// ));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RecordPrivilege {
    /// Open a record and view it.
    Read,
    /// Change a record.
    Write,
    /// Permanently remove a record.
    Delete,
    /// Associate this record with another record (the referencing side, R1.4).
    Append,
    /// Let another record be associated to this record (the referenced side, R1.4).
    AppendTo,
    /// Give ownership of the record to another user or team.
    Assign,
    /// Give another principal access to the record while keeping your own.
    Share,
}

impl RecordPrivilege {
    /// The seven, in bit order.
    pub const ALL: [RecordPrivilege; 7] = [
        RecordPrivilege::Read,
        RecordPrivilege::Write,
        RecordPrivilege::Delete,
        RecordPrivilege::Append,
        RecordPrivilege::AppendTo,
        RecordPrivilege::Assign,
        RecordPrivilege::Share,
    ];
}

impl From<RecordPrivilege> for Privilege {
    fn from(p: RecordPrivilege) -> Self {
        match p {
            RecordPrivilege::Read => Privilege::READ,
            RecordPrivilege::Write => Privilege::WRITE,
            RecordPrivilege::Delete => Privilege::DELETE,
            RecordPrivilege::Append => Privilege::APPEND,
            RecordPrivilege::AppendTo => Privilege::APPEND_TO,
            RecordPrivilege::Assign => Privilege::ASSIGN,
            RecordPrivilege::Share => Privilege::SHARE,
        }
    }
}

/// A privilege set that is not exactly one record right.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "a record request names exactly one of Read, Write, Delete, Append, AppendTo, Assign and \
     Share, not `{0}`"
)]
pub struct NotOneRecordPrivilege(pub Privilege);

impl TryFrom<Privilege> for RecordPrivilege {
    type Error = NotOneRecordPrivilege;

    fn try_from(p: Privilege) -> Result<Self, Self::Error> {
        RecordPrivilege::ALL
            .into_iter()
            .find(|r| Privilege::from(*r) == p)
            .ok_or(NotOneRecordPrivilege(p))
    }
}

impl fmt::Display for RecordPrivilege {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Privilege::from(*self).fmt(f)
    }
}

impl Serialize for RecordPrivilege {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Privilege::from(*self).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for RecordPrivilege {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let p = Privilege::deserialize(deserializer)?;
        RecordPrivilege::try_from(p).map_err(serde::de::Error::custom)
    }
}
