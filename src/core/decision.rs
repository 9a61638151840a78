//! The two possible answers.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Allow or deny. Everything not explicitly allowed is denied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// The principal may perform the action.
    Allow,
    /// The principal may not perform the action, or the request could not be decided safely.
    Deny,
}

impl Decision {
    /// `true` for [`Decision::Allow`].
    #[inline]
    pub fn is_allow(self) -> bool {
        matches!(self, Decision::Allow)
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Decision::Allow => "allow",
            Decision::Deny => "deny",
        })
    }
}
