//! Sorting and paging of collections, and the headers WordPress adds: `X-WP-Total`,
//! `X-WP-TotalPages` and a `Link` with `rel="prev"`/`rel="next"` whose URLs repeat
//! every query parameter of the request — `oauth_*` included — with `page` replaced in
//! place or appended (`add_query_arg`). With `offset`, items start there whatever the
//! page, while totals and links ignore it (observed). A page past the end is `[]` with
//! the real totals.

use std::cmp::Ordering;
use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::query::{ListQuery, OrderBy};
use super::records::{decimal, SimWooOrder, SimWooProduct, SimWooVariation};
use super::respond::Answer;

/// What a collection sorts by.
pub(crate) trait Sortable {
    fn id(&self) -> u64;
    fn created(&self) -> DateTime<Utc>;
    fn modified(&self) -> DateTime<Utc>;
    fn title(&self) -> &str;
    fn price(&self) -> f64 {
        0.0
    }
    fn sales(&self) -> u64 {
        0
    }
}

impl Sortable for SimWooProduct {
    fn id(&self) -> u64 {
        self.id
    }
    fn created(&self) -> DateTime<Utc> {
        self.date_created_gmt
    }
    fn modified(&self) -> DateTime<Utc> {
        self.date_modified_gmt
    }
    fn title(&self) -> &str {
        &self.name
    }
    fn price(&self) -> f64 {
        decimal(&self.price).unwrap_or(0.0)
    }
    fn sales(&self) -> u64 {
        self.total_sales
    }
}

impl Sortable for SimWooVariation {
    fn id(&self) -> u64 {
        self.id
    }
    fn created(&self) -> DateTime<Utc> {
        self.date_created_gmt
    }
    fn modified(&self) -> DateTime<Utc> {
        self.date_modified_gmt
    }
    fn title(&self) -> &str {
        &self.option
    }
    fn price(&self) -> f64 {
        decimal(&SimWooVariation::price(self)).unwrap_or(0.0)
    }
}

impl Sortable for SimWooOrder {
    fn id(&self) -> u64 {
        self.id
    }
    fn created(&self) -> DateTime<Utc> {
        self.date_created_gmt
    }
    fn modified(&self) -> DateTime<Utc> {
        self.date_modified_gmt
    }
    fn title(&self) -> &'static str {
        ""
    }
}

/// Sorts `items` as asked; ties are broken by id in the same direction.
fn sort<T: Sortable>(items: &mut [&T], query: &ListQuery) {
    let position = |id: u64| {
        query
            .include
            .iter()
            .position(|i| *i == id)
            .unwrap_or(usize::MAX)
    };
    items.sort_by(|a, b| {
        let primary = match query.orderby {
            OrderBy::Date => a.created().cmp(&b.created()),
            OrderBy::Modified => a.modified().cmp(&b.modified()),
            OrderBy::Id => Ordering::Equal,
            OrderBy::Include => position(a.id()).cmp(&position(b.id())),
            OrderBy::Title | OrderBy::Slug => a.title().cmp(b.title()),
            OrderBy::Price => a.price().total_cmp(&b.price()),
            OrderBy::Popularity => a.sales().cmp(&b.sales()),
        };
        let ordering = primary.then_with(|| a.id().cmp(&b.id()));
        if query.descending && query.orderby != OrderBy::Include {
            ordering.reverse()
        } else {
            ordering
        }
    });
}

/// The answer to a collection request over `items` (already filtered): sorted as
/// asked, the requested page rendered by `render`, with the paging headers.
/// `collection_url` is the route's REST URL without query; `params` the request's
/// query parameters in order.
pub(crate) fn listing<T: Sortable>(
    mut items: Vec<&T>,
    query: &ListQuery,
    collection_url: &str,
    params: &[(String, String)],
    render: impl Fn(&T) -> Value,
) -> Answer {
    sort(&mut items, query);
    let (page, pages) = page(&items, query);
    let body = page.into_iter().map(render).collect();
    answer(body, items.len(), pages, query, collection_url, params)
}

/// The requested page of `items` (already filtered and sorted) and the page count.
pub(crate) fn page<T: Copy>(items: &[T], query: &ListQuery) -> (Vec<T>, u64) {
    let per_page = query.per_page.max(1);
    let total = items.len() as u64;
    let pages = total.div_ceil(per_page);
    let start = query
        .offset
        .unwrap_or_else(|| (query.page - 1).saturating_mul(per_page));
    let start = usize::try_from(start).unwrap_or(usize::MAX);
    let end = start.saturating_add(per_page as usize);
    let slice = items.get(start..end.min(items.len())).unwrap_or(&[]);
    (slice.to_vec(), pages)
}

/// A collection answer with its paging headers. `collection_url` is the route's REST
/// URL without query; `params` the request's query parameters in order.
pub(crate) fn answer(
    body: Vec<Value>,
    total: usize,
    pages: u64,
    query: &ListQuery,
    collection_url: &str,
    params: &[(String, String)],
) -> Answer {
    let mut headers = vec![
        ("x-wp-total", total.to_string()),
        ("x-wp-totalpages", pages.to_string()),
    ];
    let mut links = Vec::new();
    if query.page > 1 {
        let prev = (query.page - 1).min(pages);
        links.push(format!(
            "<{}>; rel=\"prev\"",
            page_url(collection_url, params, prev)
        ));
    }
    if pages > query.page {
        let next = query.page + 1;
        links.push(format!(
            "<{}>; rel=\"next\"",
            page_url(collection_url, params, next)
        ));
    }
    if !links.is_empty() {
        headers.push(("link", links.join(", ")));
    }
    Answer {
        status: 200,
        body: Value::Array(body),
        headers,
    }
}

/// `add_query_arg('page', page, base)` over the request's parameters.
fn page_url(collection_url: &str, params: &[(String, String)], page: u64) -> String {
    let mut pairs: Vec<(String, String)> = params.to_vec();
    match pairs.iter_mut().find(|(k, _)| k == "page") {
        Some(slot) => slot.1 = page.to_string(),
        None => pairs.push(("page".to_owned(), page.to_string())),
    }
    let query: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
        .collect();
    let join = if collection_url.contains('?') {
        '&'
    } else {
        '?'
    };
    format!("{collection_url}{join}{}", query.join("&"))
}

/// PHP's `urlencode`: letters, digits and `-_.` kept, space as `+`.
pub(crate) fn urlencode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                out.push(char::from(byte));
            }
            b' ' => out.push('+'),
            _ => {
                let _ = write!(out, "%{byte:02X}");
            }
        }
    }
    out
}
