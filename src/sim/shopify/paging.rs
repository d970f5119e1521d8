//! Cursor pagination as Shopify does it: keyset cursors (the sort value and id of the
//! last row, base64-encoded JSON, opaque to clients), `first`/`after` and
//! `last`/`before`, at most 250 per page, `pageInfo` from one look-ahead row.
//!
//! Keyset cursors mean a row updated while a client pages by `UPDATED_AT` moves behind
//! the cursor and shows up again on a later page, as on the real API.

use std::cmp::Ordering;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Map, Value};

/// The largest page a connection serves.
pub(crate) const MAX_PAGE: i64 = 250;

/// The value a connection is sorted by.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum SortValue {
    Time(DateTime<Utc>),
    Int(i64),
    Text(String),
}

/// An integer sort value (ids, positions, counts; all far below `i64::MAX`).
pub(crate) fn int(n: impl TryInto<i64>) -> SortValue {
    SortValue::Int(n.try_into().unwrap_or(i64::MAX))
}

/// A row's sort key: its sort value, then its id.
pub(crate) type Key = (SortValue, u64);

/// Paging arguments of a connection field.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct PageArgs {
    pub first: Option<i64>,
    pub last: Option<i64>,
    pub after: Option<String>,
    pub before: Option<String>,
    pub reverse: bool,
}

/// Why a page could not be served.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum PageError {
    MissingSize,
    TooLarge(&'static str, i64),
    Negative(&'static str),
    BadCursor,
}

impl PageError {
    /// The error message, in Shopify's words where known.
    pub fn message(&self) -> String {
        match self {
            Self::MissingSize => "you must provide one of first or last".to_owned(),
            Self::TooLarge(arg, n) => format!(
                "The {arg} argument ({n}) exceeds the maximum page size of {MAX_PAGE} records."
            ),
            Self::Negative(arg) => format!("The {arg} argument must not be negative."),
            Self::BadCursor => "Invalid cursor for current pagination sort.".to_owned(),
        }
    }
}

/// One page of rows, each with its cursor.
#[derive(Debug)]
pub(crate) struct Page<T> {
    pub items: Vec<(T, String)>,
    pub has_next: bool,
    pub has_prev: bool,
}

impl PageArgs {
    /// Reads `first`, `last`, `after`, `before` and `reverse` from field arguments.
    pub fn from_args(args: &Map<String, Value>) -> Self {
        Self {
            first: args.get("first").and_then(Value::as_i64),
            last: args.get("last").and_then(Value::as_i64),
            after: args.get("after").and_then(Value::as_str).map(str::to_owned),
            before: args
                .get("before")
                .and_then(Value::as_str)
                .map(str::to_owned),
            reverse: args
                .get("reverse")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        }
    }

    /// Checks the page size rules.
    pub fn check(&self) -> Result<(), PageError> {
        for (name, size) in [("first", self.first), ("last", self.last)] {
            match size {
                Some(n) if n < 0 => return Err(PageError::Negative(name)),
                Some(n) if n > MAX_PAGE => return Err(PageError::TooLarge(name, n)),
                _ => {}
            }
        }
        if self.first.is_none() && self.last.is_none() {
            return Err(PageError::MissingSize);
        }
        Ok(())
    }
}

/// The opaque cursor of a row: base64 of `{"last_id":…,"last_value":…}`.
pub(crate) fn encode_cursor(key: &Key) -> String {
    let value = match &key.0 {
        SortValue::Time(at) => Value::String(at.to_rfc3339_opts(SecondsFormat::Micros, true)),
        SortValue::Int(n) => json!(n),
        SortValue::Text(t) => Value::String(t.clone()),
    };
    STANDARD.encode(json!({"last_id": key.1, "last_value": value}).to_string())
}

/// The key inside a cursor; `sample` tells which kind of sort value to expect.
pub(crate) fn decode_cursor(cursor: &str, sample: &SortValue) -> Result<Key, PageError> {
    let bytes = STANDARD.decode(cursor).map_err(|_| PageError::BadCursor)?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|_| PageError::BadCursor)?;
    let id = value
        .get("last_id")
        .and_then(Value::as_u64)
        .ok_or(PageError::BadCursor)?;
    let last = value.get("last_value").ok_or(PageError::BadCursor)?;
    let sort = match sample {
        SortValue::Time(_) => last
            .as_str()
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .map(|t| SortValue::Time(t.with_timezone(&Utc))),
        SortValue::Int(_) => last.as_i64().map(SortValue::Int),
        SortValue::Text(_) => last.as_str().map(|s| SortValue::Text(s.to_owned())),
    };
    Ok((sort.ok_or(PageError::BadCursor)?, id))
}

/// Serves one page of `rows` (in any order) sorted by `key`, descending when
/// `args.reverse`. Linear in the number of rows: only the page itself is sorted.
pub(crate) fn paginate<T>(
    rows: Vec<T>,
    key: impl Fn(&T) -> Key,
    sample: &SortValue,
    args: &PageArgs,
) -> Result<Page<T>, PageError> {
    args.check()?;
    let order = |a: &Key, b: &Key| if args.reverse { b.cmp(a) } else { a.cmp(b) };
    let after = args
        .after
        .as_deref()
        .map(|c| decode_cursor(c, sample))
        .transpose()?;
    let before = args
        .before
        .as_deref()
        .map(|c| decode_cursor(c, sample))
        .transpose()?;
    let total = rows.len();
    let mut keyed: Vec<(Key, T)> = rows
        .into_iter()
        .map(|row| (key(&row), row))
        .filter(|(k, _)| {
            after
                .as_ref()
                .is_none_or(|a| order(k, a) == Ordering::Greater)
        })
        .filter(|(k, _)| {
            before
                .as_ref()
                .is_none_or(|b| order(k, b) == Ordering::Less)
        })
        .collect();
    let outside = total - keyed.len();
    let (take, from_end) = match (args.first, args.last) {
        (Some(n), _) => (n as usize, false),
        (None, Some(n)) => (n as usize, true),
        (None, None) => return Err(PageError::MissingSize),
    };
    let wanted = take + 1;
    if keyed.len() > wanted {
        if from_end {
            let split = keyed.len() - wanted;
            keyed.select_nth_unstable_by(split, |a, b| order(&a.0, &b.0));
            keyed.drain(..split);
        } else {
            keyed.select_nth_unstable_by(wanted - 1, |a, b| order(&a.0, &b.0));
            keyed.truncate(wanted);
        }
    }
    keyed.sort_by(|a, b| order(&a.0, &b.0));
    let more = keyed.len() > take;
    if more {
        if from_end {
            keyed.remove(0);
        } else {
            keyed.pop();
        }
    }
    let (has_next, has_prev) = if from_end {
        (before.is_some() && outside > 0, more)
    } else {
        (more, after.is_some() && outside > 0)
    };
    let items = keyed
        .into_iter()
        .map(|(k, row)| (row, encode_cursor(&k)))
        .collect();
    Ok(Page {
        items,
        has_next,
        has_prev,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows() -> Vec<(i64, u64)> {
        // (sort value, id): ties on the value are broken by id.
        vec![(5, 1), (3, 2), (5, 3), (1, 4), (9, 5), (3, 6)]
    }

    fn page(args: &PageArgs) -> Page<(i64, u64)> {
        paginate(
            rows(),
            |r| (SortValue::Int(r.0), r.1),
            &SortValue::Int(0),
            args,
        )
        .unwrap()
    }

    fn ids(page: &Page<(i64, u64)>) -> Vec<u64> {
        page.items.iter().map(|(r, _)| r.1).collect()
    }

    fn first(n: i64, after: Option<String>, reverse: bool) -> PageArgs {
        PageArgs {
            first: Some(n),
            after,
            reverse,
            ..PageArgs::default()
        }
    }

    #[test]
    fn forward_pages_cover_every_row_once_in_order() {
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let page = page(&first(2, after.clone(), false));
            seen.extend(ids(&page));
            if !page.has_next {
                break;
            }
            after = page.items.last().map(|(_, c)| c.clone());
        }
        assert_eq!(seen, vec![4, 2, 6, 1, 3, 5]);
    }

    #[test]
    fn reverse_and_last_page_from_the_other_end() {
        assert_eq!(ids(&page(&first(3, None, true))), vec![5, 3, 1]);
        let last = page(&PageArgs {
            last: Some(2),
            ..PageArgs::default()
        });
        assert_eq!(ids(&last), vec![3, 5]);
        assert!(last.has_prev && !last.has_next);
    }

    #[test]
    fn page_info_reports_rows_on_both_sides() {
        let one = page(&first(2, None, false));
        assert!(one.has_next && !one.has_prev);
        let cursor = one.items[1].1.clone();
        let two = page(&first(10, Some(cursor), false));
        assert!(!two.has_next && two.has_prev);
        assert_eq!(two.items.len(), 4);
    }

    #[test]
    fn cursors_are_opaque_base64_json() {
        let cursor = encode_cursor(&(SortValue::Int(7), 42));
        let raw = String::from_utf8(STANDARD.decode(&cursor).unwrap()).unwrap();
        assert_eq!(raw, r#"{"last_id":42,"last_value":7}"#);
        assert_eq!(
            decode_cursor(&cursor, &SortValue::Int(0)),
            Ok((SortValue::Int(7), 42))
        );
        assert_eq!(
            decode_cursor("not base64!", &SortValue::Int(0)),
            Err(PageError::BadCursor)
        );
    }

    #[test]
    fn sizes_are_checked() {
        let args = |first| PageArgs {
            first,
            ..PageArgs::default()
        };
        assert_eq!(args(None).check(), Err(PageError::MissingSize));
        assert_eq!(
            args(Some(251)).check(),
            Err(PageError::TooLarge("first", 251))
        );
        assert_eq!(args(Some(-1)).check(), Err(PageError::Negative("first")));
        assert_eq!(args(Some(250)).check(), Ok(()));
        assert!(page(&first(0, None, false)).items.is_empty());
    }
}
