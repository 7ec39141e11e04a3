//! Progress on long work (`run`, `export`, local scans): a bar on stderr with the rows or
//! events done, the pages fetched, the rate and, where the total is known, the ETA; a spinner
//! for the REPL. Drawn only when stderr is a terminal; on a pipe nothing unless `--progress`
//! asked for it, and then plain lines, at most one a second, that a log can keep.
//!
//! Every handle is a cheap clone of one shared bar, usable from any thread; lines printed
//! through [`Progress::suspend`] (`--verbose`) go above the bar instead of through it.
#![allow(
    clippy::print_stderr,
    reason = "progress is written to the terminal's stderr"
)]

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How often the plain lines (`--progress` on a pipe) are written at most.
const LINE_EVERY: Duration = Duration::from_secs(1);

/// Where progress goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Output {
    /// Nowhere (a pipe without `--progress`, or nothing long enough to show).
    Hidden,
    /// A bar redrawn in place on a terminal.
    Bar,
    /// Plain lines (`--progress` on a pipe or a file).
    Lines,
}

/// One piece of long work's progress.
#[derive(Debug, Clone)]
pub(crate) struct Progress {
    bar: ProgressBar,
    output: Output,
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    /// What is counted: `events`, `rows`, `lines`.
    unit: &'static str,
    pages: AtomicU64,
    /// The total is an estimate (shown `~N`).
    estimated: AtomicBool,
    /// When the last plain line was written.
    last_line: Mutex<Option<Instant>>,
}

impl Progress {
    /// Progress counting `unit` (`events`, `rows`) towards `total` when known: a bar on a
    /// terminal, plain lines when `forced` on something else, nothing otherwise.
    pub(crate) fn new(forced: bool, unit: &'static str, total: Option<u64>) -> Progress {
        let output = if std::io::stderr().is_terminal() {
            Output::Bar
        } else if forced {
            Output::Lines
        } else {
            Output::Hidden
        };
        Progress::with_output(output, unit, total)
    }

    /// Progress that shows nothing (still counts, for the summary).
    pub(crate) fn hidden(unit: &'static str) -> Progress {
        Progress::with_output(Output::Hidden, unit, None)
    }

    /// A spinner saying `message` while the REPL waits (a terminal only); ended by
    /// [`Progress::finish`].
    pub(crate) fn spinner(message: &str) -> Progress {
        let output = if std::io::stderr().is_terminal() {
            Output::Bar
        } else {
            Output::Hidden
        };
        let progress = Progress::with_output(output, "rows", None);
        progress.bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} {elapsed} (Ctrl-C cancels)")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        progress.bar.set_message(message.to_owned());
        if output == Output::Bar {
            progress.bar.enable_steady_tick(Duration::from_millis(120));
        }
        progress
    }

    fn with_output(output: Output, unit: &'static str, total: Option<u64>) -> Progress {
        let bar = ProgressBar::with_draw_target(
            total,
            match output {
                Output::Bar => ProgressDrawTarget::stderr_with_hz(8),
                Output::Hidden | Output::Lines => ProgressDrawTarget::hidden(),
            },
        );
        let progress = Progress {
            bar,
            output,
            shared: Arc::new(Shared {
                unit,
                pages: AtomicU64::new(0),
                estimated: AtomicBool::new(false),
                last_line: Mutex::new(None),
            }),
        };
        progress.restyle();
        progress
    }

    /// Sets the bar's template for a known or unknown total.
    fn restyle(&self) {
        let unit = self.shared.unit;
        let template = if self.bar.length().is_some() {
            format!(
                "{{wide_bar}} {{human_pos}}/{}{{human_len}} {unit} · {{msg}} · {{per_sec:0}} · ETA {{eta}}",
                self.about()
            )
        } else {
            format!("{{spinner}} {{human_pos}} {unit} · {{msg}} · {{per_sec:0}} · {{elapsed}}")
        };
        if let Ok(style) = ProgressStyle::with_template(&template) {
            self.bar.set_style(style.progress_chars("=> "));
        }
        self.bar.set_message(self.pages_text());
    }

    /// Sets (or forgets) the total: the bar shows a fraction and an ETA with one.
    pub(crate) fn set_total(&self, total: Option<u64>) {
        match total {
            Some(n) => self.bar.set_length(n),
            None => self.bar.unset_length(),
        }
        self.restyle();
    }

    /// `n` more rows or events done.
    pub(crate) fn inc(&self, n: u64) {
        self.bar.inc(n);
        self.maybe_line();
    }

    /// One more page fetched.
    pub(crate) fn page(&self) {
        self.shared.pages.fetch_add(1, Ordering::Relaxed);
        self.bar.set_message(self.pages_text());
        self.maybe_line();
    }

    /// Where one request's paging got (the HTTP client's progress hook, `dql run`): its rows
    /// and pages so far, towards the total when one is known: the LIMIT, or LIMIT ALL's rows
    /// scaled to the share of the time range they cover (an estimate, shown `~N`); the next
    /// request starts from its own.
    pub(crate) fn paged(&self, paging: &dql::client::Paging) {
        self.shared.pages.store(paging.pages, Ordering::Relaxed);
        let total = paging.expected();
        // Without a LIMIT the total is LIMIT ALL's estimate from the time covered.
        let estimated = paging.limit.is_none() && total.is_some();
        let was = self.shared.estimated.swap(estimated, Ordering::Relaxed);
        if was != estimated {
            self.set_total(total);
        } else if total != self.bar.length() {
            if total.is_some() == self.bar.length().is_some() {
                if let Some(n) = total {
                    self.bar.set_length(n);
                }
            } else {
                self.set_total(total);
            }
        }
        self.bar.set_position(paging.rows);
        self.bar.set_message(self.pages_text());
        self.maybe_line();
    }

    /// The work is whole: an estimated total becomes the count (shown by a plain line's last).
    pub(crate) fn complete(&self) {
        if self.shared.estimated.swap(false, Ordering::Relaxed) {
            self.bar.set_length(self.bar.position());
            self.restyle();
        }
    }

    /// The pages fetched so far.
    pub(crate) fn pages(&self) -> u64 {
        self.shared.pages.load(Ordering::Relaxed)
    }

    /// Runs `f` (which writes to stderr, e.g. a `--verbose` line) with the bar out of the way.
    pub(crate) fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        self.bar.suspend(f)
    }

    /// Ends the progress: the bar is cleared (the command prints its own summary); plain lines
    /// end with the final count.
    pub(crate) fn finish(&self) {
        if self.output == Output::Lines && !self.bar.is_finished() {
            eprintln!("{}", self.line());
        }
        self.bar.finish_and_clear();
    }

    /// `~` before an estimated total.
    fn about(&self) -> &'static str {
        if self.shared.estimated.load(Ordering::Relaxed) {
            "~"
        } else {
            ""
        }
    }

    fn pages_text(&self) -> String {
        let pages = self.pages();
        format!("{pages} page{}", if pages == 1 { "" } else { "s" })
    }

    /// The plain line: `progress: 1,200/50,000 events, 12 pages, 830/s, ETA 58s`.
    fn line(&self) -> String {
        let done = self.bar.position();
        let mut line = match self.bar.length() {
            Some(total) => format!(
                "progress: {done}/{}{total} {}",
                self.about(),
                self.shared.unit
            ),
            None => format!("progress: {done} {}", self.shared.unit),
        };
        line.push_str(&format!(", {}", self.pages_text()));
        let rate = self.bar.per_sec();
        if rate.is_finite() && rate > 0.0 {
            line.push_str(&format!(", {rate:.0}/s"));
            if self.bar.length().is_some() {
                line.push_str(&format!(", ETA {}s", self.bar.eta().as_secs()));
            }
        }
        line
    }

    /// Writes a plain line when that mode is on and the last one is a second old.
    fn maybe_line(&self) {
        if self.output != Output::Lines {
            return;
        }
        let mut last = self
            .shared
            .last_line
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let due = last.is_none_or(|at| at.elapsed() >= LINE_EVERY);
        if due {
            *last = Some(Instant::now());
            drop(last);
            eprintln!("{}", self.line());
        }
    }
}

/// Progress that shows only once the work has gone on for a while (a quick local scan
/// draws nothing); a bar on a terminal only. Clones share it.
#[derive(Debug, Clone)]
pub(crate) struct Delayed {
    unit: &'static str,
    after: Duration,
    state: Arc<Mutex<DelayedState>>,
}

#[derive(Debug, Default)]
struct DelayedState {
    started: Option<Instant>,
    counted: u64,
    shown: Option<Progress>,
}

impl Delayed {
    /// Counting `unit`, drawn after `after`.
    pub(crate) fn new(unit: &'static str, after: Duration) -> Delayed {
        Delayed {
            unit,
            after,
            state: Arc::default(),
        }
    }

    /// `n` more done.
    pub(crate) fn add(&self, n: u64) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let started = *state.started.get_or_insert_with(Instant::now);
        state.counted += n;
        if let Some(shown) = &state.shown {
            shown.inc(n);
        } else if started.elapsed() >= self.after && std::io::stderr().is_terminal() {
            let shown = Progress::new(false, self.unit, None);
            shown.inc(state.counted);
            state.shown = Some(shown);
        }
    }

    /// Ends this piece of work (the bar is cleared); the next starts from nothing.
    pub(crate) fn finish(&self) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(shown) = state.shown.take() {
            shown.finish();
        }
        *state = DelayedState::default();
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "test code")]
mod tests {
    use super::*;

    #[test]
    fn counts_pages_and_position_whatever_is_shown() {
        let progress = Progress::hidden("events");
        progress.inc(120);
        progress.page();
        progress.page();
        let clone = progress.clone();
        clone.inc(5);
        assert_eq!(progress.bar.position(), 125);
        assert_eq!(progress.pages(), 2);
        assert!(progress.line().starts_with("progress: 125 events, 2 pages"));
        progress.set_total(Some(1000));
        assert!(
            progress
                .line()
                .starts_with("progress: 125/1000 events, 2 pages")
        );
        progress.finish();
    }

    #[test]
    fn delayed_progress_counts_and_starts_again_after_finish() {
        let delayed = Delayed::new("events", Duration::from_secs(3600));
        delayed.add(10);
        delayed.clone().add(5);
        assert_eq!(delayed.state.lock().unwrap().counted, 15);
        assert!(
            delayed.state.lock().unwrap().shown.is_none(),
            "not before the delay"
        );
        delayed.finish();
        assert_eq!(delayed.state.lock().unwrap().counted, 0);
    }

    #[test]
    fn a_request_s_paging_sets_the_count_and_the_total_when_known() {
        let progress = Progress::hidden("rows");
        let paging = |rows, pages, limit, covered| dql::client::Paging {
            rows,
            pages,
            windows: 1,
            limit,
            covered,
        };
        progress.paged(&paging(100, 1, None, None));
        assert!(progress.line().starts_with("progress: 100 rows, 1 page"));
        progress.paged(&paging(300, 3, None, Some(0.5)));
        assert!(
            progress
                .line()
                .starts_with("progress: 300/~600 rows, 3 pages"),
            "{}",
            progress.line()
        );
        progress.complete();
        assert!(
            progress
                .line()
                .starts_with("progress: 300/300 rows, 3 pages")
        );
        // The next statement's request counts from its own start.
        progress.paged(&paging(50, 1, Some(250), None));
        assert!(progress.line().starts_with("progress: 50/250 rows, 1 page"));
        progress.finish();
    }

    #[test]
    fn one_page_is_singular() {
        let progress = Progress::hidden("rows");
        progress.page();
        assert_eq!(progress.pages_text(), "1 page");
    }
}
