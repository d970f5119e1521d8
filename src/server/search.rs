//! Product search for the admin: an in-memory index per shop, kept current from the
//! store's change feed, so a search over 100k products is a scan of short lower-cased
//! strings in memory (a few milliseconds) instead of decoding every stored product.
//!
//! The index is built on first use: it subscribes to the products tree first and then
//! reads it, so no change between the two is missed (a change seen twice is applied
//! twice, which is harmless). A thread per shop applies the feed.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

use crate::model::{Money, Product, ProductId, ProductStatus};
use crate::store::ShopStore;

use super::views::web_image;

/// What a search result shows.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Hit {
    /// The platform id.
    pub id: ProductId,
    /// Display title.
    pub title: String,
    /// URL handle.
    pub handle: String,
    /// SKUs of its variants.
    pub skus: Vec<String>,
    /// Reference price, if it has variants.
    pub price: Option<Money>,
    /// Publication state.
    pub status: ProductStatus,
    /// The main image, when it has one a page may show.
    pub image_url: Option<String>,
}

/// One page of results.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Page {
    /// Every product that matched.
    pub total: usize,
    /// 1-based page number.
    pub page: usize,
    /// Results per page.
    pub per_page: usize,
    /// This page's results, by title then id.
    pub hits: Vec<Hit>,
}

impl Page {
    /// Whether a further page exists.
    #[must_use]
    pub fn has_next(&self) -> bool {
        self.page * self.per_page < self.total
    }
}

/// Sort key: lower-cased title, then id.
type Key = (String, ProductId);

#[derive(Default)]
struct Entries {
    /// Hits in title order, with the lower-cased text a query is matched against.
    by_title: BTreeMap<Key, (String, Hit)>,
    /// Where each product sits in `by_title`.
    keys: HashMap<ProductId, Key>,
}

impl Entries {
    fn upsert(&mut self, product: &Product) {
        self.remove(&product.id);
        let key = (product.title.to_lowercase(), product.id.clone());
        let hit = Hit {
            id: product.id.clone(),
            title: product.title.clone(),
            handle: product.handle.clone(),
            skus: product
                .variants
                .iter()
                .filter_map(|v| v.sku.clone())
                .filter(|s| !s.is_empty())
                .collect(),
            price: product.reference_price(),
            status: product.status,
            image_url: web_image(product),
        };
        let haystack = format!(
            "{}\n{}\n{}\n{}",
            key.0,
            hit.handle.to_lowercase(),
            hit.skus.join("\n").to_lowercase(),
            hit.id.as_str().to_lowercase()
        );
        self.keys.insert(product.id.clone(), key.clone());
        self.by_title.insert(key, (haystack, hit));
    }

    fn remove(&mut self, id: &ProductId) {
        if let Some(key) = self.keys.remove(id) {
            self.by_title.remove(&key);
        }
    }
}

/// One shop's index.
#[derive(Clone, Default)]
pub struct ProductIndex {
    entries: Arc<RwLock<Entries>>,
}

impl ProductIndex {
    /// Builds the index from `store` and keeps it current on a thread of its own.
    #[must_use]
    pub fn follow(store: &ShopStore) -> Self {
        let index = Self::default();
        let feed = store.watch_products();
        {
            let mut entries = index.write();
            for product in store.products().filter_map(Result::ok) {
                entries.upsert(&product);
            }
        }
        let follower = index.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("search-{}", store.name()))
            .spawn(move || {
                for (id, product) in feed {
                    let mut entries = follower.write();
                    match product {
                        Some(product) => entries.upsert(&product),
                        None => entries.remove(&id),
                    }
                }
            });
        if let Err(error) = spawned {
            tracing::warn!(error = %error, "search index will not follow changes");
        }
        index
    }

    /// An index of exactly `products` (for tests and benchmarks).
    #[must_use]
    pub fn of<'a>(products: impl IntoIterator<Item = &'a Product>) -> Self {
        let index = Self::default();
        {
            let mut entries = index.write();
            for product in products {
                entries.upsert(product);
            }
        }
        index
    }

    /// Products whose title, handle, a SKU or id contain every word of `query`
    /// (case-insensitive), by title; page `page` (1-based) of `per_page`.
    #[must_use]
    pub fn search(&self, query: &str, page: usize, per_page: usize) -> Page {
        let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
        let (page, per_page) = (page.max(1), per_page.clamp(1, 200));
        let skip = (page - 1).saturating_mul(per_page);
        let entries = self
            .entries
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut total = 0;
        let mut hits = Vec::new();
        for (haystack, hit) in entries.by_title.values() {
            if words.iter().all(|w| haystack.contains(w.as_str())) {
                if total >= skip && hits.len() < per_page {
                    hits.push(hit.clone());
                }
                total += 1;
            }
        }
        Page {
            total,
            page,
            per_page,
            hits,
        }
    }

    /// Products indexed.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .keys
            .len()
    }

    /// Whether nothing is indexed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Entries> {
        self.entries
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::catalog::{generate, ShopSpec};
    use crate::store::Store;

    #[test]
    fn every_word_must_match_title_handle_sku_or_id_and_results_page_by_title() {
        let data = generate(&ShopSpec::new(7, 300, 0));
        let index = ProductIndex::of(&data.products);
        let all = index.search("", 1, 1_000);
        assert_eq!(all.total, 300);
        let titles: Vec<String> = all.hits.iter().map(|h| h.title.to_lowercase()).collect();
        assert!(titles.windows(2).all(|w| w[0] <= w[1]), "sorted by title");

        let target = &data.products[17];
        let word = target
            .title
            .split_whitespace()
            .next()
            .unwrap()
            .to_uppercase();
        let by_word = index.search(&word, 1, 1_000);
        assert!(by_word.hits.iter().any(|h| h.id == target.id));
        assert!(by_word
            .hits
            .iter()
            .all(|h| format!("{} {} {}", h.title, h.handle, h.id.as_str())
                .to_lowercase()
                .contains(&word.to_lowercase())
                || h.skus
                    .iter()
                    .any(|s| s.to_lowercase().contains(&word.to_lowercase()))));
        let by_id = index.search(target.id.as_str(), 1, 10);
        assert_eq!(by_id.hits[0].id, target.id);
        let by_handle = index.search(&target.handle, 1, 10);
        assert!(by_handle.hits.iter().any(|h| h.id == target.id));
        assert_eq!(index.search("no-such-words zzzz", 1, 10).total, 0);

        let page2 = index.search("", 2, 25);
        assert_eq!(page2.hits, all.hits[25..50].to_vec());
        assert!(page2.has_next());
        assert!(!index.search("", 12, 25).has_next());
    }

    #[test]
    fn hits_carry_web_images_only() {
        let data = generate(&ShopSpec::new(5, 3, 0));
        let mut products = data.products;
        products[0].image_url = Some("https://cdn.example/a.jpg".to_owned());
        products[1].image_url = Some("javascript:alert(1)".to_owned());
        products[2].image_url = None;
        let index = ProductIndex::of(&products);
        let image = |i: usize| {
            index.search(products[i].id.as_str(), 1, 1).hits[0]
                .image_url
                .clone()
        };
        assert_eq!(image(0).as_deref(), Some("https://cdn.example/a.jpg"));
        assert_eq!(image(1), None, "a script URL never reaches a page");
        assert_eq!(image(2), None);
    }

    #[test]
    fn the_index_follows_the_store() {
        let store = Store::open_temporary().unwrap();
        let shop = store.shop("s").unwrap();
        let data = generate(&ShopSpec::new(3, 20, 0));
        shop.put_product(&data.products[0]).unwrap();
        let index = ProductIndex::follow(&shop);
        assert_eq!(index.len(), 1);
        let mut renamed = data.products[1].clone();
        renamed.title = "Zebra Striped Teapot".to_owned();
        shop.put_product(&renamed).unwrap();
        shop.remove_product(&data.products[0].id).unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while index.search("zebra teapot", 1, 10).total != 1 || index.len() != 1 {
            assert!(std::time::Instant::now() < deadline, "index did not follow");
            std::thread::yield_now();
        }
        assert_eq!(index.search("zebra", 1, 10).hits[0].id, renamed.id);
    }
}
