//! Where results go and how they fit: the terminal (through the pager of `crate::terminal`,
//! only when the output is taller than the screen), `-o FILE`, `--output-dir DIR`, and the
//! table [`Layout`] that follows from them.
#![allow(clippy::print_stderr, reason = "the CLI talks to the terminal")]

use crate::terminal::{Paged, pager_command, screen};
use dql::answer::OutputColumn;
use dql::format::{Expanded, Format, Layout, Sink};
use dql::result::{Meta, Row};
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

/// Rows a table shows on a terminal without a pager (DuckDB shows 40 too).
pub(crate) const TERMINAL_MAX_ROWS: usize = 40;

/// The output options of `dql run`.
#[derive(Debug, Clone, Default)]
pub(crate) struct OutputOptions {
    /// `--wide`: no width limit.
    pub(crate) wide: bool,
    /// `--no-pager`.
    pub(crate) no_pager: bool,
    /// `--max-rows N` (0: all).
    pub(crate) max_rows: Option<usize>,
    /// `-o FILE`.
    pub(crate) file: Option<PathBuf>,
    /// `--output-dir DIR`.
    pub(crate) dir: Option<PathBuf>,
}

impl OutputOptions {
    /// The format when none is given: from `-o FILE`'s extension, else table on a terminal and
    /// csv elsewhere.
    pub(crate) fn default_format(&self) -> Format {
        if let Some(file) = &self.file {
            let extension = file
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or_default()
                .to_ascii_lowercase();
            return match extension.as_str() {
                "json" => Format::Json,
                "ndjson" | "jsonl" => Format::Ndjson,
                "md" | "markdown" => Format::Markdown,
                "txt" => Format::Table,
                "svg" => Format::Svg,
                _ => Format::Csv,
            };
        }
        if self.dir.is_none() && io::stdout().is_terminal() {
            Format::Table
        } else {
            Format::Csv
        }
    }
}

/// The format a run uses when `--format` is not given: `default` (see
/// [`OutputOptions::default_format`]), except that on a terminal (`default` is the table) a
/// file whose statements are all series (INTERVAL) prints as charts (`--format table` shows
/// the buckets instead).
pub(crate) fn format_for(default: Format, to_file: bool, source: &str) -> Format {
    use dql::syntax::ast::StatementKind;
    if default != Format::Table || to_file {
        return default;
    }
    let parsed = dql::syntax::parse(&dql::source::Source::new("", source));
    let statements = &parsed.file.statements;
    let all_series = !statements.is_empty()
        && statements.iter().all(|s| match &s.kind {
            StatementKind::Select(select) => select.clauses.interval.is_some(),
            _ => false,
        });
    if all_series { Format::Chart } else { default }
}

/// Where `dql run` writes: standard output (paged on a terminal), a file, or a folder with one
/// file per statement.
pub(crate) enum Destination {
    /// Standard output, not a terminal.
    Stdout(io::Stdout),
    /// A terminal, through [`Paged`].
    Terminal(Paged),
    /// `-o FILE`.
    File(io::BufWriter<std::fs::File>),
    /// `--output-dir DIR`.
    Dir(PathBuf),
}

impl Destination {
    /// Opens the destination `options` name; an error is reported and its exit status returned.
    pub(crate) fn open(
        options: &OutputOptions,
    ) -> Result<(Destination, Layout), super::exit::Exit> {
        if let Some(dir) = &options.dir {
            if let Err(error) = std::fs::create_dir_all(dir) {
                eprintln!("error: cannot create {}: {error}", dir.display());
                return Err(super::exit::Exit::USAGE);
            }
            return Ok((Destination::Dir(dir.clone()), Layout::default()));
        }
        if let Some(file) = &options.file {
            return match std::fs::File::create(file) {
                Ok(opened) => Ok((
                    Destination::File(io::BufWriter::new(opened)),
                    Layout::default(),
                )),
                Err(error) => {
                    eprintln!("error: cannot write {}: {error}", file.display());
                    Err(super::exit::Exit::USAGE)
                }
            };
        }
        let Some(screen) = screen() else {
            return Ok((Destination::Stdout(io::stdout()), Layout::default()));
        };
        let command = if options.no_pager {
            None
        } else {
            pager_command()
        };
        let max_rows = match options.max_rows {
            Some(0) => None,
            Some(n) => Some(n),
            // A pager scrolls any length; without one, a screenful is what is useful.
            None if command.is_some() => None,
            None => Some(TERMINAL_MAX_ROWS),
        };
        let layout = Layout {
            width: (!options.wide).then_some(screen.0),
            max_rows,
            all_rows_hint: Some("--max-rows 0 or --format csv shows them all".to_owned()),
            expanded: Expanded::Auto,
            color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        };
        Ok((Destination::Terminal(Paged::new(screen, command)), layout))
    }

    /// The sink for `n_results` results in `format`.
    pub(crate) fn sink<'w>(
        &'w mut self,
        format: Format,
        n_results: usize,
        layout: Layout,
    ) -> Box<dyn Sink + 'w> {
        let several = n_results > 1;
        match self {
            Destination::Stdout(out) => format.sink_with(out.lock(), several, layout),
            Destination::Terminal(paged) => format.sink_with(paged, several, layout),
            Destination::File(file) => format.sink_with(file, several, layout),
            Destination::Dir(dir) => Box::new(DirSink::new(dir, format)),
        }
    }

    /// Prints what a pager held back and waits for the pager; flushes a file.
    pub(crate) fn finish(&mut self) -> io::Result<()> {
        match self {
            Destination::Stdout(out) => out.flush(),
            Destination::Terminal(paged) => paged.finish(),
            Destination::File(file) => file.flush(),
            Destination::Dir(_) => Ok(()),
        }
    }
}

/// `--output-dir`: each result in its own file, `NAME.EXT` for a statement with `@name NAME`
/// and `statement-N.EXT` for the N-th otherwise.
struct DirSink<'d> {
    dir: &'d Path,
    format: Format,
    position: usize,
    open: Option<Box<dyn Sink>>,
}

impl<'d> DirSink<'d> {
    fn new(dir: &'d Path, format: Format) -> Self {
        DirSink {
            dir,
            format,
            position: 0,
            open: None,
        }
    }

    /// The file of the result at `position` named `name`: names that would leave the folder
    /// (`/`, `..`) fall back to the position.
    fn file_name(&self, name: Option<&str>) -> PathBuf {
        let safe = name.filter(|n| {
            !n.is_empty()
                && n.chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
                && !n.starts_with('.')
        });
        let stem = safe.map_or_else(|| format!("statement-{}", self.position), str::to_owned);
        self.dir.join(format!("{stem}.{}", self.format.extension()))
    }

    fn current(&mut self) -> io::Result<&mut Box<dyn Sink>> {
        self.open.as_mut().ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "row or end called with no result open",
            )
        })
    }
}

impl Sink for DirSink<'_> {
    fn begin(
        &mut self,
        name: Option<&str>,
        columns: &[OutputColumn],
        meta: &Meta,
    ) -> io::Result<()> {
        if let Some(mut previous) = self.open.take() {
            previous.finish()?;
        }
        self.position += 1;
        let path = self.file_name(name);
        let file = std::fs::File::create(&path).map_err(|error| {
            io::Error::new(error.kind(), format!("{}: {error}", path.display()))
        })?;
        let mut sink = self.format.sink(io::BufWriter::new(file));
        sink.begin(name, columns, meta)?;
        self.open = Some(sink);
        Ok(())
    }

    fn extend_meta(&mut self, meta: &Meta) {
        if let Some(sink) = &mut self.open {
            sink.extend_meta(meta);
        }
    }

    fn row(&mut self, row: &Row) -> io::Result<()> {
        self.current()?.row(row)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.current()?.flush()
    }

    fn end(&mut self) -> io::Result<()> {
        let mut sink = self.open.take().ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "end called with no result open",
            )
        })?;
        sink.end()?;
        sink.finish()
    }

    fn finish(&mut self) -> io::Result<()> {
        match self.open.take() {
            Some(mut sink) => sink.finish(),
            None => Ok(()),
        }
    }

    /// The open result's file is left visibly incomplete; the finished files are whole.
    fn abort(&mut self) -> io::Result<()> {
        match self.open.take() {
            Some(mut sink) => sink.abort(),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_format_follows_the_file_extension() {
        let with = |file: &str| OutputOptions {
            file: Some(PathBuf::from(file)),
            ..OutputOptions::default()
        };
        assert_eq!(with("out.json").default_format(), Format::Json);
        assert_eq!(with("out.JSONL").default_format(), Format::Ndjson);
        assert_eq!(with("out.md").default_format(), Format::Markdown);
        assert_eq!(with("out.csv").default_format(), Format::Csv);
        assert_eq!(with("out").default_format(), Format::Csv);
    }

    #[test]
    fn series_print_as_charts_where_a_table_would_be_printed() {
        let series = "SELECT count() FROM errors INTERVAL 1h; SELECT p95(span.duration) FROM spans INTERVAL 1d";
        assert_eq!(format_for(Format::Table, false, series), Format::Chart);
        // One statement that is no series: tables for all.
        let mixed = "SELECT count() FROM errors INTERVAL 1h; SELECT count() FROM errors";
        assert_eq!(format_for(Format::Table, false, mixed), Format::Table);
        // Off a terminal (csv), to a file (its extension), the default stays.
        assert_eq!(format_for(Format::Csv, false, series), Format::Csv);
        assert_eq!(format_for(Format::Json, true, series), Format::Json);
        assert_eq!(format_for(Format::Table, false, ""), Format::Table);
        // `-o out.txt` is a table too, but no terminal: the buckets are written.
        assert_eq!(format_for(Format::Table, true, series), Format::Table);
    }

    #[test]
    fn statement_files_never_leave_the_folder() {
        let dir = Path::new("/tmp/x");
        let mut sink = DirSink::new(dir, Format::Csv);
        sink.position = 2;
        assert_eq!(
            sink.file_name(Some("slow_pages")),
            dir.join("slow_pages.csv")
        );
        assert_eq!(sink.file_name(Some("../etc")), dir.join("statement-2.csv"));
        assert_eq!(sink.file_name(Some(".hidden")), dir.join("statement-2.csv"));
        assert_eq!(sink.file_name(None), dir.join("statement-2.csv"));
    }
}
