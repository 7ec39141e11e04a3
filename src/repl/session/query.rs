//! The path of a query through a session: parse → defaults → check → compile or run → format,
//! and what an answer leaves behind for completion.

use super::*;

impl<B: Backend> Session<B> {
    /// Parse, apply defaults, check; then compile (when asked, or when nothing can run) or run.
    pub(super) fn query(
        &mut self,
        text: &str,
        compile_only: bool,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let Some((source, file, checked)) = self.prepare(text, out)? else {
            return Ok(());
        };
        let query = Query {
            file: &file,
            params: &self.settings.params,
        };
        let hint = self.backend.connection_hint();
        if compile_only || hint.is_some() {
            for statement in &file.statements {
                writeln!(out, "query    {};", statement.kind)?;
            }
            match self.backend.compile(&query, &checked) {
                Ok(request) => writeln!(out, "{}", request.trim_end())?,
                Err(failure) => self.failure(&source, failure, out)?,
            }
            if let (Some(hint), false) = (hint, compile_only) {
                // The banner showed the whole hint; its first line is reminder enough.
                writeln!(out, "not run: {}", hint.lines().next().unwrap_or_default())?;
            }
            return Ok(());
        }
        self.cancel.store(false, Ordering::SeqCst);
        let started = Instant::now();
        let ran = self.backend.run(&query, &checked, &self.cancel);
        let elapsed = started.elapsed();
        match ran {
            Ok(answers) => self.answers(&answers, out)?,
            Err(failure) => self.failure(&source, failure, out)?,
        }
        if self.settings.timing {
            writeln!(out, "time: {:.3} s", elapsed.as_secs_f64())?;
        }
        Ok(())
    }

    /// Parse, apply defaults, check, with the diagnostics shown; `None` when an error stops
    /// the query there. A query that gets through is the last query (`.compile`, `.cost`).
    fn prepare(
        &mut self,
        text: &str,
        out: &mut dyn Write,
    ) -> io::Result<
        Option<(
            Source,
            dql::syntax::ast::File,
            crate::repl::backend::Checked,
        )>,
    > {
        let source = Source::new("<input>", text);
        let parsed = syntax::parse(&source);
        self.diagnostics(&source, &parsed.diagnostics, out)?;
        if parsed.diagnostics.iter().any(|d| d.is_error()) || parsed.file.statements.is_empty() {
            return Ok(None);
        }
        let mut file = parsed.file;
        crate::repl::settings::apply_defaults(&mut file, &self.settings);
        let query = Query {
            file: &file,
            params: &self.settings.params,
        };
        let checked = self.backend.check(&query);
        let mut found = checked.diagnostics.clone();
        found.extend(self.backend.deprecations(&source));
        found.sort_by_key(|d| (d.span().start, d.span().end));
        self.diagnostics(&source, &found, out)?;
        if found.iter().any(|d| d.is_error()) {
            return Ok(None);
        }
        self.last_query = Some(text.to_owned());
        Ok(Some((source, file, checked)))
    }

    /// `.cost`: what `text` takes to run (requests, pages, windows, least time), sending
    /// nothing.
    pub(super) fn cost(&mut self, text: &str, out: &mut dyn Write) -> io::Result<()> {
        let Some((source, _, checked)) = self.prepare(text, out)? else {
            return Ok(());
        };
        match self.backend.cost(&source, &checked) {
            Ok(report) => write!(out, "{report}"),
            Err(failure) => self.failure(&source, failure, out),
        }
    }

    /// `.watch N`: the last query again every N seconds until Ctrl-C raises the cancel flag.
    pub(super) fn watch(&mut self, seconds: &str, out: &mut dyn Write) -> io::Result<()> {
        let seconds = if seconds.is_empty() {
            Some(2.0)
        } else {
            seconds.parse::<f64>().ok()
        };
        let Some(seconds) = seconds.filter(|s| s.is_finite() && *s >= 0.1 && *s <= 86_400.0) else {
            return writeln!(
                out,
                "error: write `.watch N` with N seconds, from 0.1 to 86400"
            );
        };
        let Some(query) = self.last_query.clone() else {
            return writeln!(
                out,
                "no query yet: type one, then .watch runs it again and again"
            );
        };
        if let Some(hint) = self.backend.connection_hint() {
            let hint = hint.lines().next().unwrap_or_default().to_owned();
            return writeln!(out, "error: .watch needs queries that run: {hint}");
        }
        self.cancel.store(false, Ordering::SeqCst);
        let pause = std::time::Duration::from_secs_f64(seconds);
        'watch: loop {
            writeln!(
                out,
                "-- {} (every {seconds} s, Ctrl-C stops)",
                dql::lower::time::format_instant(jiff::Timestamp::now())
            )?;
            self.query(&query, false, out)?;
            out.flush()?;
            let started = Instant::now();
            while started.elapsed() < pause {
                if self.cancel.load(Ordering::SeqCst) {
                    break 'watch;
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            if self.cancel.load(Ordering::SeqCst) {
                break;
            }
        }
        self.cancel.store(false, Ordering::SeqCst);
        writeln!(out, "watch stopped")
    }

    /// Prints the answers in the session's format, to the `.output`/`.once` file when one is
    /// set, and remembers them for `.last` and completion.
    pub(super) fn answers(&mut self, answers: &[Answer], out: &mut dyn Write) -> io::Result<()> {
        let format = self.settings.format;
        let mut target = self.output.take();
        let written = match &mut target {
            Some(file) => self
                .render(answers, format, &mut file.file, Shown::File)
                .and_then(|()| file.file.flush()),
            None => self.render(answers, format, out, Shown::Here),
        };
        if let Some(file) = target {
            if let Err(error) = &written {
                writeln!(out, "error: cannot write {}: {error}", file.path.display())?;
            } else if !file.once {
                self.output = Some(file);
            }
        } else {
            written?;
        }
        for answer in answers {
            self.tags.extend(tag_names(answer));
            remember_values(&mut self.values, answer);
        }
        self.last_answers = answers.to_vec();
        Ok(())
    }

    /// Draws `answers` in `format` to `out`: here on the terminal, fitted to it and paged
    /// when taller (see [`Shown`]); in a file, whole.
    pub(super) fn render(
        &self,
        answers: &[Answer],
        format: Format,
        out: &mut dyn Write,
        shown: Shown,
    ) -> io::Result<()> {
        let display = self.settings.display;
        let screen = match shown {
            Shown::File => None,
            Shown::Here | Shown::HereInFull => self.screen,
        };
        // With a pager every row is drawn and a long result is scrolled there; without one a
        // result shows its first rows (all of them for `.last`).
        let paged = display.pager && screen.is_some() && crate::terminal::pager_command().is_some();
        let mut layout = display.layout(screen, paged);
        if shown == Shown::HereInFull {
            layout.max_rows = None;
        }
        let mut text = Vec::new();
        {
            let mut sink = format.sink_with(&mut text, answers.len() > 1, layout);
            for answer in answers {
                dql::format::write_result(
                    sink.as_mut(),
                    answer.name.as_deref(),
                    &answer.columns,
                    &answer.result,
                )?;
            }
            sink.finish()?;
        }
        // A series shown as a table gets a one-line sparkline per series under it.
        if shown != Shown::File && !matches!(format, Format::Chart | Format::Svg) {
            let width = screen.map_or(60, |(columns, _)| columns.saturating_sub(40).clamp(10, 120));
            for answer in answers {
                let data = &answer.result.data;
                for line in
                    dql::format::sparklines(&answer.columns, &answer.result.meta, data, width)
                {
                    writeln!(text, "{line}")?;
                }
            }
        }
        let shown_in_pager = match screen {
            Some(screen) if paged && crate::terminal::taller_than(&text, screen) => {
                out.flush()?;
                crate::terminal::page(&text)?
            }
            _ => false,
        };
        if !shown_in_pager {
            out.write_all(&text)?;
        }
        Ok(())
    }

    /// Text that may be taller than the screen (`.describe`, `.functions`): in the pager when
    /// it is, as a result would be, else printed.
    pub(super) fn show_long(&self, text: &[u8], out: &mut dyn Write) -> io::Result<()> {
        if let Some(screen) = self.screen
            && self.settings.display.pager
            && crate::terminal::taller_than(text, screen)
        {
            out.flush()?;
            if crate::terminal::page(text)? {
                return Ok(());
            }
        }
        out.write_all(text)
    }

    fn failure(&self, source: &Source, failure: Failure, out: &mut dyn Write) -> io::Result<()> {
        match failure {
            Failure::Diagnostics(diagnostics) => self.diagnostics(source, &diagnostics, out),
            Failure::Message(message) => writeln!(out, "{}", message.trim_end()),
            Failure::Cancelled => writeln!(out, "cancelled"),
        }
    }

    pub(super) fn diagnostics(
        &self,
        source: &Source,
        diagnostics: &[dql::Diagnostic],
        out: &mut dyn Write,
    ) -> io::Result<()> {
        if diagnostics.is_empty() {
            return Ok(());
        }
        // Wrapped at the terminal's width when there is one.
        let width = self.screen.map_or(self.width, |(columns, _)| columns);
        let text = dql::diagnostic::render(source, diagnostics, self.colour, width);
        write!(out, "{text}")
    }
}

/// Keeps the text values of an answer's plain columns (not aggregates), for completion.
fn remember_values(values: &mut BTreeMap<String, BTreeSet<String>>, answer: &Answer) {
    for column in &answer.columns {
        let field = column.field.as_str();
        if field.contains('(') || field.is_empty() {
            continue;
        }
        let key = field
            .strip_prefix("tags[")
            .and_then(|rest| rest.strip_suffix(']'))
            .and_then(|inner| inner.split(',').next())
            .unwrap_or(field);
        let seen = values.entry(key.to_owned()).or_default();
        for row in &answer.result.data {
            if seen.len() >= VALUES_PER_KEY {
                break;
            }
            if let Some(serde_json::Value::String(text)) = row.get(field)
                && !text.is_empty()
                && text.len() <= 200
            {
                seen.insert(text.clone());
            }
        }
    }
}

/// Tag names among an answer's columns: `tags[x]` keys and names the catalog does not know.
fn tag_names(answer: &Answer) -> Vec<String> {
    let catalog = crate::live_catalog::catalog();
    answer
        .columns
        .iter()
        .filter_map(|column| {
            let field = column.field.as_str();
            if let Some(inner) = field
                .strip_prefix("tags[")
                .and_then(|rest| rest.strip_suffix(']'))
            {
                return inner.split(',').next().map(str::to_owned);
            }
            let plain = !field.is_empty()
                && field.chars().all(dql::syntax::token::is_name_char)
                && catalog.lookup_field(field).is_none();
            plain.then(|| field.to_owned())
        })
        .collect()
}
