//! Messages we know are poor, asserted as they are today so a fix shows up as a failing test
//! (then move the case into the snapshot suites). Each says what a good message would do.

use crate::common;

/// The text the primary label of the first diagnostic with `code` covers.
fn labelled(text: &str, code: &str) -> String {
    let source = dql::Source::new("bad", text);
    let now = common::NOW.parse().unwrap();
    let compilation = dql::compile_source(&source, &dql::Options::new(now));
    let d = compilation
        .diagnostics
        .iter()
        .find(|d| d.code == code)
        .unwrap_or_else(|| panic!("no {code} in {:?}", compilation.diagnostics));
    d.span().slice(text).unwrap().to_string()
}

#[test]
fn a_project_slug_that_cannot_go_into_a_path_labels_the_statement() {
    // FIXME: the checked SHOW EVENT keeps no span for its project, so the label covers the
    // statement rather than `'front/end'`. (A range that is empty once "now" is known used to
    // do the same; it now labels its SINCE clause — see the snapshot of
    // errors/lower_empty_time_range.dql.)
    let text = "SHOW EVENT 0123456789abcdef0123456789abcdef PROJECT 'front/end'";
    assert_eq!(labelled(text, "dql::lower::bad_path_segment"), text);
}
