//! Record privileges as a set of bit flags.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

bitflags::bitflags! {
    /// A set of Dataverse record privileges (R1.1).
    ///
    /// A security role grants each privilege on a table at an [`AccessLevel`](crate::AccessLevel);
    /// a share carries a set of them as access rights (R5.1). In JSON a set is written as names
    /// joined by `|`, for example `"Read | Write"`; the names are `Create`, `Read`, `Write`,
    /// `Delete`, `Append`, `AppendTo`, `Assign` and `Share`.
    ///
    /// ```
    /// use accessgate::Privilege;
    /// let rights: Privilege = "Read | AppendTo".parse()?;
    /// assert!(rights.contains(Privilege::READ));
    /// assert_eq!(rights.to_string(), "Read | AppendTo");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
    pub struct Privilege: u8 {
        /// Make a new record (R1.3). A privilege of the table, not an access right on a record.
        const CREATE = 1 << 0;
        /// Open a record and view it.
        const READ = 1 << 1;
        /// Change a record.
        const WRITE = 1 << 2;
        /// Permanently remove a record.
        const DELETE = 1 << 3;
        /// Associate this record with another record (the referencing side, R1.4).
        const APPEND = 1 << 4;
        /// Let another record be associated to this record (the referenced side, R1.4).
        const APPEND_TO = 1 << 5;
        /// Give ownership of the record to another user or team.
        const ASSIGN = 1 << 6;
        /// Give another principal access to the record while keeping your own.
        const SHARE = 1 << 7;
    }
}

/// Each single privilege with its display name, in bit order.
const NAMES: [(Privilege, &str); 8] = [
    (Privilege::CREATE, "Create"),
    (Privilege::READ, "Read"),
    (Privilege::WRITE, "Write"),
    (Privilege::DELETE, "Delete"),
    (Privilege::APPEND, "Append"),
    (Privilege::APPEND_TO, "AppendTo"),
    (Privilege::ASSIGN, "Assign"),
    (Privilege::SHARE, "Share"),
];

impl Privilege {
    /// The eight record privileges, one by one, in bit order.
    pub const EACH: [Privilege; 8] = [
        Privilege::CREATE,
        Privilege::READ,
        Privilege::WRITE,
        Privilege::DELETE,
        Privilege::APPEND,
        Privilege::APPEND_TO,
        Privilege::ASSIGN,
        Privilege::SHARE,
    ];

    /// The seven access rights on an existing record: every privilege but Create, which is
    /// decided against a would-be record (R1.3). Shares carry these (R5.1).
    pub const RECORD_RIGHTS: [Privilege; 7] = [
        Privilege::READ,
        Privilege::WRITE,
        Privilege::DELETE,
        Privilege::APPEND,
        Privilege::APPEND_TO,
        Privilege::ASSIGN,
        Privilege::SHARE,
    ];

    /// The bit position (0..8) of a single privilege, or `None` for an empty or multi-privilege set.
    ///
    /// Compiled role tables are indexed by it.
    #[inline]
    pub fn index(self) -> Option<usize> {
        let bits = self.bits();
        if bits.count_ones() == 1 {
            Some(bits.trailing_zeros() as usize)
        } else {
            None
        }
    }

    /// The display name of a single privilege (`"AppendTo"`), or `None` for any other set.
    pub fn name(self) -> Option<&'static str> {
        NAMES.iter().find(|(p, _)| *p == self).map(|(_, n)| *n)
    }

    fn from_display_name(name: &str) -> Option<Privilege> {
        // Accept the display name, the Dataverse UI spelling ("Append To") and snake_case.
        let folded: String = name
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '_')
            .flat_map(char::to_lowercase)
            .collect();
        NAMES
            .iter()
            .find(|(_, n)| n.to_ascii_lowercase() == folded)
            .map(|(p, _)| *p)
    }
}

impl fmt::Display for Privilege {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for (p, n) in NAMES {
            if self.contains(p) {
                if !first {
                    f.write_str(" | ")?;
                }
                f.write_str(n)?;
                first = false;
            }
        }
        Ok(())
    }
}

/// A privilege name that is not one of the eight record privileges.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a privilege; expected Create, Read, Write, Delete, Append, AppendTo, Assign or Share")]
pub struct UnknownPrivilege(pub String);

impl std::str::FromStr for Privilege {
    type Err = UnknownPrivilege;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut set = Privilege::empty();
        if s.trim().is_empty() {
            return Ok(set);
        }
        for part in s.split('|') {
            let part = part.trim();
            set |= Privilege::from_display_name(part)
                .ok_or_else(|| UnknownPrivilege(part.to_owned()))?;
        }
        Ok(set)
    }
}

impl Serialize for Privilege {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Privilege {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every single privilege round-trips through its name and has a distinct index.
    #[test]
    fn names_round_trip() {
        for (i, p) in Privilege::EACH.iter().enumerate() {
            assert_eq!(p.index(), Some(i));
            let name = p.name().unwrap();
            assert_eq!(name.parse::<Privilege>().unwrap(), *p);
        }
        assert_eq!(
            "append to".parse::<Privilege>().unwrap(),
            Privilege::APPEND_TO
        );
        assert_eq!(
            "append_to".parse::<Privilege>().unwrap(),
            Privilege::APPEND_TO
        );
        assert!("Reed".parse::<Privilege>().is_err());
        assert_eq!(Privilege::all().index(), None);
        assert_eq!(Privilege::empty().index(), None);
    }
}
