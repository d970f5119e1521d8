//! The store's records as WooCommerce keeps them, public so tests can read them and
//! edit them the way a merchant would. Kinds, statuses and prices are the strings the
//! REST API shows; `price` is derived and recomputed after every change.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::model::{OrderId, ProductId, VariantId};

/// A row of `meta_data`: scalars are kept as the strings WooCommerce returns, objects
/// and arrays as JSON.
#[derive(Clone, Debug, PartialEq)]
pub struct SimWooMeta {
    /// Meta id (WordPress `meta_id`).
    pub id: u64,
    /// Key; duplicates are possible, as in WordPress.
    pub key: String,
    /// Value as returned.
    pub value: Value,
}

/// A variation of a variable product.
#[derive(Clone, Debug, PartialEq)]
pub struct SimWooVariation {
    /// Variation id (a post id, unique across products and variations).
    pub id: u64,
    /// The generator's variant id, when seeded.
    pub source_id: Option<VariantId>,
    /// Value of the parent's variation attribute, e.g. `Large`.
    pub option: String,
    /// SKU or `""`.
    pub sku: String,
    /// `publish` or `private`.
    pub status: String,
    /// Regular price text or `""`.
    pub regular_price: String,
    /// Sale price text or `""`.
    pub sale_price: String,
    /// `instock`, `outofstock` or `onbackorder`.
    pub stock_status: String,
    /// Whether stock is tracked.
    pub manage_stock: bool,
    /// Units on hand when tracked.
    pub stock_quantity: Option<i64>,
    /// Meta rows.
    pub meta: Vec<SimWooMeta>,
    /// Creation time (UTC, whole seconds).
    pub date_created_gmt: DateTime<Utc>,
    /// Last change (UTC, whole seconds).
    pub date_modified_gmt: DateTime<Utc>,
}

impl SimWooVariation {
    /// The effective price: the sale price when on sale, else the regular price.
    #[must_use]
    pub fn price(&self) -> String {
        effective_price(&self.regular_price, &self.sale_price)
    }

    /// Whether the sale price applies.
    #[must_use]
    pub fn on_sale(&self) -> bool {
        on_sale(&self.regular_price, &self.sale_price)
    }
}

/// A product (any type but variation).
#[derive(Clone, Debug, PartialEq)]
pub struct SimWooProduct {
    /// Product id.
    pub id: u64,
    /// The generator's product id, when seeded from it.
    pub source_id: Option<ProductId>,
    /// `simple`, `variable`, `grouped` or `external`.
    pub kind: String,
    /// Name.
    pub name: String,
    /// URL slug (`…__trashed` while in the trash).
    pub slug: String,
    /// `publish`, `draft`, `pending`, `private` or `trash`.
    pub status: String,
    /// `visible`, `catalog`, `search` or `hidden`.
    pub catalog_visibility: String,
    /// SKU or `""`.
    pub sku: String,
    /// HTML description.
    pub description: String,
    /// Current price; derived (read-only), recomputed after every change.
    pub price: String,
    /// Regular price text or `""` (always `""` on variable and grouped parents).
    pub regular_price: String,
    /// Sale price text or `""`.
    pub sale_price: String,
    /// `instock`, `outofstock` or `onbackorder`.
    pub stock_status: String,
    /// Whether stock is tracked.
    pub manage_stock: bool,
    /// Units on hand when tracked.
    pub stock_quantity: Option<i64>,
    /// Category names, first = the product's kind.
    pub categories: Vec<String>,
    /// Tag names.
    pub tags: Vec<String>,
    /// Brand names.
    pub brands: Vec<String>,
    /// Images, the product image first: files in the simulated uploads folder, or full
    /// URLs set by a test.
    pub images: Vec<String>,
    /// Name of the variation attribute of a variable product (`Option`).
    pub attribute_name: String,
    /// Variations, in menu order.
    pub variations: Vec<SimWooVariation>,
    /// Children of a grouped product.
    pub grouped_products: Vec<u64>,
    /// Target of an external product.
    pub external_url: String,
    /// Upsells exactly as stored: unknown ids, the product itself and duplicates kept.
    pub upsell_ids: Vec<u64>,
    /// Cross-sells exactly as stored.
    pub cross_sell_ids: Vec<u64>,
    /// Meta rows.
    pub meta: Vec<SimWooMeta>,
    /// Units sold.
    pub total_sales: u64,
    /// Creation time (UTC, whole seconds).
    pub date_created_gmt: DateTime<Utc>,
    /// Last change (UTC, whole seconds).
    pub date_modified_gmt: DateTime<Utc>,
}

impl SimWooProduct {
    /// Ids of the variations.
    #[must_use]
    pub fn variation_ids(&self) -> Vec<u64> {
        self.variations.iter().map(|v| v.id).collect()
    }

    /// The stored value of the first meta row with `key`.
    #[must_use]
    pub fn meta_value(&self, key: &str) -> Option<&Value> {
        self.meta.iter().find(|m| m.key == key).map(|m| &m.value)
    }

    /// Whether the product is on sale (a variable parent: any variation).
    #[must_use]
    pub fn on_sale(&self) -> bool {
        match self.kind.as_str() {
            "variable" => self.variations.iter().any(SimWooVariation::on_sale),
            _ => on_sale(&self.regular_price, &self.sale_price),
        }
    }

    /// Recomputes the derived fields (`price`, a variable parent's stock status) the
    /// way WooCommerce does when it saves a product.
    pub(crate) fn normalize(&mut self) {
        match self.kind.as_str() {
            "variable" => {
                self.regular_price.clear();
                self.sale_price.clear();
                self.price = cheapest(self.variations.iter().map(SimWooVariation::price));
                let any_in_stock = self
                    .variations
                    .iter()
                    .any(|v| v.stock_status != "outofstock");
                let status = if any_in_stock {
                    "instock"
                } else {
                    "outofstock"
                };
                status.clone_into(&mut self.stock_status);
            }
            "grouped" => {
                self.regular_price.clear();
                self.sale_price.clear();
                self.price.clear();
            }
            _ => self.price = effective_price(&self.regular_price, &self.sale_price),
        }
    }
}

/// One line of an order.
#[derive(Clone, Debug, PartialEq)]
pub struct SimWooLine {
    /// Line item id.
    pub id: u64,
    /// The product (the parent for a variation).
    pub product_id: u64,
    /// The variation, 0 for other products.
    pub variation_id: u64,
    /// Units.
    pub quantity: u32,
    /// Unit price paid.
    pub price: f64,
    /// Name at purchase (`Parent - Option` for a variation).
    pub name: String,
    /// SKU at purchase.
    pub sku: String,
    /// The variation's attribute value at purchase.
    pub option: Option<String>,
    /// The parent's name for a variation line.
    pub parent_name: Option<String>,
}

impl SimWooLine {
    /// A line to be completed (id, name, SKU) from the catalog when the order is added.
    #[must_use]
    pub fn new(product_id: u64, variation_id: u64, quantity: u32, price: f64) -> Self {
        Self {
            id: 0,
            product_id,
            variation_id,
            quantity,
            price,
            name: String::new(),
            sku: String::new(),
            option: None,
            parent_name: None,
        }
    }
}

/// An order.
#[derive(Clone, Debug, PartialEq)]
pub struct SimWooOrder {
    /// Order id (0 in an order to be added: one is assigned).
    pub id: u64,
    /// The generator's order id, when seeded.
    pub source_id: Option<OrderId>,
    /// `pending`, `processing`, `on-hold`, `completed`, `cancelled`, `refunded`,
    /// `failed`, `checkout-draft` or `trash`.
    pub status: String,
    /// Customer id; 0 for a guest.
    pub customer_id: u64,
    /// Billing email (may be `""`).
    pub billing_email: String,
    /// Where it came from (`checkout`, `rest-api`, `admin`).
    pub created_via: String,
    /// Placed (UTC, whole seconds).
    pub date_created_gmt: DateTime<Utc>,
    /// Last change (UTC, whole seconds).
    pub date_modified_gmt: DateTime<Utc>,
    /// Paid, if it was.
    pub date_paid_gmt: Option<DateTime<Utc>>,
    /// Completed, if it was.
    pub date_completed_gmt: Option<DateTime<Utc>>,
    /// What was bought.
    pub lines: Vec<SimWooLine>,
}

/// A registered webhook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimWooWebhook {
    /// Webhook id.
    pub id: u64,
    /// Name.
    pub name: String,
    /// `active`, `paused` or `disabled`.
    pub status: String,
    /// `resource.event`, e.g. `product.updated`.
    pub topic: String,
    /// Where deliveries go.
    pub delivery_url: String,
    /// Signing secret (write-only over the API).
    pub secret: String,
    /// Consecutive failed deliveries.
    pub failure_count: u32,
    /// Whether a ping was answered 200 (until then it is re-sent on every save).
    pub ping_ok: bool,
    /// Created (UTC).
    pub date_created_gmt: DateTime<Utc>,
    /// Last saved, `None` until the first change after creation.
    pub date_modified_gmt: Option<DateTime<Utc>>,
}

/// Whether `sale` is set and below `regular` (WooCommerce's `is_on_sale`).
fn on_sale(regular: &str, sale: &str) -> bool {
    match (decimal(regular), decimal(sale)) {
        (Some(r), Some(s)) => s < r,
        (None, Some(_)) => true,
        _ => false,
    }
}

/// The price WooCommerce stores as `_price`.
fn effective_price(regular: &str, sale: &str) -> String {
    if on_sale(regular, sale) {
        sale.to_owned()
    } else {
        regular.to_owned()
    }
}

/// The lowest price among `prices`, `""` when none is set.
fn cheapest(prices: impl Iterator<Item = String>) -> String {
    prices
        .filter_map(|p| decimal(&p).map(|d| (d, p)))
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, p)| p)
        .unwrap_or_default()
}

/// A price text as a number, `None` for `""` or garbage.
pub(crate) fn decimal(text: &str) -> Option<f64> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    text.parse::<f64>().ok().filter(|v| v.is_finite())
}
