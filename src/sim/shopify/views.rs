//! What the test handle shows of the shop: products and orders as model values with
//! the shop's GIDs, and stored metafields with their digests.

use chrono::{DateTime, Utc};

use crate::model::{LineItem, Order, OrderFlags, OrderId, Product, ProductId, Variant, VariantId};

use super::ids::{self, gid};
use super::metafields::digest;
use super::state::{MetafieldRec, OrderRec, ProductRec, ShopData};

/// A product as the shop holds it; ids in `product` are GIDs.
#[derive(Clone, Debug, PartialEq)]
pub struct SimProduct {
    /// `gid://shopify/Product/…`.
    pub gid: String,
    /// The generator's id, for matching with `SyntheticShop`/`PlantedTruth`.
    pub source_id: ProductId,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// The product; `id`, variant ids and `updated_at` are the shop's.
    pub product: Product,
}

/// An order as the shop holds it; ids in `order` are GIDs.
#[derive(Clone, Debug, PartialEq)]
pub struct SimOrder {
    /// `gid://shopify/Order/…`.
    pub gid: String,
    /// The generator's id (or the one given to [`SimState::add_order`]).
    pub source_id: OrderId,
    /// `#1001`, …
    pub name: String,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// The customer's GID, derived from the customer hash.
    pub customer_gid: Option<String>,
    /// The order; line items of deleted products keep an empty product id.
    pub order: Order,
}

/// A stored metafield.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimMetafield {
    /// `gid://shopify/Metafield/…`.
    pub id: String,
    /// Namespace as stored (`$app` resolved).
    pub namespace: String,
    /// Key.
    pub key: String,
    /// Type, e.g. `list.product_reference`.
    pub kind: String,
    /// Value string.
    pub value: String,
    /// The digest `compareDigest` must match.
    pub compare_digest: String,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

pub(crate) fn product_model(data: &ShopData, p: &ProductRec) -> Product {
    Product {
        id: ProductId::new(gid("Product", p.num)),
        title: p.title.clone(),
        handle: p.handle.clone(),
        product_type: p.product_type.clone(),
        tags: p.tags.clone(),
        vendor: p.vendor.clone(),
        status: p.status,
        variants: p
            .variants
            .iter()
            .map(|v| Variant {
                id: VariantId::new(gid("ProductVariant", v.num)),
                title: v.title.clone(),
                sku: v.sku.clone(),
                price: v.price,
                compare_at_price: v.compare_at,
                available: v.available,
                inventory_quantity: v.inventory,
            })
            .collect(),
        updated_at: p.updated_at,
        image_url: data.image_url(p),
    }
}

pub(crate) fn order_model(o: &OrderRec) -> SimOrder {
    SimOrder {
        gid: gid("Order", o.num),
        source_id: o.source.clone(),
        name: format!("#{}", o.number),
        updated_at: o.updated_at,
        customer_gid: o
            .customer
            .as_ref()
            .map(|c| gid("Customer", ids::customer_number(c))),
        order: Order {
            id: OrderId::new(gid("Order", o.num)),
            created_at: o.created_at,
            customer: o.customer,
            flags: OrderFlags {
                cancelled: o.cancelled_at.is_some(),
                test: o.test,
                refunded: o.refunded,
            },
            lines: o
                .lines
                .iter()
                .map(|l| LineItem {
                    product: ProductId::new(
                        l.product.map(|n| gid("Product", n)).unwrap_or_default(),
                    ),
                    variant: l.variant.map(|n| VariantId::new(gid("ProductVariant", n))),
                    quantity: l.quantity,
                    unit_price: l.unit_price,
                })
                .collect(),
        },
    }
}

pub(crate) fn metafield_view(m: &MetafieldRec) -> SimMetafield {
    SimMetafield {
        id: gid("Metafield", m.num),
        namespace: m.namespace.clone(),
        key: m.key.clone(),
        kind: m.kind.clone(),
        value: m.value.clone(),
        compare_digest: digest(&m.value),
        updated_at: m.updated_at,
    }
}
