//! Running a query against a configured Sentry from code: the same settings as `sentry-cli`
//! (`SENTRY_AUTH_TOKEN`, `SENTRY_ORG`, `.sentryclirc`), rows streamed page by page.
//! `SENTRY_ORG=acme SENTRY_AUTH_TOKEN=… cargo run --example run`
#![allow(clippy::print_stdout, reason = "an example prints its rows")]

use dql::client::Client;
use dql::client::config::{Config, ConfigInputs, Flags};
use dql::client::transport::Timeouts;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = Config::resolve(&ConfigInputs::from_process(Flags::default()))?;
    let options = dql::Options::new(jiff::Timestamp::now()).org(config.org()?.to_string());
    let requests = dql::compile(
        "SELECT transaction, p95(transaction.duration) AS p95 FROM transactions \
         GROUP BY transaction ORDER BY p95 DESC LIMIT 10 SINCE 24h",
        &options,
    )?;
    let client = Client::from_config(&config, Timeouts::default())?;
    for request in &requests {
        for page in client.pages(request) {
            let page = page?;
            for row in &page.rows {
                let values: Vec<String> = request
                    .columns
                    .iter()
                    .map(|c| {
                        row.get(&c.field)
                            .map_or_else(String::new, ToString::to_string)
                    })
                    .collect();
                println!("{}", values.join("\t"));
            }
        }
    }
    Ok(())
}
