//! A synthetic shop, deterministic from a seed, with structure planted in it so tests
//! can check that the recommender finds it:
//!
//! - departments, each with main categories holding one good/better/best **tier
//!   ladder** (same type, prices ×1.5 per step: true substitutes, rarely in one order);
//! - an accessories category whose items are the **true complements** of particular
//!   ladders (bought with them half the time);
//! - a refills category whose items some customers re-buy on a **planted cycle**;
//! - filler items, random **noise** items in most orders, a few very large
//!   **wholesale** baskets, and **draft** and **out-of-stock** products (some of them
//!   planted complements) that must never be recommended.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, TimeZone, Utc};
use rand::distributions::{Distribution, WeightedIndex};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::model::{
    CustomerHash, InstallSalt, LineItem, Link, Money, Order, OrderFlags, OrderId, Product,
    ProductId, ProductStatus, Variant, VariantId,
};

/// Size and seed of a synthetic shop.
#[derive(Clone, Debug)]
pub struct ShopSpec {
    /// Same seed, same shop.
    pub seed: u64,
    /// Approximate number of products (rounded to whole departments of 50).
    pub products: usize,
    /// Number of orders.
    pub orders: usize,
    /// First order date; orders spread over `days` from here.
    pub start: DateTime<Utc>,
    /// Days the order history spans.
    pub days: u32,
}

impl ShopSpec {
    /// A shop of the given size over the year 2025.
    #[must_use]
    pub fn new(seed: u64, products: usize, orders: usize) -> Self {
        Self {
            seed,
            products,
            orders,
            start: Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap(),
            days: 365,
        }
    }
}

/// What was planted, for tests to check against.
#[derive(Clone, Debug, Default)]
pub struct PlantedTruth {
    /// Each ladder product's true complements (every tier of a ladder shares them).
    pub complements: BTreeMap<ProductId, BTreeSet<ProductId>>,
    /// Tier ladders, cheapest first.
    pub ladders: Vec<Vec<ProductId>>,
    /// Refills and the cycle, in days, on which subscribers re-buy them.
    pub cycles: BTreeMap<ProductId, f64>,
    /// Draft or out-of-stock products.
    pub unavailable: BTreeSet<ProductId>,
}

impl PlantedTruth {
    /// Mean share of each anchor's first `k` cross-sells that are its available planted
    /// complements, over the available anchors with at least `k` available complements;
    /// returns the precision and the number of anchors judged. `cross_sell` gives an
    /// anchor's list.
    pub fn cross_sell_precision<'a>(
        &self,
        k: usize,
        cross_sell: impl Fn(&ProductId) -> &'a [Link],
    ) -> (f64, usize) {
        let mut sum = 0.0;
        let mut anchors = 0;
        for (anchor, complements) in &self.complements {
            let available: BTreeSet<&ProductId> = complements
                .iter()
                .filter(|c| !self.unavailable.contains(*c))
                .collect();
            if self.unavailable.contains(anchor) || available.len() < k {
                continue;
            }
            let hits = cross_sell(anchor)
                .iter()
                .take(k)
                .filter(|l| available.contains(&l.product))
                .count();
            sum += hits as f64 / k as f64;
            anchors += 1;
        }
        (sum / anchors.max(1) as f64, anchors)
    }
}

/// A generated shop.
#[derive(Clone, Debug)]
pub struct SyntheticShop {
    /// The catalog.
    pub products: Vec<Product>,
    /// The order history, oldest first.
    pub orders: Vec<Order>,
    /// The planted structure.
    pub truth: PlantedTruth,
}

const MAIN_CATEGORIES: usize = 4;
const TIERS: [(&str, f64); 3] = [("Basic", 1.0), ("Plus", 1.5), ("Pro", 2.25)];
const COMPLEMENTS_PER_LADDER: usize = 5;
const REFILLS: usize = 6;
const FILLER: usize = 50 - MAIN_CATEGORIES * (TIERS.len() + COMPLEMENTS_PER_LADDER) - REFILLS;
const CYCLES: [f64; 4] = [14.0, 30.0, 45.0, 60.0];
const NOUNS: [&str; 12] = [
    "Espresso Machine",
    "Chef Knife",
    "Blender",
    "Camera",
    "Backpack",
    "Tent",
    "Drill",
    "Headphones",
    "Kettle",
    "Grill",
    "Desk Lamp",
    "Yoga Mat",
];
const EXTRAS: [&str; 10] = [
    "Case",
    "Cleaner",
    "Strap",
    "Cover",
    "Charger",
    "Stand",
    "Filter",
    "Mount",
    "Cable",
    "Sharpener",
];
const SYLLABLES: [&str; 12] = [
    "ka", "lo", "vi", "re", "tu", "ma", "sen", "dor", "pi", "qua", "zel", "nor",
];

/// One department's products by role, as catalog indices.
struct Department {
    ladders: Vec<[usize; 3]>,
    complements: Vec<Vec<usize>>,
    refills: Vec<usize>,
    filler: Vec<usize>,
}

/// Generates the shop described by `spec`.
#[must_use]
pub fn generate(spec: &ShopSpec) -> SyntheticShop {
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    let departments_count = spec.products.div_ceil(50).max(1);
    let mut builder = CatalogBuilder {
        products: Vec::new(),
        truth: PlantedTruth::default(),
        start: spec.start,
    };
    let departments: Vec<Department> = (0..departments_count)
        .map(|d| builder.department(d, &mut rng))
        .collect();
    let salt = InstallSalt([0x5a; 32]);
    let mut orders = OrderGenerator {
        spec,
        rng: &mut rng,
        salt: &salt,
        catalog: &builder.products,
        departments: &departments,
        next_id: 0,
    }
    .generate();
    orders.sort_by(|a, b| {
        a.created_at
            .cmp(&b.created_at)
            .then_with(|| a.id.cmp(&b.id))
    });
    SyntheticShop {
        products: builder.products,
        orders,
        truth: builder.truth,
    }
}

struct CatalogBuilder {
    products: Vec<Product>,
    truth: PlantedTruth,
    start: DateTime<Utc>,
}

impl CatalogBuilder {
    fn department(&mut self, d: usize, rng: &mut ChaCha8Rng) -> Department {
        let mut department = Department {
            ladders: Vec::new(),
            complements: Vec::new(),
            refills: Vec::new(),
            filler: Vec::new(),
        };
        let accessories = format!("Dept {d} Accessories");
        for m in 0..MAIN_CATEGORIES {
            let noun = NOUNS[(d * MAIN_CATEGORIES + m) % NOUNS.len()];
            let brand = brand_name(d * MAIN_CATEGORIES + m);
            let category = format!("Dept {d} {noun}s");
            let base: f64 = rng.gen_range(40.0..400.0);
            let ladder = TIERS.map(|(tier, factor)| {
                self.add(
                    rng,
                    &format!("{brand} {noun} {tier}"),
                    &category,
                    &brand,
                    base * factor,
                    true,
                )
            });
            let complements: Vec<usize> = (0..COMPLEMENTS_PER_LADDER)
                .map(|c| {
                    let extra = EXTRAS[(m * COMPLEMENTS_PER_LADDER + c) % EXTRAS.len()];
                    let price = rng.gen_range(5.0..40.0);
                    self.add(
                        rng,
                        &format!("{brand} {noun} {extra} {}", c + 1),
                        &accessories,
                        &brand,
                        price,
                        false,
                    )
                })
                .collect();
            let ids: BTreeSet<ProductId> = complements
                .iter()
                .map(|&i| self.products[i].id.clone())
                .collect();
            for &tier in &ladder {
                self.truth
                    .complements
                    .insert(self.products[tier].id.clone(), ids.clone());
            }
            self.truth.ladders.push(
                ladder
                    .iter()
                    .map(|&i| self.products[i].id.clone())
                    .collect(),
            );
            department.ladders.push(ladder);
            department.complements.push(complements);
        }
        for r in 0..REFILLS {
            let price = rng.gen_range(5.0..25.0);
            let item = self.add(
                rng,
                &format!("Refill Pack {d}-{r}"),
                &format!("Dept {d} Refills"),
                "Everyday",
                price,
                false,
            );
            // Refills stay available so their cycles can be measured.
            self.products[item].status = ProductStatus::Active;
            self.products[item]
                .variants
                .iter_mut()
                .for_each(|v| v.available = true);
            self.truth.unavailable.remove(&self.products[item].id);
            self.truth.cycles.insert(
                self.products[item].id.clone(),
                CYCLES[(d + r) % CYCLES.len()],
            );
            department.refills.push(item);
        }
        for f in 0..FILLER {
            let price = rng.gen_range(5.0..100.0);
            department.filler.push(self.add(
                rng,
                &format!("Gadget {d}-{f}"),
                &format!("Dept {d} Misc"),
                "Generic",
                price,
                false,
            ));
        }
        department
    }

    /// Adds a product; about 4% become drafts and 4% go out of stock.
    fn add(
        &mut self,
        rng: &mut ChaCha8Rng,
        title: &str,
        category: &str,
        vendor: &str,
        price: f64,
        tiered: bool,
    ) -> usize {
        let n = self.products.len();
        let draw: f64 = rng.gen();
        let status = if draw < 0.04 {
            ProductStatus::Draft
        } else {
            ProductStatus::Active
        };
        let available = !(0.04..0.08).contains(&draw);
        let id = ProductId::new(format!("{}", 1_000_000 + n));
        if status != ProductStatus::Active || !available {
            self.truth.unavailable.insert(id.clone());
        }
        let variants = if tiered { 1 } else { rng.gen_range(1..=3) };
        let price = Money::from_f64((price * 100.0).round() / 100.0);
        self.products.push(Product {
            id,
            title: title.to_owned(),
            handle: format!("{}-{n}", title.to_lowercase().replace(' ', "-")),
            product_type: category.to_owned(),
            tags: vec![category
                .split(' ')
                .take(2)
                .collect::<Vec<_>>()
                .join("-")
                .to_lowercase()],
            vendor: vendor.to_owned(),
            status,
            variants: (0..variants)
                .map(|v| Variant {
                    id: VariantId::new(format!("{}", 5_000_000 + n * 4 + v)),
                    title: ["Default", "Large", "Small"][v].to_owned(),
                    sku: Some(format!("SKU-{n}-{v}")),
                    price,
                    compare_at_price: (v == 0 && rng.gen_bool(0.2)).then(|| Money(price.0 * 5 / 4)),
                    available,
                    inventory_quantity: Some(if available { rng.gen_range(1..200) } else { 0 }),
                })
                .collect(),
            updated_at: self.start,
            // The simulated stores host images of their own.
            image_url: None,
        });
        n
    }
}

fn brand_name(n: usize) -> String {
    let (a, b, c) = (n % 12, (n / 12) % 12, (n / 144) % 12);
    let mut name = format!("{}{}{}", SYLLABLES[a], SYLLABLES[b], SYLLABLES[c]);
    if n >= 1_728 {
        name.push_str(&(n / 1_728).to_string());
    }
    let mut chars = name.chars();
    chars
        .next()
        .map(|f| f.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

struct OrderGenerator<'a> {
    spec: &'a ShopSpec,
    rng: &'a mut ChaCha8Rng,
    salt: &'a InstallSalt,
    catalog: &'a [Product],
    departments: &'a [Department],
    next_id: usize,
}

impl OrderGenerator<'_> {
    fn generate(&mut self) -> Vec<Order> {
        let mut orders = self.subscriptions();
        let customers = (self.spec.orders / 3).max(10);
        // Departments and filler items sell with a long-tailed popularity.
        let popularity = WeightedIndex::new(
            (0..self.departments.len()).map(|d| 1.0 / (1.0 + d as f64 % 97.0).sqrt()),
        )
        .expect("weights");
        while orders.len() < self.spec.orders {
            let department = &self.departments[popularity.sample(self.rng)];
            let customer = self.rng.gen_range(0..customers);
            let at = self.random_time();
            let draw: f64 = self.rng.gen();
            let mut items: Vec<usize> = if draw < 0.003 {
                self.wholesale()
            } else if draw < 0.60 {
                self.ladder_purchase(department)
            } else {
                (0..self.rng.gen_range(1..=3))
                    .map(|_| department.filler[self.rng.gen_range(0..department.filler.len())])
                    .collect()
            };
            items.extend(self.noise());
            orders.push(self.order(customer, at, &items));
        }
        orders.truncate(self.spec.orders);
        orders
    }

    /// One tier of a ladder (good is the usual pick), each of its complements half the time.
    fn ladder_purchase(&mut self, department: &Department) -> Vec<usize> {
        let l = self.rng.gen_range(0..department.ladders.len());
        let tier_draw: f64 = self.rng.gen();
        let tier = if tier_draw < 0.5 {
            0
        } else if tier_draw < 0.85 {
            1
        } else {
            2
        };
        let mut items = vec![department.ladders[l][tier]];
        items.extend(
            department.complements[l]
                .iter()
                .copied()
                .filter(|_| self.rng.gen_bool(0.5)),
        );
        items
    }

    /// 0 to 2 items from anywhere in the shop.
    fn noise(&mut self) -> Vec<usize> {
        let count = [0, 0, 1, 1, 2][self.rng.gen_range(0..5)];
        (0..count)
            .map(|_| self.rng.gen_range(0..self.catalog.len()))
            .collect()
    }

    fn wholesale(&mut self) -> Vec<usize> {
        let size = self.rng.gen_range(100..300).min(self.catalog.len());
        (0..size)
            .map(|_| self.rng.gen_range(0..self.catalog.len()))
            .collect()
    }

    /// Subscribers re-buy one refill on its cycle, give or take two days.
    fn subscriptions(&mut self) -> Vec<Order> {
        let budget = self.spec.orders / 10;
        let mut orders = Vec::with_capacity(budget);
        let mut subscriber = 0usize;
        'outer: while orders.len() < budget {
            let department = &self.departments[subscriber % self.departments.len()];
            let refill = department.refills
                [(subscriber / self.departments.len()) % department.refills.len()];
            let cycle = CYCLES[self.refill_cycle_index(refill)];
            let customer = usize::MAX - subscriber;
            let mut day = self.rng.gen_range(0.0..cycle);
            while day < f64::from(self.spec.days) {
                if orders.len() >= budget {
                    break 'outer;
                }
                let at = self.spec.start + Duration::seconds((day * 86_400.0) as i64);
                let mut items = vec![refill];
                items.extend(self.noise());
                orders.push(self.order(customer, at, &items));
                day += cycle + self.rng.gen_range(-2.0..=2.0);
            }
            subscriber += 1;
        }
        orders
    }

    fn refill_cycle_index(&self, refill: usize) -> usize {
        let id = &self.catalog[refill].id;
        self.departments
            .iter()
            .enumerate()
            .find_map(|(d, dep)| {
                dep.refills
                    .iter()
                    .position(|&r| &self.catalog[r].id == id)
                    .map(|r| (d + r) % CYCLES.len())
            })
            .expect("a refill belongs to a department")
    }

    fn random_time(&mut self) -> DateTime<Utc> {
        self.spec.start
            + Duration::seconds(self.rng.gen_range(0..i64::from(self.spec.days) * 86_400))
    }

    fn order(&mut self, customer: usize, at: DateTime<Utc>, items: &[usize]) -> Order {
        self.next_id += 1;
        Order {
            id: OrderId::new(format!("{}", 9_000_000 + self.next_id)),
            created_at: at,
            customer: Some(CustomerHash::new(
                self.salt,
                &format!("customer-{customer}"),
            )),
            flags: OrderFlags::default(),
            lines: items
                .iter()
                .map(|&i| {
                    let product = &self.catalog[i];
                    let variant = &product.variants[self.rng.gen_range(0..product.variants.len())];
                    LineItem {
                        product: product.id.clone(),
                        variant: Some(variant.id.clone()),
                        quantity: self.rng.gen_range(1..=3),
                        unit_price: variant.price,
                    }
                })
                .collect(),
        }
    }
}
