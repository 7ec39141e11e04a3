//! `dql repl`: the REPL wired to its backend (Sentry, exported events, or nowhere) and to
//! completion's own client.

use super::exit::Exit;
use dql::client::Client;
use dql::client::config::Config;
use dql::client::error::ClientError;
use std::path::PathBuf;

/// `dql repl` (and `dql` alone on a terminal).
pub(crate) fn run(
    config: Result<Config, ClientError>,
    format: dql::format::Format,
    events: Option<&PathBuf>,
) -> Result<(), Exit> {
    use super::repl_backend::{CliBackend, Target};
    let base_url = config
        .as_ref()
        .map_or_else(|_| "https://sentry.io".to_string(), |c| c.url.value.clone());
    let org = config
        .as_ref()
        .ok()
        .and_then(|c| c.org.as_ref().map(|o| o.value.clone()));
    let project = config
        .as_ref()
        .ok()
        .and_then(|c| c.project.as_ref().map(|p| p.value.clone()));
    let target = if let Some(path) = events {
        match dql::engine::EventFiles::open(path) {
            Ok(files) => Target::Events(files),
            Err(e) => {
                super::print_report(&e);
                return Err(Exit::USAGE);
            }
        }
    } else {
        let client = config.as_ref().ok().and_then(|c| {
            c.token().ok()?;
            c.org().ok()?;
            Client::from_config(c, dql::client::transport::Timeouts::default()).ok()
        });
        match client {
            Some(client) => Target::Sentry(dql::execute::SentryExecutor::new(client)),
            None => Target::Nowhere(
                "not connected to Sentry: queries are checked and compiled, not run.\n\
                 To run them, set SENTRY_AUTH_TOKEN and SENTRY_ORG (or --token and --org, or \
                 .sentryclirc; `dql config` shows what is set), or start with --events PATH."
                    .to_owned(),
            ),
        }
    };
    // Completion asks Sentry for values with a client of its own: short timeouts, no
    // retries, so that Tab never hangs for long.
    let remote = match (&target, config.as_ref()) {
        (Target::Sentry(_), Ok(config)) => Client::from_config(
            config,
            dql::client::transport::Timeouts {
                connect: std::time::Duration::from_secs(2),
                read: std::time::Duration::from_secs(3),
            },
        )
        .ok()
        .map(|client| {
            let client = client.retry_policy(dql::client::RetryPolicy {
                max_tries: 1,
                ..dql::client::RetryPolicy::default()
            });
            crate::repl::Remote(std::sync::Arc::new(
                move |key: &str, contains: &str, dataset: Option<&str>| {
                    let mut extra = vec![("statsPeriod".to_owned(), "14d".to_owned())];
                    // Trace-item datasets keep their values behind the attributes endpoint;
                    // the others behind the tags endpoint, whose `dataset` is `events` unless
                    // told otherwise.
                    if let Some(trace) =
                        dataset.filter(|d| crate::live_catalog::catalog().is_trace_items(d))
                    {
                        return client
                            .attribute_values(key, contains, trace, &extra)
                            .unwrap_or_default();
                    }
                    if dataset == Some("transactions") {
                        extra.push(("dataset".to_owned(), "discover".to_owned()));
                    }
                    client.tag_values(key, contains, &extra).unwrap_or_default()
                },
            ))
        }),
        _ => None,
    };
    Exit::outcome(crate::repl::run(
        CliBackend {
            target,
            org,
            project,
            base_url,
        },
        format,
        remote,
    ))
}
