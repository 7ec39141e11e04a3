//! The one progress hook of a local scan: [`EventFiles::on_scanned`] is told how many events
//! were read, a few thousand at a time, from every scanning thread (the binary draws a bar).

use super::events::EventFiles;
use std::sync::Arc;

/// Events read between two calls of the hook.
pub(crate) const EVERY: u64 = 4096;

/// A callback told of events read; equal to any other (it is no part of the files' identity).
#[derive(Clone)]
pub struct ScanProgress(Arc<dyn Fn(u64) + Send + Sync>);

impl std::fmt::Debug for ScanProgress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ScanProgress")
    }
}

impl PartialEq for ScanProgress {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for ScanProgress {}

impl EventFiles {
    /// Calls `hook` with the number of events read since its last call, as scans go.
    #[must_use]
    pub fn on_scanned(mut self, hook: impl Fn(u64) + Send + Sync + 'static) -> Self {
        self.on_scanned = Some(ScanProgress(Arc::new(hook)));
        self
    }

    /// `n` more events were read.
    pub(crate) fn scanned(&self, n: u64) {
        if let (Some(hook), true) = (&self.on_scanned, n > 0) {
            (hook.0)(n);
        }
    }
}
