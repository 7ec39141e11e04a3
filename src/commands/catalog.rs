//! `dql catalog pull|show`: the live catalog. `pull` reads what attributes an organization
//! really has from `/api/0/organizations/{org}/trace-items/attributes/` (sentry-api-2026.md §3:
//! per dataset, one `attributeType` at a time, paged by cursor) and caches them per org and
//! dataset under the user's cache directory (`crate::live_catalog`); `show` lists a dataset's
//! fields, functions and cached attributes.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "the CLI talks to the terminal"
)]

use super::exit::Exit;
use super::write_stdout;
use crate::commands::run::report_client_error;
use crate::live_catalog::{CacheFile, PULLABLE, cache_path, catalog, describe};
use dql::client::Client;
use dql::client::config::Config;
use dql::client::error::ClientError;
use dql::semantic::catalog::OrgAttribute;
use serde_json::Value;

/// The attribute types asked for, one request (and its pages) each.
const TYPES: &[&str] = &["string", "number", "boolean"];

/// At most this many pages per dataset and type.
const MAX_PAGES: u32 = 50;

/// `dql catalog pull`.
pub(crate) fn pull(dataset: Option<&str>, config: Result<Config, ClientError>) -> Result<(), Exit> {
    let config = config.map_err(report_client_error)?;
    let project = config.project.as_ref().map(|p| p.value.as_str());
    let Some(org) = config.org.as_ref().map(|o| o.value.clone()) else {
        return Err(report_client_error(ClientError::MissingOrg));
    };
    let datasets: Vec<&str> = match dataset {
        Some(d) if PULLABLE.contains(&d) => vec![d],
        Some(d) => {
            eprintln!(
                "error: `{d}` has no attribute list in Sentry; pull one of {}",
                PULLABLE.join(", ")
            );
            return Err(Exit::USAGE);
        }
        None => PULLABLE.to_vec(),
    };
    let client = Client::from_config(&config, dql::client::transport::Timeouts::default())
        .map_err(report_client_error)?;
    let path = "/api/0/organizations/{org}/trace-items/attributes/";
    for dataset in datasets {
        let mut attributes: Vec<OrgAttribute> = Vec::new();
        for ty in TYPES {
            let mut params = vec![
                ("dataset".to_owned(), dataset.to_owned()),
                ("attributeType".to_owned(), (*ty).to_owned()),
            ];
            if let Some(project) = project {
                params.push(("project".to_owned(), project.to_owned()));
            }
            let pages = client
                .get_json_pages(path, &params, MAX_PAGES)
                .map_err(report_client_error)?;
            for page in pages {
                let Some(items) = page.as_array() else {
                    return Err(report_client_error(ClientError::BadResponse {
                        status: 200,
                        reason: format!("the attribute list of {dataset} is not a JSON array"),
                    }));
                };
                attributes.extend(items.iter().filter_map(|item| attribute(item, ty)));
            }
        }
        attributes.sort_by(|a, b| a.name.cmp(&b.name).then(a.ty.cmp(&b.ty)));
        attributes.dedup();
        let cache = CacheFile {
            org: org.clone(),
            dataset: dataset.to_owned(),
            project: project.map(str::to_owned),
            fetched_at: jiff::Timestamp::now().to_string(),
            attributes,
        };
        let Some(file) = cache_path(&org, dataset) else {
            eprintln!("error: no cache directory for `{org}` (set DQL_CACHE_DIR)");
            return Err(Exit::USAGE);
        };
        let written = file
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| {
                let text = serde_json::to_string_pretty(&cache).unwrap_or_default();
                std::fs::write(&file, text)
            });
        if let Err(e) = written {
            eprintln!("error: cannot write {}: {e}", file.display());
            return Err(Exit::USAGE);
        }
        eprintln!(
            "{dataset}: {} attributes of {org} cached in {}",
            cache.attributes.len(),
            file.display()
        );
    }
    Ok(())
}

/// One attribute of the documented shape (`key`, `name`, `attributeType`,
/// `attributeSource.source_type`); `None` for an entry without a name.
fn attribute(item: &Value, asked: &str) -> Option<OrgAttribute> {
    let name = item.get("name").and_then(Value::as_str)?.to_owned();
    let key = item
        .get("key")
        .and_then(Value::as_str)
        .map_or_else(|| name.clone(), str::to_owned);
    let ty = item
        .get("attributeType")
        .and_then(Value::as_str)
        .unwrap_or(asked)
        .to_owned();
    let source = item
        .pointer("/attributeSource/source_type")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    Some(OrgAttribute {
        name,
        key,
        ty,
        source,
    })
}

/// `dql catalog show`.
pub(crate) fn show(
    dataset: Option<&str>,
    grep: Option<&str>,
    org: Option<&str>,
) -> Result<(), Exit> {
    let catalog = catalog();
    let datasets: Vec<&str> = match dataset {
        Some(d) => vec![d],
        None => catalog.dataset_names(),
    };
    let mut text = String::new();
    for name in datasets {
        match describe(catalog, name, grep, org) {
            Some(part) => text.push_str(&part),
            None => {
                eprintln!(
                    "error: unknown dataset `{name}`; {}",
                    dql::semantic::suggest::closest_list(name, catalog.dataset_names())
                );
                return Err(Exit::USAGE);
            }
        }
    }
    write_stdout(&text)
}
