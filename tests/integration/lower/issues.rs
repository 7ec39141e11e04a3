//! Issues: listing, sorting, one event, and UPDATE scoped to the listed ids.

use super::query::text_term;
use super::*;

// ---- issues ----

pub(super) fn issues_query() -> IssuesQuery {
    IssuesQuery {
        columns: vec![
            IssueColumn {
                field: "shortId".into(),
                label: "shortId".into(),
            },
            IssueColumn {
                field: "count".into(),
                label: "events".into(),
            },
        ],
        filter: None,
        sort: None,
        limit: None,
        time: TimeRange {
            since: None,
            until: None,
            span: Span::DUMMY,
        },
        projects: Projects::Default,
        environments: Vec::new(),
    }
}

#[test]
fn issues_send_an_empty_query_a_page_and_the_default_period() {
    let r = lower(&stmt(CheckedKind::Issues(issues_query())), &opts()).unwrap();
    assert_eq!(r.endpoint, Endpoint::Issues);
    assert_eq!(r.path, "/api/0/organizations/{org}/issues/");
    assert_eq!(
        params(&r),
        [("query", ""), ("limit", "100"), ("statsPeriod", "14d")]
    );
    let cols: Vec<_> = r
        .columns
        .iter()
        .map(|c| (c.field.as_str(), c.label.as_str()))
        .collect();
    assert_eq!(cols, [("shortId", "shortId"), ("count", "events")]);
}

#[test]
fn issues_sort_aliases_limit_and_projects() {
    for (sort, sent) in [
        ("date", "date"),
        ("lastSeen", "date"),
        ("firstSeen", "new"),
        ("count", "freq"),
        ("events", "freq"),
        ("users", "user"),
        ("trends", "trends"),
        ("recommended", "recommended"),
    ] {
        let mut q = issues_query();
        q.sort = Some(sort.into());
        q.limit = Some(250);
        q.projects = Projects::All;
        q.time.since = Some(TimePoint::Ago(period("7d")));
        let r = lower(&stmt(CheckedKind::Issues(q)), &opts()).unwrap();
        assert_eq!(
            params(&r),
            [
                ("query", ""),
                ("sort", sent),
                ("limit", "100"),
                ("statsPeriod", "7d"),
                ("project", "-1")
            ],
            "{sort}"
        );
        assert_eq!(r.limit, Some(250));
    }
    let mut q = issues_query();
    q.sort = Some("title".into());
    assert_eq!(
        lower_err(CheckedKind::Issues(q)),
        [code(LowerCode::UnknownIssueSort)]
    );
}

#[test]
fn show_event_uses_the_project_path_or_the_org_lookup() {
    let id = "0123456789abcdef0123456789abcdef";
    let mut o = opts();
    o.org = Some("acme".into());
    let r = lower(
        &stmt(CheckedKind::ShowEvent(ShowEventQuery {
            event_id: id.into(),
            project: Some("web".into()),
        })),
        &o,
    )
    .unwrap();
    assert_eq!(r.endpoint, Endpoint::ProjectEvent);
    assert_eq!(r.path, format!("/api/0/projects/acme/web/events/{id}/"));
    assert!(r.params.is_empty());

    let r = lower(
        &stmt(CheckedKind::ShowEvent(ShowEventQuery {
            event_id: id.into(),
            project: None,
        })),
        &opts(),
    )
    .unwrap();
    assert_eq!(r.endpoint, Endpoint::EventIdLookup);
    assert_eq!(
        r.path,
        format!("/api/0/organizations/{{org}}/eventids/{id}/")
    );

    for (event_id, project) in [(id, Some("a/b")), ("../x", None)] {
        let kind = CheckedKind::ShowEvent(ShowEventQuery {
            event_id: event_id.into(),
            project: project.map(Into::into),
        });
        assert_eq!(lower_err(kind), [code(LowerCode::BadPathSegment)]);
    }
}

fn update_query() -> UpdateIssuesQuery {
    UpdateIssuesQuery {
        assignments: vec![
            ("status".into(), json!("resolved")),
            ("assignedTo".into(), serde_json::Value::Null),
            ("isBookmarked".into(), json!(true)),
        ],
        filter: text_term("is", "unresolved"),
        limit: None,
        time: TimeRange {
            since: Some(TimePoint::Ago(period("24h"))),
            until: None,
            span: Span::DUMMY,
        },
        projects: Projects::Ids(vec![7]),
        environments: vec!["prod".into()],
    }
}

#[test]
fn update_lists_the_issues_then_plans_a_put_to_exactly_those_ids() {
    let r = lower(&stmt(CheckedKind::UpdateIssues(update_query())), &opts()).unwrap();
    // The request itself only reads.
    assert_eq!(r.method, Method::Get);
    assert_eq!(r.endpoint, Endpoint::Issues);
    assert_eq!(r.body, None);
    assert_eq!(r.limit, Some(1000));
    assert_eq!(
        params(&r),
        [
            ("query", "is:unresolved"),
            ("limit", "100"),
            ("statsPeriod", "24h"),
            ("project", "7"),
            ("environment", "prod")
        ]
    );
    let plan = r.update.as_ref().unwrap();
    assert_eq!(plan.method, Method::Put);
    assert_eq!(plan.path, "/api/0/organizations/{org}/issues/");
    assert_eq!(
        plan.body,
        json!({"status": "resolved", "assignedTo": "", "isBookmarked": true})
    );

    // The PUT's own scope: the statement's query, time range and environments, never its
    // listing size; the project comes from each listed issue.
    assert_eq!(
        plan.params,
        [
            ("query".to_owned(), "is:unresolved".to_owned()),
            ("statsPeriod".to_owned(), "24h".to_owned()),
            ("environment".to_owned(), "prod".to_owned()),
        ]
    );
    let issues: Vec<dql::lower::ListedIssue> = (1..=250)
        .map(|i| dql::lower::ListedIssue {
            id: i.to_string(),
            project: if i % 50 == 0 { "8" } else { "7" }.to_owned(),
        })
        .collect();
    let puts = plan.requests(r.name.as_deref(), &issues);
    // Project 7: 245 ids in 100 + 100 + 45; project 8: 5.
    assert_eq!(puts.len(), 4);
    assert!(
        puts.iter()
            .all(|p| p.method == Method::Put && p.endpoint == Endpoint::IssuesUpdate)
    );
    let ids = |p: &Request| dql::lower::UpdatePlan::ids_of(p);
    assert_eq!(
        puts.iter().map(|p| ids(p).len()).collect::<Vec<_>>(),
        [100, 100, 45, 5]
    );
    assert_eq!(puts[0].params[0], ("project".into(), "7".into()));
    assert_eq!(puts[3].params[0], ("project".into(), "8".into()));
    assert_eq!(ids(&puts[0])[0], "1");
    assert_eq!(ids(&puts[2])[44], "249");
    assert_eq!(ids(&puts[3]), ["50", "100", "150", "200", "250"]);
    // Each PUT's query narrows Sentry's fallback search to its own ids.
    assert_eq!(
        puts[3].params[1],
        (
            "query".into(),
            "issue.id:[50,100,150,200,250] is:unresolved".into()
        )
    );
    assert!(
        puts.iter()
            .all(|p| p.params.iter().filter(|(k, _)| k == "query").count() == 1)
    );
    assert_eq!(puts[1].body, Some(plan.body.clone()));
    assert!(plan.requests(None, &[]).is_empty(), "no ids, no PUT");

    let mut q = update_query();
    q.limit = Some(5);
    let r = lower(&stmt(CheckedKind::UpdateIssues(q)), &opts()).unwrap();
    assert_eq!(r.limit, Some(5));
    assert_eq!(values(&r, "limit"), ["5"]);
}

#[test]
fn lower_all_keeps_going_after_an_error() {
    let good = stmt(CheckedKind::Issues(issues_query()));
    let mut q = issues_query();
    q.sort = Some("nope".into());
    let bad = stmt(CheckedKind::Issues(q));
    let (requests, errors) = dql::lower::lower_all(&[good.clone(), bad, good], &opts());
    assert_eq!(requests.len(), 2);
    assert_eq!(errors.len(), 1);
}

#[test]
fn every_code_is_a_lower_code() {
    use dql::diagnostic::Code;
    for c in LowerCode::ALL {
        assert!(c.code().starts_with("dql::lower::"), "{}", c.code());
        assert!(!c.meaning().is_empty());
    }
}
