//! The line editor's helper: syntax highlighting and tab completion. Lines are gathered into
//! inputs by the loop (`lex::Gather`), so that every line of a query gets the continuation
//! prompt.

use super::lex::{self, Kind};
use super::settings::KEYS;
use dql::Source;
use dql::format::Format;
use dql::semantic::catalog::Catalog;
use dql::syntax::token::{KEYWORDS, is_name_char};
use rustyline::completion::Completer;
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::Hinter;
use rustyline::validate::Validator;
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Asks Sentry for the values of a key (`key`, text the value contains, dataset), for
/// completion when the REPL is connected; any failure is an empty answer.
#[derive(Clone)]
pub(crate) struct Remote(pub(crate) Arc<AskValues>);

/// `(key, text the value contains, dataset) -> values`.
pub(crate) type AskValues = dyn Fn(&str, &str, Option<&str>) -> Vec<String>;

/// A question to [`Remote`]: key, typed text, dataset.
type Question = (String, String, Option<String>);

impl std::fmt::Debug for Remote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Remote")
    }
}

/// The meta-commands, for completion and "did you mean".
pub(crate) const COMMANDS: [&str; 21] = [
    ".help",
    ".quit",
    ".exit",
    ".format",
    ".set",
    ".unset",
    ".params",
    ".param",
    ".compile",
    ".cost",
    ".timing",
    ".describe",
    ".functions",
    ".width",
    ".pager",
    ".expanded",
    ".edit",
    ".output",
    ".once",
    ".last",
    ".watch",
];

const KEYWORD: &str = "\x1b[1;34m";
const FUNCTION: &str = "\x1b[35m";
const FIELD: &str = "\x1b[36m";
const STRING: &str = "\x1b[32m";
const NUMBER: &str = "\x1b[33m";
const COMMENT: &str = "\x1b[90m";
const ERROR: &str = "\x1b[4;31m";
const COMMAND: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

/// Highlighting and completion state; the REPL refreshes it after every input.
#[derive(Debug, Clone, Default)]
pub(crate) struct Helper {
    /// Emit colour (a terminal, and `NO_COLOR` unset).
    pub(crate) colour: bool,
    /// The session's default dataset, whose fields complete when the input names none.
    pub(crate) dataset: Option<String>,
    /// Tag names seen in earlier results.
    pub(crate) tags: BTreeSet<String>,
    /// Values seen in earlier results, by field or tag name, for completion after `key:`.
    pub(crate) values: BTreeMap<String, BTreeSet<String>>,
    /// The earlier lines of the query being typed (its `FROM` may be there).
    pub(crate) pending: String,
    /// Sentry's tag values endpoint, when connected.
    pub(crate) remote: Option<Remote>,
    /// Its answers so far, by (key, typed text, dataset): one request per completion asked.
    pub(crate) asked: RefCell<BTreeMap<Question, Vec<String>>>,
}

impl rustyline::Helper for Helper {}

impl Hinter for Helper {
    type Hint = String;
}

/// Every line is accepted as typed: the loop decides when an input is complete.
impl Validator for Helper {}

impl Highlighter for Helper {
    fn highlight<'l>(&self, line: &'l str, _pos: usize) -> Cow<'l, str> {
        if !self.colour {
            return Cow::Borrowed(line);
        }
        Cow::Owned(highlight(line, &self.tags))
    }

    fn highlight_char(&self, _line: &str, _pos: usize, _kind: CmdKind) -> bool {
        self.colour
    }
}

impl Completer for Helper {
    type Candidate = String;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &rustyline::Context<'_>,
    ) -> rustyline::Result<(usize, Vec<String>)> {
        Ok(self.candidates(line, pos))
    }
}

impl Helper {
    /// Where the word under the cursor starts and what could replace it.
    pub(crate) fn candidates(&self, line: &str, pos: usize) -> (usize, Vec<String>) {
        let Some(before) = line.get(..pos) else {
            return (pos, Vec::new());
        };
        let start = before
            .char_indices()
            .rev()
            .take_while(|&(_, c)| is_name_char(c) || c == '.' || c == '$')
            .last()
            .map_or(pos, |(idx, _)| idx);
        let word = before.get(start..).unwrap_or("");
        let catalog = crate::live_catalog::catalog();
        let earlier: Vec<&str> = before
            .get(..start)
            .unwrap_or("")
            .split_whitespace()
            .collect();
        let whole = format!("{}{line}", self.pending);
        if let Some((key, value_start, sql)) = value_context(before, start) {
            let typed = before.get(value_start..).unwrap_or("");
            let dataset = dataset_in(&whole).or(self.dataset.clone());
            let bare = typed.trim_start_matches(['"', '\'']);
            let mut raw = self.values_of(key, dataset.as_deref());
            raw.extend(self.remote_values(key, bare, dataset.as_deref()));
            // A value that needs quotes still matches what was typed without them.
            let lower = bare.to_lowercase();
            let mut found: Vec<String> = raw
                .iter()
                .filter(|v| v.to_lowercase().starts_with(&lower))
                .map(|v| if sql { sql_value(v) } else { search_value(v) })
                .collect();
            found.sort();
            found.dedup();
            return (value_start, found);
        }

        let mut found: Vec<String> = if before.trim_start().starts_with('.') {
            meta_candidates(&earlier, word)
        } else if earlier
            .last()
            .is_some_and(|w| w.eq_ignore_ascii_case("FROM"))
        {
            owned(catalog.dataset_names())
        } else {
            let upper = !word.chars().any(|c| c.is_ascii_lowercase());
            let mut all: Vec<String> = KEYWORDS
                .iter()
                .map(|k| {
                    if upper {
                        (*k).to_owned()
                    } else {
                        k.to_ascii_lowercase()
                    }
                })
                .collect();
            let dataset = dataset_in(&whole).or(self.dataset.clone());
            // The functions and fields of the dataset named by FROM (with the organization's
            // cached attributes, `dql catalog pull`), or of every dataset before one is named.
            let functions = match &dataset {
                Some(dataset) => catalog.function_names_in(dataset),
                None => catalog.function_names(),
            };
            all.extend(functions.into_iter().map(|f| format!("{f}(")));
            match dataset {
                Some(dataset) => all.extend(owned(catalog.field_names(&dataset))),
                None => {
                    for dataset in catalog.dataset_names() {
                        all.extend(owned(catalog.field_names(dataset)));
                    }
                }
            }
            all.extend(self.tags.iter().cloned());
            all
        };
        let lower = word.to_lowercase();
        found.retain(|c| c.to_lowercase().starts_with(&lower));
        found.sort();
        found.dedup();
        (start, found)
    }
}

impl Helper {
    /// The values Sentry knows for `key` containing `typed`, asked once per (key, text,
    /// dataset), when connected.
    fn remote_values(&self, key: &str, typed: &str, dataset: Option<&str>) -> Vec<String> {
        let Some(Remote(ask)) = &self.remote else {
            return Vec::new();
        };
        let key = key.trim_start_matches('!');
        if key == "has" || Catalog::builtin().issue_search_key(key).is_some() {
            return Vec::new();
        }
        let plain = plain_key(key);
        let id = (
            plain.to_owned(),
            typed.to_owned(),
            dataset.map(str::to_owned),
        );
        if let Some(known) = self.asked.borrow().get(&id) {
            return known.clone();
        }
        let found = ask(plain, typed, dataset);
        self.asked.borrow_mut().insert(id, found.clone());
        found
    }

    /// What may follow `key:`: the values the catalog knows for it (`is:`, `status:`, booleans;
    /// field names after `has:`), and the values earlier results held.
    fn values_of(&self, key: &str, dataset: Option<&str>) -> Vec<String> {
        // The loaded catalog: `has:` offers the organization's cached attributes too, and a
        // cached boolean attribute its `true`/`false`, before any result has shown them.
        let catalog = crate::live_catalog::catalog();
        let key = key.trim_start_matches('!');
        let mut found: Vec<String> = Vec::new();
        if key == "has" {
            match dataset {
                Some(dataset) => found.extend(owned(catalog.field_names(dataset))),
                None => {
                    for dataset in catalog.dataset_names() {
                        found.extend(owned(catalog.field_names(dataset)));
                    }
                }
            }
            found.extend(self.tags.iter().cloned());
            return found;
        }
        if let Some(issue_key) = catalog.issue_search_key(key) {
            found.extend(issue_key.values.iter().cloned());
        }
        let boolean = dql::semantic::field_type::FieldType::Boolean;
        let is_boolean = match dataset {
            // `tags[x,boolean]` too, on the datasets that type their attributes.
            Some(dataset) => {
                catalog.search_key_type(dataset, key) == Some(boolean)
                    || catalog.field(dataset, key).is_some_and(|f| f.ty == boolean)
            }
            None => catalog.lookup_field(key).is_some_and(|f| f.ty == boolean),
        };
        if is_boolean {
            found.extend(["true".to_owned(), "false".to_owned()]);
        }
        let plain = plain_key(key);
        if let Some(seen) = self.values.get(plain) {
            found.extend(seen.iter().cloned());
        }
        found
    }
}

/// A value as a search term writes it: bare when it can be, else in double quotes.
fn search_value(value: &str) -> String {
    let bare = !value.is_empty()
        && !value.starts_with(['!', '-', '"'])
        && !value.contains(|c: char| {
            c.is_whitespace() || matches!(c, '"' | '(' | ')' | ',' | '[' | ']' | ';')
        });
    if bare {
        value.to_owned()
    } else {
        format!("\"{}\"", value.replace('"', "\\\""))
    }
}

/// A value as an SQL condition writes it: in single quotes, `''` for a quote.
fn sql_value(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// When the cursor is in the value of a `key:value` term, or in the `'…'` value of an SQL
/// condition (`key = '…`, `key != '…`, `key IN ('a', '…`): the key, where the value (with its
/// opening quote, if any) starts, and whether it is SQL-style.
fn value_context(before: &str, word_start: usize) -> Option<(&str, usize, bool)> {
    let head = before.get(..word_start)?;
    // Inside an open `'…` value: an SQL condition.
    if head.matches('\'').count() % 2 == 1 {
        let quote = head.rfind('\'')?;
        let lhs = head.get(..quote)?.trim_end();
        let lhs = match ["!=", "<>", "="].iter().find_map(|op| lhs.strip_suffix(op)) {
            Some(lhs) => lhs,
            None => {
                // `IN (` or `IN ('a', `: back to the list's `(`.
                let open = lhs.rfind('(')?;
                let items = lhs.get(open + 1..)?;
                if items.contains(')')
                    || !(items.trim().is_empty() || items.trim_end().ends_with(','))
                {
                    return None;
                }
                let before_list = lhs.get(..open)?.trim_end();
                let len = before_list.len();
                let word = before_list.get(len.checked_sub(2)?..)?;
                if !word.eq_ignore_ascii_case("IN") {
                    return None;
                }
                let rest = before_list.get(..len - 2)?.trim_end();
                let upper = rest.to_ascii_uppercase();
                match upper.strip_suffix("NOT") {
                    Some(_) => rest.get(..rest.len() - 3)?,
                    None => rest,
                }
            }
        };
        let key = trailing_key(lhs.trim_end())?;
        return Some((key, quote, true));
    }
    // Inside an open `"…` value, the value starts at its quote.
    let value_start = if head.matches('"').count() % 2 == 1 {
        head.rfind('"')?
    } else {
        word_start
    };
    let head = head.get(..value_start)?.strip_suffix(':')?;
    let key = trailing_key(head)?;
    (!key.trim_start_matches('!').is_empty()).then_some((key, value_start, false))
}

/// The key that `text` ends with (`browser.name`, `tags[x]`, `!level`).
fn trailing_key(text: &str) -> Option<&str> {
    // A typed attribute, `tags[is_vip,boolean]`: its brackets hold a comma.
    if let Some(open) = text.strip_suffix(']').and_then(|inner| inner.rfind('[')) {
        let head = text.get(..open)?;
        let name_start = head
            .char_indices()
            .rev()
            .take_while(|&(_, c)| is_name_char(c) || matches!(c, '.' | '!'))
            .last()
            .map(|(idx, _)| idx)?;
        return text.get(name_start..);
    }
    let key_start = text
        .char_indices()
        .rev()
        .take_while(|&(_, c)| is_name_char(c) || matches!(c, '.' | '[' | ']' | '!'))
        .last()
        .map(|(idx, _)| idx)?;
    text.get(key_start..)
}

/// The tag a key names: `tags[x]` and `tags[x,number]` are `x`.
fn plain_key(key: &str) -> &str {
    match key.strip_prefix("tags[").and_then(|k| k.strip_suffix(']')) {
        Some(inner) => inner.split_once(',').map_or(inner, |(name, _)| name.trim()),
        None => key,
    }
}

fn owned(names: Vec<&str>) -> Vec<String> {
    names.into_iter().map(str::to_owned).collect()
}

/// Completions after a meta-command.
fn meta_candidates(earlier: &[&str], word: &str) -> Vec<String> {
    let names = |items: &[&str]| items.iter().map(|s| (*s).to_owned()).collect();
    match earlier {
        [] => names(&COMMANDS),
        [".format"] => Format::ALL.iter().map(|f| f.name().to_owned()).collect(),
        [".set" | ".unset"] => names(&KEYS),
        [".set", "dataset"] => owned(Catalog::builtin().dataset_names()),
        [".compile" | ".timing" | ".pager"] => names(&["on", "off"]),
        [".expanded"] => names(&["on", "off", "auto"]),
        [".width"] => names(&["auto", "off"]),
        [".last"] => Format::ALL.iter().map(|f| f.name().to_owned()).collect(),
        _ => {
            let _ = word;
            Vec::new()
        }
    }
}

/// The dataset named by a `FROM` in the input, when it is a known one.
fn dataset_in(line: &str) -> Option<String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let names = Catalog::builtin().dataset_names();
    words.windows(2).find_map(|pair| match pair {
        [from, name] if from.eq_ignore_ascii_case("FROM") => names
            .iter()
            .find(|n| n.eq_ignore_ascii_case(name.trim_end_matches(';')))
            .map(|n| (*n).to_owned()),
        _ => None,
    })
}

/// The input with ANSI colours: keywords, functions, fields and tags, strings, numbers,
/// comments, and syntax errors that are not merely the input being unfinished.
pub(crate) fn highlight(line: &str, tags: &BTreeSet<String>) -> String {
    if line.trim_start().starts_with('.') {
        let start = line.len() - line.trim_start().len();
        let end = line
            .get(start..)
            .and_then(|rest| rest.find(char::is_whitespace))
            .map_or(line.len(), |len| start + len);
        let (head, rest) = line.split_at(end);
        let (space, command) = head.split_at(start);
        return format!("{space}{COMMAND}{command}{RESET}{rest}");
    }
    let catalog = crate::live_catalog::catalog();
    let errors = error_ranges(line);
    let tokens = lex::tokens(line);
    let mut out = String::with_capacity(line.len() * 2);
    for (idx, token) in tokens.iter().enumerate() {
        let text = line.get(token.start..token.end).unwrap_or("");
        let in_error = errors
            .iter()
            .any(|&(start, end)| token.start < end.max(start + 1) && start < token.end);
        let next_is_paren = tokens.get(idx + 1).and_then(|t| line.get(t.start..t.end)) == Some("(");
        let style = if in_error && token.kind != Kind::Space {
            Some(ERROR)
        } else {
            match token.kind {
                Kind::Space | Kind::Punct => None,
                Kind::Comment => Some(COMMENT),
                Kind::String => Some(STRING),
                Kind::Number | Kind::Param => Some(NUMBER),
                Kind::Word if next_is_paren && catalog.function(text).is_some() => Some(FUNCTION),
                Kind::Word if KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(text)) => {
                    Some(KEYWORD)
                }
                Kind::Word if catalog.lookup_field(text).is_some() || tags.contains(text) => {
                    Some(FIELD)
                }
                Kind::Word => None,
            }
        };
        match style {
            Some(style) => {
                out.push_str(style);
                out.push_str(text);
                out.push_str(RESET);
            }
            None => out.push_str(text),
        }
    }
    out
}

/// Byte ranges of syntax errors that end before the input does (an error at the very end is
/// usually just an input still being typed).
fn error_ranges(line: &str) -> Vec<(usize, usize)> {
    let typed_end = line.trim_end().len();
    let parsed = dql::syntax::parse(&Source::new("<input>", line));
    parsed
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| (d.span().start as usize, d.span().end as usize))
        .filter(|&(start, end)| end < typed_end && start < typed_end)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn strip(text: &str) -> String {
        let mut out = String::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                for c in chars.by_ref() {
                    if c == 'm' {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn highlights_each_kind() {
        let tags = BTreeSet::from(["customer".to_owned()]);
        let got = highlight(
            "SELECT p95(transaction.duration), customer FROM transactions SINCE 'a' -- hi",
            &tags,
        );
        for piece in [
            format!("{KEYWORD}SELECT{RESET}"),
            format!("{FUNCTION}p95{RESET}"),
            format!("{FIELD}transaction.duration{RESET}"),
            format!("{FIELD}customer{RESET}"),
            format!("{STRING}'a'{RESET}"),
            format!("{COMMENT}-- hi{RESET}"),
        ] {
            assert!(got.contains(&piece), "{piece:?} not in {got:?}");
        }
    }

    #[test]
    fn marks_errors_but_not_unfinished_input() {
        let got = highlight(
            "SELECT count() FROM errors LIMIT LIMIT 5;",
            &BTreeSet::new(),
        );
        assert!(got.contains(ERROR), "{got:?}");
        let unfinished = highlight("SELECT count() FROM errors WHERE", &BTreeSet::new());
        assert!(!unfinished.contains(ERROR), "{unfinished:?}");
    }

    #[test]
    fn completes_keywords_in_the_case_typed() {
        let helper = Helper::default();
        assert_eq!(helper.candidates("SEL", 3), (0, vec!["SELECT".to_owned()]));
        assert_eq!(helper.candidates("sel", 3), (0, vec!["select".to_owned()]));
    }

    #[test]
    fn completes_datasets_after_from() {
        let helper = Helper::default();
        let (start, found) = helper.candidates("SELECT count() FROM tr", 22);
        assert_eq!(start, 20);
        assert_eq!(found, ["tracemetrics", "transactions"]);
    }

    #[test]
    fn completes_fields_functions_and_tags() {
        let helper = Helper {
            tags: BTreeSet::from(["customer_tier".to_owned()]),
            ..Helper::default()
        };
        let line = "SELECT transaction.du";
        let (_, found) = helper.candidates(line, line.len());
        assert!(
            found.contains(&"transaction.duration".to_owned()),
            "{found:?}"
        );
        let (_, found) = helper.candidates("SELECT p9", 9);
        assert!(found.contains(&"p95(".to_owned()), "{found:?}");
        let (_, found) = helper.candidates("SELECT count() WHERE customer_", 30);
        assert_eq!(found, ["customer_tier"]);
    }

    #[test]
    fn completes_values_after_a_key_never_field_names() {
        let helper = Helper {
            values: BTreeMap::from([(
                "browser.name".to_owned(),
                BTreeSet::from([
                    "Chrome".to_owned(),
                    "Chrome Mobile".to_owned(),
                    "Firefox".to_owned(),
                ]),
            )]),
            ..Helper::default()
        };
        let line = "SELECT count() FROM errors WHERE browser.name:Ch";
        assert_eq!(
            helper.candidates(line, line.len()),
            (
                46,
                vec!["\"Chrome Mobile\"".to_owned(), "Chrome".to_owned()]
            )
        );
        let line = "SELECT count() FROM errors WHERE browser.name:\"Chrome M";
        assert_eq!(
            helper.candidates(line, line.len()),
            (46, vec!["\"Chrome Mobile\"".to_owned()])
        );
        // Catalog values before any result: `is:` and `has:` (which takes field names).
        let (_, found) = helper.candidates("SELECT count() FROM issues WHERE is:unre", 40);
        assert_eq!(found, ["unresolved"]);
        let line = "SELECT count() FROM transactions WHERE has:transaction.du";
        let (_, found) = helper.candidates(line, line.len());
        assert_eq!(found, ["transaction.duration"]);
        // A key with no known values offers nothing rather than field names.
        let line = "SELECT count() FROM errors WHERE message:tr";
        assert_eq!(helper.candidates(line, line.len()).1, Vec::<String>::new());
    }

    #[test]
    fn completes_sql_style_values_in_single_quotes() {
        let helper = Helper {
            values: BTreeMap::from([(
                "browser.name".to_owned(),
                BTreeSet::from(["Chrome".to_owned(), "O'Browser".to_owned()]),
            )]),
            ..Helper::default()
        };
        for (line, want) in [
            (
                "SELECT count() FROM errors WHERE browser.name = 'Ch",
                "'Chrome'",
            ),
            (
                "SELECT count() FROM errors WHERE browser.name != '",
                "'Chrome'",
            ),
            (
                "SELECT count() FROM errors WHERE browser.name IN ('C",
                "'Chrome'",
            ),
            (
                "SELECT count() FROM errors WHERE browser.name NOT IN ('Chrome', 'O",
                "'O''Browser'",
            ),
        ] {
            let (start, found) = helper.candidates(line, line.len());
            assert_eq!(found.first().map(String::as_str), Some(want), "{line}");
            assert_eq!(line.get(start..start + 1), Some("'"), "{line}");
        }
        // After a closed list, a quote is not the list's value.
        let line = "SELECT count() FROM errors WHERE browser.name IN ('Chrome') AND 'C";
        assert!(
            !helper
                .candidates(line, line.len())
                .1
                .contains(&"'Chrome'".to_owned())
        );
    }

    #[test]
    fn values_come_from_sentry_when_connected_asked_once() {
        let asked = Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = Arc::clone(&asked);
        let helper = Helper {
            remote: Some(Remote(Arc::new(
                move |key: &str, typed: &str, dataset: Option<&str>| {
                    log.lock()
                        .unwrap()
                        .push(format!("{key} {typed} {dataset:?}"));
                    vec![
                        "Vivaldi".to_owned(),
                        "Vivaldi Snapshot".to_owned(),
                        "Opera".to_owned(),
                    ]
                },
            ))),
            ..Helper::default()
        };
        let line = "SELECT count() FROM errors WHERE browser.name:Vi";
        let want = (
            46,
            vec!["\"Vivaldi Snapshot\"".to_owned(), "Vivaldi".to_owned()],
        );
        assert_eq!(helper.candidates(line, line.len()), want);
        assert_eq!(helper.candidates(line, line.len()), want);
        assert_eq!(
            asked.lock().unwrap().as_slice(),
            ["browser.name Vi Some(\"errors\")"]
        );
        // Keys whose values the catalog lists are not asked about.
        let (_, found) = helper.candidates("SELECT count() FROM issues WHERE is:unre", 40);
        assert_eq!(found, ["unresolved"]);
        assert_eq!(asked.lock().unwrap().len(), 1);
    }

    #[test]
    fn fields_follow_a_from_on_an_earlier_line() {
        let mut helper = Helper {
            pending: "SELECT count()\nFROM transactions\n".to_owned(),
            ..Helper::default()
        };
        let (_, found) = helper.candidates("WHERE transaction.du", 20);
        assert!(
            found.contains(&"transaction.duration".to_owned()),
            "{found:?}"
        );
        helper.pending = "SELECT count()\nFROM errors\n".to_owned();
        let (_, found) = helper.candidates("WHERE transaction.du", 20);
        assert!(
            !found.contains(&"transaction.duration".to_owned()),
            "{found:?}"
        );
    }

    #[test]
    fn functions_follow_the_dataset_of_from() {
        let helper = Helper::default();
        let line = "SELECT ap";
        let (_, found) = helper.candidates(&format!("{line} FROM transactions"), line.len());
        assert_eq!(found, ["apdex("]);
        // Logs have no apdex; spans have their own sampling functions.
        let (_, found) = helper.candidates(&format!("{line} FROM logs"), line.len());
        assert_eq!(found, Vec::<String>::new());
        let line = "SELECT count_sa";
        let (_, found) = helper.candidates(&format!("{line} FROM spans"), line.len());
        assert_eq!(found, ["count_sample("]);
    }

    #[test]
    fn typed_boolean_attributes_complete_true_and_false() {
        let helper = Helper::default();
        let line = "SELECT count() FROM spans WHERE tags[is_vip,boolean]:t";
        assert_eq!(helper.candidates(line, line.len()).1, ["true"]);
    }

    #[test]
    fn completes_meta_commands_and_their_arguments() {
        let helper = Helper::default();
        assert_eq!(
            helper.candidates(".for", 4),
            (0, vec![".format".to_owned()])
        );
        assert_eq!(
            helper.candidates(".format c", 9),
            (8, vec!["chart".to_owned(), "csv".to_owned()])
        );
        assert_eq!(
            helper.candidates(".set env", 8),
            (5, vec!["environment".to_owned()])
        );
    }

    proptest! {
        #[test]
        fn highlighting_never_panics_and_keeps_the_text(input in any::<String>()) {
            let out = highlight(&input, &BTreeSet::new());
            if !input.contains('\x1b') {
                prop_assert_eq!(strip(&out), input.clone());
            }
            let helper = Helper::default();
            for pos in 0..=input.len() {
                let _ = helper.candidates(&input, pos);
            }
        }

        #[test]
        fn highlighting_dql_like_text_keeps_the_text(input in "[ -~\n]{0,60}") {
            prop_assert_eq!(strip(&highlight(&input, &BTreeSet::new())), input);
        }
    }
}
