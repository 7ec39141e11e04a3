//! Feeds arbitrary text through every pure stage: none may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let source = dql::Source::new("fuzz", text);
    let parsed = dql::syntax::parse(&source);
    // Printing what parsed must not panic either.
    let _ = parsed.file.to_string();
    let _ = dql::syntax::parse_search(text);
});
