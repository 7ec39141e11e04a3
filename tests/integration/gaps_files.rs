//! A query file that cannot be read is a coded diagnostic (`dql::cli::*`) naming the path,
//! with help, and the nearest name in its folder when one is close.

use crate::support::binary::{self, Run};
use std::path::Path;

fn check(dir: &Path, file: &str) -> Run {
    binary::dql(dir, &["check", file], &[], b"")
}

#[test]
fn a_missing_file_suggests_the_nearest_name_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("queries.dql"),
        "SELECT count() FROM errors;\n",
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(
        dir.path().join("sub/top.dql"),
        "SELECT count() FROM errors;\n",
    )
    .unwrap();

    let run = check(dir.path(), "querys.dql");
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("dql::cli::file_not_found"), "{run:?}");
    assert!(run.stderr.contains("querys.dql does not exist"), "{run:?}");
    assert!(
        run.stderr.contains("did you mean `queries.dql`?"),
        "{run:?}"
    );

    let run = check(dir.path(), "sub/tpo.dql");
    assert!(
        run.stderr.contains("did you mean `sub/top.dql`?"),
        "{run:?}"
    );

    let run = check(dir.path(), "nothing-like-it.dql");
    assert!(run.stderr.contains("dql::cli::file_not_found"), "{run:?}");
    assert!(!run.stderr.contains("did you mean"), "{run:?}");
}

#[test]
fn a_directory_is_not_a_query_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("queries")).unwrap();
    let run = check(dir.path(), "queries");
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("dql::cli::file_is_directory"),
        "{run:?}"
    );
    assert!(run.stderr.contains("queries is a directory"), "{run:?}");
}

#[test]
fn a_file_that_is_not_utf8_says_where() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("latin1.dql"),
        b"SELECT count() FROM errors\nWHERE message = 'caf\xe9';\n",
    )
    .unwrap();
    let run = check(dir.path(), "latin1.dql");
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("dql::cli::bad_encoding"), "{run:?}");
    assert!(run.stderr.contains("(line 2) is 0xe9"), "{run:?}");
    assert!(run.stderr.contains("iconv"), "{run:?}");
}
