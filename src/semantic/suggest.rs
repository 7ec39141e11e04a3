//! Did-you-mean suggestions over known names, with tested thresholds.
//!
//! One rule everywhere: a case-insensitive exact match wins; otherwise the nearest name by
//! optimal-string-alignment distance (Levenshtein plus adjacent transpositions, so `p59` is
//! one edit from `p95`), if it is within a threshold that grows with the length of the
//! typed name. Far names are never suggested: unknown names are tags in Sentry, and a wrong
//! suggestion is worse than none.

use std::cmp::Reverse;

/// The largest distance at which a name of `len` characters gets a suggestion.
///
/// One or two characters: none (one edit changes half the word: `id` is not a typo of
/// `os`). Up to 4: one edit (`usr` → `user`, `p59` → `p95`). Up to 8: two
/// (`contt()` → `count()`). Longer: three (`transaction.durtion` → `transaction.duration`,
/// `measurements.lpc` → `measurements.lcp`). Three keeps dotted names of different
/// families apart (`browser.name` is five edits from `project.name`).
pub fn max_distance(len: usize) -> usize {
    match len {
        0..=2 => 0,
        3..=4 => 1,
        5..=8 => 2,
        _ => 3,
    }
}

/// The candidate `name` most likely meant, or `None` when no candidate is close.
///
/// A case-insensitive exact match wins (preferring an exact-case one). Among candidates
/// at the smallest distance, ties go to the one sharing the most characters with `name`
/// (a transposition keeps every letter: `p59` → `p95`, not `p50`), then the longest
/// common prefix, then the alphabetically first — so the answer never depends on the
/// order of `candidates`.
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = name.to_lowercase();
    let n_chars = name.chars().count();
    let limit = max_distance(n_chars);
    let mut best: Option<(Rank, &'a str)> = None;
    for candidate in candidates {
        // Lengths that differ by more than the limit are at least that many edits apart:
        // skip them before computing a distance (this runs for every unknown name).
        if candidate.chars().count().abs_diff(n_chars) > limit {
            continue;
        }
        let candidate_lower = candidate.to_lowercase();
        let distance = if candidate_lower == lower {
            0
        } else {
            strsim::osa_distance(&lower, &candidate_lower)
        };
        if distance > limit && candidate_lower != lower {
            continue;
        }
        let rank = Rank {
            distance,
            case_differs: candidate != name,
            shared: Reverse(shared_chars(&lower, &candidate_lower)),
            prefix: Reverse(common_prefix(&lower, &candidate_lower)),
        };
        let better = match &best {
            None => true,
            Some((best_rank, best_name)) => (&rank, candidate) < (best_rank, *best_name),
        };
        if better {
            best = Some((rank, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// Help text for a value outside a small closed set (datasets, output formats, issue
/// sorts, `count_if` conditions, web-vital qualities, `is:` values): the suggestion if
/// one is close, then the full list of valid values.
///
/// `closest_list("error", ["errors", "issues"])` is
/// ``"did you mean `errors`? expected one of `errors` or `issues`"``.
pub fn closest_list<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    let candidates: Vec<&str> = candidates.into_iter().collect();
    let list = one_of(&candidates);
    match suggest(name, candidates.iter().copied()) {
        Some(best) => format!("did you mean `{best}`? expected one of {list}"),
        None => format!("expected one of {list}"),
    }
}

/// The list `a`, `b` or `c`, in the order given.
pub fn one_of(candidates: &[&str]) -> String {
    match candidates.split_last() {
        None => String::from("nothing"),
        Some((last, [])) => format!("`{last}`"),
        Some((last, rest)) => {
            let head: Vec<String> = rest.iter().map(|name| format!("`{name}`")).collect();
            format!("{} or `{last}`", head.join(", "))
        }
    }
}

/// Ordering of candidates: smaller is better.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Rank {
    distance: usize,
    case_differs: bool,
    shared: Reverse<usize>,
    prefix: Reverse<usize>,
}

/// How many characters the two strings have in common, counted with multiplicity.
fn shared_chars(a: &str, b: &str) -> usize {
    let mut rest: Vec<char> = b.chars().collect();
    let mut shared = 0;
    for c in a.chars() {
        if let Some(pos) = rest.iter().position(|&other| other == c) {
            rest.swap_remove(pos);
            shared += 1;
        }
    }
    shared
}

/// The length in characters of the longest common prefix.
fn common_prefix(a: &str, b: &str) -> usize {
    a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::semantic::catalog::Catalog;

    /// Every field name of every dataset plus every function name: what the checker offers.
    fn catalog_names() -> Vec<&'static str> {
        let catalog = Catalog::builtin();
        let mut names: Vec<&str> = Vec::new();
        // The datasets of the events API before the trace-item ones (whose attributes,
        // `browser.name` among them, are named fields).
        for dataset in catalog.dataset_names() {
            if !catalog.is_trace_items(dataset) {
                names.extend(catalog.field_names(dataset));
            }
        }
        names.extend(catalog.function_names());
        names.sort_unstable();
        names.dedup();
        names
    }

    #[test]
    fn suggestions_over_the_catalog() {
        let names = catalog_names();
        // (typed, expected, why)
        let cases: &[(&str, Option<&str>, &str)] = &[
            (
                "transaction.durtion",
                Some("transaction.duration"),
                "one dropped letter",
            ),
            (
                "Transaction.Duration",
                Some("transaction.duration"),
                "case-insensitive exact",
            ),
            (
                "p59",
                Some("p95"),
                "transposition beats the p50/p99 substitutions",
            ),
            (
                "p96",
                Some("p90"),
                "p90, p95, p99 tie on every key; alphabetical order decides",
            ),
            ("usr", Some("user"), "one insertion on a short name"),
            (
                "browser.name",
                None,
                "unknown names are tags; project.name is 5 edits away",
            ),
            ("os.name", None, "a common tag; no field within 2 edits"),
            ("zzzzzz", None, "far from everything"),
            (
                "measurements.lpc",
                Some("measurements.lcp"),
                "transposition in a long name",
            ),
            (
                "count_uniq",
                Some("count_unique"),
                "two dropped letters in a 10-char name",
            ),
            ("COUNT", Some("count"), "function names fold case"),
            ("id", Some("id"), "exact match of a two-letter name"),
            ("ip", None, "two letters get no fuzzy suggestion (not `id`)"),
            ("error.typ", Some("error.type"), "one dropped letter"),
            ("appdex", Some("apdex"), "doubled letter"),
            ("titel", Some("title"), "transposition"),
            (
                "environmnet",
                Some("environment"),
                "transposition in a long name",
            ),
        ];
        for (typed, expected, why) in cases {
            let got = suggest(typed, names.iter().copied());
            assert_eq!(got, *expected, "{typed}: {why}");
        }
    }

    #[test]
    fn thresholds_scale_with_length() {
        assert_eq!(suggest("ab", ["abc"]), None, "2 chars: no fuzzy match");
        assert_eq!(suggest("abc", ["abcd"]), Some("abcd"), "3 chars: 1 edit");
        assert_eq!(suggest("abc", ["abxyz"]), None, "3 chars: 3 edits is far");
        assert_eq!(
            suggest("abcdef", ["abcdxy"]),
            Some("abcdxy"),
            "6 chars: 2 edits"
        );
        assert_eq!(
            suggest("abcdef", ["abxyzf"]),
            None,
            "6 chars: 3 edits is far"
        );
        assert_eq!(
            suggest("abcdefghij", ["abcdefgxyz"]),
            Some("abcdefgxyz"),
            "10 chars: 3 edits"
        );
        assert_eq!(
            suggest("abcdefghij", ["abcdefwxyz"]),
            None,
            "10 chars: 4 edits is far"
        );
    }

    #[test]
    fn exact_case_wins_and_order_does_not_matter() {
        assert_eq!(suggest("Foo", ["foo", "Foo"]), Some("Foo"));
        assert_eq!(suggest("Foo", ["Foo", "foo"]), Some("Foo"));
        assert_eq!(suggest("fooo", ["food", "fool"]), Some("food"));
        assert_eq!(suggest("fooo", ["fool", "food"]), Some("food"));
        assert_eq!(suggest("anything", std::iter::empty()), None);
    }

    #[test]
    fn closed_set_help() {
        let datasets = Catalog::builtin().dataset_names();
        assert_eq!(
            closest_list("error", datasets.iter().copied()),
            "did you mean `errors`? expected one of `discover`, `errors`, `issues`, `logs`, \
             `profile_functions`, `spans`, `tracemetrics`, `transactions` or `uptime_results`"
        );
        assert_eq!(
            closest_list("metrics", datasets.iter().copied()),
            "expected one of `discover`, `errors`, `issues`, `logs`, `profile_functions`, \
             `spans`, `tracemetrics`, `transactions` or `uptime_results`"
        );
        assert_eq!(closest_list("x", ["csv"]), "expected one of `csv`");
        assert_eq!(one_of(&[]), "nothing");
        assert_eq!(one_of(&["a", "b"]), "`a` or `b`");
    }
}
