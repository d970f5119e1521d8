//! Creating and updating products from a request body, shared by single requests and
//! batch items. Prices are stored as sent when they read as decimals and as `""`
//! otherwise (`"x"` → `""`, observed); linked ids replace the whole list, stored as
//! sent; `meta_data` follows [`super::meta`]; every save bumps `date_modified` and fires
//! `product.updated` (or `product.created`).

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use super::meta;
use super::records::{decimal, SimWooProduct};
use super::respond::ApiError;
use super::schema::{as_integer, linked_ids};
use super::state::ShopData;
use super::terms::{slugify, Taxonomy, UNCATEGORIZED};

/// Reads a request body: empty is `{}`, anything but an object is `{}` too (WordPress
/// ignores it), unparsable JSON is `rest_invalid_json`.
pub(crate) fn parse_body(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Ok(Map::new()),
        Err(error) => Err(ApiError::invalid_json(&error.to_string())),
    }
}

/// Updates product `id` from `body`; `strict` for single requests (validated), false
/// for batch items. Unknown ids (and variation ids) are `Invalid ID.` with status 400.
pub(crate) fn update(
    data: &mut ShopData,
    id: u64,
    body: &Map<String, Value>,
    now: DateTime<Utc>,
    strict: bool,
) -> Result<(), ApiError> {
    let Some(mut product) = data.products.get(&id).cloned() else {
        return Err(ApiError::product_invalid_id(400));
    };
    apply(data, &mut product, body, strict)?;
    register_terms(data, &product);
    data.edit_product(id, now, |p| *p = product);
    Ok(())
}

/// Creates a product from `body`; returns its id. Fires `product.created`.
pub(crate) fn create(
    data: &mut ShopData,
    body: &Map<String, Value>,
    now: DateTime<Utc>,
    strict: bool,
) -> Result<u64, ApiError> {
    let name = text(body, "name").unwrap_or_default();
    let mut product = blank(name, now);
    if let Some(kind) = text(body, "type") {
        product.kind = kind;
    }
    apply(data, &mut product, body, strict)?;
    if product.slug.is_empty() {
        product.slug = unique_slug(data, &slugify(&product.name), 0);
    }
    if product.categories.is_empty() {
        product.categories.push(UNCATEGORIZED.to_owned());
    }
    product.id = data.next_id();
    register_terms(data, &product);
    let id = data.insert_product(product);
    data.hooks.emit("product.created", id);
    Ok(id)
}

fn blank(name: String, now: DateTime<Utc>) -> SimWooProduct {
    SimWooProduct {
        id: 0,
        source_id: None,
        kind: "simple".to_owned(),
        name,
        slug: String::new(),
        status: "publish".to_owned(),
        catalog_visibility: "visible".to_owned(),
        sku: String::new(),
        description: String::new(),
        price: String::new(),
        regular_price: String::new(),
        sale_price: String::new(),
        stock_status: "instock".to_owned(),
        manage_stock: false,
        stock_quantity: None,
        categories: Vec::new(),
        tags: Vec::new(),
        brands: Vec::new(),
        images: Vec::new(),
        attribute_name: String::new(),
        variations: Vec::new(),
        grouped_products: Vec::new(),
        external_url: String::new(),
        upsell_ids: Vec::new(),
        cross_sell_ids: Vec::new(),
        meta: Vec::new(),
        total_sales: 0,
        date_created_gmt: now,
        date_modified_gmt: now,
    }
}

/// Applies the writable members of `body` to `product`.
fn apply(
    data: &mut ShopData,
    product: &mut SimWooProduct,
    body: &Map<String, Value>,
    strict: bool,
) -> Result<(), ApiError> {
    if let Some(sku) = text(body, "sku") {
        if let Some(owner) = data.sku_owner(&sku, product.id) {
            return Err(duplicate_sku(owner, &sku));
        }
        product.sku = sku;
    }
    for (name, field) in [
        ("name", &mut product.name),
        ("status", &mut product.status),
        ("catalog_visibility", &mut product.catalog_visibility),
        ("description", &mut product.description),
        ("external_url", &mut product.external_url),
        ("stock_status", &mut product.stock_status),
    ] {
        if let Some(value) = text(body, name) {
            *field = value;
        }
    }
    if let Some(slug) = text(body, "slug") {
        product.slug = unique_slug(data, &slugify(&slug), product.id);
    }
    for (name, field) in [
        ("regular_price", &mut product.regular_price),
        ("sale_price", &mut product.sale_price),
    ] {
        if let Some(value) = body.get(name) {
            *field = price_text(value);
        }
    }
    apply_stock(product, body);
    apply_links(product, body, strict);
    apply_terms(data, product, body);
    if let Some(Value::Array(items)) = body.get("meta_data") {
        let mut fresh: Vec<u64> = items.iter().map(|_| data.next_meta_id()).collect();
        fresh.reverse();
        meta::write(
            &mut product.meta,
            items,
            &mut std::iter::from_fn(|| fresh.pop()),
        );
    }
    Ok(())
}

fn apply_stock(product: &mut SimWooProduct, body: &Map<String, Value>) {
    if let Some(managed) = body.get("manage_stock") {
        product.manage_stock = matches!(managed, Value::Bool(true))
            || managed.as_str().is_some_and(|s| s == "true" || s == "1")
            || managed.as_i64() == Some(1);
    }
    if let Some(quantity) = body.get("stock_quantity").and_then(as_integer) {
        product.stock_quantity = Some(quantity);
        if product.manage_stock && !body.contains_key("stock_status") {
            let status = if quantity > 0 {
                "instock"
            } else {
                "outofstock"
            };
            status.clone_into(&mut product.stock_status);
        }
    }
    if !product.manage_stock {
        product.stock_quantity = None;
    }
}

fn apply_links(product: &mut SimWooProduct, body: &Map<String, Value>, strict: bool) {
    if let Some(value) = body.get("upsell_ids") {
        product.upsell_ids = linked_ids(value, strict);
    }
    if let Some(value) = body.get("cross_sell_ids") {
        product.cross_sell_ids = linked_ids(value, strict);
    }
    if let Some(value) = body.get("grouped_products") {
        product.grouped_products = linked_ids(value, strict);
    }
}

/// `categories`/`tags` as `[{"id": n}]` (or `{"name": …}`); unknown ids are skipped.
fn apply_terms(data: &ShopData, product: &mut SimWooProduct, body: &Map<String, Value>) {
    for (name, taxonomy) in [("categories", Taxonomy::Category), ("tags", Taxonomy::Tag)] {
        let Some(Value::Array(items)) = body.get(name) else {
            continue;
        };
        let names: Vec<String> = items
            .iter()
            .filter_map(|item| {
                let by_id = item
                    .get("id")
                    .and_then(meta::as_id)
                    .and_then(|id| data.terms.name_of(taxonomy, id));
                by_id.or_else(|| item.get("name").and_then(Value::as_str).map(str::to_owned))
            })
            .collect();
        match taxonomy {
            Taxonomy::Category => product.categories = names,
            _ => product.tags = names,
        }
    }
}

/// Makes sure every term a product names exists.
pub(crate) fn register_terms(data: &mut ShopData, product: &SimWooProduct) {
    data.terms.terms(Taxonomy::Category, &product.categories);
    data.terms.terms(Taxonomy::Tag, &product.tags);
    data.terms.terms(Taxonomy::Brand, &product.brands);
}

/// A price as stored: decimal text as sent, a number as its text, anything else `""`.
fn price_text(value: &Value) -> String {
    let text = match value {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    };
    if decimal(&text).is_some_and(|d| d >= 0.0) {
        text
    } else {
        String::new()
    }
}

fn text(body: &Map<String, Value>, name: &str) -> Option<String> {
    body.get(name).and_then(Value::as_str).map(str::to_owned)
}

/// `slug`, or `slug-2`, `slug-3`, … if another product has it.
fn unique_slug(data: &ShopData, slug: &str, except: u64) -> String {
    let slug = if slug.is_empty() { "product" } else { slug };
    let taken = |s: &str| {
        data.products
            .values()
            .any(|p| p.id != except && p.slug == s)
    };
    if !taken(slug) {
        return slug.to_owned();
    }
    (2..100_000)
        .map(|n| format!("{slug}-{n}"))
        .find(|s| !taken(s))
        .unwrap_or_else(|| slug.to_owned())
}

fn duplicate_sku(owner: u64, sku: &str) -> ApiError {
    let mut error = ApiError::new(400, "product_invalid_sku", "Invalid or duplicated SKU.");
    if let Some(data) = error.body.get_mut("data").and_then(Value::as_object_mut) {
        data.insert("resource_id".into(), json!(owner));
        data.insert("unique_sku".into(), json!(sku));
    }
    error
}
