//! `dql run`'s progress over HTTP: a bar per statement on a terminal's stderr (rows, pages,
//! rate, and the total and ETA where known: a LIMIT, or LIMIT ALL's rows scaled to the time
//! range covered), plain lines on a pipe only with `--progress`, nothing otherwise. Fed by
//! the client's paging progress hook (`Client::on_progress`); `--verbose` lines go above it.

use crate::progress::Progress;
use dql::client::Client;
use std::sync::{Arc, Mutex, PoisonError};

/// The progress of a run: the bar of the statement being fetched, if any.
#[derive(Debug, Clone)]
pub(crate) struct RunProgress {
    /// `--progress`: plain lines when stderr is no terminal.
    forced: bool,
    current: Arc<Mutex<Option<Progress>>>,
}

impl RunProgress {
    /// `client` reporting its paging to the returned progress (and each request to stderr
    /// with `verbose`, above the bar).
    pub(crate) fn attach(client: Client, forced: bool, verbose: bool) -> (Client, RunProgress) {
        let progress = RunProgress {
            forced,
            current: Arc::default(),
        };
        let hook = progress.clone();
        let client = client.on_progress(move |paging| {
            if let Some(bar) = hook.bar() {
                bar.paged(paging);
            }
        });
        let client = if verbose {
            let above = progress.clone();
            client.on_event(move |event| above.suspend(|| super::run::verbose_event(event)))
        } else {
            client
        };
        (client, progress)
    }

    /// The bar of the statement being fetched.
    fn bar(&self) -> Option<Progress> {
        self.current
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Starts the bar of the next statement's rows.
    pub(crate) fn start(&self) {
        let bar = Progress::new(self.forced, "rows", None);
        let previous = self
            .current
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .replace(bar);
        if let Some(previous) = previous {
            previous.finish();
        }
    }

    /// Runs `f` (which writes to the terminal) with the bar out of the way.
    pub(crate) fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        match self.bar() {
            Some(bar) => bar.suspend(f),
            None => f(),
        }
    }

    /// Every row of the statement came: an estimated total becomes the count.
    pub(crate) fn complete(&self) {
        if let Some(bar) = self.bar() {
            bar.complete();
        }
    }

    /// Ends the statement's bar (cleared; plain lines end with the final count).
    pub(crate) fn finish(&self) {
        let bar = self
            .current
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(bar) = bar {
            bar.finish();
        }
    }
}
