//! Holds the local engine's compact validation (the fast path's first step, which reads every
//! byte of an event line 64 bytes at a time) to serde_json, both ways:
//! - whatever UTF-8 text it takes, serde_json reads (it never takes invalid JSON; UTF-8 is
//!   checked by the engine beside it, over the whole line);
//! - whatever object serde_json reads, written back compactly by serde_json (no white space, no
//!   surrogate escapes, no repeated keys), it takes, with the same number of members, unless
//!   that nests deeper than its limit of 60 or has more than its 96 members.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fn depth(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Object(members) => 1 + members.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

fuzz_target!(|bytes: &[u8]| {
    let taken = dql::engine::compact_members(bytes);
    let read = serde_json::from_slice::<Value>(bytes);
    if taken.is_some() && std::str::from_utf8(bytes).is_ok() {
        assert!(read.is_ok(), "taken but invalid: {}", String::from_utf8_lossy(bytes));
    }
    if let Ok(value @ Value::Object(_)) = read {
        let members = value.as_object().map_or(0, serde_json::Map::len);
        if depth(&value) <= 60 && members <= 96 {
            let compact = serde_json::to_vec(&value).unwrap_or_default();
            assert_eq!(
                dql::engine::compact_members(&compact),
                Some(members),
                "not taken: {}",
                String::from_utf8_lossy(&compact)
            );
        }
    }
});
