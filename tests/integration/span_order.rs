//! Spans in the parsed trees of the snapshot files increase in pre-order (issue 21 item 10), as
//! ruff's parser tests check theirs: for every file in `tests/cases` and every recovered tree of
//! `tests/errors`, each node's span lies inside its parent's, and its children, read in source
//! order, do not overlap — a list's items (statements, select items, arguments, list values)
//! must already come in that order. A pre-order walk that visits children in source order then
//! sees every span start at or after the one before it.
//!
//! The tree is walked through its `Serialize` form, so every node type is covered without a
//! visitor to keep in step: a node is any object with a `span`. Comments and annotations are
//! trivia beside the tree (a statement's comments may lie before it); they are checked apart:
//! inside the source and in order.

use dql::syntax;
use serde_json::Value;
use std::path::Path;

type Range = (u64, u64);

fn span_of(value: &Value) -> Option<Range> {
    let span = value.get("span")?;
    Some((span.get("start")?.as_u64()?, span.get("end")?.as_u64()?))
}

/// Fields that hold trivia rather than children.
const TRIVIA: [&str; 3] = ["comments", "annotations", "trailing_comments"];

/// The nearest nodes under `value` (through enum wrappers, options and lists), with their path,
/// in serialization order; `ordered` gathers the lists whose items are nodes.
fn children<'v>(
    value: &'v Value,
    path: &str,
    out: &mut Vec<(String, &'v Value)>,
    lists: &mut Vec<Vec<(String, Range)>>,
) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                if key == "span" || TRIVIA.contains(&key.as_str()) {
                    continue;
                }
                let path = format!("{path}.{key}");
                if span_of(child).is_some() {
                    out.push((path, child));
                } else {
                    children(child, &path, out, lists);
                }
            }
        }
        Value::Array(items) => {
            let mut list = Vec::new();
            for (idx, item) in items.iter().enumerate() {
                let path = format!("{path}[{idx}]");
                match span_of(item) {
                    Some(range) => {
                        list.push((path.clone(), range));
                        out.push((path, item));
                    }
                    None => children(item, &path, out, lists),
                }
            }
            lists.push(list);
        }
        _ => {}
    }
}

/// Checks the node `value` (which has a span) and everything under it; returns how many nodes
/// it checked.
fn check_node(value: &Value, path: &str, len: u64, problems: &mut Vec<String>) -> usize {
    let Some((start, end)) = span_of(value) else {
        return 0;
    };
    if start > end || end > len {
        problems.push(format!("{path}: span {start}..{end} outside 0..{len}"));
    }
    let mut kids = Vec::new();
    let mut lists = Vec::new();
    if let Value::Object(map) = value {
        for (key, child) in map {
            if key == "span" || TRIVIA.contains(&key.as_str()) {
                continue;
            }
            let child_path = format!("{path}.{key}");
            if span_of(child).is_some() {
                kids.push((child_path, child));
            } else {
                children(child, &child_path, &mut kids, &mut lists);
            }
        }
    }
    for list in &lists {
        for pair in list.windows(2) {
            let [(a_path, (_, a_end)), (b_path, (b_start, _))] = pair else {
                continue;
            };
            if b_start < a_end {
                problems.push(format!(
                    "{b_path} starts at {b_start}, before the item before it ({a_path}) ends at {a_end}"
                ));
            }
        }
    }
    let mut ranges: Vec<(Range, &str)> = Vec::new();
    for (child_path, child) in &kids {
        let Some((cs, ce)) = span_of(child) else {
            continue;
        };
        if cs < start || ce > end {
            problems.push(format!(
                "{child_path}: span {cs}..{ce} is not inside its parent {path} {start}..{end}"
            ));
        }
        ranges.push(((cs, ce), child_path));
    }
    ranges.sort();
    for pair in ranges.windows(2) {
        let [((_, a_end), a_path), ((b_start, b_end), b_path)] = pair else {
            continue;
        };
        if b_start < a_end {
            problems.push(format!(
                "{b_path} ({b_start}..{b_end}) overlaps its sibling {a_path} (ends at {a_end})"
            ));
        }
    }
    let mut nodes = 1;
    for (child_path, child) in kids {
        nodes += check_node(child, &child_path, len, problems);
    }
    nodes
}

/// Comments: inside the source, each after the one before.
fn check_trivia(value: &Value, path: &str, len: u64, problems: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let path = format!("{path}.{key}");
                if TRIVIA.contains(&key.as_str()) {
                    let mut last_end = 0;
                    for (idx, item) in child.as_array().into_iter().flatten().enumerate() {
                        let Some((start, end)) = span_of(item) else {
                            continue;
                        };
                        if start > end || end > len || start < last_end {
                            problems.push(format!(
                                "{path}[{idx}]: span {start}..{end} is out of order or outside 0..{len}"
                            ));
                        }
                        last_end = end;
                    }
                } else {
                    check_trivia(child, &path, len, problems);
                }
            }
        }
        Value::Array(items) => {
            for (idx, item) in items.iter().enumerate() {
                check_trivia(item, &format!("{path}[{idx}]"), len, problems);
            }
        }
        _ => {}
    }
}

/// Every problem of the tree of the source `text`, and how many nodes it has.
fn problems_of(text: &str) -> (Vec<String>, usize) {
    let source = dql::Source::new("case.dql", text);
    let parsed = syntax::parse(&source);
    let tree = serde_json::to_value(&parsed.file).expect("the tree serializes");
    let len = text.len() as u64;
    let mut problems = Vec::new();
    let nodes = check_node(&tree, "file", len, &mut problems);
    check_trivia(&tree, "file", len, &mut problems);
    (problems, nodes)
}

/// Checks every file of `tests/DIR`; returns how many files and nodes it checked.
fn check_dir(dir: &str) -> (usize, usize) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(dir);
    let mut paths: Vec<_> = std::fs::read_dir(&root)
        .expect("the case folder exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "dql"))
        .collect();
    paths.sort();
    assert!(paths.len() > 10, "{dir}: too few files found in {root:?}");
    let files = paths.len();
    let mut failures = Vec::new();
    let mut nodes = 0;
    for path in paths {
        let text = std::fs::read_to_string(&path).expect("case files are UTF-8");
        let (problems, n) = problems_of(&text);
        nodes += n;
        for problem in problems {
            failures.push(format!("{}: {problem}", path.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    (files, nodes)
}

#[test]
fn spans_of_every_case_nest_and_increase() {
    let (files, nodes) = check_dir("cases");
    // The walk reaches into the trees, not only their statements.
    assert!(nodes > 20 * files, "{nodes} nodes in {files} files");
}

#[test]
fn spans_of_every_recovered_tree_nest_and_increase() {
    let (files, nodes) = check_dir("errors");
    assert!(nodes > 3 * files, "{nodes} nodes in {files} files");
}

#[test]
fn the_check_sees_a_child_outside_its_parent_and_siblings_out_of_order() {
    // The checker itself: a tree with a child outside its parent, and one whose list items go
    // backwards, must both be reported.
    let tree: Value = serde_json::json!({
        "span": {"start": 0, "end": 10},
        "items": [
            {"span": {"start": 5, "end": 7}},
            {"span": {"start": 2, "end": 4}},
        ],
        "key": {"node": "k", "span": {"start": 8, "end": 12}},
    });
    let mut problems = Vec::new();
    check_node(&tree, "t", 20, &mut problems);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("t.items[1] starts at 2")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("t.key: span 8..12 is not inside its parent")),
        "{problems:?}"
    );
    // Overlapping siblings in different fields.
    let tree: Value = serde_json::json!({
        "span": {"start": 0, "end": 10},
        "a": {"span": {"start": 0, "end": 6}},
        "b": {"Some": {"span": {"start": 4, "end": 9}}},
    });
    let mut problems = Vec::new();
    check_node(&tree, "t", 20, &mut problems);
    assert!(
        problems.iter().any(|p| p.contains("overlaps its sibling")),
        "{problems:?}"
    );
    // A real tree of a well-formed query has none, and the walk reaches its leaves (the file,
    // the statement, each select item, expression, call name, clause, filter, term, key, …).
    let (problems, nodes) = problems_of(
        "SELECT a, count() FROM errors WHERE x:1 OR (y:[a, b] AND NOT z = 2) ORDER BY -count() LIMIT 5",
    );
    assert_eq!(problems, Vec::<String>::new());
    assert!(nodes > 25, "{nodes} nodes");
}
