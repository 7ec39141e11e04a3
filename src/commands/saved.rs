//! `dql pull`, `dql diff` and `dql push`: the organization's Discover and Explore saved queries
//! as `.dql` files in git (one canonical statement per query, see `dql::saved`). The server
//! side (endpoints, paging, Explore's absence) is `saved_remote.rs`.

use super::exit::Exit;
use super::run::report_client_error;
use super::saved_remote::{Remote, connect, get, id_of, list, name_of};
use crate::live_catalog;
use dql::Source;
use dql::client::Client;
use dql::client::config::Config;
use dql::client::error::ClientError;
use dql::lower::Method;
use dql::saved::{
    Change, FileQuery, Meaning, SavedSource, decompile, saved_queries, with_description,
};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

/// What `dql pull`, `diff` and `push` need besides their own flags.
pub(crate) struct Target {
    /// The directory of `.dql` files.
    pub(crate) dir: PathBuf,
    /// Files named on the command line; none means every `.dql` file in `dir`.
    pub(crate) files: Vec<PathBuf>,
}

/// The `.dql` files to read: those named, else every one in `dir` (sorted).
fn files(target: &Target) -> Result<Vec<PathBuf>, Exit> {
    if !target.files.is_empty() {
        return Ok(target.files.clone());
    }
    let entries = match std::fs::read_dir(&target.dir) {
        Ok(e) => e,
        Err(e) => {
            eprintln!(
                "error: cannot read {}: {e} (run `dql pull` first, or name the files)",
                target.dir.display()
            );
            return Err(Exit::USAGE);
        }
    };
    let mut out: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "dql"))
        .collect();
    out.sort();
    Ok(out)
}

/// A file and its saved queries.
struct Local {
    path: PathBuf,
    source: Source,
    queries: Vec<FileQuery>,
}

/// Reads and compiles the files; any error is printed and fails the whole command (nothing is
/// half pushed).
fn read_locals(paths: &[PathBuf]) -> Result<Vec<Local>, Exit> {
    let mut out = Vec::new();
    let mut failed = false;
    for path in paths {
        let source = super::read_source(path)?;
        let saved = saved_queries(&source, live_catalog::catalog());
        if saved.has_errors() {
            let errors: Vec<_> = saved
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .cloned()
                .collect();
            super::print_diagnostics(&source, &errors);
            failed = true;
            continue;
        }
        out.push(Local {
            path: path.clone(),
            source,
            queries: saved.queries,
        });
    }
    if failed {
        eprintln!("error: some files cannot be saved queries (see above); nothing was sent");
        return Err(Exit::QUERY);
    }
    Ok(out)
}

/// A query's key across both sources: Discover and Explore number their queries apart.
type Key = (SavedSource, String);

/// What the files in `dir` already hold: the file of each saved query (by source and `@id`)
/// and its `-- @description`.
fn existing(dir: &Path) -> BTreeMap<Key, (PathBuf, Option<String>)> {
    let mut out = BTreeMap::new();
    let Ok(paths) = files(&Target {
        dir: dir.to_owned(),
        files: Vec::new(),
    }) else {
        return out;
    };
    for path in paths {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let parsed = dql::syntax::parse(&Source::new(path.display().to_string(), text));
        for statement in &parsed.file.statements {
            let value = |key: &str| {
                statement
                    .annotations
                    .iter()
                    .find(|a| a.key.node == key)
                    .map(|a| a.value.node.trim().to_owned())
            };
            let source = value("source")
                .and_then(|s| SavedSource::parse(&s))
                .unwrap_or(SavedSource::Discover);
            if let Some(id) = value("id") {
                out.insert((source, id), (path.clone(), value("description")));
            }
        }
    }
    out
}

/// `dql pull`: writes one canonical `.dql` file per saved query into `dir`, Discover's and
/// Explore's. A file that already holds a query's `@id` is rewritten in place (a rename on the
/// server does not make a second file) and keeps its `-- @description`.
pub(crate) fn pull(
    dir: &Path,
    verbose: bool,
    config: Result<Config, ClientError>,
) -> Result<(), Exit> {
    let client = connect(config)?;
    let queries = list(&client, verbose)?;
    if let Err(e) = std::fs::create_dir_all(dir) {
        eprintln!("error: cannot create {}: {e}", dir.display());
        return Err(Exit::USAGE);
    }
    let by_id = existing(dir);
    let mut used: BTreeSet<PathBuf> = BTreeSet::new();
    let (mut written, mut unchanged, mut not_pulled) = (0, 0, 0);
    for Remote { source, query } in &queries {
        let decompiled = decompile(query, *source, live_catalog::catalog());
        let id = id_of(query).unwrap_or_default();
        let text = match &decompiled.text {
            Ok(t) => t,
            Err(why) => {
                eprintln!(
                    "error: not pulled: {:?} ({} id {id}): {why}; it stays on the server as it is",
                    name_of(query),
                    source.as_str()
                );
                not_pulled += 1;
                continue;
            }
        };
        let known = by_id.get(&(*source, id.clone()));
        let path = match known {
            Some((p, _)) if !used.contains(p) => p.clone(),
            _ => {
                let mut path = dir.join(format!("{}.dql", decompiled.name));
                let taken = path.exists() && !by_id.values().any(|(p, _)| *p == path);
                if used.contains(&path) || taken {
                    path = dir.join(format!("{}_{}_{id}.dql", decompiled.name, source.as_str()));
                }
                path
            }
        };
        used.insert(path.clone());
        for report in &decompiled.reports {
            eprintln!("note: {}: {}", path.display(), report.message);
        }
        let text = match known.and_then(|(_, d)| d.as_deref()) {
            Some(description) => with_description(text, description),
            None => text.clone(),
        };
        if std::fs::read_to_string(&path).is_ok_and(|old| old == text) {
            unchanged += 1;
            continue;
        }
        if let Err(e) = std::fs::write(&path, &text) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return Err(Exit::USAGE);
        }
        written += 1;
    }
    let count = |s: SavedSource| queries.iter().filter(|r| r.source == s).count();
    eprintln!(
        "pulled {} saved queries ({} Discover, {} Explore) into {}: {written} written, {unchanged} unchanged{}",
        queries.len() - not_pulled,
        count(SavedSource::Discover),
        count(SavedSource::Explore),
        dir.display(),
        if not_pulled > 0 {
            format!(", {not_pulled} not pulled")
        } else {
            String::new()
        }
    );
    if not_pulled > 0 {
        Err(Exit::QUERY)
    } else {
        Ok(())
    }
}

/// What pushing one file query would do.
enum Step {
    Same,
    Create,
    Update(Vec<Change>),
    /// `@id` names a query the server does not have.
    Gone,
}

fn label(local: &Local, q: &FileQuery) -> String {
    let name = q.name.as_deref().unwrap_or("(unnamed)");
    match &q.id {
        Some(id) => format!(
            "{} ({name}, {} id {id})",
            local.path.display(),
            q.source.as_str()
        ),
        None => format!("{} ({name})", local.path.display()),
    }
}

fn plan(client: &Client, locals: &[Local]) -> Result<Vec<(usize, usize, Step)>, Exit> {
    let mut out = Vec::new();
    for (li, local) in locals.iter().enumerate() {
        for (qi, q) in local.queries.iter().enumerate() {
            let step = match &q.id {
                None => Step::Create,
                Some(id) => match get(client, q.source, id)? {
                    None => Step::Gone,
                    Some(server) => {
                        let changes = Meaning::with_catalog(&q.body, live_catalog::catalog())
                            .changes(&Meaning::with_catalog(&server, live_catalog::catalog()));
                        if changes.is_empty() {
                            Step::Same
                        } else {
                            Step::Update(changes)
                        }
                    }
                },
            };
            out.push((li, qi, step));
        }
    }
    Ok(out)
}

/// Server queries no file names (for `diff` of a whole directory and `push --prune`).
fn only_on_server(client: &Client, locals: &[Local]) -> Result<Vec<Remote>, Exit> {
    let ids: BTreeSet<Key> = locals
        .iter()
        .flat_map(|l| {
            l.queries
                .iter()
                .filter_map(|q| Some((q.source, q.id.clone()?)))
        })
        .collect();
    Ok(list(client, false)?
        .into_iter()
        .filter(|r| id_of(&r.query).is_none_or(|id| !ids.contains(&(r.source, id))))
        .collect())
}

/// A server query for messages: its name, source and id.
fn remote_label(r: &Remote) -> String {
    format!(
        "{:?} ({} id {})",
        name_of(&r.query),
        r.source.as_str(),
        id_of(&r.query).unwrap_or_default()
    )
}

fn print_plan(locals: &[Local], steps: &[(usize, usize, Step)]) -> usize {
    let mut differ = 0;
    let mut out = String::new();
    for (li, qi, step) in steps {
        let (Some(local), Some(q)) = (
            locals.get(*li),
            locals.get(*li).and_then(|l| l.queries.get(*qi)),
        ) else {
            continue;
        };
        match step {
            Step::Same => {}
            Step::Create => {
                differ += 1;
                out.push_str(&format!(
                    "{}: not on the server (push creates it)\n",
                    label(local, q)
                ));
            }
            Step::Gone => {
                differ += 1;
                out.push_str(&format!(
                    "{}: the server has no query with this id (push creates it anew)\n",
                    label(local, q)
                ));
            }
            Step::Update(changes) => {
                differ += 1;
                out.push_str(&format!(
                    "{}: {} change(s)\n",
                    label(local, q),
                    changes.len()
                ));
                for c in changes {
                    out.push_str(&format!("  {c}\n"));
                }
            }
        }
    }
    let _ = super::write_stdout(&out);
    differ
}

/// `dql diff`: what differs between the files and the server, per query, in DQL terms; exit 1
/// when anything does.
pub(crate) fn diff(target: &Target, config: Result<Config, ClientError>) -> Result<(), Exit> {
    let paths = files(target)?;
    let locals = read_locals(&paths)?;
    let client = connect(config)?;
    let steps = plan(&client, &locals)?;
    let mut differ = print_plan(&locals, &steps);
    if target.files.is_empty() {
        let extra = only_on_server(&client, &locals)?;
        let mut out = String::new();
        for r in &extra {
            differ += 1;
            out.push_str(&format!(
                "only on the server: {} (`dql pull` writes it; `dql push --prune` deletes it)\n",
                remote_label(r)
            ));
        }
        let _ = super::write_stdout(&out);
    }
    if differ == 0 {
        eprintln!("no differences");
        Ok(())
    } else {
        Err(Exit::QUERY)
    }
}

/// Asks on the terminal; never assumes yes without one.
fn confirm(question: &str) -> bool {
    if !std::io::stdin().is_terminal() {
        eprintln!("standard input is not a terminal, so dql cannot ask: pass --yes to push");
        return false;
    }
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    if std::io::stdin().read_line(&mut answer).is_err() {
        return false;
    }
    matches!(answer.trim(), "y" | "Y" | "yes" | "YES")
}

/// How `dql push` runs.
pub(crate) struct PushFlags {
    pub(crate) yes: bool,
    pub(crate) dry_run: bool,
    pub(crate) prune: bool,
}

/// `dql push`: creates (POST) or updates (PUT) the server's queries from the files after
/// showing what changes and asking; `--prune` also deletes the server's queries no file names.
/// A created query's id is written into its file as `-- @id`.
pub(crate) fn push(
    target: &Target,
    flags: &PushFlags,
    config: Result<Config, ClientError>,
) -> Result<(), Exit> {
    let paths = files(target)?;
    let mut locals = read_locals(&paths)?;
    let client = connect(config)?;
    let steps = plan(&client, &locals)?;
    let mut n = print_plan(&locals, &steps);
    let prune = if flags.prune {
        only_on_server(&client, &locals)?
    } else {
        Vec::new()
    };
    for r in &prune {
        n += 1;
        let _ = super::write_stdout(&format!("delete {}: no file names it\n", remote_label(r)));
    }
    if n == 0 {
        eprintln!("nothing to push: the server has what the files say");
        return Ok(());
    }
    // Method, path, body, the file query it comes from, and what to call it.
    type Send = (
        Method,
        String,
        Option<Value>,
        Option<(usize, usize)>,
        String,
    );
    let mut requests: Vec<Send> = Vec::new();
    for (li, qi, step) in &steps {
        let Some(q) = locals.get(*li).and_then(|l| l.queries.get(*qi)) else {
            continue;
        };
        let body = Some(Value::Object(q.body.clone()));
        let name = q.name.clone().unwrap_or_else(|| "(unnamed)".into());
        match (step, &q.id) {
            (Step::Same, _) => {}
            (Step::Update(_), Some(id)) => requests.push((
                Method::Put,
                q.source.item_path(id),
                body,
                None,
                format!("{name} ({} id {id})", q.source.as_str()),
            )),
            _ => requests.push((
                Method::Post,
                q.source.list_path().to_owned(),
                body,
                Some((*li, *qi)),
                name,
            )),
        }
    }
    for r in &prune {
        if let Some(id) = id_of(&r.query) {
            requests.push((
                Method::Delete,
                r.source.item_path(&id),
                None,
                None,
                remote_label(r),
            ));
        }
    }
    if flags.dry_run {
        let mut out = String::new();
        for (method, path, body, _, _) in &requests {
            let url = client.url(path, &[]).unwrap_or_else(|_| path.clone());
            out.push_str(&format!("{} {url}\n", method.as_str()));
            if let Some(body) = body {
                out.push_str(&format!("{body}\n"));
            }
        }
        let _ = super::write_stdout(&out);
        eprintln!("dry run: nothing was sent");
        return Ok(());
    }
    if !flags.yes
        && !confirm(&format!(
            "send these {} change(s) to Sentry?",
            requests.len()
        ))
    {
        eprintln!("nothing was sent");
        return Err(Exit::QUERY);
    }
    // Ids of created queries, per file, to write back as `-- @id`.
    let mut created: BTreeMap<usize, Vec<(usize, String)>> = BTreeMap::new();
    for (method, path, body, origin, what) in requests {
        let answer = match client.send_json(method, &path, body) {
            Ok(a) => a,
            Err(e) => {
                let _ = write_ids(&mut locals, &created);
                return Err(report_client_error(e));
            }
        };
        match (method, origin) {
            (Method::Post, Some((li, qi))) => {
                let id = answer
                    .get("id")
                    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned));
                let Some(id) = id else {
                    let _ = write_ids(&mut locals, &created);
                    return Err(report_client_error(ClientError::BadResponse {
                        status: 201,
                        reason: "the created saved query has no id".into(),
                    }));
                };
                if let Some(q) = locals.get(li).and_then(|l| l.queries.get(qi)) {
                    eprintln!(
                        "created {} ({} id {id})",
                        q.name.as_deref().unwrap_or("(unnamed)"),
                        q.source.as_str()
                    );
                    created.entry(li).or_default().push((q.insert_at, id));
                }
            }
            (Method::Put, _) => eprintln!("updated {what}"),
            (Method::Delete, _) => eprintln!("deleted {what}"),
            _ => {}
        }
    }
    write_ids(&mut locals, &created)
}

/// Writes `-- @id N` above each created statement (a query whose file had a stale id has it
/// replaced); `Err` when a file could not be written (the others are).
fn write_ids(
    locals: &mut [Local],
    created: &BTreeMap<usize, Vec<(usize, String)>>,
) -> Result<(), Exit> {
    let mut outcome = Ok(());
    for (li, ids) in created {
        let Some(local) = locals.get_mut(*li) else {
            continue;
        };
        let mut text = local.source.text().to_owned();
        let mut ids = ids.clone();
        // From the end, so earlier offsets stay valid.
        ids.sort_by_key(|b| std::cmp::Reverse(b.0));
        for (at, id) in ids {
            let stale = local
                .queries
                .iter()
                .find(|q| q.insert_at == at)
                .and_then(|q| q.id.clone());
            if let Some(stale) = stale {
                text = text.replacen(&format!("-- @id {stale}\n"), &format!("-- @id {id}\n"), 1);
            } else if let Some(prefix) = text.get(..at) {
                text = format!("{prefix}-- @id {id}\n{}", text.get(at..).unwrap_or(""));
            }
        }
        if let Err(e) = std::fs::write(&local.path, &text) {
            eprintln!(
                "error: cannot write the new id into {}: {e}",
                local.path.display()
            );
            outcome = Err(Exit::USAGE);
        }
    }
    outcome
}
