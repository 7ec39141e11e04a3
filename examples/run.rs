//! Running a query against a configured Sentry from code: the same settings as `sentry-cli`
//! (`SENTRY_AUTH_TOKEN`, `SENTRY_ORG`, `.sentryclirc`), through the executor the CLI and the
//! REPL use, so that the columns printed are the answer's (a series gets `time` and one column
//! per series, labelled by its alias).
//! `SENTRY_ORG=acme SENTRY_AUTH_TOKEN=… cargo run --example run [QUERY]`
#![allow(clippy::print_stdout, reason = "an example prints its rows")]

use dql::answer::Answer;
use dql::client::Client;
use dql::client::config::{Config, ConfigInputs, Flags};
use dql::client::transport::Timeouts;
use dql::execute::{Executor, SentryExecutor};
use std::sync::atomic::AtomicBool;

const QUERY: &str = "SELECT transaction, p95(transaction.duration) AS p95 FROM transactions \
                     GROUP BY transaction ORDER BY p95 DESC LIMIT 10 SINCE 24h";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = Config::resolve(&ConfigInputs::from_process(Flags::default()))?;
    let options = dql::Options::new(jiff::Timestamp::now()).org(config.org()?.to_string());
    let text = std::env::args().nth(1).unwrap_or_else(|| QUERY.to_owned());
    let executor = SentryExecutor::new(Client::from_config(&config, Timeouts::default())?);
    print!("{}", run(&executor, &text, &options)?);
    Ok(())
}

/// Compiles `text` and runs each statement, as tab-separated lines: the labels, then the rows.
fn run(
    executor: &impl Executor,
    text: &str,
    options: &dql::Options,
) -> Result<String, Box<dyn std::error::Error>> {
    let compilation = dql::compile_source(&dql::Source::new("<query>", text), options);
    if compilation.has_errors() {
        return Err(compilation.diagnostics().into());
    }
    let mut out = String::new();
    for compiled in &compilation.statements {
        let answer = executor.run(compiled, &AtomicBool::new(false))?;
        out.push_str(&lines(&answer));
    }
    Ok(out)
}

/// The answer as tab-separated lines, its columns in the order and under the labels planned.
fn lines(answer: &Answer) -> String {
    let labels: Vec<&str> = answer.columns.iter().map(|c| c.label.as_str()).collect();
    let mut out = format!("{}\n", labels.join("\t"));
    for row in &answer.result.data {
        let values: Vec<String> = answer
            .columns
            .iter()
            .map(|c| {
                row.get(&c.field)
                    .map_or_else(String::new, ToString::to_string)
            })
            .collect();
        out.push_str(&values.join("\t"));
        out.push('\n');
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "test code")]
mod tests {
    use super::*;
    use dql::client::transport::{HttpRequest, HttpResponse, Transport, TransportError};

    /// Answers every request with one body, as a Sentry that has the endpoint would.
    struct Canned(serde_json::Value);

    impl Transport for Canned {
        fn send(&self, _request: &HttpRequest) -> Result<HttpResponse, TransportError> {
            Ok(HttpResponse {
                status: 200,
                headers: Vec::new(),
                body: self.0.to_string().into_bytes(),
                final_url: None,
            })
        }
    }

    #[test]
    fn a_series_prints_its_time_and_series_columns_under_their_labels() {
        let hour = 3_600_000.0;
        let start = 1_764_140_400_000.0; // 2025-11-26T07:00:00Z
        let body = serde_json::json!({
            "meta": {"dataset": "errors", "start": start, "end": start + 2.0 * hour},
            "timeSeries": [{
                "yAxis": "count()",
                "meta": {"valueType": "integer", "valueUnit": null, "interval": hour},
                "values": [
                    {"timestamp": start, "value": 3},
                    {"timestamp": start + hour, "value": 5},
                ],
            }],
        });
        let client = Client::with_transport(Canned(body), "https://sentry.io", None).unwrap();
        let now = "2025-11-26T09:00:00Z".parse().unwrap();
        let out = run(
            &SentryExecutor::new(client),
            "SELECT count() AS n FROM errors SINCE 2h INTERVAL 1h",
            &dql::Options::new(now).org("acme"),
        )
        .unwrap();
        assert_eq!(
            out,
            "time\tn\n\"2025-11-26T07:00:00Z\"\t3\n\"2025-11-26T08:00:00Z\"\t5\n"
        );
    }
}
