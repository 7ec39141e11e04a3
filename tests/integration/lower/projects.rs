//! Projects and environments.

use super::*;

// ---- projects and environments ----

#[test]
fn projects_lower_to_slugs_ids_or_all() {
    for (projects, expected) in [
        (Projects::Default, vec![]),
        (Projects::All, vec![("project", "-1")]),
        (
            Projects::Ids(vec![42, 43]),
            vec![("project", "42"), ("project", "43")],
        ),
        (
            Projects::Slugs(vec!["web".into()]),
            vec![("projectSlug", "web")],
        ),
    ] {
        let mut q = events(vec![col(field("title"))]);
        q.projects = projects.clone();
        let r = lower_events(q);
        let got: Vec<_> = params(&r)
            .into_iter()
            .filter(|(k, _)| k.starts_with("project"))
            .collect();
        assert_eq!(got, expected, "{projects:?}");
    }
}
