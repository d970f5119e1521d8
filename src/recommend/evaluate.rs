//! Offline evaluation: train on orders before a split date, then for every later basket
//! with at least two distinct products hide each item in turn and ask whether the
//! cart-level cross-sell list built from the rest holds it. The recommender is compared
//! with three baselines computed in the same run: global popularity, plain co-occurrence
//! counts, and item-item Jaccard similarity (Microsoft SAR's), trained without baskets
//! of more than [`JACCARD_MAX_BASKET`] products.
//!
//! Ties in a ranking count as broken at random: an item tied with `t - 1` others just
//! below `a` better ones is a hit with probability `min(t, k - a) / t`.

use std::collections::{BTreeMap, HashSet};
use std::time::Instant;

use chrono::{DateTime, Utc};
use rayon::prelude::*;
use serde::Serialize;

use crate::model::{Order, Product, ProductId};

use super::catalog::Item;
use super::engine::Recommender;
use super::params::Params;
use super::rules::Rules;

/// Baskets larger than this are left out of the Jaccard baseline's training, as SAR
/// users commonly do.
pub const JACCARD_MAX_BASKET: usize = 50;

/// Ranking quality of one method.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Scores {
    /// Share of hidden items found in the top k.
    pub hit_rate: f64,
    /// Hits per recommended slot (hit rate / k, since one item is hidden per trial).
    pub precision: f64,
    /// Mean reciprocal rank of the hidden item within the top k (0 when absent).
    pub mrr: f64,
    /// Share of the training catalog that appears in some top-k list.
    pub coverage: f64,
}

/// The outcome of one evaluation.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// List length evaluated.
    pub k: usize,
    /// Orders trained on.
    pub train_orders: usize,
    /// Test baskets with at least two distinct products.
    pub test_baskets: usize,
    /// Hide-one trials run (one per item of every test basket).
    pub trials: usize,
    /// Scores per method: recommender, popularity, cooccurrence, jaccard.
    pub methods: BTreeMap<&'static str, Scores>,
    /// Wall time of the recommender's full compute on the training orders.
    pub compute_seconds: f64,
}

/// Sparse scores from one item to others.
type Rows = Vec<Vec<(Item, f64)>>;

/// Runs the evaluation. `orders` that are not sales are ignored.
#[must_use]
pub fn evaluate(
    products: &[Product],
    orders: &[Order],
    split: DateTime<Utc>,
    k: usize,
    params: &Params,
) -> Report {
    let (train, test): (Vec<&Order>, Vec<&Order>) = orders
        .iter()
        .filter(|o| o.counts_as_sale())
        .partition(|o| o.created_at < split);
    let sold: HashSet<&ProductId> = train
        .iter()
        .flat_map(|o| o.lines.iter().map(|l| &l.product))
        .collect();
    let catalog_products: Vec<Product> = products
        .iter()
        .filter(|p| sold.contains(&p.id))
        .cloned()
        .collect();

    let started = Instant::now();
    let recommender = Recommender::new(
        &catalog_products,
        train.iter().copied(),
        &Rules::default(),
        params,
        split,
    );
    let compute_seconds = started.elapsed().as_secs_f64();

    let catalog = recommender.catalog();
    let to_items = |order: &Order| -> Vec<Option<Item>> {
        let mut ids: Vec<&ProductId> = order
            .lines
            .iter()
            .filter(|l| l.quantity > 0)
            .map(|l| &l.product)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids.into_iter().map(|id| catalog.item(id)).collect()
    };
    let train_baskets: Vec<Vec<Item>> = train
        .iter()
        .map(|o| to_items(o).into_iter().flatten().collect())
        .collect();
    let test_baskets: Vec<Vec<Option<Item>>> = test
        .iter()
        .map(|o| to_items(o))
        .filter(|b| b.len() >= 2)
        .collect();

    let n = catalog.len();
    let recommender_rows: Rows = catalog
        .ids()
        .iter()
        .map(|id| {
            let links = recommender
                .recs(id)
                .map(|r| r.cross_sell.as_slice())
                .unwrap_or_default();
            links
                .iter()
                .filter_map(|l| Some((catalog.item(&l.product)?, l.score)))
                .collect()
        })
        .collect();
    let popularity = item_counts(&train_baskets, n, usize::MAX);
    let mut methods = BTreeMap::new();
    methods.insert(
        "recommender",
        score_rows(&recommender_rows, &test_baskets, n, k),
    );
    methods.insert(
        "cooccurrence",
        score_rows(
            &cooccurrence_rows(&train_baskets, n, usize::MAX, false),
            &test_baskets,
            n,
            k,
        ),
    );
    methods.insert(
        "jaccard",
        score_rows(
            &cooccurrence_rows(&train_baskets, n, JACCARD_MAX_BASKET, true),
            &test_baskets,
            n,
            k,
        ),
    );
    methods.insert(
        "popularity",
        score_popularity(&popularity, &test_baskets, n, k),
    );
    Report {
        k,
        train_orders: train.len(),
        test_baskets: test_baskets.len(),
        trials: test_baskets.iter().map(Vec::len).sum(),
        methods,
        compute_seconds,
    }
}

/// Orders holding each item, counting baskets of at most `max_basket` items.
fn item_counts(baskets: &[Vec<Item>], n: usize, max_basket: usize) -> Vec<u32> {
    let mut counts = vec![0u32; n];
    for basket in baskets.iter().filter(|b| b.len() <= max_basket) {
        for &item in basket {
            counts[item as usize] += 1;
        }
    }
    counts
}

/// Plain co-occurrence counts (or, with `jaccard`, `c_ij / (c_i + c_j - c_ij)`) from
/// baskets of at most `max_basket` items; no recency, no significance.
fn cooccurrence_rows(baskets: &[Vec<Item>], n: usize, max_basket: usize, jaccard: bool) -> Rows {
    let used: Vec<&Vec<Item>> = baskets.iter().filter(|b| b.len() <= max_basket).collect();
    let counts = item_counts(baskets, n, max_basket);
    let mut item_baskets: Vec<Vec<u32>> = vec![Vec::new(); n];
    for (slot, basket) in used.iter().enumerate() {
        for &item in *basket {
            item_baskets[item as usize].push(slot as u32);
        }
    }
    (0..n)
        .into_par_iter()
        .map_init(
            || (vec![0u32; n], Vec::new()),
            |(row, touched), anchor| {
                for &slot in &item_baskets[anchor] {
                    for &other in used[slot as usize] {
                        if other as usize != anchor {
                            if row[other as usize] == 0 {
                                touched.push(other);
                            }
                            row[other as usize] += 1;
                        }
                    }
                }
                let out = touched
                    .iter()
                    .map(|&other| {
                        let co = f64::from(std::mem::take(&mut row[other as usize]));
                        let score = if jaccard {
                            co / (f64::from(counts[anchor]) + f64::from(counts[other as usize])
                                - co)
                        } else {
                            co
                        };
                        (other, score)
                    })
                    .collect();
                touched.clear();
                out
            },
        )
        .collect()
}

/// Running sums over trials.
#[derive(Default)]
struct Tally {
    trials: usize,
    hits: f64,
    reciprocal_ranks: f64,
    covered: HashSet<Item>,
}

impl Tally {
    fn merge(mut self, other: Self) -> Self {
        self.trials += other.trials;
        self.hits += other.hits;
        self.reciprocal_ranks += other.reciprocal_ranks;
        self.covered.extend(other.covered);
        self
    }

    /// Records a trial whose hidden item ranks below `better` items and level with
    /// `tied - 1` others (`tied` = 0 when it is not ranked at all).
    fn record(&mut self, better: usize, tied: usize, k: usize) {
        self.trials += 1;
        if tied == 0 || better >= k {
            return;
        }
        let hits = tied.min(k - better);
        self.hits += hits as f64 / tied as f64;
        self.reciprocal_ranks += (better + 1..=better + hits)
            .map(|r| 1.0 / r as f64)
            .sum::<f64>()
            / tied as f64;
    }

    fn scores(&self, k: usize, catalog_len: usize) -> Scores {
        let trials = self.trials.max(1) as f64;
        Scores {
            hit_rate: self.hits / trials,
            precision: self.hits / trials / k as f64,
            mrr: self.reciprocal_ranks / trials,
            coverage: self.covered.len() as f64 / catalog_len.max(1) as f64,
        }
    }
}

/// Two scores count as tied when they differ by rounding only.
fn tied(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs())
}

/// Evaluates a method given as per-item rows, combined over the cart by summing.
fn score_rows(rows: &Rows, baskets: &[Vec<Option<Item>>], n: usize, k: usize) -> Scores {
    let tally = baskets
        .par_iter()
        .fold(
            || (Tally::default(), CartScores::new(n)),
            |(mut tally, mut cart), basket| {
                cart.load(rows, basket);
                for &hidden in basket {
                    cart.rank_hidden(rows, hidden, k, &mut tally);
                }
                cart.clear();
                (tally, cart)
            },
        )
        .map(|(tally, _)| tally)
        .reduce(Tally::default, Tally::merge);
    tally.scores(k, n)
}

/// Summed scores of a whole basket, from which one item's row is taken out per trial.
struct CartScores {
    total: Vec<f64>,
    /// How many cart rows reach each item (0 = not a candidate, whatever float dust says).
    reach: Vec<u32>,
    in_basket: Vec<bool>,
    /// Whether an item is already in `touched`.
    listed: Vec<bool>,
    touched: Vec<Item>,
}

impl CartScores {
    fn new(n: usize) -> Self {
        Self {
            total: vec![0.0; n],
            reach: vec![0; n],
            in_basket: vec![false; n],
            listed: vec![false; n],
            touched: Vec::new(),
        }
    }

    fn add_row(&mut self, row: &[(Item, f64)], sign: f64) {
        for &(item, score) in row {
            let i = item as usize;
            if !self.listed[i] {
                self.listed[i] = true;
                self.touched.push(item);
            }
            self.total[i] += sign * score;
            if sign > 0.0 {
                self.reach[i] += 1;
            } else {
                self.reach[i] -= 1;
            }
        }
    }

    fn load(&mut self, rows: &Rows, basket: &[Option<Item>]) {
        for &item in basket.iter().flatten() {
            self.in_basket[item as usize] = true;
            self.add_row(&rows[item as usize], 1.0);
        }
    }

    fn clear(&mut self) {
        for &item in &self.touched {
            self.total[item as usize] = 0.0;
            self.reach[item as usize] = 0;
            self.listed[item as usize] = false;
        }
        for flag in &mut self.in_basket {
            *flag = false;
        }
        self.touched.clear();
    }

    /// Ranks `hidden` in the list built from the rest of `basket`.
    fn rank_hidden(&mut self, rows: &Rows, hidden: Option<Item>, k: usize, tally: &mut Tally) {
        if let Some(h) = hidden {
            self.add_row(&rows[h as usize], -1.0);
        }
        let candidates: Vec<(f64, Item)> = self
            .touched
            .iter()
            .copied()
            .filter(|&j| {
                self.reach[j as usize] > 0 && (!self.in_basket[j as usize] || Some(j) == hidden)
            })
            .map(|j| (self.total[j as usize], j))
            .collect();
        let hidden_score = hidden
            .filter(|&h| self.reach[h as usize] > 0)
            .map(|h| self.total[h as usize]);
        let (better, level) = match hidden_score {
            Some(s) => candidates.iter().fold((0, 0), |(b, t), &(c, _)| {
                if tied(c, s) {
                    (b, t + 1)
                } else if c > s {
                    (b + 1, t)
                } else {
                    (b, t)
                }
            }),
            None => (0, 0),
        };
        tally.record(better, level, k);
        tally.covered.extend(top_k(candidates, k));
        if let Some(h) = hidden {
            self.add_row(&rows[h as usize], 1.0);
        }
    }
}

/// The best `k` candidates (ties by index, for a stable coverage figure).
fn top_k(mut candidates: Vec<(f64, Item)>, k: usize) -> impl Iterator<Item = Item> {
    let order = |a: &(f64, Item), b: &(f64, Item)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
    if candidates.len() > k {
        candidates.select_nth_unstable_by(k, order);
        candidates.truncate(k);
    }
    candidates.into_iter().map(|(_, item)| item)
}

/// Evaluates global popularity: every cart gets the best-sellers it does not hold.
fn score_popularity(
    popularity: &[u32],
    baskets: &[Vec<Option<Item>>],
    n: usize,
    k: usize,
) -> Scores {
    let mut ranked: Vec<Item> = (0..n as Item)
        .filter(|&i| popularity[i as usize] > 0)
        .collect();
    ranked.sort_unstable_by(|&a, &b| {
        popularity[b as usize]
            .cmp(&popularity[a as usize])
            .then(a.cmp(&b))
    });
    let counts: Vec<u32> = ranked.iter().map(|&i| popularity[i as usize]).collect();
    let tally = baskets
        .par_iter()
        .fold(Tally::default, |mut tally, basket| {
            for &hidden in basket {
                let cart: Vec<Item> = basket
                    .iter()
                    .flatten()
                    .copied()
                    .filter(|&i| Some(i) != hidden)
                    .collect();
                let (better, level) =
                    match hidden.map(|h| popularity[h as usize]).filter(|&p| p > 0) {
                        Some(p) => {
                            let above = counts.partition_point(|&c| c > p);
                            let level = counts.partition_point(|&c| c >= p) - above;
                            let cart_above =
                                cart.iter().filter(|&&c| popularity[c as usize] > p).count();
                            let cart_level = cart
                                .iter()
                                .filter(|&&c| popularity[c as usize] == p)
                                .count();
                            (above - cart_above, level - cart_level)
                        }
                        None => (0, 0),
                    };
                tally.record(better, level, k);
                tally
                    .covered
                    .extend(ranked.iter().copied().filter(|i| !cart.contains(i)).take(k));
            }
            tally
        })
        .reduce(Tally::default, Tally::merge);
    tally.scores(k, n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tie_counts_as_an_expected_hit_never_a_sure_one() {
        let mut tally = Tally::default();
        tally.record(8, 4, 10); // ranks 9..12 equally likely: 2 of 4 inside the top 10
        assert!((tally.hits - 0.5).abs() < 1e-12);
        assert!((tally.reciprocal_ranks - (1.0 / 9.0 + 1.0 / 10.0) / 4.0).abs() < 1e-12);
        tally.record(10, 1, 10);
        tally.record(0, 0, 10);
        assert_eq!(tally.trials, 3);
        assert!((tally.hits - 0.5).abs() < 1e-12);
    }
}
