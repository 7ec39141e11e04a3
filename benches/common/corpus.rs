//! The benchmark corpus: the example and test-case queries repeated to at least 1 MB.

/// One file of realistic queries, at least 1 MB, that compiles without errors: annotations are
/// dropped (names would repeat) and parameters are bound by [`params`].
pub(crate) fn corpus() -> String {
    let mut pieces = Vec::new();
    for dir in ["examples", "tests/cases"] {
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .expect("run from the crate root")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "dql"))
            .collect();
        paths.sort();
        for p in paths {
            let text = std::fs::read_to_string(&p).expect("readable");
            let body: Vec<&str> = text.lines().filter(|l| !l.starts_with("-- @")).collect();
            pieces.push(body.join("\n").trim_end().trim_end_matches(';').to_string());
        }
    }
    let mut out = String::new();
    while out.len() < 1 << 20 {
        for piece in &pieces {
            out.push_str(piece);
            out.push_str(";\n");
        }
    }
    out
}

/// The parameters the test cases use.
#[allow(dead_code, reason = "not every bench binds parameters")]
pub(crate) fn params() -> [(&'static str, &'static str); 6] {
    [
        ("env", "production"),
        ("min", "100"),
        ("limit", "50"),
        ("start", "7d"),
        ("end", "1d"),
        ("project", "frontend"),
    ]
}
