//! Every record of the store: products with their variations, orders, taxonomy terms
//! and webhooks, under WordPress-style ids (one sequence for products, variations and
//! orders, as they are all posts). Changes go through the methods here, which bump
//! `date_modified` and queue the webhook events WooCommerce would fire.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};

use crate::model::{ProductId, VariantId};

use super::hooks::Hooks;
use super::records::{SimWooLine, SimWooOrder, SimWooProduct, SimWooVariation};
use super::terms::Terms;

/// Every record of the store.
#[derive(Debug, Default)]
pub(crate) struct ShopData {
    pub products: BTreeMap<u64, SimWooProduct>,
    /// Variation id → parent id.
    pub variation_owner: HashMap<u64, u64>,
    pub orders: BTreeMap<u64, SimWooOrder>,
    pub source_products: HashMap<ProductId, u64>,
    /// Generator variant → (product, variation id or 0 for a simple product).
    pub source_variants: HashMap<VariantId, (u64, u64)>,
    pub terms: Terms,
    pub hooks: Hooks,
    next_id: u64,
    next_meta: u64,
    next_line: u64,
}

impl ShopData {
    /// An empty store whose first new post gets id 10 and first meta row id 100.
    pub fn empty() -> Self {
        Self {
            next_id: 10,
            next_meta: 100,
            next_line: 1,
            ..Self::default()
        }
    }

    /// A fresh post id.
    pub fn next_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Makes sure later fresh ids stay above `id`.
    pub fn reserve_id(&mut self, id: u64) {
        self.next_id = self.next_id.max(id + 1);
    }

    /// Whether `id` names any post (product, variation or order).
    pub fn id_taken(&self, id: u64) -> bool {
        self.products.contains_key(&id)
            || self.variation_owner.contains_key(&id)
            || self.orders.contains_key(&id)
    }

    /// A fresh meta id.
    pub fn next_meta_id(&mut self) -> u64 {
        let id = self.next_meta;
        self.next_meta += 1;
        id
    }

    /// A fresh order line id.
    fn next_line_id(&mut self) -> u64 {
        let id = self.next_line;
        self.next_line += 1;
        id
    }

    /// A variation and its parent.
    pub fn variation(&self, id: u64) -> Option<(&SimWooProduct, &SimWooVariation)> {
        let parent = self.products.get(self.variation_owner.get(&id)?)?;
        let variation = parent.variations.iter().find(|v| v.id == id)?;
        Some((parent, variation))
    }

    /// Adds a product (its id must be free) and indexes its variations.
    pub fn insert_product(&mut self, mut product: SimWooProduct) -> u64 {
        product.normalize();
        // Every product's terms exist, seeded ones included: views list only known terms.
        super::product_write::register_terms(self, &product);
        let id = product.id;
        self.reserve_id(id);
        for variation in &product.variations {
            self.reserve_id(variation.id);
            self.variation_owner.insert(variation.id, id);
        }
        if let Some(source) = &product.source_id {
            self.source_products.insert(source.clone(), id);
        }
        self.products.insert(id, product);
        id
    }

    /// Applies `edit` to product `id`, then saves it as WooCommerce would: derived
    /// fields recomputed, `date_modified` = `now`, `product.updated` fired (even when
    /// nothing changed). `false` if there is no such product.
    pub fn edit_product(
        &mut self,
        id: u64,
        now: DateTime<Utc>,
        edit: impl FnOnce(&mut SimWooProduct),
    ) -> bool {
        let Some(product) = self.products.get_mut(&id) else {
            return false;
        };
        edit(product);
        product.id = id;
        product.normalize();
        product.date_modified_gmt = now;
        let variations: Vec<u64> = product.variation_ids();
        self.variation_owner.retain(|_, owner| *owner != id);
        for variation in variations {
            self.variation_owner.insert(variation, id);
        }
        self.hooks.emit("product.updated", id);
        true
    }

    /// Moves a product to the trash (DELETE without `force`): status `trash`, slug
    /// `…__trashed`, `product.deleted` fired. `false` if missing or already trashed.
    pub fn trash_product(&mut self, id: u64, now: DateTime<Utc>) -> bool {
        let Some(product) = self.products.get_mut(&id) else {
            return false;
        };
        if product.status == "trash" {
            return false;
        }
        "trash".clone_into(&mut product.status);
        product.slug.push_str("__trashed");
        product.date_modified_gmt = now;
        self.hooks.emit("product.deleted", id);
        true
    }

    /// Deletes a product and its variations for good (`force=true`, batch deletes):
    /// fires nothing, as WooCommerce does not. Returns what was deleted.
    pub fn delete_product(&mut self, id: u64) -> Option<SimWooProduct> {
        let product = self.products.remove(&id)?;
        for variation in &product.variations {
            self.variation_owner.remove(&variation.id);
        }
        Some(product)
    }

    /// The product or variation using `sku`, other than `except`.
    pub fn sku_owner(&self, sku: &str, except: u64) -> Option<u64> {
        if sku.is_empty() {
            return None;
        }
        self.products.values().find_map(|p| {
            if p.sku == sku && p.id != except {
                return Some(p.id);
            }
            p.variations
                .iter()
                .find(|v| v.sku == sku && v.id != except)
                .map(|v| v.id)
        })
    }

    /// Adds an order: an id is assigned if it has none (or a taken one), line ids,
    /// names and SKUs are completed from the catalog, and `order.created` plus
    /// `order.updated` fire, as a REST create does. Returns the order id.
    pub fn insert_order(&mut self, mut order: SimWooOrder) -> u64 {
        if order.id == 0 || self.id_taken(order.id) {
            order.id = self.next_id();
        }
        self.reserve_id(order.id);
        let lines = std::mem::take(&mut order.lines);
        order.lines = lines.into_iter().map(|l| self.complete_line(l)).collect();
        for line in &order.lines {
            if let Some(product) = self.products.get_mut(&line.product_id) {
                product.total_sales += u64::from(line.quantity);
            }
        }
        let id = order.id;
        self.orders.insert(id, order);
        self.hooks.emit("order.created", id);
        self.hooks.emit("order.updated", id);
        id
    }

    /// Fills in a line's id, name, SKU and variation attribute from the catalog.
    fn complete_line(&mut self, mut line: SimWooLine) -> SimWooLine {
        if line.id == 0 {
            line.id = self.next_line_id();
        }
        if let Some((parent, variation)) = self.variation(line.variation_id) {
            if line.name.is_empty() {
                line.name = format!("{} - {}", parent.name, variation.option);
            }
            if line.sku.is_empty() {
                line.sku.clone_from(&variation.sku);
            }
            line.option.get_or_insert_with(|| variation.option.clone());
            line.parent_name.get_or_insert_with(|| parent.name.clone());
        } else if let Some(product) = self.products.get(&line.product_id) {
            if line.name.is_empty() {
                line.name.clone_from(&product.name);
            }
            if line.sku.is_empty() {
                line.sku.clone_from(&product.sku);
            }
        }
        line
    }

    /// Applies `edit` to order `id`, bumps `date_modified` and fires `order.updated`.
    pub fn edit_order(
        &mut self,
        id: u64,
        now: DateTime<Utc>,
        edit: impl FnOnce(&mut SimWooOrder),
    ) -> bool {
        let Some(order) = self.orders.get_mut(&id) else {
            return false;
        };
        edit(order);
        order.id = id;
        order.date_modified_gmt = now;
        if order.status == "completed" && order.date_completed_gmt.is_none() {
            order.date_completed_gmt = Some(now);
        }
        self.hooks.emit("order.updated", id);
        true
    }

    /// Maps a generator product id (or a numeric WooCommerce id) to a product id.
    pub fn product_id_of(&self, source: &str) -> Option<u64> {
        self.source_products
            .get(&ProductId::new(source))
            .copied()
            .or_else(|| {
                source
                    .parse()
                    .ok()
                    .filter(|id| self.products.contains_key(id))
            })
    }
}
