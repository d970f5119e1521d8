//! Walking WooCommerce collections: numbered pages of 100, the first one read alone for
//! `X-WP-TotalPages`, the rest fetched concurrently and handed out in page order.
//!
//! `Link` headers are never followed: under OAuth they repeat the previous request's
//! nonce and signature (reference §3). Totals are recomputed on every request, so a
//! walk that planned N pages and found page N full keeps reading one page at a time
//! until a short page: products created during a long walk are not missed.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures::stream::{self, BoxStream, StreamExt};
use serde_json::Value;

use crate::platform::retry::Sleeper;
use crate::platform::woocommerce::client::{WooClient, WooError};

/// Records per page: WooCommerce's maximum (`per_page` 101 is refused).
pub const PER_PAGE: usize = 100;

/// One page of a collection, its records left as JSON so that one bad record does not
/// spoil the page.
#[derive(Debug)]
pub struct Page {
    /// 1-based page number.
    pub number: u64,
    /// The records.
    pub items: Vec<Value>,
    /// `X-WP-Total` as this page was answered: a change during a walk means records
    /// moved between pages under it.
    pub total: Option<u64>,
}

/// A date as `modified_after` must take it: UTC without designator, to go with
/// `dates_are_gmt=true` (with a `Z`, WordPress shifts it by the site's offset).
#[must_use]
pub fn bare_utc(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// Every page of `path` with `query` (plus `per_page` and `page`), in order.
///
/// Offset paging is not a snapshot: a record deleted or trashed during the walk shifts
/// the later ones back by one, and one of them is never listed. Callers compare each
/// page's [`Page::total`] with the first one's ([`Walk`]) to notice.
#[must_use]
pub fn pages<'a, S: Sleeper + Clone + 'static>(
    client: &'a WooClient<S>,
    operation: &'static str,
    path: &'a str,
    query: Vec<(&'static str, String)>,
    concurrency: usize,
) -> BoxStream<'a, Result<Page, WooError>> {
    let query = Arc::new(query);
    let first_query = Arc::clone(&query);
    stream::once(async move { fetch_first(client, operation, path, &first_query).await })
        .flat_map(move |first| match first {
            Err(error) => stream::once(async { Err(error) }).boxed(),
            Ok((page, total_pages)) => {
                let full = page.items.len() >= PER_PAGE;
                let planned = total_pages.unwrap_or(1).max(1);
                let rest = rest_pages(
                    client,
                    operation,
                    path,
                    Arc::clone(&query),
                    planned,
                    concurrency,
                );
                let last_full = Arc::new(AtomicBool::new(full && planned == 1));
                let tail = beyond(
                    client,
                    operation,
                    path,
                    Arc::clone(&query),
                    planned,
                    Arc::clone(&last_full),
                );
                let watched = rest.inspect(move |page| {
                    if let Ok(page) = page {
                        if page.number == planned {
                            last_full.store(page.items.len() >= PER_PAGE, Ordering::SeqCst);
                        }
                    }
                });
                stream::once(async { Ok(page) })
                    .chain(watched)
                    .chain(tail)
                    .boxed()
            }
        })
        .boxed()
}

/// `X-WP-Total` of `path`: how many records WooCommerce lists (one tiny request).
pub async fn total<S: Sleeper + Clone + 'static>(
    client: &WooClient<S>,
    operation: &'static str,
    path: &str,
) -> Result<u64, WooError> {
    let query = [("per_page", "1".to_owned()), ("_fields", "id".to_owned())];
    let listing = client.get::<Vec<Value>>(operation, path, &query).await?;
    listing.total.ok_or_else(|| WooError::Malformed {
        operation,
        attempts: 1,
        reason: "no X-WP-Total header (a proxy or plugin removed it)".to_owned(),
    })
}

/// Whether a walk's pages so far can be trusted to have listed every record: none came
/// back short before the last one, and the total never changed.
#[derive(Debug, Default)]
pub struct Walk {
    pages: u64,
    first_total: Option<u64>,
    short_seen: bool,
}

impl Walk {
    /// Takes the next page in order; `false` when the walk can no longer be trusted to
    /// be whole from this page on (an earlier page was short, or records moved).
    pub fn page(&mut self, page: &Page) -> bool {
        if self.pages == 0 {
            self.first_total = page.total;
        }
        self.pages += 1;
        let whole = !self.short_seen && self.first_total == page.total;
        self.short_seen |= page.items.len() < PER_PAGE;
        whole
    }
}

async fn fetch_first<S: Sleeper + Clone + 'static>(
    client: &WooClient<S>,
    operation: &'static str,
    path: &str,
    query: &[(&'static str, String)],
) -> Result<(Page, Option<u64>), WooError> {
    let listing = client
        .get::<Vec<Value>>(operation, path, &with_page(query, 1))
        .await?;
    let page = Page {
        number: 1,
        items: listing.body,
        total: listing.total,
    };
    Ok((page, listing.total_pages))
}

/// Pages 2 to `planned`, in order. Each page is fetched by a task of its own, up to
/// twice `concurrency` ahead of the page being handed out: the tasks keep going while
/// the caller stores a page (only the client's pacer and concurrency cap hold them
/// back), so storing never leaves the request budget unused.
fn rest_pages<'a, S: Sleeper + Clone + 'static>(
    client: &'a WooClient<S>,
    operation: &'static str,
    path: &'a str,
    query: Arc<Vec<(&'static str, String)>>,
    planned: u64,
    concurrency: usize,
) -> BoxStream<'a, Result<Page, WooError>> {
    let path: Arc<str> = Arc::from(path);
    stream::iter(2..=planned)
        .map(move |number| {
            let (client, path, query) = (client.clone(), Arc::clone(&path), Arc::clone(&query));
            let task =
                tokio::spawn(async move { fetch(&client, operation, &path, &query, number).await });
            async move {
                task.await.unwrap_or_else(|e| {
                    Err(WooError::Network {
                        operation,
                        attempts: 0,
                        reason: format!("page task failed: {e}"),
                    })
                })
            }
        })
        .buffered(concurrency.max(1) * 2)
        .boxed()
}

/// Pages after `planned`, one at a time, only while the previous page was full.
fn beyond<'a, S: Sleeper + Clone + 'static>(
    client: &'a WooClient<S>,
    operation: &'static str,
    path: &'a str,
    query: Arc<Vec<(&'static str, String)>>,
    planned: u64,
    last_full: Arc<AtomicBool>,
) -> BoxStream<'a, Result<Page, WooError>> {
    stream::unfold(Some(planned + 1), move |next| {
        let query = Arc::clone(&query);
        let last_full = Arc::clone(&last_full);
        async move {
            let number = next?;
            if !last_full.load(Ordering::SeqCst) {
                return None;
            }
            match fetch(client, operation, path, &query, number).await {
                Ok(page) => {
                    last_full.store(page.items.len() >= PER_PAGE, Ordering::SeqCst);
                    if page.items.is_empty() {
                        return None;
                    }
                    Some((Ok(page), Some(number + 1)))
                }
                Err(error) => Some((Err(error), None)),
            }
        }
    })
    .boxed()
}

async fn fetch<S: Sleeper + Clone + 'static>(
    client: &WooClient<S>,
    operation: &'static str,
    path: &str,
    query: &[(&'static str, String)],
    number: u64,
) -> Result<Page, WooError> {
    let listing = client
        .get::<Vec<Value>>(operation, path, &with_page(query, number))
        .await?;
    Ok(Page {
        number,
        items: listing.body,
        total: listing.total,
    })
}

fn with_page(query: &[(&'static str, String)], number: u64) -> Vec<(&'static str, String)> {
    let mut out = query.to_vec();
    out.push(("per_page", PER_PAGE.to_string()));
    out.push(("page", number.to_string()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn dates_go_out_as_bare_utc() {
        let at = Utc.with_ymd_and_hms(2026, 11, 21, 16, 36, 30).unwrap();
        assert_eq!(bare_utc(at), "2026-11-21T16:36:30");
    }
}
