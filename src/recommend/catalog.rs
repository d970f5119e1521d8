//! The catalog as the recommender sees it: products in a dense index (sorted by id, so
//! the same products always get the same indices) with the few features the lists use.

use std::collections::{BTreeSet, HashMap};

use crate::model::{Product, ProductId};

use super::rules::Rules;

/// Dense index of a product within one compute.
pub type Item = u32;

/// Products and their features, indexed densely.
#[derive(Debug, Clone)]
pub struct Catalog {
    ids: Vec<ProductId>,
    index: HashMap<ProductId, Item>,
    /// Reference price as a float, `None` when the product has no variants.
    pub(crate) price: Vec<Option<f64>>,
    /// Interned product type; [`Catalog::UNTYPED`] when the product has none.
    pub(crate) type_id: Vec<u32>,
    /// Interned content tokens (title words, tags, vendor, type), sorted and unique.
    pub(crate) tokens: Vec<Vec<u32>>,
    /// Lower-cased tags, for exclusion rules.
    tags: Vec<BTreeSet<String>>,
    /// In stock and active.
    available: Vec<bool>,
    /// Available, not blocked and not carrying an excluded tag.
    pub(crate) eligible: Vec<bool>,
    type_count: usize,
    token_count: usize,
}

impl Catalog {
    /// Type id of products without a type.
    pub const UNTYPED: u32 = 0;

    /// Indexes `products`; later duplicates of an id replace earlier ones.
    #[must_use]
    pub fn new(products: &[Product], rules: &Rules) -> Self {
        let mut unique: Vec<&Product> = {
            let mut by_id: HashMap<&ProductId, &Product> = HashMap::with_capacity(products.len());
            for product in products {
                by_id.insert(&product.id, product);
            }
            by_id.into_values().collect()
        };
        unique.sort_unstable_by(|a, b| a.id.cmp(&b.id));

        let mut types = Interner::with_first("");
        let mut words = Interner::default();
        let mut catalog = Self {
            ids: Vec::with_capacity(unique.len()),
            index: HashMap::with_capacity(unique.len()),
            price: Vec::with_capacity(unique.len()),
            type_id: Vec::with_capacity(unique.len()),
            tokens: Vec::with_capacity(unique.len()),
            tags: Vec::with_capacity(unique.len()),
            available: Vec::with_capacity(unique.len()),
            eligible: Vec::new(),
            type_count: 0,
            token_count: 0,
        };
        for (i, product) in unique.into_iter().enumerate() {
            catalog.index.insert(product.id.clone(), i as Item);
            catalog.ids.push(product.id.clone());
            catalog
                .price
                .push(product.reference_price().map(crate::model::Money::as_f64));
            catalog
                .type_id
                .push(types.intern(&product.product_type.trim().to_lowercase()));
            let mut tokens: Vec<u32> = content_tokens(product)
                .iter()
                .map(|t| words.intern(t))
                .collect();
            tokens.sort_unstable();
            tokens.dedup();
            catalog.tokens.push(tokens);
            catalog.tags.push(
                product
                    .tags
                    .iter()
                    .map(|t| t.trim().to_lowercase())
                    .collect(),
            );
            catalog.available.push(product.is_available());
        }
        catalog.type_count = types.len();
        catalog.token_count = words.len();
        catalog.apply_rules(rules);
        catalog
    }

    /// Recomputes which items may be recommended under `rules`.
    pub fn apply_rules(&mut self, rules: &Rules) {
        let excluded = rules.excluded_tags();
        self.eligible = (0..self.len())
            .map(|i| {
                self.available[i]
                    && !rules.blocks_item(&self.ids[i])
                    && self.tags[i].intersection(&excluded).next().is_none()
            })
            .collect();
    }

    /// Number of products.
    #[must_use]
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether there are no products.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The dense index of a product id.
    #[must_use]
    pub fn item(&self, id: &ProductId) -> Option<Item> {
        self.index.get(id).copied()
    }

    /// The product id of a dense index.
    #[must_use]
    pub fn id(&self, item: Item) -> &ProductId {
        &self.ids[item as usize]
    }

    /// All product ids, in index order.
    #[must_use]
    pub fn ids(&self) -> &[ProductId] {
        &self.ids
    }

    /// Whether the item may appear on any list.
    #[must_use]
    pub fn is_eligible(&self, item: Item) -> bool {
        self.eligible[item as usize]
    }

    /// The item's reference price.
    #[must_use]
    pub fn price(&self, item: Item) -> Option<f64> {
        self.price[item as usize]
    }

    /// Whether both items have the same, non-empty type.
    #[must_use]
    pub fn same_type(&self, a: Item, b: Item) -> bool {
        let (ta, tb) = (self.type_id[a as usize], self.type_id[b as usize]);
        ta == tb && ta != Self::UNTYPED
    }

    /// Number of distinct types, the untyped one included.
    #[must_use]
    pub fn type_count(&self) -> usize {
        self.type_count
    }

    /// Number of distinct content tokens.
    #[must_use]
    pub fn token_count(&self) -> usize {
        self.token_count
    }
}

/// Words that say what a product is: title words, tags, vendor and type, each in its
/// own namespace so a vendor called "Red" does not match red items.
fn content_tokens(product: &Product) -> Vec<String> {
    let mut tokens: Vec<String> = product
        .title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 2 && !w.chars().all(char::is_numeric))
        .map(str::to_lowercase)
        .collect();
    tokens.extend(
        product
            .tags
            .iter()
            .map(|t| format!("tag:{}", t.trim().to_lowercase())),
    );
    if !product.vendor.trim().is_empty() {
        tokens.push(format!("vendor:{}", product.vendor.trim().to_lowercase()));
    }
    tokens
}

/// Maps strings to dense ids in first-seen order.
#[derive(Default)]
struct Interner {
    ids: HashMap<String, u32>,
}

impl Interner {
    fn with_first(first: &str) -> Self {
        let mut interner = Self::default();
        interner.intern(first);
        interner
    }

    fn intern(&mut self, text: &str) -> u32 {
        let next = self.ids.len() as u32;
        *self.ids.entry(text.to_owned()).or_insert(next)
    }

    fn len(&self) -> usize {
        self.ids.len()
    }
}
