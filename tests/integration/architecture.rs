//! The import direction drawn in ARCHITECTURE.md, checked against the source: every `crate::…`
//! path (and, in the binary's files, every `dql::…` path) of every file under `src/` is
//! resolved to the top-level module it names, and no module may name one its row of the rules
//! table forbids. Known violations are listed, each with its reason, in [`ALLOWED`]; any other
//! one fails, and so does an allowed one that is gone (delete its entry then).
//!
//! The test reads source text only (a small lexer that skips comments, strings and character
//! literals), so it links nothing of the crate. ARCHITECTURE.md shows the same two tables;
//! the test checks that they say what the constants here say.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The library's top-level modules (`src/NAME.rs` or `src/NAME/`).
const LIBRARY: &[&str] = &[
    "span",
    "source",
    "diagnostic",
    "result",
    "answer",
    "syntax",
    "semantic",
    "lower",
    "migrate",
    "saved",
    "registry",
    "pipeline",
    "format",
    "chart",
    "client",
    "engine",
    "execute",
    "lsp",
];

/// The binary's modules (`src/main.rs` declares them; they reach the library as `dql::…`).
const BINARY: &[&str] = &[
    "main",
    "cli",
    "commands",
    "repl",
    "progress",
    "live_catalog",
    "terminal",
];

/// Which modules each module never imports. `binary` stands for every module of the binary
/// and `everything` for every module there is. ARCHITECTURE.md shows this table.
const RULES: &[(&str, &str)] = &[
    ("span, source, result", "everything"),
    (
        "diagnostic",
        "result, answer, syntax, semantic, lower, migrate, registry, pipeline, format, chart, client, engine, lsp, saved, execute, binary",
    ),
    (
        "registry",
        "result, answer, syntax, semantic, lower, migrate, pipeline, format, chart, client, engine, lsp, saved, execute, binary",
    ),
    (
        "syntax",
        "result, answer, semantic, lower, migrate, pipeline, format, chart, client, engine, lsp, saved, execute, binary",
    ),
    (
        "semantic",
        "result, answer, lower, migrate, pipeline, format, chart, client, engine, lsp, saved, execute, binary",
    ),
    (
        "answer",
        "syntax, lower, migrate, pipeline, format, chart, client, engine, lsp, saved, execute, binary",
    ),
    (
        "lower",
        "migrate, pipeline, format, chart, client, engine, lsp, saved, execute, binary",
    ),
    (
        "migrate",
        "result, answer, lower, pipeline, format, chart, client, engine, lsp, saved, execute, binary",
    ),
    (
        "format",
        "syntax, semantic, lower, migrate, pipeline, client, engine, lsp, saved, execute, binary",
    ),
    (
        "chart",
        "syntax, semantic, lower, migrate, pipeline, client, engine, lsp, saved, execute, binary",
    ),
    (
        "client",
        "syntax, semantic, migrate, pipeline, format, chart, engine, lsp, saved, execute, binary",
    ),
    (
        "engine",
        "syntax, migrate, pipeline, format, chart, client, lsp, saved, execute, binary",
    ),
    (
        "saved",
        "result, migrate, format, chart, client, engine, lsp, execute, binary",
    ),
    (
        "pipeline",
        "migrate, format, chart, client, lsp, execute, binary",
    ),
    (
        "execute",
        "syntax, semantic, migrate, format, chart, lsp, saved, binary",
    ),
    ("lsp", "format, chart, client, engine, execute, binary"),
    ("commands", "cli"),
    ("repl", "cli, commands"),
    ("progress", "cli, commands, repl"),
    ("live_catalog", "cli, commands, repl, progress"),
    ("terminal", "cli, commands, repl, progress, live_catalog"),
];

/// Known violations: (file under `src/`, module it imports, why it is still there). Each is
/// a deviation ARCHITECTURE.md describes; issue #21 says how each goes away.
const ALLOWED: &[(&str, &str, &str)] = &[(
    "semantic/names.rs",
    "migrate",
    "names the spans column an old transactions field became (migrate::spans_column)",
)];

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// A token of Rust source, as much as paths need.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Ident(String),
    /// `::`
    Path,
    Punct(char),
}

/// Splits Rust source into identifiers, `::` and punctuation, skipping whitespace, comments
/// (nested block comments too), string, byte-string, raw-string and character literals,
/// lifetimes and numbers. Paths inside doc comments and strings are not imports.
fn lex(text: &str) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '/' && at(i + 1) == '/' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if c == '"' {
            i = skip_string(&chars, i + 1);
        } else if (c == 'r' || (c == 'b' && at(i + 1) == 'r'))
            && matches!(at(i + usize::from(c == 'b') + 1), '"' | '#')
            && raw_string_start(&chars, i + usize::from(c == 'b') + 1)
        {
            i = skip_raw_string(&chars, i + usize::from(c == 'b') + 1);
        } else if c == 'b' && at(i + 1) == '"' {
            i = skip_string(&chars, i + 2);
        } else if c == 'b' && at(i + 1) == '\'' {
            i = skip_char(&chars, i + 2);
        } else if c == '\'' {
            // A character literal ('x', '\n', '\u{1F600}') or a lifetime ('a, 'static).
            if at(i + 1) == '\\' || at(i + 2) == '\'' {
                i = skip_char(&chars, i + 1);
            } else {
                i += 1;
                while at(i).is_alphanumeric() || at(i) == '_' {
                    i += 1;
                }
            }
        } else if c.is_ascii_digit() {
            while at(i).is_alphanumeric() || at(i) == '_' || at(i) == '.' && at(i + 1) != '.' {
                i += 1;
            }
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while at(i).is_alphanumeric() || at(i) == '_' {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            // `r#type` is the identifier `type`.
            if word == "r" && at(i) == '#' && (at(i + 1).is_alphabetic() || at(i + 1) == '_') {
                i += 1;
                continue;
            }
            tokens.push(Token::Ident(word));
        } else if c == ':' && at(i + 1) == ':' {
            tokens.push(Token::Path);
            i += 2;
        } else {
            tokens.push(Token::Punct(c));
            i += 1;
        }
    }
    tokens
}

fn skip_string(chars: &[char], mut i: usize) -> usize {
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            '"' => return i + 1,
            _ => i += 1,
        }
    }
    i
}

fn raw_string_start(chars: &[char], mut i: usize) -> bool {
    while chars.get(i) == Some(&'#') {
        i += 1;
    }
    chars.get(i) == Some(&'"')
}

fn skip_raw_string(chars: &[char], mut i: usize) -> usize {
    let mut hashes = 0;
    while chars.get(i) == Some(&'#') {
        hashes += 1;
        i += 1;
    }
    i += 1; // the opening quote
    while i < chars.len() {
        if chars[i] == '"' && (1..=hashes).all(|k| chars.get(i + k) == Some(&'#')) {
            return i + 1 + hashes;
        }
        i += 1;
    }
    i
}

fn skip_char(chars: &[char], mut i: usize) -> usize {
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            '\'' => return i + 1,
            _ => i += 1,
        }
    }
    i
}

/// The first segment of each path a `use` group or a path starting at `tokens[i]` names:
/// `syntax` for `syntax::ast::Key`, `syntax` and `semantic` for `{syntax::parse, semantic}`.
/// A segment followed by `!` is a macro (`codes!`), returned as `name!`.
fn first_segments(tokens: &[Token], i: usize) -> Vec<String> {
    match tokens.get(i) {
        Some(Token::Ident(name)) => {
            if tokens.get(i + 1) == Some(&Token::Punct('!')) {
                vec![format!("{name}!")]
            } else {
                vec![name.clone()]
            }
        }
        Some(Token::Punct('{')) => {
            let mut names = Vec::new();
            let mut depth = 0;
            let mut at_item_start = true;
            for (k, token) in tokens.iter().enumerate().skip(i) {
                match token {
                    Token::Punct('{') => {
                        depth += 1;
                        at_item_start = depth == 1;
                    }
                    Token::Punct('}') => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    Token::Punct(',') if depth == 1 => at_item_start = true,
                    Token::Ident(_) if depth == 1 && at_item_start => {
                        names.extend(first_segments(tokens, k));
                        at_item_start = false;
                    }
                    _ => {}
                }
            }
            names
        }
        _ => Vec::new(),
    }
}

/// The top-level modules the paths starting with `path_prefix` (`crate` or `dql`) name.
fn imports_of(
    tokens: &[Token],
    root_names: &BTreeMap<String, String>,
    path_prefix: &str,
    file: &str,
) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (i, token) in tokens.iter().enumerate() {
        let Token::Ident(word) = token else { continue };
        if word != path_prefix || tokens.get(i + 1) != Some(&Token::Path) {
            continue;
        }
        // `foo::crate` cannot occur; `$crate::…` (in macros) counts as `crate::…`.
        if i > 0 && tokens[i - 1] == Token::Path {
            continue;
        }
        for name in first_segments(tokens, i + 2) {
            if name == "self" {
                continue;
            }
            match root_names.get(&name) {
                Some(module) => {
                    found.insert(module.clone());
                }
                None => panic!(
                    "src/{file}: `{path_prefix}::{name}` names nothing this test knows; add the \
                     module to LIBRARY or BINARY in tests/integration/architecture.rs and to ARCHITECTURE.md"
                ),
            }
        }
    }
    found
}

/// The top-level module a file belongs to: `semantic` for `semantic/names.rs`, `span` for
/// `span.rs`, `None` for `lib.rs`.
fn module_of(file: &str) -> Option<String> {
    let first = file.split('/').next()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (name != "lib").then(|| name.to_owned())
}

/// Names the library's root has besides its modules: `pub use` re-exports and exported
/// macros, each mapped to the module that defines it.
fn library_root_names(src: &Path, files: &[(String, String)]) -> BTreeMap<String, String> {
    let mut names: BTreeMap<String, String> = LIBRARY
        .iter()
        .map(|m| ((*m).to_owned(), (*m).to_owned()))
        .collect();
    let lib = fs::read_to_string(src.join("lib.rs")).unwrap();
    let tokens = lex(&lib);
    for (i, window) in tokens.windows(2).enumerate() {
        if window != [Token::Ident("pub".into()), Token::Ident("use".into())] {
            continue;
        }
        let Some(Token::Ident(module)) = tokens.get(i + 2) else {
            continue;
        };
        if !LIBRARY.contains(&module.as_str()) {
            // An external crate re-exported (`pub use jiff;`): not a module of ours.
            names.insert(module.clone(), "external".to_owned());
            continue;
        }
        let mut k = i + 3;
        let mut depth = 0;
        while let Some(token) = tokens.get(k) {
            match token {
                Token::Punct('{') => depth += 1,
                Token::Punct('}') => depth -= 1,
                Token::Punct(';') if depth == 0 => break,
                Token::Ident(name) if name != "self" => {
                    names.insert(name.clone(), module.clone());
                }
                _ => {}
            }
            k += 1;
        }
    }
    for (file, text) in files {
        let tokens = lex(text);
        for window in tokens.windows(3) {
            let [Token::Ident(kw), Token::Punct('!'), Token::Ident(name)] = window else {
                continue;
            };
            if let (true, Some(module)) = (kw == "macro_rules", module_of(file)) {
                names.insert(format!("{name}!"), module);
            }
        }
    }
    names
}

/// Expands a rules-table cell (`semantic, lower, binary`) to module names.
fn expand(cell: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for name in cell.split(',').map(str::trim) {
        match name {
            "everything" => out.extend(LIBRARY.iter().chain(BINARY).map(|m| (*m).to_owned())),
            "binary" => out.extend(BINARY.iter().map(|m| (*m).to_owned())),
            other => {
                assert!(
                    LIBRARY.contains(&other) || BINARY.contains(&other),
                    "rules table names `{other}`, which is no module"
                );
                out.insert(other.to_owned());
            }
        }
    }
    out
}

/// Every file's imports: file under `src/` → the top-level modules it names.
fn import_graph() -> BTreeMap<String, (String, BTreeSet<String>)> {
    let src = src_dir();
    let mut paths = Vec::new();
    rust_files(&src, &mut paths);
    let files: Vec<(String, String)> = paths
        .iter()
        .map(|p| {
            let rel = p
                .strip_prefix(&src)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, fs::read_to_string(p).unwrap())
        })
        .collect();
    let library_names = library_root_names(&src, &files);
    let binary_names: BTreeMap<String, String> = BINARY
        .iter()
        .map(|m| ((*m).to_owned(), (*m).to_owned()))
        .collect();
    let mut graph = BTreeMap::new();
    for (file, text) in &files {
        let Some(module) = module_of(file) else {
            continue;
        };
        let tokens = lex(text);
        let mut imports = if BINARY.contains(&module.as_str()) {
            let mut both = imports_of(&tokens, &binary_names, "crate", file);
            both.extend(imports_of(&tokens, &library_names, "dql", file));
            both
        } else {
            assert!(
                LIBRARY.contains(&module.as_str()),
                "src/{file} belongs to `{module}`, which tests/integration/architecture.rs does not know: \
                 add it to LIBRARY or BINARY, give it a row in RULES and place it in \
                 ARCHITECTURE.md's code map"
            );
            imports_of(&tokens, &library_names, "crate", file)
        };
        imports.remove(&module);
        imports.remove("external");
        graph.insert(file.clone(), (module, imports));
    }
    graph
}

#[test]
fn no_module_imports_against_the_drawn_direction() {
    let graph = import_graph();
    assert!(
        graph.len() > 50,
        "read only {} files under src/: is the walk broken?",
        graph.len()
    );
    let forbidden: BTreeMap<String, BTreeSet<String>> = RULES
        .iter()
        .flat_map(|(modules, never)| {
            let never = expand(never);
            modules
                .split(',')
                .map(move |m| (m.trim().to_owned(), never.clone()))
        })
        .collect();
    let allowed: BTreeSet<(&str, &str)> = ALLOWED.iter().map(|(f, m, _)| (*f, *m)).collect();
    let mut violations = Vec::new();
    let mut seen_allowed = BTreeSet::new();
    for (file, (module, imports)) in &graph {
        let Some(never) = forbidden.get(module) else {
            continue;
        };
        for target in imports.intersection(never) {
            if allowed.contains(&(file.as_str(), target.as_str())) {
                seen_allowed.insert((file.as_str(), target.as_str()));
            } else {
                violations.push(format!("src/{file} ({module}) imports {target}"));
            }
        }
    }
    assert!(
        violations.is_empty(),
        "imports against the direction ARCHITECTURE.md draws:\n  {}\nMove the code to a module \
         that may import it, or (for a known, planned exception) add it to ALLOWED in \
         tests/integration/architecture.rs and to ARCHITECTURE.md's known deviations, with the reason.",
        violations.join("\n  ")
    );
    let stale: Vec<_> = allowed.difference(&seen_allowed).collect();
    assert!(
        stale.is_empty(),
        "these allowed violations are gone; delete them from ALLOWED in tests/integration/architecture.rs \
         and from ARCHITECTURE.md: {stale:?}"
    );
}

#[test]
fn every_module_has_a_rule_or_is_the_top() {
    // The binary's root and its `cli` may import anything; every other module has a row.
    let ruled: BTreeSet<String> = RULES
        .iter()
        .flat_map(|(modules, _)| modules.split(',').map(|m| m.trim().to_owned()))
        .collect();
    let unruled: Vec<&&str> = LIBRARY
        .iter()
        .chain(BINARY)
        .filter(|m| !ruled.contains(**m) && !matches!(**m, "main" | "cli"))
        .collect();
    assert!(
        unruled.is_empty(),
        "modules without a row in RULES: {unruled:?}"
    );
}

#[test]
fn the_binary_is_layered() {
    // Of any two modules of the binary (its root `main` aside), one never imports the other:
    // the layers form one line (`cli` over `commands` over `repl` …), so no cycle can come back
    // through an entry in ALLOWED alone; it would need a change to RULES, which
    // ARCHITECTURE.md shows.
    let never = |module: &str| -> BTreeSet<String> {
        RULES
            .iter()
            .find(|(modules, _)| modules.split(',').any(|m| m.trim() == module))
            .map(|(_, never)| expand(never))
            .unwrap_or_default()
    };
    let layers: Vec<&str> = BINARY.iter().copied().filter(|m| *m != "main").collect();
    let mut unordered = Vec::new();
    for (i, a) in layers.iter().enumerate() {
        for b in layers.iter().skip(i + 1) {
            if !never(a).contains(*b) && !never(b).contains(*a) {
                unordered.push(format!("{a} and {b}"));
            }
        }
    }
    assert!(
        unordered.is_empty(),
        "modules of the binary that RULES lets import each other: {unordered:?}"
    );
}

/// The rows of the markdown table that follows `marker` in ARCHITECTURE.md, as cells with
/// backticks removed.
fn markdown_table(doc: &str, marker: &str) -> Vec<Vec<String>> {
    let start = doc
        .find(marker)
        .unwrap_or_else(|| panic!("ARCHITECTURE.md has no `{marker}`"));
    doc[start..]
        .lines()
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'))
        .skip(2) // the header and the |---| line
        .map(|line| {
            line.trim_matches('|')
                .split('|')
                .map(|cell| cell.replace('`', "").trim().to_owned())
                .collect()
        })
        .collect()
}

fn architecture_md() -> String {
    fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("ARCHITECTURE.md")).unwrap()
}

#[test]
fn architecture_md_shows_the_rules_this_test_checks() {
    let doc = architecture_md();
    let shown: Vec<(String, String)> = markdown_table(
        &doc,
        "<!-- rules: tests/integration/architecture.rs RULES -->",
    )
    .into_iter()
    .map(|cells| (cells[0].clone(), cells[1].clone()))
    .collect();
    let checked: Vec<(String, String)> = RULES
        .iter()
        .map(|(m, n)| ((*m).to_owned(), (*n).to_owned()))
        .collect();
    assert_eq!(
        shown, checked,
        "ARCHITECTURE.md's rules table and RULES in tests/integration/architecture.rs differ"
    );
    let shown: Vec<(String, String)> = markdown_table(
        &doc,
        "<!-- allowed: tests/integration/architecture.rs ALLOWED -->",
    )
    .into_iter()
    .map(|cells| (cells[0].clone(), cells[1].clone()))
    .collect();
    let checked: Vec<(String, String)> = ALLOWED
        .iter()
        .map(|(f, m, _)| (format!("src/{f}"), (*m).to_owned()))
        .collect();
    assert_eq!(
        shown, checked,
        "ARCHITECTURE.md's known violations and ALLOWED in tests/integration/architecture.rs differ"
    );
}

#[test]
fn the_lexer_sees_paths_in_code_only() {
    let tokens = lex(r####"
        // crate::engine in a comment
        /* crate::client /* nested */ crate::lsp */
        /// crate::format in a doc comment
        let s = "crate::repl \" crate::cli";
        let r = r#"crate::commands "# ;
        let c = '"'; let l: &'static str = "x";
        use crate::{syntax::{ast, parse}, semantic::{self, Catalog}};
        crate::codes! { }
        let x = dql::lower::lower;
    "####);
    let names: BTreeMap<String, String> = ["syntax", "semantic", "codes!"]
        .iter()
        .map(|m| ((*m).to_owned(), (*m).to_owned()))
        .collect();
    let found = imports_of(&tokens, &names, "crate", "test.rs");
    assert_eq!(
        found,
        ["codes!", "semantic", "syntax"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect()
    );
    let lower: BTreeMap<String, String> = [("lower".to_owned(), "lower".to_owned())].into();
    assert_eq!(imports_of(&tokens, &lower, "dql", "test.rs").len(), 1);
}
