//! The paging progress hook ([`Client::on_progress`]): after each page of a request fetched
//! through [`Client::stitched`] (and so [`Client::execute`]), where its paging got: rows,
//! pages, windows of time, and what is known of the total, for a progress bar (`dql run`).

use super::{Client, Transport};
use jiff::Timestamp;

/// Where the paging of one request got, reported after each of its pages.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Paging {
    /// Rows delivered so far (of this request).
    pub rows: u64,
    /// Pages of rows delivered so far, of every window (merged groups come as one).
    pub pages: u64,
    /// Windows of time begun (1 while the answer fits under the offset cap).
    pub windows: u32,
    /// The rows asked for (LIMIT); `None` for LIMIT ALL, and for one page without LIMIT.
    pub limit: Option<u64>,
    /// Rows fetched in windows of time (LIMIT ALL, or a LIMIT past one page, sorted by
    /// timestamp): the share of the time from the first row delivered to the far edge of the
    /// request's range that the rows delivered so far reach across, from 0 to 1 (the time
    /// before the first row, where no row is, does not count).
    pub covered: Option<f64>,
}

impl Paging {
    /// The rows the request will deliver as far as it is known: the LIMIT; without one (LIMIT
    /// ALL), where the time covered is known, the rows so far scaled to the rest of the range
    /// (an estimate that assumes rows spread evenly over time). Never fewer than delivered.
    pub fn expected(&self) -> Option<u64> {
        let scaled = || {
            self.covered
                .filter(|c| *c > 0.0 && self.rows > 0)
                .map(|c| (self.rows as f64 / c.min(1.0)).ceil() as u64)
        };
        self.limit.or_else(scaled).map(|n| n.max(self.rows))
    }
}

/// The share of the time from `first` (the first row's) to the far edge of `[start, end)` in
/// the order rows come (`start`, newest first) that lies between `first` and `at`.
pub(super) fn covered(
    (start, end): (Timestamp, Timestamp),
    descending: bool,
    first: Timestamp,
    at: Timestamp,
) -> f64 {
    let (whole, done) = if descending {
        (first.duration_since(start), first.duration_since(at))
    } else {
        (end.duration_since(first), at.duration_since(first))
    };
    let whole = whole.as_secs_f64();
    if whole <= 0.0 {
        return 1.0;
    }
    (done.as_secs_f64() / whole).clamp(0.0, 1.0)
}

pub(super) type ProgressHook = Box<dyn Fn(&Paging) + Send + Sync>;

impl<T: Transport> Client<T> {
    /// Reports each page of every request fetched through [`Client::stitched`] and
    /// [`Client::execute`] to `hook`, with where the request's paging got ([`Paging`]).
    #[must_use]
    pub fn on_progress(mut self, hook: impl Fn(&Paging) + Send + Sync + 'static) -> Self {
        self.progress = Some(Box::new(hook));
        self
    }

    pub(super) fn report_progress(&self, paging: &Paging) {
        if let Some(hook) = &self.progress {
            hook(paging);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_total_is_the_limit_or_the_rows_scaled_to_the_range() {
        let paging = |rows, limit, covered| Paging {
            rows,
            pages: 1,
            windows: 1,
            limit,
            covered,
        };
        assert_eq!(paging(100, Some(500), None).expected(), Some(500));
        assert_eq!(paging(100, None, None).expected(), None);
        assert_eq!(paging(1000, None, Some(0.25)).expected(), Some(4000));
        // A LIMIT is the total even where the time covered would say otherwise.
        assert_eq!(paging(1000, Some(2000), Some(0.25)).expected(), Some(2000));
        assert_eq!(paging(1000, Some(9000), Some(0.25)).expected(), Some(9000));
        assert_eq!(paging(1000, None, Some(0.0)).expected(), None);
        assert_eq!(paging(600, Some(500), None).expected(), Some(600));
    }

    #[test]
    fn the_time_covered_runs_in_the_order_rows_come() {
        let start: Timestamp = "2026-11-26T00:00:00Z".parse().unwrap_or_default();
        let end: Timestamp = "2026-11-26T10:00:00Z".parse().unwrap_or_default();
        let at: Timestamp = "2026-11-26T07:30:00Z".parse().unwrap_or_default();
        assert!((covered((start, end), true, end, at) - 0.25).abs() < 1e-9);
        assert!((covered((start, end), false, start, at) - 0.75).abs() < 1e-9);
        assert!((covered((start, end), true, end, start) - 1.0).abs() < 1e-9);
        assert!((covered((end, end), true, end, at) - 1.0).abs() < 1e-9);
        // Newest first, the first row two hours before the end: the hours without rows do not
        // count, half of the eight from it to the start is covered at 04:00.
        let first: Timestamp = "2026-11-26T08:00:00Z".parse().unwrap_or_default();
        let half: Timestamp = "2026-11-26T04:00:00Z".parse().unwrap_or_default();
        assert!((covered((start, end), true, first, half) - 0.5).abs() < 1e-9);
    }
}
