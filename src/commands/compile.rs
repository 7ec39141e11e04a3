//! `dql compile`: the exact requests a file stands for, as JSON, URLs or curl commands, sent
//! nowhere. The token never appears: curl commands read `$SENTRY_AUTH_TOKEN`.
#![allow(clippy::print_stderr, reason = "the CLI talks to the terminal")]

use super::exit::Exit;
use super::{
    Input, compile_or_report, parse_now, parse_params, read_input, select_statements, write_stdout,
};
use dql::lower::{Method, Request};
use std::io::IsTerminal;

/// What `dql compile` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Output {
    /// A JSON array, one object per statement (default when piped).
    Json,
    /// One full URL per statement (default on a terminal).
    Url,
    /// A runnable curl command per statement.
    Curl,
}

/// Arguments of `dql compile`.
pub(crate) struct Args<'a> {
    pub(crate) input: Input<'a>,
    pub(crate) name: Option<&'a str>,
    pub(crate) params: &'a [String],
    pub(crate) output: Option<Output>,
    pub(crate) now: Option<&'a str>,
    pub(crate) strict: bool,
    pub(crate) base_url: String,
    pub(crate) org: Option<String>,
    pub(crate) default_project: Option<String>,
    /// `--cost`: what each statement costs to run, instead of its request.
    pub(crate) cost: super::cost::CostFlags,
}

/// Runs `dql compile`.
pub(crate) fn run(args: &Args<'_>) -> Result<(), Exit> {
    let source = read_input(args.input)?;
    // Both parsed before either fails, so that both mistakes are reported at once.
    let (params, now) = (parse_params(args.params), parse_now(args.now));
    let (params, now) = (params?, now?);
    let source = match args.name {
        Some(name) => super::only_named(&source, name)?,
        None => source,
    };
    super::warn_unused_params(&source, &params, args.name);
    let mut options = dql::Options::new(now);
    options.params = params;
    options.strict = args.strict;
    options.org = args.org.clone();
    options.default_project = args.default_project.clone();
    let compilation = compile_or_report(&source, &options)?;
    let chosen: Vec<&dql::Compiled> = select_statements(&compilation, args.name)?;
    if args.cost.cost {
        return write_stdout(&super::cost::report(&source, &chosen, &args.cost));
    }
    let output = args.output.unwrap_or(if std::io::stdout().is_terminal() {
        Output::Url
    } else {
        Output::Json
    });
    let now_text = dql::lower::time::format_instant(now);
    match output {
        Output::Json => {
            let items: Vec<RequestJson<'_>> = chosen
                .iter()
                .map(|c| request_json(&c.request, &now_text))
                .collect();
            match serde_json::to_string_pretty(&items) {
                Ok(text) => write_stdout(&format!("{text}\n"))?,
                Err(e) => {
                    eprintln!("error: cannot print JSON: {e}");
                    return Err(Exit::USAGE);
                }
            }
        }
        Output::Url | Output::Curl => {
            for c in &chosen {
                let url = match full_url(&args.base_url, &c.request.path, &c.request.params) {
                    Ok(u) => u,
                    Err(e) => {
                        eprintln!("error: {e}");
                        return Err(Exit::USAGE);
                    }
                };
                // COMPARE TO on a table: the earlier period's request on the next line.
                let previous = match &c.request.compare {
                    Some(plan) => {
                        match full_url(&args.base_url, &plan.previous.path, &plan.previous.params) {
                            Ok(u) => Some(u),
                            Err(e) => {
                                eprintln!("error: {e}");
                                return Err(Exit::USAGE);
                            }
                        }
                    }
                    None => None,
                };
                let line = if output == Output::Url {
                    match previous {
                        Some(previous) => format!("{url}\n{previous}"),
                        None => url,
                    }
                } else if let Some(previous) = previous {
                    let earlier = c
                        .request
                        .compare
                        .as_ref()
                        .map(|p| curl(&p.previous, &previous));
                    format!(
                        "{}\n{}",
                        curl(&c.request, &url),
                        earlier.unwrap_or_default()
                    )
                } else {
                    match put_plan_curl(&args.base_url, &c.request) {
                        Ok(Some(plan)) => format!("{}\n{plan}", curl(&c.request, &url)),
                        Ok(None) => curl(&c.request, &url),
                        Err(e) => {
                            eprintln!("error: {e}");
                            return Err(Exit::USAGE);
                        }
                    }
                };
                write_stdout(&format!("{line}\n"))?;
            }
        }
    }
    Ok(())
}

/// The JSON object of one request (`language.md` §11): the request as it serializes, and the
/// instant relative times were resolved against.
#[derive(serde::Serialize)]
pub(crate) struct RequestJson<'r> {
    #[serde(flatten)]
    request: &'r Request,
    now: &'r str,
}

/// The JSON object of one request.
pub(crate) fn request_json<'r>(request: &'r Request, now: &'r str) -> RequestJson<'r> {
    RequestJson { request, now }
}

/// `base` + `path` + the params, URL-encoded.
pub(crate) fn full_url(
    base: &str,
    path: &str,
    params: &[(String, String)],
) -> Result<String, String> {
    let joined = format!("{}{}", base.trim_end_matches('/'), path);
    let mut url = reqwest::Url::parse(&joined)
        .map_err(|e| format!("bad URL `{}`: {e}", dql::client::redact_url(&joined)))?;
    if !params.is_empty() {
        url.query_pairs_mut().extend_pairs(params);
    }
    // A password in the configured URL is never printed.
    if url.password().is_some() {
        let _ = url.set_password(Some("***"));
    }
    // `{org}` stays readable when no organization is configured.
    Ok(url.to_string().replace("%7Borg%7D", "{org}"))
}

/// A POSIX-shell single-quoted word.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// Placeholders in the printed PUT plan, for what only the listing's answer tells.
const PROJECT_PLACEHOLDER: &str = "PROJECT_ID";
const ISSUE_PLACEHOLDER: &str = "ISSUE_ID";

/// UPDATE's second step as curl: the PUT sent, after confirmation, once per project of the
/// listed issues and per `chunk` ids, with placeholders for the project and issue ids.
fn put_plan_curl(base: &str, request: &Request) -> Result<Option<String>, String> {
    let Some(plan) = &request.update else {
        return Ok(None);
    };
    let issue = dql::lower::ListedIssue {
        id: ISSUE_PLACEHOLDER.to_owned(),
        project: PROJECT_PLACEHOLDER.to_owned(),
    };
    let Some(put) = plan.requests(request.name.as_deref(), &[issue]).pop() else {
        return Ok(None);
    };
    let url = full_url(base, &put.path, &put.params)?;
    Ok(Some(format!(
        "# then, after confirmation, for each project of the listed issues: {PROJECT_PLACEHOLDER} is its id, \
         one `id` per issue, at most {} a request, the same ids in the query's `issue.id:[…]`\n{}",
        plan.chunk,
        curl(&put, &url)
    )))
}

/// A runnable curl command; the token is read from the environment when it runs.
fn curl(request: &Request, url: &str) -> String {
    let mut cmd = String::from("curl -sS -H \"Authorization: Bearer $SENTRY_AUTH_TOKEN\"");
    if request.method == Method::Put {
        cmd.push_str(" -X PUT -H 'Content-Type: application/json'");
        if let Some(body) = &request.body {
            cmd.push_str(" --data ");
            cmd.push_str(&shell_quote(&body.to_string()));
        }
    }
    cmd.push(' ');
    cmd.push_str(&shell_quote(url));
    cmd
}
