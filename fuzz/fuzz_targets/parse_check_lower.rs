//! Feeds arbitrary text through every pure stage (parse, check, lower, print, render): none
//! may panic, whatever the input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let source = dql::Source::new("fuzz", text);
    let parsed = dql::syntax::parse(&source);
    let _ = parsed.file.to_string();
    let _ = dql::syntax::parse_search(text);
    let now = jiff::Timestamp::UNIX_EPOCH;
    let compilation = dql::compile_source(&source, &dql::Options::new(now));
    let _ = dql::diagnostic::render(&source, &compilation.diagnostics, false, 80);
});
