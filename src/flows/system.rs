//! The fourteen system roles of the Backendless security model (FR-R5) and role sets as bit masks.

use std::fmt;

/// A system role: assigned by the platform from how a request is made, never listed on a user
/// (FR-R5 … FR-R11).
///
/// The order is the order of the SDK's `SYSTEM_ROLES` list (S3), and it is the order in which
/// roles of one level are reported when several of them decide.
///
/// ```
/// use accessgate::flows::SystemRole;
///
/// // FlowRunner spells it "NonAuthenticatedUser", the platform "NotAuthenticatedUser" (FR-R12).
/// assert_eq!(SystemRole::from_name("NonAuthenticatedUser"), Some(SystemRole::NotAuthenticatedUser));
/// assert_eq!(SystemRole::NotAuthenticatedUser.name(), "NotAuthenticatedUser");
/// assert_eq!(SystemRole::from_name("Sales"), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SystemRole {
    /// The request carries no user identity (no `user-token`), and is not server code (FR-R6,
    /// FR-R9, FR-R10a). FlowRunner's `NonAuthenticatedUser` is the same role (FR-R12).
    NotAuthenticatedUser = 0,
    /// A user is logged in (FR-R6).
    AuthenticatedUser = 1,
    /// The user logged in through a social network (FR-R6).
    SocialUser = 2,
    /// The user logged in through Facebook (FR-R6).
    FacebookUser = 3,
    /// The user logged in through Google+ (FR-R6).
    GooglePlusUser = 4,
    /// The user logged in through Twitter (FR-R6).
    TwitterUser = 5,
    /// The request used the ActionScript key (FR-R7).
    ASUser = 6,
    /// The request used the Android key (FR-R7).
    AndroidUser = 7,
    /// The request used the .NET key (FR-R7).
    DotNetUser = 8,
    /// The request used the iOS key (FR-R7).
    IOSUser = 9,
    /// The request used the JavaScript key (FR-R7).
    JSUser = 10,
    /// The request used the REST key (FR-R7).
    RestUser = 11,
    /// The request comes from business logic: the CodeRunner key (FR-R7, FR-R10).
    ServerCodeUser = 12,
    /// A guest-login session (FR-R11, low confidence).
    GuestUser = 13,
}

impl SystemRole {
    /// Every system role, in id order.
    pub const ALL: [SystemRole; 14] = [
        SystemRole::NotAuthenticatedUser,
        SystemRole::AuthenticatedUser,
        SystemRole::SocialUser,
        SystemRole::FacebookUser,
        SystemRole::GooglePlusUser,
        SystemRole::TwitterUser,
        SystemRole::ASUser,
        SystemRole::AndroidUser,
        SystemRole::DotNetUser,
        SystemRole::IOSUser,
        SystemRole::JSUser,
        SystemRole::RestUser,
        SystemRole::ServerCodeUser,
        SystemRole::GuestUser,
    ];

    /// The FlowRunner spelling of [`SystemRole::NotAuthenticatedUser`] (FR-R12).
    pub const NON_AUTHENTICATED_ALIAS: &'static str = "NonAuthenticatedUser";

    /// The platform name of the role (S3).
    pub fn name(self) -> &'static str {
        match self {
            SystemRole::NotAuthenticatedUser => "NotAuthenticatedUser",
            SystemRole::AuthenticatedUser => "AuthenticatedUser",
            SystemRole::SocialUser => "SocialUser",
            SystemRole::FacebookUser => "FacebookUser",
            SystemRole::GooglePlusUser => "GooglePlusUser",
            SystemRole::TwitterUser => "TwitterUser",
            SystemRole::ASUser => "ASUser",
            SystemRole::AndroidUser => "AndroidUser",
            SystemRole::DotNetUser => "DotNetUser",
            SystemRole::IOSUser => "IOSUser",
            SystemRole::JSUser => "JSUser",
            SystemRole::RestUser => "RestUser",
            SystemRole::ServerCodeUser => "ServerCodeUser",
            SystemRole::GuestUser => "GuestUser",
        }
    }

    /// The system role called `name`, accepting both spellings of the non-authenticated role
    /// (FR-R12). Names are case-sensitive.
    pub fn from_name(name: &str) -> Option<SystemRole> {
        if name == Self::NON_AUTHENTICATED_ALIAS {
            return Some(SystemRole::NotAuthenticatedUser);
        }
        Self::ALL.into_iter().find(|r| r.name() == name)
    }

    /// The role's bit in a [`RoleMask`].
    #[inline]
    pub(crate) fn bit(self) -> u16 {
        1 << (self as u16)
    }

    /// The role whose id is `index`, if any.
    pub(crate) fn from_index(index: u32) -> Option<SystemRole> {
        Self::ALL.get(index as usize).copied()
    }
}

impl fmt::Display for SystemRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of system roles, one bit per [`SystemRole`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct RoleMask(pub(crate) u16);

impl RoleMask {
    /// The empty set.
    pub(crate) const EMPTY: RoleMask = RoleMask(0);

    /// The set holding only `role`.
    pub(crate) fn of(role: SystemRole) -> RoleMask {
        RoleMask(role.bit())
    }

    /// Adds `role`; returns whether it was new.
    pub(crate) fn insert(&mut self, role: SystemRole) -> bool {
        let fresh = self.0 & role.bit() == 0;
        self.0 |= role.bit();
        fresh
    }

    /// Whether `role` is in the set.
    #[inline]
    pub(crate) fn contains(self, role: SystemRole) -> bool {
        self.0 & role.bit() != 0
    }

    /// The union of two sets.
    #[inline]
    pub(crate) fn union(self, other: RoleMask) -> RoleMask {
        RoleMask(self.0 | other.0)
    }

    /// The first role (in [`SystemRole`] order) in both sets.
    #[inline]
    pub(crate) fn first_common(self, other: RoleMask) -> Option<SystemRole> {
        let both = self.0 & other.0;
        if both == 0 {
            None
        } else {
            SystemRole::from_index(both.trailing_zeros())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every role's name reads back as that role, and ids match positions in `ALL`.
    #[test]
    fn names_round_trip() {
        for (i, role) in SystemRole::ALL.into_iter().enumerate() {
            assert_eq!(SystemRole::from_name(role.name()), Some(role));
            assert_eq!(role as usize, i);
            assert_eq!(SystemRole::from_index(i as u32), Some(role));
        }
        assert_eq!(SystemRole::from_index(14), None);
    }

    /// `first_common` reports the lowest shared role.
    #[test]
    fn first_common_is_lowest() {
        let mut a = RoleMask::EMPTY;
        a.insert(SystemRole::JSUser);
        a.insert(SystemRole::AuthenticatedUser);
        let mut b = RoleMask::of(SystemRole::JSUser);
        assert_eq!(a.first_common(b), Some(SystemRole::JSUser));
        b.insert(SystemRole::AuthenticatedUser);
        assert_eq!(a.first_common(b), Some(SystemRole::AuthenticatedUser));
        assert_eq!(a.first_common(RoleMask::EMPTY), None);
        assert!(!a.insert(SystemRole::JSUser));
        assert!(a.contains(SystemRole::JSUser));
        assert_eq!(a.union(b), a);
    }
}
