//! Access levels (depths) of a privilege in a security role.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How far a privilege granted by a role reaches (R2.1).
///
/// The levels are ordered and nested (R2.2): a level covers everything the lower ones cover.
/// The SDK names are accepted in JSON as aliases: `Basic` for `User`, `Local` for `BusinessUnit`,
/// `Deep` for `ParentChild`, `Global` for `Organization`.
///
/// ```
/// use accessgate::AccessLevel;
/// assert!(AccessLevel::ParentChild > AccessLevel::BusinessUnit);
/// assert!(AccessLevel::Organization.includes(AccessLevel::User));
/// ```
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[repr(u8)]
pub enum AccessLevel {
    /// No access to records of the table.
    #[default]
    None = 0,
    /// Records the user owns, directly or through a team, and records shared with them (R2.3).
    #[serde(alias = "Basic")]
    User = 1,
    /// Records owned in the business unit the grant is anchored in (R2.4).
    #[serde(alias = "Local")]
    BusinessUnit = 2,
    /// Records in the anchor business unit and every unit below it (R2.5).
    #[serde(alias = "Deep", alias = "Parent: Child Business Units")]
    ParentChild = 3,
    /// Every record of the table (R2.6).
    #[serde(alias = "Global")]
    Organization = 4,
}

impl AccessLevel {
    /// All five levels, lowest first.
    pub const ALL: [AccessLevel; 5] = [
        AccessLevel::None,
        AccessLevel::User,
        AccessLevel::BusinessUnit,
        AccessLevel::ParentChild,
        AccessLevel::Organization,
    ];

    /// The level numbered `number` (its discriminant: None 0 … Organization 4), as compiled
    /// role cells store it; `None` for any other number.
    #[inline]
    pub(crate) fn from_number(number: u32) -> Option<AccessLevel> {
        match number {
            0 => Some(AccessLevel::None),
            1 => Some(AccessLevel::User),
            2 => Some(AccessLevel::BusinessUnit),
            3 => Some(AccessLevel::ParentChild),
            4 => Some(AccessLevel::Organization),
            _ => None,
        }
    }

    /// Whether this level covers everything `other` covers (R2.2).
    #[inline]
    pub fn includes(self, other: AccessLevel) -> bool {
        self >= other
    }

    /// The name shown in the Dataverse role editor.
    pub fn ui_name(self) -> &'static str {
        match self {
            AccessLevel::None => "None",
            AccessLevel::User => "User",
            AccessLevel::BusinessUnit => "Business Unit",
            AccessLevel::ParentChild => "Parent: Child Business Units",
            AccessLevel::Organization => "Organization",
        }
    }
}

impl fmt::Display for AccessLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.ui_name())
    }
}
