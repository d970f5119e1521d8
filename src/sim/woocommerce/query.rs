//! Collection parameters, validated as WordPress validates them against the route's
//! schema: every bad parameter is listed in one `rest_invalid_param` error, with the
//! messages and codes of the fixtures (`per_page must be between 1 (inclusive) and 100
//! (inclusive)` / `rest_out_of_bounds`, `Invalid date.` / `rest_invalid_date`, …).

use serde_json::{json, Value};

use super::dates::{parse_filter, DateBound, Side};
use super::respond::{ApiError, ParamError};

/// Which collection is asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Collection {
    Products,
    Variations,
    Orders,
}

/// Sort keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OrderBy {
    Date,
    Modified,
    Id,
    Include,
    Title,
    Slug,
    Price,
    Popularity,
}

/// Which date a bound applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DateField {
    Created,
    Modified,
}

/// Parsed collection parameters.
#[derive(Clone, Debug)]
pub(crate) struct ListQuery {
    pub page: u64,
    pub per_page: u64,
    pub offset: Option<u64>,
    pub descending: bool,
    pub orderby: OrderBy,
    pub include: Vec<u64>,
    pub exclude: Vec<u64>,
    pub search: Option<String>,
    pub dates: Vec<(DateField, DateBound)>,
    /// Requested statuses; empty = any (everything but trash).
    pub status: Vec<String>,
    pub kind: Option<String>,
    pub stock_status: Option<String>,
    pub sku: Option<String>,
    pub customer: Option<u64>,
    pub product: Option<u64>,
}

const PRODUCT_STATUSES: [&str; 7] = [
    "any", "future", "trash", "draft", "pending", "private", "publish",
];
const ORDER_STATUSES: [&str; 11] = [
    "any",
    "trash",
    "pending",
    "processing",
    "on-hold",
    "completed",
    "cancelled",
    "refunded",
    "failed",
    "checkout-draft",
    "auto-draft",
];
const PRODUCT_ORDERBY: [&str; 12] = [
    "date",
    "modified",
    "id",
    "include",
    "title",
    "slug",
    "price",
    "popularity",
    "rating",
    "menu_order",
    "random",
    "post__in",
];
const ORDER_ORDERBY: [&str; 6] = ["date", "modified", "id", "include", "title", "slug"];

/// Reads the parameters of `collection`; `offset_hours` is the site's UTC offset.
pub(crate) fn parse(
    params: &[(String, String)],
    collection: Collection,
    offset_hours: i32,
) -> Result<ListQuery, ApiError> {
    let mut reader = Reader {
        params,
        errors: Vec::new(),
    };
    let query = reader.read(collection, offset_hours);
    if reader.errors.is_empty() {
        Ok(query)
    } else {
        Err(ApiError::invalid_params(&reader.errors))
    }
}

struct Reader<'a> {
    params: &'a [(String, String)],
    errors: Vec<ParamError>,
}

impl Reader<'_> {
    fn read(&mut self, collection: Collection, offset_hours: i32) -> ListQuery {
        let orders = collection == Collection::Orders;
        let gmt = self.boolean("dates_are_gmt").unwrap_or(false);
        let mut dates = Vec::new();
        for (name, field, side) in [
            ("after", DateField::Created, Side::After),
            ("before", DateField::Created, Side::Before),
            ("modified_after", DateField::Modified, Side::After),
            ("modified_before", DateField::Modified, Side::Before),
        ] {
            if let Some(value) = self.date(name, offset_hours) {
                dates.push((field, DateBound { side, value, gmt }));
            }
        }
        let orderby_names: &[&str] = if orders {
            &ORDER_ORDERBY
        } else {
            &PRODUCT_ORDERBY
        };
        let status = if orders {
            self.enum_list("status", &ORDER_STATUSES)
        } else {
            self.one_of("status", &PRODUCT_STATUSES)
                .into_iter()
                .collect()
        };
        ListQuery {
            page: self.integer("page", 1, None).unwrap_or(1),
            per_page: self.integer("per_page", 1, Some(100)).unwrap_or(10),
            offset: self.integer("offset", 0, None),
            descending: self.one_of("order", &["asc", "desc"]).as_deref() != Some("asc"),
            orderby: orderby(self.one_of("orderby", orderby_names).as_deref()),
            include: self.id_list("include"),
            exclude: self.id_list("exclude"),
            search: self
                .get("search")
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
            dates,
            status: status.into_iter().filter(|s| s != "any").collect(),
            kind: self.one_of("type", &["simple", "grouped", "external", "variable"]),
            stock_status: self.one_of("stock_status", &["instock", "outofstock", "onbackorder"]),
            sku: self.get("sku").filter(|s| !s.is_empty()).map(str::to_owned),
            customer: self.integer("customer", 0, None),
            product: self.integer("product", 0, None),
        }
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn fail(&mut self, param: &str, message: String, code: &'static str, data: Value) {
        self.errors.push(ParamError {
            param: param.to_owned(),
            message,
            code,
            data,
        });
    }

    fn integer(&mut self, name: &str, min: u64, max: Option<u64>) -> Option<u64> {
        let text = self.get(name)?.trim().to_owned();
        let Ok(value) = text.parse::<i64>() else {
            let message = format!("{name} is not of type integer.");
            self.fail(name, message, "rest_invalid_type", json!({"param": name}));
            return None;
        };
        let min_signed = i64::try_from(min).unwrap_or(i64::MAX);
        let in_range =
            value >= min_signed && max.is_none_or(|m| u64::try_from(value).is_ok_and(|v| v <= m));
        if !in_range {
            let message = match max {
                Some(max) => {
                    format!("{name} must be between {min} (inclusive) and {max} (inclusive)")
                }
                None => format!("{name} must be greater than or equal to {min}"),
            };
            self.fail(name, message, "rest_out_of_bounds", Value::Null);
            return None;
        }
        u64::try_from(value).ok()
    }

    fn boolean(&mut self, name: &str) -> Option<bool> {
        let text = self.get(name)?.to_ascii_lowercase();
        match text.as_str() {
            "true" | "1" => Some(true),
            "false" | "0" | "" => Some(false),
            _ => {
                let message = format!("{name} is not of type boolean.");
                self.fail(name, message, "rest_invalid_type", json!({"param": name}));
                None
            }
        }
    }

    fn one_of(&mut self, name: &str, allowed: &[&str]) -> Option<String> {
        let value = self.get(name)?.to_owned();
        if allowed.contains(&value.as_str()) {
            return Some(value);
        }
        let message = format!("{name} is not one of {}.", english_list(allowed));
        self.fail(name, message, "rest_not_in_enum", Value::Null);
        None
    }

    fn enum_list(&mut self, name: &str, allowed: &[&str]) -> Vec<String> {
        let Some(text) = self.get(name).map(str::to_owned) else {
            return Vec::new();
        };
        let items = split_list(&text);
        for (i, item) in items.iter().enumerate() {
            if !allowed.contains(&item.as_str()) {
                let message = format!("{name}[{i}] is not one of {}.", english_list(allowed));
                self.fail(name, message, "rest_not_in_enum", Value::Null);
                return Vec::new();
            }
        }
        items
    }

    fn id_list(&mut self, name: &str) -> Vec<u64> {
        let Some(text) = self.get(name).map(str::to_owned) else {
            return Vec::new();
        };
        let mut ids = Vec::new();
        for (i, item) in split_list(&text).iter().enumerate() {
            let Ok(id) = item.parse::<u64>() else {
                let param = format!("{name}[{i}]");
                let message = format!("{param} is not of type integer.");
                self.fail(name, message, "rest_invalid_type", json!({"param": param}));
                return Vec::new();
            };
            ids.push(id);
        }
        ids
    }

    fn date(&mut self, name: &str, offset_hours: i32) -> Option<chrono::NaiveDateTime> {
        let text = self.get(name)?.to_owned();
        let parsed = parse_filter(&text, offset_hours);
        if parsed.is_none() {
            self.fail(
                name,
                "Invalid date.".to_owned(),
                "rest_invalid_date",
                Value::Null,
            );
        }
        parsed
    }
}

fn orderby(name: Option<&str>) -> OrderBy {
    match name {
        Some("modified") => OrderBy::Modified,
        Some("id") => OrderBy::Id,
        Some("include" | "post__in") => OrderBy::Include,
        Some("title") => OrderBy::Title,
        Some("slug") => OrderBy::Slug,
        Some("price") => OrderBy::Price,
        Some("popularity") => OrderBy::Popularity,
        _ => OrderBy::Date,
    }
}

/// `wp_parse_list`: items separated by commas or whitespace.
pub(crate) fn split_list(text: &str) -> Vec<String> {
    text.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// WordPress's `%l`: `a, b, and c`.
pub(crate) fn english_list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [a, b] => format!("{a} and {b}"),
        [init @ .., last] => format!("{}, and {last}", init.join(", ")),
    }
}
