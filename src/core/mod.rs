//! The shared core: privileges, access levels, interned ids, trees and decisions.
//!
//! Nothing here knows about a particular permission system; the three system modules build on it.

mod access_level;
pub(crate) mod csr;
mod decision;
pub(crate) mod id;
mod interner;
mod privilege;
mod record_privilege;
pub(crate) mod setters;
pub(crate) mod strict_map;
pub(crate) mod tree;

pub use access_level::AccessLevel;
pub use decision::Decision;
pub use privilege::{Privilege, UnknownPrivilege};
pub use record_privilege::{NotOneRecordPrivilege, RecordPrivilege};
