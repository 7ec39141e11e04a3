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
    let now = jiff::Timestamp::now();
    // Values bound from code are parameters: they can never change the query's shape.
    let options = dql::Options::new(now).param("env", environment).org("acme");
    let text = "SELECT release, count() AS errors FROM errors \
                WHERE environment:$env level:error GROUP BY release ORDER BY errors DESC LIMIT 10";
    match dql::compile(text, &options) {
        Ok(requests) => {
            for request in requests {
                let mut url = format!("https://sentry.io{}?", request.path);
                for (idx, (key, value)) in request.params.iter().enumerate() {
                    if idx > 0 {
                        url.push('&');
                    }
                    url.push_str(&format!("{key}={value}"));
                }
                println!("{url}");
            }
            std::process::ExitCode::SUCCESS
        }
        Err(diagnostics) => {
            eprint!("{}", diagnostics.render(false, 80));
            std::process::ExitCode::FAILURE
        }
    }
}
