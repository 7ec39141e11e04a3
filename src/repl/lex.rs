//! The REPL's reading of partial input: whether it is complete, and gathering pasted lines
//! into statements and commands, over the tokens of the forgiving lexer
//! ([`dql::syntax::lex`]), which also drives highlighting.

pub(crate) use dql::syntax::lex::{Kind, tokens};

/// Whether the input is ready to run: a meta-command (`.` or `\` first), nothing at all, or
/// a query whose last token outside strings and comments is `;`. Comments alone wait for the
/// query they stand above (a pasted `-- @name` line belongs to the next lines).
pub(crate) fn is_complete(input: &str) -> bool {
    let trimmed = input.trim_start();
    if trimmed.is_empty() || is_command(trimmed) {
        return true;
    }
    let tokens = tokens(input);
    let last = tokens.iter().rev().find(|t| match t.kind {
        Kind::Space => false,
        // An open block comment swallows everything after it, so the input goes on.
        Kind::Comment => t.unterminated,
        _ => true,
    });
    match last {
        Some(token) => token.kind == Kind::Punct && input.get(token.start..token.end) == Some(";"),
        // Only comments: they belong to the query on the next lines.
        None => false,
    }
}

/// Whether a line is a meta-command: `.name …` or psql's `\x` spelling.
pub(crate) fn is_command(line: &str) -> bool {
    let line = line.trim_start();
    line.starts_with('.') || line.starts_with('\\')
}

/// One complete input gathered from typed or pasted lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Unit {
    /// A meta-command line.
    Command(String),
    /// One or more statements ended by `;`, with the comments above them.
    Query(String),
}

/// Gathers lines into inputs: every statement and command of a paste, in order, whatever the
/// editor returned at once (one line, or several lines of a bracketed paste).
#[derive(Debug, Default)]
pub(crate) struct Gather {
    pending: String,
}

impl Gather {
    /// The unfinished query typed so far (empty when none).
    pub(crate) fn pending(&self) -> &str {
        &self.pending
    }

    /// Drops the unfinished query (Ctrl-C), returning it.
    pub(crate) fn take(&mut self) -> String {
        std::mem::take(&mut self.pending)
    }

    /// Adds what the editor returned; returns the inputs it completed, in order. A command
    /// line counts only between queries, except `.edit`/`\e`, which edits the unfinished one.
    pub(crate) fn feed(&mut self, text: &str) -> Vec<Unit> {
        let mut out = Vec::new();
        for line in text.split('\n') {
            let line = line.strip_suffix('\r').unwrap_or(line);
            let trimmed = line.trim();
            let edit = matches!(trimmed, ".edit" | "\\e");
            if is_command(trimmed) && (self.pending.trim().is_empty() || edit) {
                if !edit {
                    self.pending.clear();
                }
                out.push(Unit::Command(trimmed.to_owned()));
                continue;
            }
            if self.pending.is_empty() && trimmed.is_empty() {
                continue;
            }
            self.pending.push_str(line);
            if is_complete(&self.pending) {
                out.push(Unit::Query(std::mem::take(&mut self.pending)));
            } else {
                self.pending.push('\n');
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn kinds(input: &str) -> Vec<(Kind, &str)> {
        tokens(input)
            .into_iter()
            .map(|t| (t.kind, &input[t.start..t.end]))
            .collect()
    }

    #[test]
    fn classifies_a_query() {
        let got = kinds("SELECT p95(x) FROM t WHERE a:'it''s' -- c\n SINCE 24h $p;");
        let want = [
            (Kind::Word, "SELECT"),
            (Kind::Space, " "),
            (Kind::Word, "p95"),
            (Kind::Punct, "("),
            (Kind::Word, "x"),
            (Kind::Punct, ")"),
            (Kind::Space, " "),
            (Kind::Word, "FROM"),
            (Kind::Space, " "),
            (Kind::Word, "t"),
            (Kind::Space, " "),
            (Kind::Word, "WHERE"),
            (Kind::Space, " "),
            (Kind::Word, "a"),
            (Kind::Punct, ":"),
            (Kind::String, "'it''s'"),
            (Kind::Space, " "),
            (Kind::Comment, "-- c"),
            (Kind::Space, "\n "),
            (Kind::Word, "SINCE"),
            (Kind::Space, " "),
            (Kind::Number, "24h"),
            (Kind::Space, " "),
            (Kind::Param, "$p"),
            (Kind::Punct, ";"),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn double_dash_inside_a_value_is_not_a_comment() {
        assert_eq!(
            kinds("a:b--c"),
            [(Kind::Word, "a"), (Kind::Punct, ":"), (Kind::Word, "b--c")]
        );
    }

    #[test]
    fn completeness() {
        // (input, complete?, why)
        let cases = [
            ("SELECT count() FROM errors;", true, "ends with ;"),
            ("SELECT count()\nFROM errors", false, "no ; yet"),
            (
                "SELECT count() FROM errors;  -- done",
                true,
                "comment after ;",
            ),
            ("SELECT 1 WHERE m:'a;", false, "; inside an open string"),
            (
                "SELECT 1 WHERE m:\"a\\\";",
                false,
                "escaped quote keeps the string open",
            ),
            ("SELECT 1 /* ; */", false, "; inside a block comment"),
            ("SELECT 1; /* open", false, "unterminated block comment"),
            ("SELECT 1 -- ;", false, "; inside a line comment"),
            (".format csv", true, "meta-command"),
            ("\\d", true, "psql-style meta-command"),
            ("  ", true, "blank"),
            ("-- just a comment", false, "a comment waits for its query"),
        ];
        for (input, want, why) in cases {
            assert_eq!(is_complete(input), want, "{why}: {input:?}");
        }
    }

    #[test]
    fn a_paste_gives_every_statement_and_command_in_order() {
        let mut gather = Gather::default();
        let paste = "SELECT 1;\n-- @name two\nSELECT 2\nFROM errors;\n.format csv\n\nSELECT 3; SELECT 4;\nSELECT";
        assert_eq!(
            gather.feed(paste),
            [
                Unit::Query("SELECT 1;".into()),
                Unit::Query("-- @name two\nSELECT 2\nFROM errors;".into()),
                Unit::Command(".format csv".into()),
                Unit::Query("SELECT 3; SELECT 4;".into()),
            ]
        );
        assert_eq!(gather.pending(), "SELECT\n");
        // A command line inside a query is part of it, except `.edit`, which edits it.
        assert!(gather.feed(".5").is_empty());
        assert_eq!(gather.feed("\\e"), [Unit::Command("\\e".into())]);
        assert_eq!(gather.take(), "SELECT\n.5\n");
    }

    proptest! {
        #[test]
        fn tokens_cover_any_input_exactly(input in any::<String>()) {
            let tokens = tokens(&input);
            let mut pos = 0;
            for token in &tokens {
                prop_assert_eq!(token.start, pos);
                prop_assert!(token.end > token.start);
                prop_assert!(input.get(token.start..token.end).is_some());
                pos = token.end;
            }
            prop_assert_eq!(pos, input.len());
            let _ = is_complete(&input);
        }

        #[test]
        fn dql_like_input_never_panics(input in "[ -~\n]{0,80}") {
            let _ = tokens(&input);
            let _ = is_complete(&input);
        }
    }
}
