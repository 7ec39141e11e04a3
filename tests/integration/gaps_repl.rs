//! `.set dataset transactions` in the REPL warns as `dql check` does of a statement over it
//! (`dql::migrate::deprecated_dataset`), on sentry.io only.

use crate::support::pty::{self, leave, run};

#[test]
fn setting_a_deprecated_dataset_warns_on_sentry_io_only() {
    let dir = tempfile::tempdir().unwrap();
    // No Sentry configured: sentry.io.
    let mut repl = pty::spawn(dir.path(), false, &[], &[]);
    let printed = run(
        &mut repl,
        ".set dataset transactions",
        "dataset = transactions",
    );
    assert!(
        printed.contains("dql::migrate::deprecated_dataset"),
        "{printed}"
    );
    assert!(
        printed.contains("`transactions` is deprecated on sentry.io"),
        "{printed}"
    );
    assert!(printed.contains(".set dataset spans"), "{printed}");
    let printed = run(&mut repl, ".set dataset spans", "dataset = spans");
    assert!(!printed.contains("deprecated"), "{printed}");
    leave(repl);

    let dir = tempfile::tempdir().unwrap();
    let mut repl = pty::spawn(
        dir.path(),
        false,
        &[],
        &[("SENTRY_URL", "https://sentry.example.com")],
    );
    let printed = run(
        &mut repl,
        ".set dataset transactions",
        "dataset = transactions",
    );
    let printed = printed + &run(&mut repl, ".set since 24h", "since = 24h");
    assert!(!printed.contains("deprecated"), "{printed}");
    leave(repl);
}
