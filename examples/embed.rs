//! Embedding dql: compile a query with a bound parameter and print the URL it stands for.
//! Needs no Sentry account: `cargo run --example embed -- production`.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "an example prints"
)]

fn main() -> std::process::ExitCode {
    let environment = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "production".into());
    let now = dql::jiff::Timestamp::now();
    // Values bound from code are parameters: they can never change the query's shape.
    let mut options = dql::Options::new(now).org("acme");
    options.params.bind("env", environment);
    let text = "SELECT release, count() AS errors FROM errors \
                WHERE environment:$env level:error GROUP BY release ORDER BY errors DESC LIMIT 10";
    match dql::compile(text, &options) {
        Ok(requests) => {
            for request in requests {
                // Encoded as sent: `query=environment%3Aproduction+level%3Aerror`.
                println!("{}", request.url("https://sentry.io"));
            }
            std::process::ExitCode::SUCCESS
        }
        Err(diagnostics) => {
            eprint!("{}", diagnostics.render(false, 80));
            std::process::ExitCode::FAILURE
        }
    }
}
