//! A table query with COMPARE TO over HTTP: the current request and the earlier period's
//! ([`crate::lower::ComparePlan`]) are each run to the end, then joined on the group columns
//! by [`crate::lower::compare::join`], the local engine's join too; the answer is one page.
//! The earlier period is paged until every current group has found its earlier row (or the
//! earlier period has no more groups): a group still missing at the offset cap is
//! [`ClientError::CompareIncomplete`], never a silent null `_previous`.

use super::transport::Transport;
use super::{Client, ClientError, Page};
use crate::lower::compare;
use crate::lower::{ComparePlan, Request};
use crate::result::ResultSet;
use std::collections::HashSet;

/// Runs both requests of a comparison and joins them.
pub(super) fn compared<T: Transport>(
    client: &Client<T>,
    request: &Request,
    plan: &ComparePlan,
) -> Result<Page, ClientError> {
    let mut current = request.clone();
    current.compare = None;
    let now = client.execute(&current)?;
    let before = earlier(client, &now.result.data, plan)?;
    let rows = compare::join(
        now.result.data,
        &before.result.data,
        &plan.keys,
        &plan.values,
    );
    let mut meta = now.result.meta;
    compare::extend_meta(&mut meta, &plan.values);
    // Whatever Sentry said of either period's accuracy holds for the comparison.
    meta.accuracy.merge(&before.result.meta.accuracy);
    let columns = request.columns.iter().map(|c| c.field.clone()).collect();
    Ok(Page {
        rows,
        meta,
        columns,
        has_more: now.has_more,
    })
}

/// The earlier period's rows, paged on (up to the offset cap) while a group of `current` has
/// not found its row and Sentry has more.
fn earlier<T: Transport>(
    client: &Client<T>,
    current: &[crate::result::Row],
    plan: &ComparePlan,
) -> Result<super::Execution, ClientError> {
    let mut wanted: HashSet<String> = current
        .iter()
        .map(|row| compare::key_of(row, &plan.keys))
        .collect();
    let mut request = (*plan.previous).clone();
    let asked = request.limit.unwrap_or(0);
    request.limit = Some(asked.max(client.offset_cap));
    let mut before = super::Execution {
        result: ResultSet::default(),
        ..super::Execution::default()
    };
    for page in client.pages(&request) {
        let page = page?;
        before.pages += 1;
        before.has_more = page.has_more;
        before.columns = page.columns;
        before.result.meta = super::merge_meta(before.result.meta, page.meta);
        for row in &page.rows {
            wanted.remove(&compare::key_of(row, &plan.keys));
        }
        before.result.data.extend(page.rows);
        // Past the groups the plan asked for, page on only for groups still missing.
        if wanted.is_empty() && before.result.data.len() as u64 >= asked {
            break;
        }
    }
    if before.has_more && !wanted.is_empty() {
        return Err(ClientError::CompareIncomplete {
            missing: wanted.len() as u64,
            fetched: before.result.data.len() as u64,
        });
    }
    Ok(before)
}
