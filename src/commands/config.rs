//! `dql config`: the Sentry settings in effect and where each comes from.

use super::exit::Exit;
use dql::client::config::Config;
use dql::client::error::ClientError;

/// `dql config`.
pub(crate) fn run(config: Result<Config, ClientError>) -> Result<(), Exit> {
    let config = config.map_err(super::run::report_client_error)?;
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
    super::write_stdout(&text)
}
