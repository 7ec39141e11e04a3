//! The canonical printer: `Display` for the AST prints canonical DQL (`{:#}` puts one clause per
//! line), and `Display` for [`File`] is what `dql fmt` prints, comments and annotations kept.
//!
//! It is the tested inverse of the parser: parsing the printed text gives the same tree
//! (without spans). It never reads spans except to place comments, so trees built by code print.

use super::ast::*;
use crate::span::Span;
use std::fmt::{self, Display, Formatter, Write as _};

/// Writes a `"…"` string, escaping only `"`.
pub(crate) fn write_double_quoted(f: &mut impl fmt::Write, text: &str) -> fmt::Result {
    f.write_char('"')?;
    f.write_str(&text.replace('"', "\\\""))?;
    f.write_char('"')
}

impl Display for Operand {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.kind {
            OperandKind::Word(w) => f.write_str(w),
            OperandKind::SingleQuoted(s) => write!(f, "'{}'", s.replace('\'', "''")),
            OperandKind::DoubleQuoted(s) => write_double_quoted(f, s),
            OperandKind::Param(p) => write!(f, "${p}"),
        }
    }
}

impl Display for Key {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.kind {
            KeyKind::Name(n) => f.write_str(n),
            KeyKind::Quoted(n) => write_double_quoted(f, n),
            KeyKind::Explicit { prefix, name, ty } => match ty {
                Some(ty) => write!(f, "{prefix}[{name},{ty}]"),
                None => write!(f, "{prefix}[{name}]"),
            },
            KeyKind::ArrayIncludes(inner) => write!(f, "{inner}[*]"),
        }
    }
}

impl Display for Call {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}(", self.name.node)?;
        if self.distinct.is_some() {
            f.write_str("DISTINCT ")?;
        }
        for (idx, arg) in self.args.iter().enumerate() {
            if idx > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{arg}")?;
        }
        f.write_char(')')
    }
}

impl Display for Arg {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ArgKind::Word(w) => f.write_str(w),
            ArgKind::Quoted(q) => write_double_quoted(f, q),
            ArgKind::Key(k) => write!(f, "{k}"),
            ArgKind::Param(p) => write!(f, "${p}"),
            ArgKind::Call(c) => write!(f, "{c}"),
            ArgKind::Star => f.write_char('*'),
        }
    }
}

impl BinOp {
    fn precedence(self) -> u8 {
        match self {
            BinOp::Add | BinOp::Sub => 1,
            BinOp::Mul | BinOp::Div => 2,
        }
    }

    fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
        }
    }
}

impl Display for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ExprKind::Field(k) => write!(f, "{k}"),
            ExprKind::Call(c) => write!(f, "{c}"),
            ExprKind::Number(n) => f.write_str(n),
            ExprKind::Param(p) => write!(f, "${p}"),
            ExprKind::Star => f.write_char('*'),
            ExprKind::Neg(inner) => {
                let text = match inner.kind {
                    ExprKind::Binary(..) => format!("({inner})"),
                    _ => inner.to_string(),
                };
                // `--` would start a comment.
                let sep = if text.starts_with('-') { " " } else { "" };
                write!(f, "-{sep}{text}")
            }
            ExprKind::Binary(left, op, right) => {
                let prec = op.precedence();
                let wrap = |e: &Expr, strict: bool| match &e.kind {
                    ExprKind::Binary(_, inner, _)
                        if inner.precedence() < prec || (strict && inner.precedence() == prec) =>
                    {
                        format!("({e})")
                    }
                    _ => e.to_string(),
                };
                write!(
                    f,
                    "{} {} {}",
                    wrap(left, false),
                    op.symbol(),
                    wrap(right, true)
                )
            }
        }
    }
}

impl Display for SelectItem {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.expr)?;
        if let Some(alias) = &self.alias {
            f.write_str(" AS ")?;
            if alias.quoted {
                write_double_quoted(f, &alias.name)?;
            } else {
                f.write_str(&alias.name)?;
            }
        }
        Ok(())
    }
}

impl Display for GroupItem {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            GroupItem::Position(p) => write!(f, "{}", p.node),
            GroupItem::Expr(e) => write!(f, "{e}"),
        }
    }
}

impl Display for OrderKey {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let target = match &self.target {
            OrderTarget::Position(p) => p.node.to_string(),
            OrderTarget::Expr(e) => e.to_string(),
        };
        match self.direction {
            SortDirection::Default => f.write_str(&target),
            SortDirection::Asc(_) => write!(f, "{target} ASC"),
            SortDirection::Desc(_) => write!(f, "{target} DESC"),
            SortDirection::Minus(_)
            | SortDirection::MinusAsc(..)
            | SortDirection::MinusDesc(..) => {
                let sep = if target.starts_with('-') { " " } else { "" };
                write!(f, "-{sep}{target}")?;
                match self.direction {
                    SortDirection::MinusAsc(..) => f.write_str(" ASC"),
                    SortDirection::MinusDesc(..) => f.write_str(" DESC"),
                    _ => Ok(()),
                }
            }
        }
    }
}

/// Writes `items` separated by `, `.
fn join<T: Display>(items: &[T]) -> String {
    let mut out = String::new();
    for (idx, item) in items.iter().enumerate() {
        if idx > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "{item}");
    }
    out
}

/// The clauses as (span, text) parts in canonical order; `src`, when given, is the text the
/// tree was parsed from (it keeps explicit `AND`s).
fn clause_parts(c: &Clauses, parts: &mut Vec<(Span, String)>, src: Option<&str>) {
    use super::print_filter::Sourced;
    if let Some(x) = &c.from {
        parts.push((x.span, format!("FROM {}", x.dataset.node)));
    }
    if let Some(x) = &c.where_ {
        parts.push((x.span, format!("WHERE {}", Sourced(&x.filter, src))));
    }
    if let Some(x) = &c.group_by {
        parts.push((x.span, format!("GROUP BY {}", join(&x.items))));
    }
    if let Some(x) = &c.having {
        parts.push((x.span, format!("HAVING {}", Sourced(&x.filter, src))));
    }
    if let Some(x) = &c.order_by {
        parts.push((x.span, format!("ORDER BY {}", join(&x.keys))));
    }
    if let Some(x) = &c.limit {
        parts.push((x.span, format!("LIMIT {}", x.value)));
    }
    if let Some(x) = &c.since {
        let mut text = String::new();
        if let Some(since) = &x.since {
            let _ = write!(text, "SINCE {since}");
        }
        if let Some(until) = &x.until {
            let sep = if text.is_empty() { "" } else { " " };
            let _ = write!(text, "{sep}UNTIL {until}");
        }
        parts.push((x.span, text));
    }
    if let Some(x) = &c.project {
        let text = if x.all.is_some() {
            "PROJECT ALL".to_string()
        } else {
            format!("PROJECT {}", join(&x.items))
        };
        parts.push((x.span, text));
    }
    if let Some(x) = &c.environment {
        parts.push((x.span, format!("ENVIRONMENT {}", join(&x.items))));
    }
    if let Some(x) = &c.interval {
        parts.push((x.span, format!("INTERVAL {}", x.value)));
    }
    if let Some(x) = &c.sampling {
        parts.push((x.span, format!("SAMPLING {}", x.value)));
    }
    if let Some(x) = &c.compare {
        let ago = if x.ago.is_some() { " AGO" } else { "" };
        parts.push((x.span, format!("COMPARE TO {}{ago}", x.value)));
    }
}

impl StatementKind {
    /// The statement as (span, text) parts: the head, then one part per clause.
    fn parts(&self, src: Option<&str>) -> Vec<(Span, String)> {
        let mut parts = Vec::new();
        match self {
            StatementKind::Select(s) => {
                let head_end = s.items.last().map_or(s.span, |i| i.span);
                let distinct = if s.distinct.is_some() {
                    "DISTINCT "
                } else {
                    ""
                };
                parts.push((
                    Span {
                        start: s.span.start,
                        end: head_end.end,
                    },
                    format!("SELECT {distinct}{}", join(&s.items)),
                ));
                clause_parts(&s.clauses, &mut parts, src);
            }
            StatementKind::ShowEvent(s) => {
                let mut text = format!("SHOW EVENT {}", s.id);
                if let Some(p) = &s.project {
                    let _ = write!(text, " PROJECT {p}");
                }
                parts.push((s.span, text));
            }
            StatementKind::UpdateIssues(u) => {
                let assignments: Vec<String> = u
                    .assignments
                    .iter()
                    .map(|a| format!("{} = {}", a.key.node, a.value))
                    .collect();
                let head_end = u.assignments.last().map_or(u.span, |a| a.span);
                parts.push((
                    Span {
                        start: u.span.start,
                        end: head_end.end,
                    },
                    format!("UPDATE {} SET {}", u.target.node, assignments.join(", ")),
                ));
                clause_parts(&u.clauses, &mut parts, src);
            }
            StatementKind::Error => {}
        }
        parts
    }
}

impl Display for StatementKind {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let sep = if f.alternate() { "\n" } else { " " };
        let parts = self.parts(None);
        for (idx, (_, text)) in parts.iter().enumerate() {
            if idx > 0 {
                f.write_str(sep)?;
            }
            f.write_str(text)?;
        }
        Ok(())
    }
}

impl Display for Statement {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if f.alternate() {
            write!(f, "{:#}", self.kind)
        } else {
            write!(f, "{}", self.kind)
        }
    }
}

impl Display for Comment {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if self.block {
            write!(f, "/*{}*/", self.text)
        } else {
            write!(f, "--{}", self.text)
        }
    }
}

impl Display for Annotation {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if self.value.node.is_empty() {
            write!(f, "-- @{}", self.key.node)
        } else {
            write!(f, "-- @{} {}", self.key.node, self.value.node)
        }
    }
}

impl Display for File {
    /// The `dql fmt` form: each statement one clause per line and ended by `;`, a blank line
    /// between statements, comments kept before the clause they were written in.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(&format_file(self, None))
    }
}

/// What `dql fmt` prints for `file`, parsed from `src`: the [`File`] `Display` form, and also
/// what only the text shows: an `AND` the author wrote stays, and a comment written at the end
/// of a line of code stays at the end of that line.
pub fn format(file: &File, src: &str) -> String {
    format_file(file, Some(src))
}

/// Whether the comment starting at `start` follows code on its own line of `src`.
fn after_code(src: Option<&str>, start: u32) -> bool {
    let Some(before) = src.and_then(|s| s.get(..start as usize)) else {
        return false;
    };
    let code = before.trim_end_matches([' ', '\t']);
    !code.is_empty() && !code.ends_with('\n') && !code.ends_with('\r')
}

/// One line of a formatted statement: its text and the comments at its end.
struct Line {
    text: String,
    code: bool,
    comments: Vec<String>,
}

impl Line {
    fn new(text: String, code: bool) -> Line {
        Line {
            text,
            code,
            comments: Vec::new(),
        }
    }
}

/// Adds `comment` at the end of the last line of `out` when that line is code, else on a line
/// of its own.
fn end_of_last_line(out: &mut String, comment: &Comment) {
    let last = out
        .trim_end_matches('\n')
        .rsplit('\n')
        .next()
        .unwrap_or("")
        .trim_start();
    let is_comment = last.is_empty() || last.starts_with("--") || last.starts_with("/*");
    if out.ends_with('\n') && !is_comment {
        out.pop();
        let _ = writeln!(out, " {comment}");
    } else {
        let _ = writeln!(out, "{comment}");
    }
}

fn format_file(file: &File, src: Option<&str>) -> String {
    let mut out = String::new();
    for (idx, stmt) in file.statements.iter().enumerate() {
        let mut pending: Vec<&Comment> = stmt.comments.iter().collect();
        pending.sort_by_key(|c| c.span.start);
        let mut pending = pending.into_iter().peekable();
        if idx > 0 {
            // Written after the previous statement's `;`, on its line: it stays there.
            while let Some(c) = pending.next_if(|c| {
                c.span.start < stmt.span.start
                    && after_code(src, c.span.start)
                    && stmt.annotations.iter().all(|a| c.span.start < a.span.start)
            }) {
                end_of_last_line(&mut out, c);
            }
            out.push('\n');
        }
        let mut lines: Vec<(u32, String)> = stmt
            .annotations
            .iter()
            .map(|a| (a.span.start, a.to_string()))
            .collect();
        while let Some(c) = pending.next_if(|c| c.span.start < stmt.span.start) {
            lines.push((c.span.start, c.to_string()));
        }
        lines.sort_by_key(|(start, _)| *start);
        for (_, line) in &lines {
            let _ = writeln!(out, "{line}");
        }
        let mut body: Vec<Line> = Vec::new();
        for (span, text) in stmt.kind.parts(src) {
            let mut ending = Vec::new();
            while let Some(c) = pending.next_if(|c| c.span.start < span.end) {
                if !after_code(src, c.span.start) {
                    body.push(Line::new(c.to_string(), false));
                } else if c.span.start < span.start && body.last().is_some_and(|l| l.code) {
                    if let Some(last) = body.last_mut() {
                        last.comments.push(c.to_string());
                    }
                } else {
                    ending.push(c.to_string());
                }
            }
            let mut line = Line::new(text, true);
            line.comments = ending;
            body.push(line);
        }
        if !body.iter().any(|l| l.code) {
            body.push(Line::new(String::new(), true));
        }
        if let Some(last) = body.last_mut() {
            last.text.push(';');
        }
        for c in pending {
            match body.last_mut() {
                Some(last) if last.code && after_code(src, c.span.start) => {
                    last.comments.push(c.to_string());
                }
                _ => body.push(Line::new(c.to_string(), false)),
            }
        }
        for line in &body {
            out.push_str(&line.text);
            for c in &line.comments {
                out.push(' ');
                out.push_str(c);
            }
            out.push('\n');
        }
    }
    let mut rest = file.trailing_comments.iter().peekable();
    if !file.statements.is_empty() {
        while let Some(c) = rest.next_if(|c| after_code(src, c.span.start)) {
            end_of_last_line(&mut out, c);
        }
    }
    if rest.peek().is_some() && !file.statements.is_empty() {
        out.push('\n');
    }
    for c in rest {
        let _ = writeln!(out, "{c}");
    }
    out
}
