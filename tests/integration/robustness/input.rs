//! Non-ASCII values, labels far along a line, byte-order marks and parameter names.

use super::*;

// ---------------------------------------------------------------------------------------------
// 5. Non-ASCII characters in typed values

#[test]
fn a_multibyte_character_in_a_duration_or_size_is_an_error_not_a_panic() {
    for value in ["é", "1é", "éms", "5é%", "ß", "1日", "🦀s"] {
        for key in [
            "transaction.duration",
            "measurements.fcp",
            "tags[bytes,size]",
        ] {
            let text = format!("SELECT count() FROM transactions WHERE {key}:>{value}");
            let compilation = compile(&text, &[]);
            assert!(compilation.has_errors(), "{text}");
            let text = format!("SELECT count() FROM transactions WHERE {key}:>$v");
            assert!(
                compile(&text, &[("v", value)]).has_errors(),
                "{text} with {value}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 6. Labels past column 65,535

#[test]
fn a_label_far_along_one_line_renders_without_panicking() {
    let cases = [
        format!(
            "SELECT count() FROM errors WHERE {}levle:error",
            "a:b ".repeat(22_000)
        ),
        format!(
            "SELECT count() FROM errors WHERE {}levle:error",
            "NOT ".repeat(18_000)
        ),
        format!(
            "SELECT count() FROM errors WHERE message:{} levle:error",
            "é".repeat(70_000)
        ),
    ];
    for text in cases {
        let source = dql::Source::new("q.dql", text.as_str());
        let compilation = compile(&text, &[]);
        assert!(!compilation.diagnostics.is_empty());
        let rendered = dql::diagnostic::render(&source, &compilation.diagnostics, false, 80);
        assert!(rendered.contains("a long line"), "{rendered}");
        assert!(rendered.len() < 100_000, "{} bytes", rendered.len());
    }
}

// ---------------------------------------------------------------------------------------------
// 14. A byte-order mark, and parameter names

#[test]
fn a_byte_order_mark_at_the_start_of_a_query_file_is_ignored() {
    let (_keep, dir) = scratch("");
    std::fs::write(dir.join("q.dql"), "\u{feff}SELECT count() FROM errors\n").unwrap();
    let run = dql(&dir, &["check", "q.dql"], &[], b"");
    assert_eq!(run.code, 0, "{run:?}");
    let run = dql(
        &dir,
        &["check", "-"],
        &[],
        "\u{feff}SELECT count() FROM errors\n".as_bytes(),
    );
    assert_eq!(run.code, 0, "{run:?}");
}

#[test]
fn a_parameter_name_with_a_space_is_refused() {
    let (_keep, dir) = scratch("SELECT count() FROM errors WHERE level:$p\n");
    for bad in ["p q=1", "1p=1", "p-q=1", "é=1"] {
        let run = dql(&dir, &["compile", "q.dql", "--param", bad], &[], b"");
        assert_eq!(run.code, 2, "{bad}: {run:?}");
        assert!(run.stderr.contains("not a parameter name"), "{run:?}");
    }
    let run = dql(&dir, &["compile", "q.dql", "--param", "p=error"], &[], b"");
    assert_eq!(run.code, 0, "{run:?}");
}
