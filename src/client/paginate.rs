//! Sentry's `Link` header: the `rel="next"` cursor and whether it has results.
//!
//! Only the `rel`, `results` and `cursor` attributes are needed, so this reads them directly
//! rather than pulling a general RFC 8288 parser (and its regex dependency) into the client.

/// The `rel="next"` link of a `Link` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NextPage {
    /// The cursor to send as `cursor=`.
    pub(crate) cursor: String,
    /// Whether the server says that page has rows (`results="true"`).
    pub(crate) results: bool,
}

/// Finds the `rel="next"` link of `header`, e.g.
/// `<https://…&cursor=0:100:0>; rel="next"; results="true"; cursor="0:100:0"`.
pub(crate) fn next_page(header: &str) -> Option<NextPage> {
    let mut rest = header;
    while let Some(open) = rest.find('<') {
        let after_open = rest.get(open + 1..)?;
        let close = after_open.find('>')?;
        let after_url = after_open.get(close + 1..)?;
        // The attributes run until the next link's `<` (URLs may hold commas, attributes not).
        let attrs_end = after_url.find('<').unwrap_or(after_url.len());
        let attrs = after_url.get(..attrs_end)?;
        let mut rel = None;
        let mut results = None;
        let mut cursor = None;
        for attr in attrs.split([';', ',']) {
            let Some((key, value)) = attr.split_once('=') else {
                continue;
            };
            let value = value.trim().trim_matches('"');
            match key.trim() {
                "rel" => rel = Some(value),
                "results" => results = Some(value),
                "cursor" => cursor = Some(value),
                _ => {}
            }
        }
        if rel == Some("next") {
            return Some(NextPage {
                cursor: cursor.unwrap_or_default().to_owned(),
                results: results == Some("true"),
            });
        }
        rest = after_url.get(attrs_end..)?;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_next_of_sentry_header() {
        let header = r#"<https://sentry.io/api/0/organizations/acme/events/?field=count()&field=a,b&cursor=0:0:1>; rel="previous"; results="false"; cursor="0:0:1", <https://sentry.io/api/0/organizations/acme/events/?field=count()&cursor=0:100:0>; rel="next"; results="true"; cursor="0:100:0""#;
        assert_eq!(
            next_page(header),
            Some(NextPage {
                cursor: "0:100:0".into(),
                results: true
            })
        );
    }

    #[test]
    fn last_page_has_no_results() {
        let header =
            r#"<https://x/?&cursor=0:100:0>; rel="next"; results="false"; cursor="0:100:0""#;
        assert_eq!(next_page(header).map(|n| n.results), Some(false));
    }

    #[test]
    fn no_next_link() {
        assert_eq!(
            next_page(r#"<https://x/?>; rel="previous"; results="false""#),
            None
        );
        assert_eq!(next_page("garbage <unclosed"), None);
        assert_eq!(next_page(""), None);
    }
}
