//! Fuzz target: a JSON `PolicyDocument` and a list of JSON `Request`s.
//!
//! Input: `{"policy": <PolicyDocument>, "requests": [<Request>, ...]}`. Each request is parsed on
//! its own, so one malformed request does not hide the others. The library must never panic or
//! hang: building either succeeds or returns a `BuildError`, and every request gets a response
//! whose explanation renders, whose decision follows its code, and which is the same when asked
//! twice (determinism).

#![no_main]

use accessgate::{authorize, PolicyDocument, Request};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let Some(policy) = value.get("policy") else {
        return;
    };
    let Ok(document) = serde_json::from_value::<PolicyDocument>(policy.clone()) else {
        return;
    };
    let policy = match document.build() {
        Ok(policy) => policy,
        Err(error) => {
            // Errors must render too.
            let _ = error.to_string();
            return;
        }
    };
    let requests = value
        .get("requests")
        .and_then(|r| r.as_array())
        .cloned()
        .unwrap_or_default();
    for request in requests {
        let Ok(request) = serde_json::from_value::<Request>(request) else {
            continue;
        };
        let first = authorize(&policy, &request);
        let again = authorize(&policy, &request);
        assert_eq!(first, again, "authorize is not deterministic");
        let text = first.explain(&policy).to_string();
        let _ = first.code();
        if first.decision().is_allow() {
            assert!(
                !text.starts_with("denied"),
                "allowed, explained as denied: {text}"
            );
        }
    }
});
