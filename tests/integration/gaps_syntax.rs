//! A misspelt statement or clause keyword gets a did-you-mean with a machine-applicable fix.

use dql::{Source, syntax};

fn first_error(text: &str) -> serde_json::Value {
    let source = Source::new("q.dql", text);
    let parsed = syntax::parse(&source);
    let first = parsed.diagnostics.first().expect("an error");
    first.to_json(&source)
}

/// The first error of `text` is at `word`, suggests `fix` and carries it as its fix.
fn assert_suggested(text: &str, word: &str, fix: &str) {
    let json = first_error(text);
    let rendered = json.to_string();
    assert_eq!(json["code"], "dql::syntax::unexpected_token", "{rendered}");
    assert!(
        rendered.contains(&format!("did you mean `{fix}`?")),
        "{text}: {rendered}"
    );
    assert!(
        rendered.contains(&format!("unexpected `{word}`")),
        "{rendered}"
    );
    assert!(
        rendered.contains(&format!("\"{fix}\"")),
        "{text}: the fix replaces the word: {rendered}"
    );
}

#[test]
fn a_misspelt_statement_keyword_is_suggested_with_a_fix() {
    for (text, word, fix) in [
        ("SELEC count() FROM errors", "SELEC", "SELECT"),
        ("SLECT count() FROM errors", "SLECT", "SELECT"),
        ("selcet count() from errors", "selcet", "select"),
        ("SHWO EVENT abc", "SHWO", "SHOW"),
        (
            "UPDAT issues SET status = resolved WHERE issue:A-1",
            "UPDAT",
            "UPDATE",
        ),
    ] {
        assert_suggested(text, word, fix);
    }
}

#[test]
fn a_word_far_from_every_keyword_gets_no_suggestion() {
    let rendered = first_error("DELETE FROM errors").to_string();
    assert!(rendered.contains("unexpected `DELETE`"), "{rendered}");
    assert!(!rendered.contains("did you mean"), "{rendered}");
}

#[test]
fn a_misspelt_clause_keyword_is_suggested_with_a_fix() {
    for (text, word, fix) in [
        (
            "SELECT count() FROM errors GROPU BY release",
            "GROPU",
            "GROUP",
        ),
        ("SELECT count() FROM errors limt 5", "limt", "limit"),
        (
            "SELECT count() FROM errors SINCE 1d LIMTI 5",
            "LIMTI",
            "LIMIT",
        ),
        (
            "SELECT release, count() FROM errors GROUP BY release ODRER BY count()",
            "ODRER",
            "ORDER",
        ),
        ("SELECT count() FROM errors SNCE 1d", "SNCE", "SINCE"),
    ] {
        assert_suggested(text, word, fix);
        // One error for the word, not a second "expected a clause" beside it.
        let source = Source::new("q.dql", text);
        assert_eq!(syntax::parse(&source).diagnostics.len(), 1, "{text}");
    }
    let rendered = first_error("SELECT count() FROM errors banana 5").to_string();
    assert!(rendered.contains("unexpected `banana`"), "{rendered}");
    assert!(!rendered.contains("did you mean"), "{rendered}");
}
