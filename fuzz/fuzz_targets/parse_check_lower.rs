//! Feeds arbitrary text through every pure stage (parse, check, lower, print, render): none
//! may panic, whatever the input. Text after a NUL is bound as the value of `$v`, so hostile
//! `--param` values are fuzzed too.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let (query, param) = text.split_once('\0').unwrap_or((text, ""));
    let source = dql::Source::new("fuzz", query);
    let parsed = dql::syntax::parse(&source);
    let _ = parsed.file.to_string();
    let _ = dql::syntax::parse_search(query);
    let now = jiff::Timestamp::UNIX_EPOCH;
    let mut options = dql::Options::new(now);
    options.params.bind("v", param);
    let compilation = dql::compile_source(&source, &options);
    let _ = dql::diagnostic::render(&source, &compilation.diagnostics, false, 80);
});
