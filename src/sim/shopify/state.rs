//! The shop's records as Shopify keeps them: products with variants and metafields,
//! orders with line items, each under a numeric id that becomes its GID. Seeded from a
//! [`SyntheticShop`]; the generator's ids are remembered so tests can translate.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use crate::model::{CustomerHash, Money, Order, OrderId, ProductId, ProductStatus, VariantId};
use crate::sim::catalog::SyntheticShop;
use crate::sim::product_image;

use super::ids::{self, LINE_ITEM_BASE, METAFIELD_BASE, ORDER_BASE, PRODUCT_BASE, VARIANT_BASE};
use super::search::{FieldValue, Searchable};
use super::webhooks::Outbox;

/// A product.
#[derive(Clone, Debug)]
pub(crate) struct ProductRec {
    pub num: u64,
    pub source: ProductId,
    pub title: String,
    pub handle: String,
    pub product_type: String,
    pub vendor: String,
    pub tags: Vec<String>,
    pub status: ProductStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub variants: Vec<VariantRec>,
    /// The featured image: a file on the simulated CDN, or a full URL set by a test.
    pub image: Option<String>,
    /// Ordered by id (creation order).
    pub metafields: Vec<MetafieldRec>,
}

/// A product variant.
#[derive(Clone, Debug)]
pub(crate) struct VariantRec {
    pub num: u64,
    pub source: VariantId,
    pub title: String,
    pub sku: Option<String>,
    pub price: Money,
    pub compare_at: Option<Money>,
    pub available: bool,
    pub inventory: Option<i64>,
}

/// A metafield on a product.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct MetafieldRec {
    pub num: u64,
    pub namespace: String,
    pub key: String,
    pub kind: String,
    pub value: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An order.
#[derive(Clone, Debug)]
pub(crate) struct OrderRec {
    pub num: u64,
    pub source: OrderId,
    pub number: u64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub test: bool,
    pub refunded: bool,
    pub customer: Option<CustomerHash>,
    pub lines: Vec<LineRec>,
}

/// A line item; `product`/`variant` are `None` for custom or since-deleted items.
#[derive(Clone, Debug)]
pub(crate) struct LineRec {
    pub num: u64,
    pub product: Option<u64>,
    pub variant: Option<u64>,
    pub quantity: u32,
    pub unit_price: Money,
}

/// Every record of the shop.
#[derive(Debug, Default)]
pub(crate) struct ShopData {
    pub products: BTreeMap<u64, ProductRec>,
    pub orders: BTreeMap<u64, OrderRec>,
    /// Variant number → product number.
    pub variant_owner: HashMap<u64, u64>,
    pub source_products: HashMap<ProductId, u64>,
    pub source_variants: HashMap<VariantId, u64>,
    /// Webhooks these records fire: queued under the same write lock as the change.
    pub outbox: Arc<Outbox>,
    /// `{base}/cdn/shop/files/`, where product image files are served; set when the
    /// server binds.
    pub image_base: String,
    /// Metafield writes (`metafieldsSet`, bulk lines) that set what was already there.
    pub unchanged_metafield_writes: u64,
    next_order: u64,
    next_line: u64,
    next_metafield: u64,
    next_variant: u64,
    next_order_number: u64,
}

impl ShopData {
    /// The URL of product `p`'s featured image.
    pub fn image_url(&self, p: &ProductRec) -> Option<String> {
        p.image
            .as_deref()
            .map(|file| product_image::url(&self.image_base, file))
    }

    /// Records for `shop`, its order history ending an hour before `now` when `shift`.
    pub fn seed(shop: SyntheticShop, now: DateTime<Utc>, shift: bool) -> Self {
        let mut data = Self {
            next_order: ORDER_BASE + 1,
            next_line: LINE_ITEM_BASE + 1,
            next_metafield: METAFIELD_BASE + 1,
            next_variant: VARIANT_BASE + 9_000_000_000_000 + 1,
            next_order_number: 1001,
            ..Self::default()
        };
        let offset = history_offset(&shop, now, shift);
        let first_order = shop.orders.iter().map(|o| o.created_at).min();
        let catalog_start =
            first_order.map_or(now - Duration::days(400), |t| t + offset) - Duration::days(30);
        for (n, product) in shop.products.into_iter().enumerate() {
            data.add_seed_product(n as u64, product, catalog_start, now);
        }
        for order in &shop.orders {
            let mut order = order.clone();
            order.created_at += offset;
            data.add_order(&order, now);
        }
        data
    }

    fn add_seed_product(
        &mut self,
        n: u64,
        product: crate::model::Product,
        start: DateTime<Utc>,
        now: DateTime<Utc>,
    ) {
        let num = PRODUCT_BASE + n + 1;
        let created_at = start + Duration::seconds(signed(n) * 61);
        let span = (now - Duration::days(1) - created_at).num_seconds().max(1);
        let updated_at = created_at + Duration::seconds(signed(n * 7919 + 13) % span);
        let variants = product
            .variants
            .into_iter()
            .enumerate()
            .map(|(v, variant)| VariantRec {
                num: VARIANT_BASE + n * 4 + v as u64 + 1,
                source: variant.id,
                title: variant.title,
                sku: variant.sku,
                price: variant.price,
                compare_at: variant.compare_at_price,
                available: variant.available,
                inventory: variant.inventory_quantity,
            })
            .collect::<Vec<_>>();
        for variant in &variants {
            self.variant_owner.insert(variant.num, num);
            self.source_variants
                .insert(variant.source.clone(), variant.num);
        }
        self.source_products.insert(product.id.clone(), num);
        let image = product
            .image_url
            .or_else(|| product_image::seeded_file(n, &product.handle));
        self.products.insert(
            num,
            ProductRec {
                num,
                source: product.id,
                title: product.title,
                handle: product.handle,
                product_type: product.product_type,
                vendor: product.vendor,
                tags: product.tags,
                status: product.status,
                created_at,
                updated_at: updated_at.min(now),
                variants,
                image,
                metafields: Vec::new(),
            },
        );
    }

    /// Adds an order placed at `order.created_at`; line products and variants may be
    /// given as GIDs or as the generator's ids. Returns the order's number.
    pub fn add_order(&mut self, order: &Order, now: DateTime<Utc>) -> u64 {
        let num = self.next_order;
        self.next_order += 1;
        let number = self.next_order_number;
        self.next_order_number += 1;
        let created_at = order.created_at;
        let cancelled_at = order
            .flags
            .cancelled
            .then(|| (created_at + Duration::hours(2)).min(now));
        let touched = created_at + Duration::seconds(signed(num % 3600));
        let updated_at = touched
            .max(cancelled_at.unwrap_or(created_at))
            .min(now)
            .max(created_at);
        let lines = order
            .lines
            .iter()
            .map(|line| {
                let line_num = self.next_line;
                self.next_line += 1;
                LineRec {
                    num: line_num,
                    product: self.product_num(line.product.as_str()),
                    variant: line
                        .variant
                        .as_ref()
                        .and_then(|v| self.variant_num(v.as_str())),
                    quantity: line.quantity,
                    unit_price: line.unit_price,
                }
            })
            .collect();
        self.orders.insert(
            num,
            OrderRec {
                num,
                source: order.id.clone(),
                number,
                created_at,
                updated_at,
                cancelled_at,
                test: order.flags.test,
                refunded: order.flags.refunded,
                customer: order.customer,
                lines,
            },
        );
        num
    }

    /// The number of a product given by GID or by the generator's id.
    pub fn product_num(&self, id: &str) -> Option<u64> {
        ids::parse_kind(id, "Product")
            .filter(|n| self.products.contains_key(n))
            .or_else(|| self.source_products.get(&ProductId::new(id)).copied())
            .filter(|n| self.products.contains_key(n))
    }

    /// The number of a variant given by GID or by the generator's id.
    pub fn variant_num(&self, id: &str) -> Option<u64> {
        ids::parse_kind(id, "ProductVariant")
            .filter(|n| self.variant_owner.contains_key(n))
            .or_else(|| self.source_variants.get(&VariantId::new(id)).copied())
            .filter(|n| self.variant_owner.contains_key(n))
    }

    /// A variant and its product.
    pub fn variant(&self, num: u64) -> Option<(&ProductRec, &VariantRec)> {
        let product = self.products.get(self.variant_owner.get(&num)?)?;
        let variant = product.variants.iter().find(|v| v.num == num)?;
        Some((product, variant))
    }

    /// Removes a product and its variants; line items keep pointing at nothing.
    pub fn delete_product(&mut self, num: u64) -> bool {
        let Some(product) = self.products.remove(&num) else {
            return false;
        };
        for variant in &product.variants {
            self.variant_owner.remove(&variant.num);
        }
        true
    }

    /// A fresh number for a variant added after seeding.
    pub fn next_variant_num(&mut self) -> u64 {
        let num = self.next_variant;
        self.next_variant += 1;
        num
    }

    /// A fresh metafield number.
    pub fn next_metafield_num(&mut self) -> u64 {
        let num = self.next_metafield;
        self.next_metafield += 1;
        num
    }
}

/// An id or count as `i64`; all of ours are far below `i64::MAX`.
fn signed(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// How far to move the generated history so its last order falls an hour before `now`.
fn history_offset(shop: &SyntheticShop, now: DateTime<Utc>, shift: bool) -> Duration {
    match shop.orders.iter().map(|o| o.created_at).max() {
        Some(last) if shift => {
            let seconds = (now - Duration::hours(1) - last).num_seconds();
            Duration::seconds(seconds)
        }
        _ => Duration::zero(),
    }
}

/// Whether an order is readable: with `read_all_orders` every order, else only the
/// last 60 days (reference §1).
pub(crate) fn order_visible(order: &OrderRec, now: DateTime<Utc>, all_orders: bool) -> bool {
    all_orders || order.created_at >= now - Duration::days(60)
}

/// Shopify's name for a product status.
pub(crate) fn status_name(status: ProductStatus) -> &'static str {
    match status {
        ProductStatus::Active => "ACTIVE",
        ProductStatus::Draft => "DRAFT",
        ProductStatus::Archived => "ARCHIVED",
    }
}

impl ProductRec {
    /// Sum of the variants' tracked inventory.
    pub fn total_inventory(&self) -> i64 {
        self.variants.iter().filter_map(|v| v.inventory).sum()
    }
}

impl OrderRec {
    /// `displayFinancialStatus`.
    pub fn financial_status(&self) -> &'static str {
        if self.refunded {
            "REFUNDED"
        } else {
            "PAID"
        }
    }
}

impl Searchable for ProductRec {
    fn search_field(&self, name: &str) -> Option<FieldValue> {
        Some(match name {
            "updated_at" => FieldValue::Time(self.updated_at),
            "created_at" => FieldValue::Time(self.created_at),
            "id" => FieldValue::Int(signed(self.num)),
            "status" => FieldValue::Text(vec![status_name(self.status).to_lowercase()]),
            "product_type" => FieldValue::Text(vec![self.product_type.to_lowercase()]),
            "vendor" => FieldValue::Text(vec![self.vendor.to_lowercase()]),
            "title" => FieldValue::Text(vec![self.title.to_lowercase()]),
            "handle" => FieldValue::Text(vec![self.handle.to_lowercase()]),
            "tag" => FieldValue::Text(self.tags.iter().map(|t| t.to_lowercase()).collect()),
            "tag_not" => FieldValue::NotText(self.tags.iter().map(|t| t.to_lowercase()).collect()),
            _ => return None,
        })
    }
}

impl Searchable for OrderRec {
    fn search_field(&self, name: &str) -> Option<FieldValue> {
        Some(match name {
            "updated_at" => FieldValue::Time(self.updated_at),
            "created_at" | "processed_at" => FieldValue::Time(self.created_at),
            "id" => FieldValue::Int(signed(self.num)),
            "name" => FieldValue::Text(vec![format!("#{}", self.number)]),
            "financial_status" => FieldValue::Text(vec![self.financial_status().to_lowercase()]),
            "test" => FieldValue::Text(vec![self.test.to_string()]),
            "status" => FieldValue::Text(vec![if self.cancelled_at.is_some() {
                "cancelled".to_owned()
            } else {
                "open".to_owned()
            }]),
            _ => return None,
        })
    }
}
