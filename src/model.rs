//! Platform-neutral data: what a shop sells, what its customers bought, and what we
//! recommend. Shopify and WooCommerce map their wire types into these; the store keeps
//! them; the recommender reads them. Nothing here knows about HTTP or sled.

use std::fmt::{self, Write as _};

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// Declares an opaque string id. Platform ids (Shopify GIDs, WooCommerce numbers) are
/// stored and sent back exactly as received, never parsed or rebuilt.
macro_rules! opaque_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            /// Wraps a platform id as received.
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            /// The id exactly as the platform gave it.
            #[must_use]
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_owned())
            }
        }
    };
}

opaque_id!(
    /// A product's platform id.
    ProductId
);
opaque_id!(
    /// A variant's (Shopify) or variation's (WooCommerce) platform id.
    VariantId
);
opaque_id!(
    /// An order's platform id.
    OrderId
);

/// An amount of the shop's currency in ten-thousandths of a unit, so that prices given
/// as decimal strings ("19.99", "0.125") are kept exactly and summed without float drift.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Money(pub i64);

/// Why a price string could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("not a price: {0:?} (expected a decimal such as \"19.99\")")]
pub struct BadPrice(pub String);

impl Money {
    /// Ten-thousandths per currency unit.
    pub const SCALE: i64 = 10_000;

    /// Reads a decimal string such as `"19.99"`, `"-3"` or `"0.125"`. More than four
    /// decimals are rounded half away from zero.
    pub fn parse(text: &str) -> Result<Self, BadPrice> {
        let bad = || BadPrice(text.to_owned());
        let trimmed = text.trim();
        let (negative, digits) = match trimmed.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, trimmed.strip_prefix('+').unwrap_or(trimmed)),
        };
        let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if (whole.is_empty() && frac.is_empty()) || !all_digits(whole) || !all_digits(frac) {
            return Err(bad());
        }
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| bad())?
        };
        let mut scaled = whole.checked_mul(Self::SCALE).ok_or_else(bad)?;
        let mut unit = Self::SCALE;
        for (i, b) in frac.bytes().enumerate() {
            let digit = i64::from(b - b'0');
            if i < 4 {
                unit /= 10;
                scaled = scaled.checked_add(digit * unit).ok_or_else(bad)?;
            } else {
                if i == 4 && digit >= 5 {
                    scaled = scaled.checked_add(1).ok_or_else(bad)?;
                }
                break;
            }
        }
        Ok(Self(if negative { -scaled } else { scaled }))
    }

    /// The amount as a float, for ratios and display only.
    #[must_use]
    pub fn as_f64(self) -> f64 {
        self.0 as f64 / Self::SCALE as f64
    }

    /// Rounds a float amount to the nearest ten-thousandth.
    #[must_use]
    pub fn from_f64(amount: f64) -> Self {
        Self((amount * Self::SCALE as f64).round() as i64)
    }
}

impl fmt::Display for Money {
    /// Two decimals, more only when the amount needs them (`19.99`, `0.125`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let scale = Self::SCALE.unsigned_abs();
        let (whole, frac) = (abs / scale, abs % scale);
        if frac % 100 == 0 {
            write!(f, "{sign}{whole}.{:02}", frac / 100)
        } else {
            let digits = format!("{frac:04}");
            write!(f, "{sign}{whole}.{}", digits.trim_end_matches('0'))
        }
    }
}

/// Whether a product may be shown and sold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProductStatus {
    /// Published and purchasable (Shopify ACTIVE, WooCommerce publish).
    Active,
    /// Not yet published (Shopify DRAFT, WooCommerce draft/pending/private).
    Draft,
    /// Withdrawn (Shopify ARCHIVED, WooCommerce trash).
    Archived,
}

/// One purchasable version of a product (a Shopify variant, a WooCommerce variation, or
/// the single implicit version of a simple product).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Variant {
    /// Platform id, as received.
    pub id: VariantId,
    /// Variant title such as "Large / Blue"; empty for a simple product.
    pub title: String,
    /// Stock keeping unit, when the merchant set one.
    pub sku: Option<String>,
    /// Current selling price.
    pub price: Money,
    /// The "was" price shown struck through, when set.
    pub compare_at_price: Option<Money>,
    /// Whether it can be bought now (in stock, or backorders allowed).
    pub available: bool,
    /// Units on hand when the platform tracks inventory.
    pub inventory_quantity: Option<i64>,
}

/// A product as the recommender and admin see it, whatever platform it came from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Product {
    /// Platform id, as received.
    pub id: ProductId,
    /// Display title.
    pub title: String,
    /// URL handle (Shopify handle, WooCommerce slug).
    pub handle: String,
    /// Type or main category: complements cross categories, substitutes stay within one.
    pub product_type: String,
    /// Merchant tags (and WooCommerce categories beyond the first), used for content
    /// similarity and tag exclusion rules.
    pub tags: Vec<String>,
    /// Brand or vendor.
    pub vendor: String,
    /// Publication state.
    pub status: ProductStatus,
    /// Purchasable versions; a simple product has exactly one.
    pub variants: Vec<Variant>,
    /// Last change on the platform, for incremental sync.
    pub updated_at: DateTime<Utc>,
    /// The main image's URL (Shopify's featured media, WooCommerce's first image), shown
    /// beside the product in the admin; not used for ranking.
    pub image_url: Option<String>,
}

impl Product {
    /// Lowest and highest variant price, or `None` for a product without variants.
    #[must_use]
    pub fn price_range(&self) -> Option<(Money, Money)> {
        let prices = self.variants.iter().map(|v| v.price);
        Some((prices.clone().min()?, prices.max()?))
    }

    /// The price used for price rules: the cheapest variant a shopper can buy, else the
    /// cheapest variant at all.
    #[must_use]
    pub fn reference_price(&self) -> Option<Money> {
        let available = self
            .variants
            .iter()
            .filter(|v| v.available)
            .map(|v| v.price)
            .min();
        available.or_else(|| self.price_range().map(|(low, _)| low))
    }

    /// The highest compare-at price of any variant, when one is set above its price.
    #[must_use]
    pub fn compare_at_price(&self) -> Option<Money> {
        self.variants
            .iter()
            .filter_map(|v| v.compare_at_price.filter(|c| *c > v.price))
            .max()
    }

    /// Whether a shopper can buy it now: active, with at least one available variant.
    #[must_use]
    pub fn is_available(&self) -> bool {
        self.status == ProductStatus::Active && self.variants.iter().any(|v| v.available)
    }
}

/// An order's customer, keyed by a salted hash so no platform customer id, name or
/// email is ever stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CustomerHash(pub [u8; 16]);

impl CustomerHash {
    /// Hashes a platform customer key (an id, or for guests their billing email) with
    /// the install's secret salt: HMAC-SHA256, truncated to 128 bits.
    ///
    /// # Panics
    /// Never: HMAC accepts keys of any length.
    #[must_use]
    pub fn new(salt: &InstallSalt, customer_key: &str) -> Self {
        // HMAC accepts keys of any length, so this cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&salt.0).expect("any key length");
        mac.update(customer_key.trim().to_lowercase().as_bytes());
        let digest = mac.finalize().into_bytes();
        let mut out = [0u8; 16];
        out.copy_from_slice(&digest[..16]);
        Self(out)
    }
}

impl fmt::Display for CustomerHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

/// The per-install secret that customer ids are hashed with. Never logged.
#[derive(Clone, PartialEq, Eq)]
pub struct InstallSalt(pub [u8; 32]);

impl fmt::Debug for InstallSalt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("InstallSalt(<redacted>)")
    }
}

/// Order states that keep an order out of the purchase history.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderFlags {
    /// Cancelled by the merchant or customer.
    pub cancelled: bool,
    /// A test order (Shopify `test`, a WooCommerce status not counted as a sale).
    pub test: bool,
    /// Fully refunded.
    pub refunded: bool,
}

/// One line of an order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LineItem {
    /// The product bought (a WooCommerce variation is mapped to its parent).
    pub product: ProductId,
    /// The variant bought, when known.
    pub variant: Option<VariantId>,
    /// Units bought.
    pub quantity: u32,
    /// Price paid per unit.
    pub unit_price: Money,
}

/// A placed order, reduced to what recommendations need.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Order {
    /// Platform id, as received.
    pub id: OrderId,
    /// When it was placed.
    pub created_at: DateTime<Utc>,
    /// Salted hash of the customer, when the order has one.
    pub customer: Option<CustomerHash>,
    /// Cancelled, test and refunded orders do not count as purchases.
    pub flags: OrderFlags,
    /// What was bought.
    pub lines: Vec<LineItem>,
}

impl Order {
    /// Whether the order counts as a purchase for recommendations.
    #[must_use]
    pub fn counts_as_sale(&self) -> bool {
        !(self.flags.cancelled || self.flags.test || self.flags.refunded)
    }
}

/// The lists we compute for every product.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListKind {
    /// Complements bought together.
    CrossSell,
    /// A better, pricier version of the same kind of item.
    Upsell,
    /// A cheaper alternative of the same kind.
    Downsell,
    /// Similar items: content similarity blended with co-purchase.
    Related,
}

impl ListKind {
    /// Every kind, in display order.
    pub const ALL: [ListKind; 4] = [Self::CrossSell, Self::Upsell, Self::Downsell, Self::Related];

    /// The name used in config, the API and metafield keys.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CrossSell => "cross_sell",
            Self::Upsell => "upsell",
            Self::Downsell => "downsell",
            Self::Related => "related",
        }
    }
}

impl fmt::Display for ListKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a link came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkSource {
    /// Bought together more often than chance.
    CoPurchase,
    /// Cold start: the anchor has too little history, so a complement was taken from
    /// the categories its category is bought with.
    CategoryFallback,
    /// Same kind of item by title, tags and vendor (upsell, downsell, related).
    Content,
    /// Cold start with no category to go on: one of the shop's best-sellers.
    Popular,
    /// Put there by a merchant rule.
    Pinned,
}

/// Why an item is on a list: the evidence, kept so the admin can show it in words.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    /// How the link was found.
    pub source: LinkSource,
    /// Orders holding both items (recency-weighted).
    pub co_orders: f64,
    /// Orders holding the anchor (recency-weighted).
    pub anchor_orders: f64,
    /// Share of the anchor's orders that also hold the item.
    pub confidence: f64,
    /// How many times more often the pair is bought together than if the two were
    /// bought independently.
    pub lift: f64,
    /// Item price divided by anchor price.
    pub price_ratio: Option<f64>,
    /// Content similarity of title, tags, type and vendor, 0 to 1.
    pub similarity: f64,
}

impl Explanation {
    /// The reason in plain language, e.g. "bought together in 42 orders, 3.1× more
    /// often than chance; 12% cheaper".
    #[must_use]
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        match self.source {
            LinkSource::Pinned => parts.push("pinned by a merchant rule".to_owned()),
            LinkSource::CategoryFallback => {
                parts.push("often bought with items of this category".to_owned());
            }
            LinkSource::Popular => parts.push("a best-seller in this shop".to_owned()),
            LinkSource::Content => {
                parts.push(format!("{:.0}% similar", self.similarity * 100.0));
            }
            LinkSource::CoPurchase => {}
        }
        if self.co_orders >= 0.5 {
            let orders = self.co_orders.round();
            let noun = if (orders - 1.0).abs() < f64::EPSILON {
                "order"
            } else {
                "orders"
            };
            let mut text = format!("bought together in {orders} {noun}");
            if self.lift > 1.0 {
                let _ = write!(text, ", {:.1}× more often than chance", self.lift);
            }
            parts.push(text);
        }
        let mut out = parts.join("; ");
        if let Some(ratio) = self.price_ratio {
            let pct = ((ratio - 1.0) * 100.0).round();
            let price = if pct > 0.0 {
                format!("{pct:.0}% pricier")
            } else if pct < 0.0 {
                format!("{:.0}% cheaper", -pct)
            } else {
                "same price".to_owned()
            };
            if !out.is_empty() {
                out.push_str("; ");
            }
            out.push_str(&price);
        }
        out
    }
}

/// One recommended item on an anchor's list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Link {
    /// The recommended product.
    pub product: ProductId,
    /// Ranking score within the list (higher first); comparable within one kind.
    pub score: f64,
    /// Why it is there.
    pub why: Explanation,
}

/// A small set of items bought together, offered as one with a discount.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bundle {
    /// The anchor first, then its partners.
    pub items: Vec<ProductId>,
    /// Orders that held every item (recency-weighted).
    pub co_orders: f64,
    /// Sum of the items' reference prices.
    pub full_price: Money,
    /// Suggested discount in percent.
    pub discount_percent: f64,
    /// `full_price` less the discount, rounded to the cent.
    pub bundle_price: Money,
}

/// Typical quantity per order, for items people buy in multiples.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VolumeHint {
    /// Median units per order line.
    pub typical_quantity: u32,
    /// Share of orders that bought more than one unit.
    pub multi_unit_share: f64,
    /// Orders the figures rest on.
    pub orders: u32,
}

/// How often the same customer buys the item again.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Replenishment {
    /// Median days between consecutive purchases by the same customer.
    pub median_days: f64,
    /// Customers who bought it more than once.
    pub repeat_customers: u32,
    /// Repeat intervals observed.
    pub intervals: u32,
}

/// Everything computed for one product.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ProductRecs {
    /// Complements bought together.
    pub cross_sell: Vec<Link>,
    /// Pricier versions of the same kind.
    pub upsell: Vec<Link>,
    /// Cheaper versions of the same kind.
    pub downsell: Vec<Link>,
    /// Similar items.
    pub related: Vec<Link>,
    /// Sets to offer together.
    pub bundles: Vec<Bundle>,
    /// Typical quantity, when people buy it in multiples.
    pub volume: Option<VolumeHint>,
    /// Re-buy cycle, when customers come back for it.
    pub replenishment: Option<Replenishment>,
    /// In the holdout: nothing is written for it, so lift can be measured.
    pub holdout: bool,
}

impl ProductRecs {
    /// The list of one kind.
    #[must_use]
    pub fn list(&self, kind: ListKind) -> &[Link] {
        match kind {
            ListKind::CrossSell => &self.cross_sell,
            ListKind::Upsell => &self.upsell,
            ListKind::Downsell => &self.downsell,
            ListKind::Related => &self.related,
        }
    }

    /// The list of one kind, for rules that edit it.
    pub fn list_mut(&mut self, kind: ListKind) -> &mut Vec<Link> {
        match kind {
            ListKind::CrossSell => &mut self.cross_sell,
            ListKind::Upsell => &mut self.upsell,
            ListKind::Downsell => &mut self.downsell,
            ListKind::Related => &mut self.related,
        }
    }

    /// Links over every list kind (bundle partners counted once per bundle item).
    #[must_use]
    pub fn link_count(&self) -> usize {
        let links: usize = ListKind::ALL.iter().map(|&k| self.list(k).len()).sum();
        links
            + self
                .bundles
                .iter()
                .map(|b| b.items.len().saturating_sub(1))
                .sum::<usize>()
    }

    /// Whether anything at all was computed for the product.
    #[must_use]
    pub fn has_lists(&self) -> bool {
        self.link_count() > 0 || self.volume.is_some() || self.replenishment.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_parses_decimal_strings_exactly() {
        assert_eq!(Money::parse("19.99"), Ok(Money(199_900)));
        assert_eq!(Money::parse("3"), Ok(Money(30_000)));
        assert_eq!(Money::parse("-11062.06"), Ok(Money(-110_620_600)));
        assert_eq!(Money::parse("0.125"), Ok(Money(1_250)));
        assert_eq!(Money::parse(".5"), Ok(Money(5_000)));
        assert_eq!(Money::parse("1.23456"), Ok(Money(12_346)));
        assert!(Money::parse("").is_err());
        assert!(Money::parse("12,50").is_err());
        assert!(Money::parse("1e3").is_err());
        assert!(Money::parse("99999999999999999999").is_err());
    }

    #[test]
    fn money_displays_two_decimals_unless_more_are_needed() {
        assert_eq!(Money(199_900).to_string(), "19.99");
        assert_eq!(Money(30_000).to_string(), "3.00");
        assert_eq!(Money(1_250).to_string(), "0.125");
        assert_eq!(Money(-5_000).to_string(), "-0.50");
    }

    #[test]
    fn customer_hash_depends_on_salt_and_ignores_case_and_spaces() {
        let a = InstallSalt([1; 32]);
        let b = InstallSalt([2; 32]);
        assert_eq!(
            CustomerHash::new(&a, "Ann@Example.com "),
            CustomerHash::new(&a, "ann@example.com")
        );
        assert_ne!(
            CustomerHash::new(&a, "17850"),
            CustomerHash::new(&b, "17850")
        );
        assert_ne!(
            CustomerHash::new(&a, "17850"),
            CustomerHash::new(&a, "17851")
        );
        assert!(!format!("{a:?}").contains('1'));
    }

    #[test]
    fn explanation_reads_like_the_admin_shows_it() {
        let why = Explanation {
            source: LinkSource::CoPurchase,
            co_orders: 42.2,
            anchor_orders: 100.0,
            confidence: 0.42,
            lift: 3.1,
            price_ratio: Some(0.88),
            similarity: 0.0,
        };
        assert_eq!(
            why.describe(),
            "bought together in 42 orders, 3.1× more often than chance; 12% cheaper"
        );
    }
}
