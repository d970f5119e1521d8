//! What the admin pages and the JSON API show, assembled once from the store and the
//! status board: the HTML templates render these structs and the API serialises them,
//! so the two can never tell different stories.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::ShopEndpoint;
use crate::model::{Link, ListKind, Money, Product, ProductId, ProductRecs};
use crate::recommend::rules::{Rule, Rules};
use crate::store::{ShopStore, StoreError};
use crate::sync::connect::ApiUsage;
use crate::sync::status::{ShopError, ShopStatus};

/// One shop on the overview.
#[derive(Clone, Debug, Serialize)]
pub struct ShopSummary {
    /// The configured name.
    pub name: String,
    /// `shopify` or `woocommerce`.
    pub platform: &'static str,
    /// What its pipeline is doing.
    pub phase: &'static str,
    /// Why it is stopped, if it is.
    pub halted: Option<String>,
    /// Failed passes in a row.
    pub failures: u32,
    /// Seconds since the last successful pull.
    pub sync_lag_seconds: Option<f64>,
    /// Last successful pull.
    pub last_pull: Option<DateTime<Utc>>,
    /// Last successful push.
    pub last_push: Option<DateTime<Utc>>,
    /// Products in the store.
    pub products: usize,
    /// Orders counted.
    pub orders: usize,
    /// Webhook jobs waiting.
    pub queue: usize,
    /// Platform API use (Shopify points, requests, throttles).
    pub usage: ApiUsage,
    /// Fields written to the platform since start.
    pub fields_written: u64,
    /// The latest errors, newest last.
    pub errors: Vec<ShopError>,
}

impl ShopSummary {
    /// From the board's entry and the shop's store.
    #[must_use]
    pub fn new(name: &str, status: &ShopStatus, endpoint: Option<&ShopEndpoint>) -> Self {
        let (products, orders) = match endpoint {
            Some(e) if status.products == 0 => (e.store.product_count(), e.store.order_count()),
            _ => (status.products, status.orders),
        };
        Self {
            name: name.to_owned(),
            platform: status.platform,
            phase: status.phase.as_str(),
            halted: status.halted.clone(),
            failures: status.failures,
            sync_lag_seconds: status.sync_lag(Utc::now()),
            last_pull: status.last_pull,
            last_push: status.last_push,
            products,
            orders,
            queue: endpoint.map_or(0, |e| e.store.job_count()),
            usage: status.usage,
            fields_written: status.fields_written,
            errors: status.errors.iter().cloned().collect(),
        }
    }

    /// The lag in words.
    #[must_use]
    pub fn lag_text(&self) -> String {
        self.sync_lag_seconds
            .map_or_else(|| "not synced yet".to_owned(), |s| format!("{s:.0} s"))
    }
}

/// A product as a line: id, title, price, image.
#[derive(Clone, Debug, Serialize)]
pub struct ItemRef {
    /// Platform id.
    pub id: ProductId,
    /// Title, or the id when the product is not in the store.
    pub title: String,
    /// Reference price.
    pub price: Option<String>,
    /// The main image's URL, when it has one on http(s).
    pub image_url: Option<String>,
    /// Whether the product is in the store.
    pub known: bool,
}

impl ItemRef {
    /// Looks `id` up in `store`.
    #[must_use]
    pub fn lookup(store: &ShopStore, id: &ProductId) -> Self {
        match store.get_product(id).ok().flatten() {
            Some(product) => Self::of(&product),
            None => Self {
                id: id.clone(),
                title: id.to_string(),
                price: None,
                image_url: None,
                known: false,
            },
        }
    }

    /// From a stored product.
    #[must_use]
    pub fn of(product: &Product) -> Self {
        Self {
            id: product.id.clone(),
            title: product.title.clone(),
            price: product.reference_price().map(|p| p.to_string()),
            image_url: web_image(product),
            known: true,
        }
    }
}

/// `product`'s image URL if it is one a page may show: only `http(s)://`, so a
/// platform value such as `javascript:` or `data:` never reaches an `src`.
#[must_use]
pub fn web_image(product: &Product) -> Option<String> {
    product
        .image_url
        .clone()
        .filter(|url| url.starts_with("https://") || url.starts_with("http://"))
}

/// One recommended item with its evidence.
#[derive(Clone, Debug, Serialize)]
pub struct LinkView {
    /// The recommended product.
    pub item: ItemRef,
    /// Ranking score within its list.
    pub score: f64,
    /// The reason in words.
    pub reason: String,
    /// The figures behind the reason.
    pub explanation: crate::model::Explanation,
}

/// One list of a product.
#[derive(Clone, Debug, Serialize)]
pub struct ListView {
    /// `cross_sell`, `upsell`, `downsell` or `related`.
    pub kind: &'static str,
    /// Best first.
    pub links: Vec<LinkView>,
}

/// One bundle offer.
#[derive(Clone, Debug, Serialize)]
pub struct BundleView {
    /// The anchor first.
    pub items: Vec<ItemRef>,
    /// Orders holding every item (recency-weighted).
    pub co_orders: f64,
    /// Sum of the items' prices.
    pub full_price: String,
    /// Discount offered, percent.
    pub discount_percent: f64,
    /// Price with the discount.
    pub bundle_price: String,
}

/// What we last wrote to one field of the product on the platform.
#[derive(Clone, Debug, Serialize)]
pub struct WrittenView {
    /// The field (metafield key or WooCommerce field).
    pub field: String,
    /// The value as written: what the platform held when it acknowledged the write.
    pub items: Vec<ItemRef>,
    /// When the write was acknowledged.
    pub written_at: DateTime<Utc>,
}

/// A merchant rule, with its words.
#[derive(Clone, Debug, Serialize)]
pub struct RuleView {
    /// The rule as stored (and as the API takes it back to remove it).
    pub rule: Rule,
    /// In words, with product titles.
    pub text: String,
    /// The rule as a form value, for the remove button.
    pub encoded: String,
}

impl RuleView {
    /// Describes `rule` with the titles found in `store`.
    #[must_use]
    pub fn new(store: &ShopStore, rule: &Rule) -> Self {
        let title = |id: &ProductId| format!("“{}”", ItemRef::lookup(store, id).title);
        let text = match rule {
            Rule::Pin { anchor, kind, item } => {
                format!(
                    "pin {} on the {} list of {}",
                    title(item),
                    kind,
                    title(anchor)
                )
            }
            Rule::BlockItem { item } => format!("never recommend {}", title(item)),
            Rule::BlockPair { a, b } => {
                format!("never recommend {} and {} together", title(a), title(b))
            }
            Rule::ExcludeTag { tag } => format!("never recommend products tagged “{tag}”"),
            Rule::MaxLength { kind, length } => {
                format!("at most {length} items on {kind} lists")
            }
        };
        Self {
            rule: rule.clone(),
            text,
            encoded: serde_json::to_string(rule).unwrap_or_default(),
        }
    }

    /// Whether `rule` changes the lists of `product` or where it may appear.
    #[must_use]
    pub fn affects(rule: &Rule, product: &Product) -> bool {
        match rule {
            Rule::Pin { anchor, item, .. } => *anchor == product.id || *item == product.id,
            Rule::BlockItem { item } => *item == product.id,
            Rule::BlockPair { a, b } => *a == product.id || *b == product.id,
            Rule::ExcludeTag { tag } => product
                .tags
                .iter()
                .any(|t| t.trim().eq_ignore_ascii_case(tag.trim())),
            Rule::MaxLength { .. } => true,
        }
    }
}

/// Everything about one product.
#[derive(Clone, Debug, Serialize)]
pub struct ProductDetail {
    /// The shop.
    pub shop: String,
    /// The product.
    pub product: ItemRef,
    /// Handle, vendor, type and tags.
    pub handle: String,
    /// Brand or vendor.
    pub vendor: String,
    /// Type or main category.
    pub product_type: String,
    /// Merchant tags.
    pub tags: Vec<String>,
    /// Publication state.
    pub status: crate::model::ProductStatus,
    /// Whether lists were computed for it.
    pub computed: bool,
    /// In the holdout: nothing is written for it, so lift can be measured.
    pub holdout: bool,
    /// Each list kind, best first (empty lists included).
    pub lists: Vec<ListView>,
    /// Bundle offers.
    pub bundles: Vec<BundleView>,
    /// Typical units per order, when people buy it in multiples.
    pub volume: Option<crate::model::VolumeHint>,
    /// Re-buy cycle.
    pub replenishment: Option<crate::model::Replenishment>,
    /// What the platform holds, as of our last write to each field.
    pub platform: Vec<WrittenView>,
    /// Merchant rules that touch it.
    pub rules: Vec<RuleView>,
}

impl ProductDetail {
    /// The product `id` of `shop`, or `None` when the store does not have it.
    pub fn load(shop: &str, store: &ShopStore, id: &ProductId) -> Result<Option<Self>, StoreError> {
        let Some(product) = store.get_product(id)? else {
            return Ok(None);
        };
        let recs = store.get_recs(id)?;
        let computed = recs.is_some();
        let recs = recs.unwrap_or_default();
        let rules = store.rules()?;
        Ok(Some(Self {
            shop: shop.to_owned(),
            product: ItemRef::of(&product),
            handle: product.handle.clone(),
            vendor: product.vendor.clone(),
            product_type: product.product_type.clone(),
            tags: product.tags.clone(),
            status: product.status,
            computed,
            holdout: recs.holdout,
            lists: lists(store, &recs),
            bundles: bundles(store, &recs),
            volume: recs.volume.clone(),
            replenishment: recs.replenishment.clone(),
            platform: written(store, id)?,
            rules: affecting(store, &rules, &product),
        }))
    }
}

fn link_view(store: &ShopStore, link: &Link) -> LinkView {
    LinkView {
        item: ItemRef::lookup(store, &link.product),
        score: link.score,
        reason: link.why.describe(),
        explanation: link.why.clone(),
    }
}

fn lists(store: &ShopStore, recs: &ProductRecs) -> Vec<ListView> {
    ListKind::ALL
        .iter()
        .map(|&kind| ListView {
            kind: kind.as_str(),
            links: recs
                .list(kind)
                .iter()
                .map(|link| link_view(store, link))
                .collect(),
        })
        .collect()
}

fn bundles(store: &ShopStore, recs: &ProductRecs) -> Vec<BundleView> {
    recs.bundles
        .iter()
        .map(|bundle| BundleView {
            items: bundle
                .items
                .iter()
                .map(|id| ItemRef::lookup(store, id))
                .collect(),
            co_orders: bundle.co_orders,
            full_price: money(bundle.full_price),
            discount_percent: bundle.discount_percent,
            bundle_price: money(bundle.bundle_price),
        })
        .collect()
}

fn written(store: &ShopStore, id: &ProductId) -> Result<Vec<WrittenView>, StoreError> {
    Ok(store
        .written_for(id)?
        .into_iter()
        .map(|(field, record)| WrittenView {
            field,
            items: record
                .ids
                .iter()
                .map(|raw| ItemRef::lookup(store, &ProductId::new(raw.clone())))
                .collect(),
            written_at: record.written_at,
        })
        .collect())
}

fn affecting(store: &ShopStore, rules: &Rules, product: &Product) -> Vec<RuleView> {
    rules
        .iter()
        .filter(|rule| RuleView::affects(rule, product))
        .map(|rule| RuleView::new(store, rule))
        .collect()
}

fn money(amount: Money) -> String {
    amount.to_string()
}
