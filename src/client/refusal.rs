//! What a refusal means: a failed status turned into a [`ClientError`] with its likely cause,
//! and Sentry's error text read from a body.

use super::*;

impl<T: Transport> Client<T> {
    pub(super) fn status_error(
        &self,
        request: &Request,
        response: &HttpResponse,
        tries: u32,
    ) -> ClientError {
        let detail = detail(&response.body);
        let scope = scope(request.endpoint);
        match response.status {
            400 => {
                let detail = detail.unwrap_or_else(|| "(no detail given)".to_owned());
                // A parse error's detail may span lines (a caret line under the query): one
                // line, so it reads as one message in a log and on a terminal.
                let detail = detail.split_whitespace().collect::<Vec<_>>().join(" ");
                ClientError::BadQuery {
                    clause: Clause::guess(&detail),
                    detail,
                }
            }
            401 => ClientError::Unauthorized { scope, detail },
            403 => {
                let slugs = param_values(&request.params, "projectSlug");
                if slugs.is_empty() || slugs.iter().any(|s| s == "$all") {
                    ClientError::Forbidden { scope, detail }
                } else {
                    let suggestions = self.nearest_projects(&slugs);
                    ClientError::UnknownProject { slugs, suggestions }
                }
            }
            404 => ClientError::NotFound {
                what: self.not_found_cause(request),
            },
            429 => ClientError::RateLimited {
                tries,
                detail,
                asked: None,
            },
            300..=399 => ClientError::Redirect {
                status: response.status,
                location: response.header("location").map(redact_url),
            },
            status if status >= 500 => ClientError::Server {
                status,
                tries,
                detail,
            },
            status => ClientError::Refused { status, detail },
        }
    }

    /// Accessible project slugs near `slugs`, nearest first; empty when the list cannot be
    /// had (the suggestion is a courtesy, so its failure is not reported).
    fn nearest_projects(&self, slugs: &[String]) -> Vec<String> {
        let Ok(url) = self.url("/api/0/organizations/{org}/projects/", &[]) else {
            return Vec::new();
        };
        let http = HttpRequest {
            method: Method::Get,
            url,
            body: None,
        };
        let Ok(response) = self.send_once(&http, 1) else {
            return Vec::new();
        };
        if response.status != 200 {
            return Vec::new();
        }
        let Ok(Value::Array(projects)) = serde_json::from_slice::<Value>(&response.body) else {
            return Vec::new();
        };
        let known: Vec<&str> = projects
            .iter()
            .filter_map(|p| p.get("slug").and_then(Value::as_str))
            .collect();
        let mut scored: Vec<(f64, &str)> = Vec::new();
        for slug in slugs {
            for candidate in &known {
                if candidate == slug {
                    continue;
                }
                let score = strsim::normalized_damerau_levenshtein(slug, candidate);
                let contains = candidate.contains(slug.as_str()) || slug.contains(candidate);
                if score >= 0.5 || contains {
                    scored.push((if contains { score.max(0.5) } else { score }, candidate));
                }
            }
        }
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
        let mut nearest: Vec<String> = Vec::new();
        for (_, slug) in scored {
            if nearest.len() < 3 && !nearest.iter().any(|n| n == slug) {
                nearest.push(slug.to_owned());
            }
        }
        nearest
    }

    /// What a 404 may be about: the org, the projects and environments the request names.
    fn not_found_cause(&self, request: &Request) -> String {
        let mut causes = Vec::new();
        if let Some(org) = &self.org {
            causes.push(format!("organization `{org}`"));
        }
        let mut projects = param_values(&request.params, "projectSlug");
        if request.endpoint == Endpoint::ProjectEvent {
            // /api/0/projects/{org}/{project}/events/{id}/
            projects.extend(request.path.split('/').nth(5).map(str::to_owned));
        }
        for project in projects {
            causes.push(format!("project `{project}`"));
        }
        if matches!(
            request.endpoint,
            Endpoint::ProjectEvent | Endpoint::EventIdLookup
        ) {
            causes.push("the event id".to_owned());
        }
        let environments = param_values(&request.params, "environment");
        if !environments.is_empty() {
            let names: Vec<String> = environments.iter().map(|e| format!("`{e}`")).collect();
            causes.push(format!(
                "environment {} (Sentry may answer 404 for an unknown environment)",
                names.join(", ")
            ));
        }
        if causes.is_empty() {
            return "the endpoint (is the URL a Sentry server?)".to_owned();
        }
        format!("unknown {}", causes.join(" or "))
    }
}

/// Whether a 400 `detail` is an older Sentry refusing the `dataset` value: its
/// `DATASET_OPTIONS` lacked `errors`/`transactions` and `get_dataset` answered
/// "dataset must be one of: …" (getsentry/sentry
/// `src/sentry/api/bases/organization_events.py`).
pub(super) fn old_dataset_refusal(detail: &str) -> bool {
    detail
        .to_ascii_lowercase()
        .contains("dataset must be one of")
}

/// Sentry's error text: `{"detail": "…"}`, `{"detail": {"message": "…"}}`, a bare JSON string
/// (the 429 body), or the start of a non-JSON, non-HTML body.
fn detail(body: &[u8]) -> Option<String> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::String(text)) => Some(text),
        Ok(Value::Object(object)) => match object.get("detail") {
            Some(Value::String(text)) => Some(text.clone()),
            Some(Value::Object(inner)) => inner
                .get("message")
                .and_then(Value::as_str)
                .map(str::to_owned),
            Some(other) => Some(other.to_string()),
            // Django REST framework's validation errors: messages keyed by field, or
            // `non_field_errors` for the cross-field checks (`{"name": ["This field is
            // required."]}`), as the saved-query endpoints answer 400.
            None => {
                let messages: Vec<String> = object
                    .iter()
                    .filter_map(|(key, value)| {
                        let texts: Vec<&str> = match value {
                            Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
                            Value::String(s) => vec![s.as_str()],
                            _ => Vec::new(),
                        };
                        (!texts.is_empty()).then(|| {
                            if key == "non_field_errors" {
                                texts.join(" ")
                            } else {
                                format!("{key}: {}", texts.join(" "))
                            }
                        })
                    })
                    .collect();
                (!messages.is_empty()).then(|| messages.join("; "))
            }
        },
        Ok(Value::Array(items)) if items.iter().all(Value::is_string) && !items.is_empty() => Some(
            items
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(" "),
        ),
        Ok(_) => None,
        Err(_) => {
            let text = snippet(body);
            (!text.is_empty() && !text.starts_with('<')).then_some(text)
        }
    }
}

/// The first 200 characters of a body, for messages.
pub(super) fn snippet(body: &[u8]) -> String {
    String::from_utf8_lossy(body)
        .trim()
        .chars()
        .take(200)
        .collect()
}

pub(super) fn param_values(params: &[(String, String)], name: &str) -> Vec<String> {
    params
        .iter()
        .filter(|(key, _)| key == name)
        .map(|(_, value)| value.clone())
        .collect()
}

/// The token scope an endpoint needs (sentry-api.md §12).
fn scope(endpoint: Endpoint) -> &'static str {
    match endpoint {
        Endpoint::Events
        | Endpoint::EventsStats
        | Endpoint::EventsTimeseries
        | Endpoint::EventIdLookup => "org:read",
        Endpoint::Issues => "event:read",
        Endpoint::IssuesUpdate => "event:write",
        Endpoint::ProjectEvent => "project:read",
    }
}
