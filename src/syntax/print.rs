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

/// The clauses as (span, text) parts in canonical order.
fn clause_parts(c: &Clauses, parts: &mut Vec<(Span, String)>) {
    if let Some(x) = &c.from {
        parts.push((x.span, format!("FROM {}", x.dataset.node)));
    }
    if let Some(x) = &c.where_ {
        parts.push((x.span, format!("WHERE {}", x.filter)));
    }
    if let Some(x) = &c.group_by {
        parts.push((x.span, format!("GROUP BY {}", join(&x.items))));
    }
    if let Some(x) = &c.having {
        parts.push((x.span, format!("HAVING {}", x.filter)));
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
}

impl StatementKind {
    /// The statement as (span, text) parts: the head, then one part per clause.
    fn parts(&self) -> Vec<(Span, String)> {
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
                clause_parts(&s.clauses, &mut parts);
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
                clause_parts(&u.clauses, &mut parts);
            }
            StatementKind::Error => {}
        }
        parts
    }
}

impl Display for StatementKind {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let sep = if f.alternate() { "\n" } else { " " };
        let parts = self.parts();
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
        for (idx, stmt) in self.statements.iter().enumerate() {
            if idx > 0 {
                f.write_char('\n')?;
            }
            let mut lines: Vec<(u32, String)> = stmt
                .annotations
                .iter()
                .map(|a| (a.span.start, a.to_string()))
                .collect();
            let mut pending: Vec<&Comment> = stmt.comments.iter().collect();
            pending.sort_by_key(|c| c.span.start);
            let mut pending = pending.into_iter().peekable();
            while let Some(c) = pending.next_if(|c| c.span.start < stmt.span.start) {
                lines.push((c.span.start, c.to_string()));
            }
            lines.sort_by_key(|(start, _)| *start);
            for (_, line) in &lines {
                writeln!(f, "{line}")?;
            }
            let parts = stmt.kind.parts();
            let n_parts = parts.len();
            for (part_idx, (span, text)) in parts.into_iter().enumerate() {
                while let Some(c) = pending.next_if(|c| c.span.start < span.end) {
                    writeln!(f, "{c}")?;
                }
                f.write_str(&text)?;
                if part_idx + 1 < n_parts {
                    f.write_char('\n')?;
                }
            }
            f.write_str(";\n")?;
            for c in pending {
                writeln!(f, "{c}")?;
            }
        }
        if !self.trailing_comments.is_empty() && !self.statements.is_empty() {
            f.write_char('\n')?;
        }
        for c in &self.trailing_comments {
            writeln!(f, "{c}")?;
        }
        Ok(())
    }
}
