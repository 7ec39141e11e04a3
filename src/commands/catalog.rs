//! `dql catalog pull|show`: the live catalog. `pull` reads what attributes an organization
//! really has from `/api/0/organizations/{org}/trace-items/attributes/` (sentry-api-2026.md §3:
//! per dataset, one `attributeType` at a time, paged by cursor) and caches them per org and
//! dataset under the user's cache directory; `show` lists a dataset's fields, functions and
//! cached attributes. `check`, `compile`, `run` and the REPL load the cache when present
//! ([`load_catalog`]).
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "the CLI talks to the terminal"
)]

use super::exit::Exit;
use super::write_stdout;
use crate::commands::run::report_client_error;
use dql::client::Client;
use dql::client::config::Config;
use dql::client::error::ClientError;
use dql::semantic::Catalog;
use dql::semantic::catalog::{ArgKind, FunctionInfo, OrgAttribute, ResultType};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::PathBuf;
use std::sync::OnceLock;

/// The datasets the attributes endpoint serves (sentry-api-2026.md §3).
const PULLABLE: &[&str] = &["spans", "logs", "tracemetrics"];

/// The attribute types asked for, one request (and its pages) each.
const TYPES: &[&str] = &["string", "number", "boolean"];

/// At most this many pages per dataset and type.
const MAX_PAGES: u32 = 50;

/// One cached dataset of one organization.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CacheFile {
    org: String,
    dataset: String,
    project: Option<String>,
    /// When it was fetched (RFC 3339).
    fetched_at: String,
    attributes: Vec<OrgAttribute>,
}

/// The cache directory: `$DQL_CACHE_DIR`, else the user's cache dir + `dql`.
fn cache_root() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("DQL_CACHE_DIR") {
        return Some(PathBuf::from(dir));
    }
    dirs::cache_dir().map(|d| d.join("dql"))
}

/// `<root>/attributes/<org>/<dataset>.json`; `None` for an org slug that is not a plain name.
fn cache_path(org: &str, dataset: &str) -> Option<PathBuf> {
    let plain = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
    };
    (plain(org) && plain(dataset))
        .then(|| {
            cache_root().map(|r| {
                r.join("attributes")
                    .join(org)
                    .join(format!("{dataset}.json"))
            })
        })
        .flatten()
}

fn read_cache(org: &str, dataset: &str) -> Option<CacheFile> {
    let text = std::fs::read_to_string(cache_path(org, dataset)?).ok()?;
    serde_json::from_str(&text).ok()
}

/// The catalog the compiling commands use: the built-in one plus, when the organization's
/// attributes are cached, those (set once by `main`).
static CATALOG: OnceLock<Catalog> = OnceLock::new();

/// Loads the cached attributes of `org` (when any) into the catalog the commands use.
pub(crate) fn load_catalog(org: Option<&str>) {
    let mut catalog = Catalog::builtin().clone();
    if let Some(org) = org {
        for dataset in PULLABLE {
            if let Some(cache) = read_cache(org, dataset) {
                catalog.add_org_attributes(dataset, &cache.attributes);
            }
        }
    }
    let _ = CATALOG.set(catalog);
}

/// The catalog to check against (the built-in one when nothing was loaded).
pub(crate) fn catalog() -> &'static Catalog {
    CATALOG.get().unwrap_or_else(|| Catalog::builtin())
}

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

/// A function's signature: `p95([column = span.duration])`.
pub(crate) fn signature(f: &FunctionInfo) -> String {
    let args: Vec<String> = f
        .args
        .iter()
        .map(|a| {
            let kind = match &a.kind {
                ArgKind::Word { values } => values.join("|"),
                ArgKind::NumericColumn { .. } => format!("{}: numeric", a.name),
                _ => a.name.clone(),
            };
            match (&a.default, a.optional) {
                (Some(d), _) => format!("[{kind} = {d}]"),
                (None, true) => format!("[{kind}]"),
                (None, false) => kind,
            }
        })
        .collect();
    let result = match f.result {
        ResultType::Fixed(ty) => ty.to_string(),
        ResultType::SameAsArg(i) => format!("type of argument {}", i + 1),
    };
    format!("{}({}) → {result}", f.name, args.join(", "))
}

/// The text `dql catalog show` and the REPL's `.describe` print for `dataset`.
pub(crate) fn describe(
    catalog: &Catalog,
    dataset: &str,
    grep: Option<&str>,
    org: Option<&str>,
) -> Option<String> {
    let info = catalog.dataset(dataset)?;
    let keep = |s: &str| grep.is_none_or(|g| s.contains(g));
    let mut out = format!("dataset {dataset}\n");
    if let Some(source) = &info.source {
        out.push_str(&format!("  source (getsentry/sentry): {source}\n"));
    }
    out.push_str("fields:\n");
    for field in catalog.fields_in(dataset) {
        if keep(&field.name) {
            out.push_str(&format!("  {:<40} {}\n", field.name, field.ty));
        }
    }
    out.push_str("functions:\n");
    for function in catalog.functions_in(dataset) {
        if keep(&function.name) {
            out.push_str(&format!("  {}\n", signature(function)));
        }
    }
    let cached = org.and_then(|org| read_cache(org, dataset));
    if cached.is_none() && catalog.has_org_attributes(dataset) {
        out.push_str("attributes of the organization (cached):\n");
        for a in catalog.org_attributes(dataset) {
            if keep(&a.name) {
                out.push_str(&format!("  {:<40} {}\n", a.name, a.ty));
            }
        }
        return Some(out);
    }
    match cached {
        Some(cache) => {
            let age = cache
                .fetched_at
                .parse::<jiff::Timestamp>()
                .ok()
                .map(|t| {
                    let secs = jiff::Timestamp::now().as_second() - t.as_second();
                    format!("{}h {}m ago", secs / 3600, (secs % 3600) / 60)
                })
                .unwrap_or_else(|| cache.fetched_at.clone());
            out.push_str(&format!(
                "attributes of {} (cached {age}, {}):\n",
                cache.org,
                cache.attributes.len()
            ));
            for a in cache.attributes.iter().filter(|a| keep(&a.name)) {
                out.push_str(&format!("  {:<40} {:<8} {}\n", a.key, a.ty, a.source));
            }
        }
        None if catalog.is_trace_items(dataset) && PULLABLE.contains(&dataset) => {
            out.push_str("attributes: none cached (`dql catalog pull` reads them from Sentry)\n");
        }
        None => {}
    }
    Some(out)
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
