//! Seeding the store from a [`SyntheticShop`]: model products become simple or
//! variable products (ids kept from the generator where they are numbers), a few become
//! external products and a few grouped products are added, so every product type is
//! served; model orders become orders with guests and registered customers.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};

use crate::model::{CustomerHash, Money, Order, Product, ProductStatus, Variant};
use crate::sim::catalog::SyntheticShop;
use crate::sim::product_image;

use super::records::{SimWooLine, SimWooOrder, SimWooProduct, SimWooVariation};
use super::state::ShopData;
use super::terms::{slugify, UNCATEGORIZED};

/// Every this many simple products one is made external.
const EXTERNAL_EVERY: usize = 29;
/// Every this many categories one gets a grouped product.
const GROUPED_EVERY: usize = 5;

/// How to seed.
pub(crate) struct SeedOptions {
    pub now: DateTime<Utc>,
    pub shift_history: bool,
    pub guest_share: f64,
    pub mix_types: bool,
}

/// The store holding `shop`.
pub(crate) fn seed(shop: &SyntheticShop, options: &SeedOptions) -> ShopData {
    let mut data = ShopData::empty();
    let offset = history_offset(shop, options);
    let first_order = shop.orders.iter().map(|o| o.created_at).min();
    let start =
        first_order.map_or(options.now - Duration::days(400), |t| t + offset) - Duration::days(30);
    let salt = shop_hash(shop) as usize;
    let mut simple_seen = 0usize;
    for (n, product) in shop.products.iter().enumerate() {
        let (created, modified) = seed_dates(n as u64, start, options.now);
        let mut record = product_from_model(&mut data, product, created);
        record.date_modified_gmt = modified;
        if record.kind == "simple" && options.mix_types {
            if simple_seen % EXTERNAL_EVERY == salt % EXTERNAL_EVERY {
                make_external(&mut record);
            }
            simple_seen += 1;
        }
        data.insert_product(record);
    }
    if options.mix_types {
        add_grouped(&mut data, salt, start);
    }
    for order in &shop.orders {
        let mut order = order.clone();
        order.created_at += offset;
        let record = order_from_model(&data, &order, options.guest_share, options.now);
        data.insert_order(record);
    }
    for product in data.products.values_mut() {
        product.date_modified_gmt = product.date_modified_gmt.min(options.now);
    }
    data
}

/// A product's creation and last-change times, spread deterministically.
fn seed_dates(n: u64, start: DateTime<Utc>, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    let created = whole_seconds(start + Duration::seconds(signed(n) * 61));
    let span = (now - Duration::days(1) - created).num_seconds().max(1);
    let modified = created + Duration::seconds(signed(n * 7919 + 13) % span);
    (created, whole_seconds(modified.min(now)))
}

/// Maps a model product; its date fields are `created`.
pub(crate) fn product_from_model(
    data: &mut ShopData,
    product: &Product,
    created: DateTime<Utc>,
) -> SimWooProduct {
    let id = free_id(data, product.id.as_str());
    let variable = product.variants.len() > 1;
    let status = match product.status {
        ProductStatus::Active => "publish",
        ProductStatus::Draft => "draft",
        ProductStatus::Archived => "trash",
    };
    let mut slug = if product.handle.is_empty() {
        slugify(&product.title)
    } else {
        product.handle.clone()
    };
    if status == "trash" {
        slug.push_str("__trashed");
    }
    let categories = if product.product_type.is_empty() {
        vec![UNCATEGORIZED.to_owned()]
    } else {
        vec![product.product_type.clone()]
    };
    let images = product
        .image_url
        .clone()
        .or_else(|| product_image::seeded_file(id, &slug))
        .into_iter()
        .collect();
    let mut record = SimWooProduct {
        id,
        source_id: Some(product.id.clone()),
        kind: if variable { "variable" } else { "simple" }.to_owned(),
        name: product.title.clone(),
        slug,
        status: status.to_owned(),
        catalog_visibility: "visible".to_owned(),
        sku: String::new(),
        description: String::new(),
        price: String::new(),
        regular_price: String::new(),
        sale_price: String::new(),
        stock_status: "instock".to_owned(),
        manage_stock: false,
        stock_quantity: None,
        categories,
        tags: product.tags.clone(),
        brands: Some(product.vendor.clone())
            .filter(|v| !v.is_empty())
            .into_iter()
            .collect(),
        images,
        attribute_name: String::new(),
        variations: Vec::new(),
        grouped_products: Vec::new(),
        external_url: String::new(),
        upsell_ids: Vec::new(),
        cross_sell_ids: Vec::new(),
        meta: Vec::new(),
        total_sales: 0,
        date_created_gmt: created,
        date_modified_gmt: created,
    };
    if variable {
        "Option".clone_into(&mut record.attribute_name);
        for variant in &product.variants {
            let variation = variation_from_model(data, variant, created);
            data.reserve_id(variation.id);
            data.source_variants
                .insert(variant.id.clone(), (id, variation.id));
            record.variations.push(variation);
        }
        record.sku = product
            .variants
            .first()
            .and_then(|v| v.sku.as_deref())
            .map(|s| s.rsplit_once('-').map_or(s, |(base, _)| base).to_owned())
            .unwrap_or_default();
    } else if let Some(variant) = product.variants.first() {
        let (regular, sale) = prices(variant);
        record.regular_price = regular;
        record.sale_price = sale;
        record.sku = variant.sku.clone().unwrap_or_default();
        stock_status(variant).clone_into(&mut record.stock_status);
        record.manage_stock = variant.inventory_quantity.is_some();
        record.stock_quantity = variant.inventory_quantity;
        data.source_variants.insert(variant.id.clone(), (id, 0));
    }
    data.reserve_id(id);
    record
}

fn variation_from_model(
    data: &mut ShopData,
    variant: &Variant,
    created: DateTime<Utc>,
) -> SimWooVariation {
    let (regular_price, sale_price) = prices(variant);
    SimWooVariation {
        id: free_id(data, variant.id.as_str()),
        source_id: Some(variant.id.clone()),
        option: variant.title.clone(),
        sku: variant.sku.clone().unwrap_or_default(),
        status: "publish".to_owned(),
        regular_price,
        sale_price,
        stock_status: stock_status(variant).to_owned(),
        manage_stock: variant.inventory_quantity.is_some(),
        stock_quantity: variant.inventory_quantity,
        meta: Vec::new(),
        date_created_gmt: created,
        date_modified_gmt: created,
    }
}

/// `(regular_price, sale_price)`: a compare-at price above the price puts it on sale.
fn prices(variant: &Variant) -> (String, String) {
    match variant.compare_at_price {
        Some(compare) if compare > variant.price => (money(compare), money(variant.price)),
        _ => (money(variant.price), String::new()),
    }
}

fn money(amount: Money) -> String {
    amount.to_string()
}

fn stock_status(variant: &Variant) -> &'static str {
    if variant.available {
        "instock"
    } else {
        "outofstock"
    }
}

/// The generator's id when it is a number not yet used, else a fresh id.
fn free_id(data: &mut ShopData, source: &str) -> u64 {
    match source.parse::<u64>() {
        Ok(id) if id > 0 && !data.id_taken(id) => id,
        _ => data.next_id(),
    }
}

fn make_external(record: &mut SimWooProduct) {
    "external".clone_into(&mut record.kind);
    record.external_url = format!("https://partner.example.test/{}", record.slug);
    record.manage_stock = false;
    record.stock_quantity = None;
}

/// Adds a grouped product to every few categories, listing up to three of the
/// category's published simple products.
fn add_grouped(data: &mut ShopData, salt: usize, created: DateTime<Utc>) {
    let mut by_category: BTreeMap<(u64, String), Vec<u64>> = BTreeMap::new();
    for product in data.products.values() {
        let Some(category) = product.categories.first() else {
            continue;
        };
        let first_id = by_category
            .keys()
            .find(|(_, c)| c == category)
            .map_or(product.id, |(id, _)| *id);
        let entry = by_category.entry((first_id, category.clone())).or_default();
        if product.kind == "simple" && product.status == "publish" && entry.len() < 3 {
            entry.push(product.id);
        }
    }
    for (k, ((_, category), children)) in by_category.into_iter().enumerate() {
        if k % GROUPED_EVERY != salt % GROUPED_EVERY || children.len() < 2 {
            continue;
        }
        let id = data.next_id();
        let template = data.products.get(&children[0]).cloned();
        let Some(mut record) = template else {
            continue;
        };
        record.id = id;
        record.source_id = None;
        "grouped".clone_into(&mut record.kind);
        record.name = format!("{category} Set");
        record.slug = slugify(&record.name);
        record.sku = String::new();
        record.grouped_products = children;
        record.manage_stock = false;
        record.stock_quantity = None;
        "instock".clone_into(&mut record.stock_status);
        record.date_created_gmt = whole_seconds(created);
        record.date_modified_gmt = record.date_created_gmt;
        data.insert_product(record);
    }
}

/// Maps a model order; statuses: cancelled, refunded, test (→ `pending`) or completed.
pub(crate) fn order_from_model(
    data: &ShopData,
    order: &Order,
    guest_share: f64,
    now: DateTime<Utc>,
) -> SimWooOrder {
    let id = order.id.as_str().parse::<u64>().unwrap_or(0);
    let created = whole_seconds(order.created_at);
    let touched = created + Duration::seconds(signed(id % 3600));
    let modified = touched.min(now).max(created);
    let status = if order.flags.cancelled {
        "cancelled"
    } else if order.flags.refunded {
        "refunded"
    } else if order.flags.test {
        "pending"
    } else {
        "completed"
    };
    let (customer_id, billing_email) = customer(order.customer.as_ref(), guest_share);
    let paid = matches!(status, "completed" | "refunded").then_some(created);
    SimWooOrder {
        id,
        source_id: Some(order.id.clone()),
        status: status.to_owned(),
        customer_id,
        billing_email,
        created_via: "checkout".to_owned(),
        date_created_gmt: created,
        date_modified_gmt: modified,
        date_paid_gmt: paid,
        date_completed_gmt: (status == "completed").then_some(modified),
        lines: order
            .lines
            .iter()
            .map(|line| {
                let (product, variation) = line_ids(data, line);
                SimWooLine::new(product, variation, line.quantity, line.unit_price.as_f64())
            })
            .collect(),
    }
}

/// `(product_id, variation_id)` of a model line: its variant by the generator's id or
/// as a WooCommerce variation id, else its product (variation 0).
fn line_ids(data: &ShopData, line: &crate::model::LineItem) -> (u64, u64) {
    let by_variant = line.variant.as_ref().and_then(|v| {
        data.source_variants.get(v).copied().or_else(|| {
            let id = v.as_str().parse::<u64>().ok()?;
            data.variation(id).map(|(parent, _)| (parent.id, id))
        })
    });
    by_variant
        .or_else(|| data.product_id_of(line.product.as_str()).map(|p| (p, 0)))
        .unwrap_or((0, 0))
}

/// `(customer_id, billing email)` of a customer: guests (a stable share, chosen by the
/// hash) have id 0 and are known by email only; orders without a customer have neither.
fn customer(hash: Option<&CustomerHash>, guest_share: f64) -> (u64, String) {
    let Some(hash) = hash else {
        return (0, String::new());
    };
    let bytes = hash.0;
    let number = u64::from(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]));
    if f64::from(bytes[4]) / 256.0 < guest_share {
        let tag = hex::encode(&bytes[..6]);
        return (0, format!("guest-{tag}@example.test"));
    }
    let id = 2 + number % 1_000_000;
    (id, format!("customer-{id}@example.test"))
}

/// How far to move the generated history so its last order falls an hour before now.
fn history_offset(shop: &SyntheticShop, options: &SeedOptions) -> Duration {
    match shop.orders.iter().map(|o| o.created_at).max() {
        Some(last) if options.shift_history => {
            Duration::seconds((options.now - Duration::hours(1) - last).num_seconds())
        }
        _ => Duration::zero(),
    }
}

/// A stable number describing the shop, so type choices follow the generator's seed.
fn shop_hash(shop: &SyntheticShop) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for product in shop.products.iter().take(8) {
        for byte in product.title.bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

/// `t` without its fraction of a second.
pub(crate) fn whole_seconds(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t)
}

fn signed(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
