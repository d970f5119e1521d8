//! Shopify's search syntax for the `query:` argument of `products`, `orders` and their
//! counts: `updated_at:>'2026-11-20T10:00:00Z' AND status:active`.
//!
//! Terms are `field:value`, optionally with a comparator (`>`, `>=`, `<`, `<=`) before
//! the value; values may be quoted with `'` or `"`; terms are joined by `AND` (or plain
//! spaces) and `OR`; `NOT` or a leading `-` negates a term. As on Shopify, a term this
//! shop cannot evaluate (an unknown field, free text, a value that does not parse) is
//! ignored rather than rejected. Date-only values mean midnight UTC; `field:DATE`
//! matches the whole day.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};

/// A parsed query: a disjunction of conjunctions of terms.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Query {
    any: Vec<Vec<Term>>,
}

/// One `field:value` comparison.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Term {
    pub negate: bool,
    pub field: String,
    pub op: Op,
    pub value: String,
}

/// The comparator of a term.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    Gt,
    Ge,
    Lt,
    Le,
}

/// A record's value for a search field.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum FieldValue {
    Time(DateTime<Utc>),
    Int(i64),
    /// Matches when any of the (lower-cased) values equals the term's value.
    Text(Vec<String>),
    /// Matches when none of the values equals the term's value (`tag_not`).
    NotText(Vec<String>),
}

/// Something the search can look into.
pub(crate) trait Searchable {
    /// The value of `field`, or `None` when the field is unknown (the term is ignored).
    fn search_field(&self, field: &str) -> Option<FieldValue>;
}

impl Query {
    /// Parses a search string; never fails (unusable parts are ignored).
    pub fn parse(text: &str) -> Self {
        let mut any = vec![Vec::new()];
        let mut negate_next = false;
        for token in tokenize(text) {
            match token.as_str() {
                "AND" => {}
                "OR" => any.push(Vec::new()),
                "NOT" => negate_next = true,
                _ => {
                    if let Some(mut term) = parse_term(&token) {
                        term.negate ^= negate_next;
                        if let Some(all) = any.last_mut() {
                            all.push(term);
                        }
                    }
                    negate_next = false;
                }
            }
        }
        any.retain(|all| !all.is_empty());
        Self { any }
    }

    /// Whether `item` matches; an empty query matches everything.
    pub fn matches(&self, item: &impl Searchable) -> bool {
        self.any.is_empty()
            || self
                .any
                .iter()
                .any(|all| all.iter().all(|term| term.matches(item)))
    }

    /// The terms, for tests.
    #[cfg(test)]
    pub fn terms(&self) -> Vec<&Term> {
        self.any.iter().flatten().collect()
    }
}

impl Term {
    /// Whether `item` satisfies the term; unknown fields and unusable values match.
    fn matches(&self, item: &impl Searchable) -> bool {
        let Some(value) = item.search_field(&self.field) else {
            return true;
        };
        match self.evaluate(&value) {
            Some(hit) => hit != self.negate,
            None => true,
        }
    }

    fn evaluate(&self, value: &FieldValue) -> Option<bool> {
        match value {
            FieldValue::Time(at) => self.compare_time(*at),
            FieldValue::Int(n) => {
                let wanted: i64 = self.value.parse().ok()?;
                Some(compare(self.op, n.cmp(&wanted)))
            }
            FieldValue::Text(values) => Some(self.text_hit(values)),
            FieldValue::NotText(values) => Some(!self.text_hit(values)),
        }
    }

    /// A comma-separated value is a list of alternatives (`status:active,draft`).
    fn text_hit(&self, values: &[String]) -> bool {
        let wanted = self.value.to_lowercase();
        wanted
            .split(',')
            .map(str::trim)
            .any(|w| values.iter().any(|v| v == w))
    }

    fn compare_time(&self, at: DateTime<Utc>) -> Option<bool> {
        let (start, whole_day) = parse_time(&self.value)?;
        if whole_day && self.op == Op::Eq {
            return Some(at >= start && at < start + Duration::days(1));
        }
        Some(compare(self.op, at.cmp(&start)))
    }
}

fn compare(op: Op, ordering: std::cmp::Ordering) -> bool {
    use std::cmp::Ordering::{Equal, Greater, Less};
    match op {
        Op::Eq => ordering == Equal,
        Op::Gt => ordering == Greater,
        Op::Ge => ordering != Less,
        Op::Lt => ordering == Less,
        Op::Le => ordering != Greater,
    }
}

/// Splits on whitespace outside quotes; parentheses are dropped (grouping is not
/// modelled beyond AND/OR precedence).
fn tokenize(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    for c in text.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => {
                quote = None;
                current.push(c);
            }
            (None, '\'' | '"') => {
                quote = Some(c);
                current.push(c);
            }
            (None, '(' | ')') => {}
            (None, c) if c.is_whitespace() => {
                if !current.is_empty() {
                    tokens.push(std::mem::take(&mut current));
                }
            }
            (_, c) => current.push(c),
        }
    }
    if !current.is_empty() {
        tokens.push(current);
    }
    tokens
}

/// `[-]field:[op]value`; `None` for free text.
fn parse_term(token: &str) -> Option<Term> {
    let (negate, token) = match token.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, token),
    };
    let (field, rest) = token.split_once(':')?;
    if field.is_empty() || field.contains(['\'', '"']) {
        return None;
    }
    let (op, value) = [(">=", Op::Ge), ("<=", Op::Le), (">", Op::Gt), ("<", Op::Lt)]
        .into_iter()
        .find_map(|(prefix, op)| rest.strip_prefix(prefix).map(|v| (op, v)))
        .unwrap_or((Op::Eq, rest));
    Some(Term {
        negate,
        field: field.to_lowercase(),
        op,
        value: unquote(value).to_owned(),
    })
}

fn unquote(value: &str) -> &str {
    for q in ['\'', '"'] {
        if let Some(inner) = value.strip_prefix(q).and_then(|v| v.strip_suffix(q)) {
            return inner;
        }
    }
    value
}

/// A timestamp, or a date meaning its midnight (UTC) plus "whole day" for equality.
fn parse_time(value: &str) -> Option<(DateTime<Utc>, bool)> {
    if let Ok(at) = DateTime::parse_from_rfc3339(value) {
        return Some((at.with_timezone(&Utc), false));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(at) = NaiveDateTime::parse_from_str(value, format) {
            return Some((at.and_utc(), false));
        }
    }
    let date = NaiveDate::parse_from_str(value, "%Y-%m-%d").ok()?;
    Some((date.and_hms_opt(0, 0, 0)?.and_utc(), true))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    struct Item {
        updated: DateTime<Utc>,
        status: &'static str,
        tags: Vec<String>,
    }

    impl Searchable for Item {
        fn search_field(&self, field: &str) -> Option<FieldValue> {
            match field {
                "updated_at" => Some(FieldValue::Time(self.updated)),
                "status" => Some(FieldValue::Text(vec![self.status.to_owned()])),
                "tag" => Some(FieldValue::Text(self.tags.clone())),
                _ => None,
            }
        }
    }

    fn item(hour: u32, status: &'static str) -> Item {
        Item {
            updated: Utc.with_ymd_and_hms(2026, 11, 20, hour, 0, 0).unwrap(),
            status,
            tags: vec!["sale".to_owned()],
        }
    }

    #[test]
    fn quoted_timestamps_and_comparators_are_parsed() {
        let query = Query::parse("updated_at:>'2026-11-20T10:00:00Z' AND status:active");
        let terms = query.terms();
        assert_eq!(terms.len(), 2);
        assert_eq!(terms[0].field, "updated_at");
        assert_eq!(terms[0].op, Op::Gt);
        assert_eq!(terms[0].value, "2026-11-20T10:00:00Z");
        assert_eq!(terms[1].op, Op::Eq);
        assert!(query.matches(&item(11, "active")));
        assert!(!query.matches(&item(10, "active")), "strictly after");
        assert!(!query.matches(&item(11, "draft")));
    }

    #[test]
    fn inclusive_bounds_and_unquoted_values_work() {
        assert!(Query::parse("updated_at:>=2026-11-20T10:00:00Z").matches(&item(10, "active")));
        assert!(Query::parse("updated_at:<=\"2026-11-20T10:00:00Z\"").matches(&item(10, "x")));
        assert!(!Query::parse("updated_at:<2026-11-20T10:00:00Z").matches(&item(10, "x")));
    }

    #[test]
    fn date_only_values_mean_midnight_or_the_whole_day() {
        assert!(Query::parse("updated_at:>=2026-11-20").matches(&item(0, "x")));
        assert!(!Query::parse("updated_at:>2026-11-21").matches(&item(23, "x")));
        assert!(Query::parse("updated_at:2026-11-20").matches(&item(23, "x")));
        assert!(!Query::parse("updated_at:2026-11-21").matches(&item(23, "x")));
    }

    #[test]
    fn implicit_and_or_and_negation_combine() {
        let both = Query::parse("status:active tag:sale");
        assert!(both.matches(&item(1, "active")));
        let either = Query::parse("status:draft OR status:active");
        assert!(either.matches(&item(1, "active")));
        assert!(Query::parse("-status:draft").matches(&item(1, "active")));
        assert!(!Query::parse("NOT status:active").matches(&item(1, "active")));
        assert!(Query::parse("status:draft,active").matches(&item(1, "active")));
    }

    #[test]
    fn unknown_fields_free_text_and_bad_values_are_ignored() {
        let query = Query::parse("snowboard vendor_id:9 updated_at:>yesterday-ish");
        assert!(query.matches(&item(1, "draft")));
        assert!(Query::parse("").matches(&item(1, "draft")));
        assert!(Query::parse("  AND  ").matches(&item(1, "draft")));
    }

    #[test]
    fn case_of_values_does_not_matter() {
        assert!(Query::parse("status:ACTIVE").matches(&item(1, "active")));
    }
}
