//! Many requests at once.

use crate::policy::Policy;
use crate::request::{authorize, Request, Response};

/// Decides every request against one policy; the answers are [`authorize`]'s, in order.
///
/// For record questions with dense ids, [`DataversePolicy::check_many`](crate::dataverse::DataversePolicy::check_many)
/// skips the name lookups, and [`DataversePolicy::accessible`](crate::dataverse::DataversePolicy::accessible)
/// answers "which records of this table" in one scan.
///
/// ```
/// use accessgate::{authorize_many, PolicyDocument, RecordPrivilege, Request};
///
/// let doc: PolicyDocument = serde_json::from_str(r#"{
///   "dataverse": {
///     "business_units": [{"id": "contoso"}],
///     "tables": [{"id": "account"}],
///     "roles": [{"id": "reader", "privileges": {"account": {"Read": "User"}}}],
///     "users": [{"id": "alice", "business_unit": "contoso"}, {"id": "bob", "business_unit": "contoso"}],
///     "role_assignments": [{"principal": {"user": "alice"}, "role": "reader"}],
///     "records": [{"id": "a1", "table": "account", "owner": {"user": "alice"}},
///                 {"id": "b1", "table": "account", "owner": {"user": "bob"}}]
///   }
/// }"#)?;
/// let policy = doc.build()?;
/// let read = |record: &str| Request::record("alice", RecordPrivilege::Read, record);
/// let responses = authorize_many(&policy, &[read("a1"), read("b1")]);
/// assert!(responses[0].decision().is_allow());
/// assert!(!responses[1].decision().is_allow());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn authorize_many(policy: &Policy, requests: &[Request]) -> Vec<Response> {
    requests.iter().map(|r| authorize(policy, r)).collect()
}
