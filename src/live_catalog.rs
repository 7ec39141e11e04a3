//! The catalog the binary checks against: the built-in one plus, when `dql catalog pull` has
//! cached them, the organization's attributes of spans, logs and tracemetrics (one file per
//! org and dataset under the user's cache directory), loaded once by `main`
//! ([`load_catalog`]); and the text that describes a dataset of it. Below both `commands`
//! (`check`, `compile`, `run`, `catalog`, the REPL's backend) and the REPL (completion,
//! `.describe`, `.functions`).

use dql::semantic::Catalog;
use dql::semantic::catalog::{ArgKind, FunctionInfo, OrgAttribute, ResultType};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::OnceLock;

/// The datasets the attributes endpoint serves (sentry-api-2026.md §3).
pub(crate) const PULLABLE: &[&str] = &["spans", "logs", "tracemetrics"];

/// One cached dataset of one organization.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CacheFile {
    pub(crate) org: String,
    pub(crate) dataset: String,
    pub(crate) project: Option<String>,
    /// When it was fetched (RFC 3339).
    pub(crate) fetched_at: String,
    pub(crate) attributes: Vec<OrgAttribute>,
}

/// The cache directory: `$DQL_CACHE_DIR`, else the user's cache dir + `dql`.
fn cache_root() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("DQL_CACHE_DIR") {
        return Some(PathBuf::from(dir));
    }
    dirs::cache_dir().map(|d| d.join("dql"))
}

/// `<root>/attributes/<org>/<dataset>.json`; `None` for an org slug that is not a plain name.
pub(crate) fn cache_path(org: &str, dataset: &str) -> Option<PathBuf> {
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
