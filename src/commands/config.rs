//! `dql config`: the Sentry settings in effect and where each comes from.

use dql::client::config::Config;
use dql::client::error::ClientError;

/// `dql config`.
pub(crate) fn run(config: Result<Config, ClientError>) -> u8 {
    let config = match config {
        Ok(c) => c,
        Err(e) => return super::run::report_client_error(e),
    };
    let rows = config.describe();
    let width = rows.iter().map(|r| r.setting.len()).max().unwrap_or(0);
    let mut text = String::new();
    for row in rows {
        match row.value {
            Some(value) => text.push_str(&format!(
                "{:<width$}  {value}  ({})\n",
                row.setting, row.origin
            )),
            None => text.push_str(&format!("{:<width$}  {}\n", row.setting, row.origin)),
        }
    }
    match super::write_stdout(&text) {
        Ok(()) => 0,
        Err(code) => code,
    }
}
