//! Keeps `grammar/dql.ebnf` and the parser in step: rule names, keywords in both directions,
//! `/// Grammar:` doc lines of parser functions, and every ```dql block in the docs parses.

use std::collections::BTreeSet;
use std::path::Path;

/// EBNF rules implemented inside another parser function rather than by one of their own,
/// each with the function that does it. Keep it short: a rule listed here is not checked.
const INLINE_RULES: &[(&str, &str)] = &[
    ("clause", "clauses"),
    ("position", "group_item / order_key"),
    ("explicit_key", "key"),
    ("identifier", "alias"),
    ("number", "primary"),
    ("digits", "position"),
    ("word_operand", "token::operand"),
    ("comment", "token::ws"),
    ("element", "filter::sequence"),
    ("term", "filter::sequence"),
    ("wildcard_op", "filter::search_op"),
    ("list_item", "filter::list"),
    ("raw_value", "filter::search_value"),
    ("sql_op", "filter::sql_condition"),
];

fn ebnf() -> String {
    let text = std::fs::read_to_string("grammar/dql.ebnf").expect("grammar/dql.ebnf exists");
    // Drop (* comments *).
    let mut out = String::new();
    let mut rest = text.as_str();
    while let Some(start) = rest.find("(*") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("*)").expect("comment closed") + start + 2;
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// (defined rules, used rule names, quoted terminals)
fn rules() -> (BTreeSet<String>, BTreeSet<String>, BTreeSet<String>) {
    let text = ebnf();
    let mut defined = BTreeSet::new();
    let mut used = BTreeSet::new();
    let mut terminals = BTreeSet::new();
    // Tokenise: identifiers, quoted strings, ? … ? descriptions.
    let mut chars = text.char_indices().peekable();
    let mut tokens: Vec<String> = Vec::new();
    while let Some((idx, c)) = chars.next() {
        match c {
            '"' | '\'' => {
                let mut s = String::new();
                for (_, n) in chars.by_ref() {
                    if n == c {
                        break;
                    }
                    s.push(n);
                }
                terminals.insert(s.clone());
                tokens.push(format!("{c}{s}"));
            }
            '?' => {
                for (_, n) in chars.by_ref() {
                    if n == '?' {
                        break;
                    }
                }
                tokens.push("?".into());
            }
            c if c.is_ascii_lowercase() || c == '_' => {
                let mut end = idx + c.len_utf8();
                while let Some(&(j, n)) = chars.peek() {
                    if n.is_ascii_lowercase() || n == '_' || n.is_ascii_digit() {
                        end = j + 1;
                        chars.next();
                    } else {
                        break;
                    }
                }
                tokens.push(text[idx..end].to_string());
            }
            '=' => tokens.push("=".into()),
            ';' => tokens.push(";".into()),
            _ => {}
        }
    }
    // A definition is `name =` at the start of a statement (after `;` or the beginning).
    let mut at_start = true;
    for (i, tok) in tokens.iter().enumerate() {
        if tok == ";" {
            at_start = true;
            continue;
        }
        let is_ident = tok
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_');
        if at_start && is_ident && tokens.get(i + 1).is_some_and(|t| t == "=") {
            defined.insert(tok.clone());
        } else if is_ident {
            used.insert(tok.clone());
        }
        if tok != "=" {
            at_start = false;
        }
    }
    (defined, used, terminals)
}

#[test]
fn every_rule_is_defined_and_used() {
    let (defined, used, _) = rules();
    let undefined: Vec<_> = used.difference(&defined).collect();
    assert!(
        undefined.is_empty(),
        "grammar/dql.ebnf uses rules it never defines: {undefined:?}"
    );
    let start = ["file".to_string(), "comment".to_string()];
    let unused: Vec<_> = defined
        .iter()
        .filter(|d| !used.contains(*d) && !start.contains(d))
        .collect();
    assert!(
        unused.is_empty(),
        "grammar/dql.ebnf defines rules nothing uses: {unused:?}"
    );
}

#[test]
fn keywords_match_the_parser() {
    let (_, _, terminals) = rules();
    let in_grammar: BTreeSet<&str> = terminals
        .iter()
        .map(String::as_str)
        .filter(|t| t.len() > 1 && t.chars().all(|c| c.is_ascii_uppercase()))
        .collect();
    let in_parser: BTreeSet<&str> = dql::syntax::token::KEYWORDS.iter().copied().collect();
    let missing: Vec<_> = in_parser.difference(&in_grammar).collect();
    let extra: Vec<_> = in_grammar.difference(&in_parser).collect();
    assert!(
        missing.is_empty(),
        "keywords the parser knows but grammar/dql.ebnf lacks: {missing:?}"
    );
    assert!(
        extra.is_empty(),
        "keywords in grammar/dql.ebnf that token::KEYWORDS lacks: {extra:?}"
    );
}

/// `/// Grammar: \`rule\`` lines in src/syntax/**/*.rs.
fn grammar_lines() -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut dirs = vec![std::path::PathBuf::from("src/syntax")];
    let mut files = Vec::new();
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("src/syntax exists") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    for path in files {
        let text = std::fs::read_to_string(&path).expect("readable source");
        for line in text.lines() {
            if let Some(rest) = line.trim().strip_prefix("/// Grammar: `") {
                let name = rest.split('`').next().unwrap_or("");
                names.insert(name.to_string());
            }
        }
    }
    names
}

#[test]
fn parser_functions_name_grammar_rules() {
    let (defined, _, _) = rules();
    let lines = grammar_lines();
    let unknown: Vec<_> = lines.difference(&defined).collect();
    assert!(
        unknown.is_empty(),
        "parser functions name rules that grammar/dql.ebnf lacks (add them there): {unknown:?}"
    );
    let inline: BTreeSet<String> = INLINE_RULES.iter().map(|(r, _)| r.to_string()).collect();
    let lexical = lexical_rules();
    let unimplemented: Vec<_> = defined
        .iter()
        .filter(|r| !lines.contains(*r) && !inline.contains(*r) && !lexical.contains(*r))
        .collect();
    assert!(
        unimplemented.is_empty(),
        "grammar rules with no `/// Grammar:` line in src/syntax (add one, or list the rule in INLINE_RULES): {unimplemented:?}"
    );
    for (rule, _) in INLINE_RULES {
        assert!(
            defined.contains(*rule),
            "INLINE_RULES names `{rule}`, which the grammar lacks"
        );
    }
}

/// Rules of the lexical section (after the `lexical` marker).
fn lexical_rules() -> BTreeSet<String> {
    let text = std::fs::read_to_string("grammar/dql.ebnf").expect("grammar exists");
    let lexical = text.split("---- lexical").nth(1).unwrap_or("");
    lexical
        .lines()
        .filter_map(|l| {
            let (name, _) = l.split_once('=')?;
            let name = name.trim();
            (!name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
                .then(|| name.to_string())
        })
        .collect()
}

fn dql_blocks(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match &mut current {
            None if line.trim_start().starts_with("```dql") => current = Some(String::new()),
            Some(block) if line.trim_start().starts_with("```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
            None => {}
        }
    }
    blocks
}

#[test]
fn doc_examples_parse() {
    let mut n_blocks = 0;
    for path in [
        Path::new("README.md"),
        Path::new("grammar/README.md"),
        Path::new("docs/language.md"),
    ] {
        for block in dql_blocks(path) {
            n_blocks += 1;
            let source = dql::Source::new(path.display().to_string(), block.clone());
            let parsed = dql::syntax::parse(&source);
            let errors: Vec<_> = parsed
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .cloned()
                .collect();
            assert!(
                errors.is_empty(),
                "a ```dql block in {} does not parse:\n{block}\n{}",
                path.display(),
                dql::diagnostic::render(&source, &errors, false, 80)
            );
        }
    }
    assert!(
        n_blocks >= 2,
        "expected ```dql blocks in README.md, grammar/README.md and docs/language.md"
    );
}
