//! The HTTP backend behind [`Executor`]: the pages of a request fetched on a thread of their
//! own, so that raising the cancel flag ends the wait at once even when the server never
//! answers (the abandoned request ends by itself at its timeout).

use super::{Executor, RunError, plan};
use crate::answer::Answer;
use crate::client::transport::{ReqwestTransport, Transport};
use crate::client::{Client, ClientError, Page};
use crate::lower::Request;
use crate::pipeline::Compiled;
use crate::result::ResultSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

/// How often a wait for Sentry looks at the cancel flag.
const CANCEL_POLL: Duration = Duration::from_millis(50);

/// Runs statements against Sentry through a [`Client`] (shared with the thread that waits
/// for each answer).
pub struct SentryExecutor<T: Transport = ReqwestTransport> {
    client: Arc<Client<T>>,
}

impl<T: Transport> std::fmt::Debug for SentryExecutor<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SentryExecutor")
            .field("client", &self.client)
            .finish()
    }
}

impl<T: Transport> SentryExecutor<T> {
    /// An executor sending through `client`.
    pub fn new(client: Client<T>) -> Self {
        SentryExecutor {
            client: Arc::new(client),
        }
    }

    /// An executor sending through a client shared with others.
    pub fn shared(client: Arc<Client<T>>) -> Self {
        SentryExecutor { client }
    }

    /// The client it sends through.
    pub fn client(&self) -> &Client<T> {
        &self.client
    }
}

impl<T: Transport + Send + Sync + 'static> SentryExecutor<T> {
    /// [`Executor::run`], telling `waiting` how long the answer has been awaited each time
    /// it looks at the cancel flag without one (a caller's spinner).
    pub fn run_waiting(
        &self,
        compiled: &Compiled,
        cancel: &AtomicBool,
        waiting: &mut dyn FnMut(Duration),
    ) -> Result<Answer, RunError> {
        let request = &compiled.request;
        if request.update.is_some() {
            return Err(RunError::Update);
        }
        let mut result = ResultSet::default();
        let mut keys = Vec::new();
        let mut has_more = false;
        pages_cancellable(
            &self.client,
            request,
            cancel,
            |page| {
                if keys.is_empty() {
                    keys = page.columns.clone();
                }
                has_more = page.has_more;
                result.meta.fields.extend(page.meta.fields);
                result.meta.units.extend(page.meta.units);
                result.meta.accuracy.merge(&page.meta.accuracy);
                result.data.extend(page.rows);
            },
            waiting,
        )?;
        Ok(Answer {
            name: request.name.clone(),
            columns: plan(request, &keys, false),
            result,
            has_more,
        })
    }
}

impl<T: Transport + Send + Sync + 'static> Executor for SentryExecutor<T> {
    fn run(&self, compiled: &Compiled, cancel: &AtomicBool) -> Result<Answer, RunError> {
        self.run_waiting(compiled, cancel, &mut |_| {})
    }
}

/// Hands each page of `request` to `on_page` as it arrives, until the last one, a failure, or
/// the cancel flag.
fn pages_cancellable<T: Transport + Send + Sync + 'static>(
    client: &Arc<Client<T>>,
    request: &Request,
    cancel: &AtomicBool,
    mut on_page: impl FnMut(Page),
    waiting: &mut dyn FnMut(Duration),
) -> Result<(), RunError> {
    let (send, receive) = mpsc::sync_channel::<Result<Page, ClientError>>(1);
    let worker_client = Arc::clone(client);
    let worker_request = request.clone();
    std::thread::spawn(move || {
        for page in worker_client.stitched(&worker_request) {
            // The receiver gone means the caller cancelled: stop fetching.
            if send.send(page).is_err() {
                return;
            }
        }
    });
    let started = std::time::Instant::now();
    loop {
        if cancel.load(Ordering::SeqCst) {
            return Err(RunError::Cancelled);
        }
        match receive.recv_timeout(CANCEL_POLL) {
            Ok(Ok(page)) => on_page(page),
            Ok(Err(e)) => return Err(RunError::Sentry(e)),
            Err(mpsc::RecvTimeoutError::Timeout) => waiting(started.elapsed()),
            Err(mpsc::RecvTimeoutError::Disconnected) => return Ok(()),
        }
    }
}
