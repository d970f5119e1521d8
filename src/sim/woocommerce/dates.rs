//! Dates as WordPress writes and compares them. Records keep UTC; the API shows
//! `date_*` in site-local time and `date_*_gmt` in UTC, both `YYYY-MM-DDTHH:MM:SS`
//! without a designator.
//!
//! Filter values (`after`, `modified_after`, …) follow reference §4: bounds are
//! exclusive; without `dates_are_gmt` they are compared with the site-local column,
//! with it with the GMT column; and a value carrying `Z` or an offset is first
//! converted to the *site's* time zone, so `…Z` plus `dates_are_gmt=true` is off by the
//! site's UTC offset (a real WordPress quirk, reproduced).

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc};

const FORMAT: &str = "%Y-%m-%dT%H:%M:%S";

/// `t` as a `_gmt` field.
pub(crate) fn gmt(t: DateTime<Utc>) -> String {
    t.format(FORMAT).to_string()
}

/// `t` as a site-local field.
pub(crate) fn local(t: DateTime<Utc>, offset_hours: i32) -> String {
    (t + Duration::hours(i64::from(offset_hours)))
        .format(FORMAT)
        .to_string()
}

/// A `_gmt`/local field pair value, `null` when unset.
pub(crate) fn opt_gmt(t: Option<DateTime<Utc>>) -> serde_json::Value {
    t.map_or(serde_json::Value::Null, |t| gmt(t).into())
}

/// Site-local twin of [`opt_gmt`].
pub(crate) fn opt_local(t: Option<DateTime<Utc>>, offset_hours: i32) -> serde_json::Value {
    t.map_or(serde_json::Value::Null, |t| local(t, offset_hours).into())
}

/// Which side of a bound a record must be on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Side {
    /// Strictly later.
    After,
    /// Strictly earlier.
    Before,
}

/// A parsed date filter: the value in the compared column's terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DateBound {
    pub side: Side,
    pub value: NaiveDateTime,
    /// Compare with the GMT column (`dates_are_gmt=true`), else the site-local one.
    pub gmt: bool,
}

impl DateBound {
    /// Whether a record whose column (as UTC) is `t` passes.
    pub fn admits(&self, t: DateTime<Utc>, offset_hours: i32) -> bool {
        let column = if self.gmt {
            t.naive_utc()
        } else {
            t.naive_utc() + Duration::hours(i64::from(offset_hours))
        };
        match self.side {
            Side::After => column > self.value,
            Side::Before => column < self.value,
        }
    }
}

/// Reads a filter value the way WordPress does (`rest_parse_date`, then
/// `WP_Date_Query`): `None` if it is not an RFC 3339-like date.
pub(crate) fn parse_filter(value: &str, offset_hours: i32) -> Option<NaiveDateTime> {
    let bytes = value.as_bytes();
    if bytes.len() < 19 || !matches!(bytes[10], b'T' | b't' | b' ') {
        return None;
    }
    let date = NaiveDate::parse_from_str(value.get(..10)?, "%Y-%m-%d").ok()?;
    let time = NaiveTime::parse_from_str(value.get(11..19)?, "%H:%M:%S").ok()?;
    if !digits_at(value, &[0..4, 5..7, 8..10, 11..13, 14..16, 17..19]) {
        return None;
    }
    let naive = NaiveDateTime::new(date, time);
    let mut rest = value.get(19..)?;
    if let Some(fraction) = rest.strip_prefix('.') {
        let end = fraction
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(fraction.len());
        if end == 0 {
            return None;
        }
        rest = &fraction[end..];
    }
    Some(match zone(rest)? {
        Zone::Local => naive,
        Zone::Offset(minutes) => {
            naive - Duration::minutes(minutes) + Duration::hours(i64::from(offset_hours))
        }
    })
}

/// A value's time zone designator.
enum Zone {
    /// None: the value is taken as written.
    Local,
    /// `Z` or `±HH[:MM]`, in minutes east of UTC.
    Offset(i64),
}

/// The designator `text`, `None` if malformed.
fn zone(text: &str) -> Option<Zone> {
    if text.is_empty() {
        return Some(Zone::Local);
    }
    if text == "Z" {
        return Some(Zone::Offset(0));
    }
    let sign = match text.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let body = &text[1..];
    let (hours, minutes) = match body.len() {
        2 => (body, "00"),
        5 if body.as_bytes()[2] == b':' => (&body[..2], &body[3..]),
        _ => return None,
    };
    if !hours
        .bytes()
        .chain(minutes.bytes())
        .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let hours: i64 = hours.parse().ok()?;
    let minutes: i64 = minutes.parse().ok()?;
    Some(Zone::Offset(sign * (hours * 60 + minutes)))
}

fn digits_at(text: &str, ranges: &[std::ops::Range<usize>]) -> bool {
    ranges.iter().all(|r| {
        text.get(r.clone())
            .is_some_and(|part| part.bytes().all(|b| b.is_ascii_digit()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, FORMAT).unwrap()
    }

    #[test]
    fn values_without_designator_are_taken_as_written() {
        assert_eq!(
            parse_filter("2026-11-21T16:41:07", 1),
            Some(naive("2026-11-21T16:41:07"))
        );
        assert_eq!(
            parse_filter("2026-11-21 16:41:07.250", 1),
            Some(naive("2026-11-21T16:41:07"))
        );
    }

    #[test]
    fn a_designator_converts_to_site_time() {
        assert_eq!(
            parse_filter("2026-11-21T16:41:07Z", 1),
            Some(naive("2026-11-21T17:41:07"))
        );
        assert_eq!(
            parse_filter("2026-11-21T16:41:07+02:00", 1),
            Some(naive("2026-11-21T15:41:07"))
        );
    }

    #[test]
    fn garbage_is_refused() {
        for bad in [
            "yesterday",
            "2026-11-21",
            "2026-13-01T00:00:00",
            "2026-11-21T16:41:07+1",
        ] {
            assert_eq!(parse_filter(bad, 1), None, "{bad}");
        }
    }
}
