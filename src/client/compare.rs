//! A table query with COMPARE TO over HTTP: the current request and the earlier period's
//! ([`crate::lower::ComparePlan`]) are each run to the end, then joined on the group columns
//! by [`crate::lower::compare::join`], the local engine's join too; the answer is one page.

use super::transport::Transport;
use super::{Client, ClientError, Page};
use crate::lower::compare;
use crate::lower::{ComparePlan, Request};

/// Runs both requests of a comparison and joins them.
pub(super) fn compared<T: Transport>(
    client: &Client<T>,
    request: &Request,
    plan: &ComparePlan,
) -> Result<Page, ClientError> {
    let mut current = request.clone();
    current.compare = None;
    let now = client.execute(&current)?;
    let before = client.execute(&plan.previous)?;
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
