//! Association rules between two items (`a → b`), with the support, confidence and lift
//! that mlxtend's `fpgrowth(max_len=2)` + `association_rules(metric="confidence")`
//! report, computed by direct counting instead of an FP-tree.
//!
//! This is the benchmark's subject (`benches/compare/`): it must give *the same rules*
//! as mlxtend, so the thresholds and the float arithmetic follow mlxtend 0.25 exactly
//! (see [`Thresholds`] and [`PairCounts::rules`]), not merely the textbook formulas.
//!
//! Speed comes from the apriori property (a pair can only be frequent if both its items
//! are): baskets are first cut down to their frequent items and sorted by item
//! frequency through an inverted index; then each item ("anchor", one rayon task) tallies
//! its commoner partners in a small dense per-thread counter. The work is one increment
//! per pair of frequent items per basket, with no hashing and no tree.

use rayon::prelude::*;

/// One rule `antecedent → consequent`. Items are the caller's item indices, as they
/// appear in the baskets passed to [`pair_rules`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PairRule {
    /// The item already in the basket.
    pub antecedent: u32,
    /// The item recommended with it.
    pub consequent: u32,
    /// Fraction of baskets holding both items.
    pub support: f64,
    /// Fraction of the baskets holding the antecedent that also hold the consequent.
    pub confidence: f64,
    /// Confidence divided by the consequent's support: how much more likely the
    /// consequent is given the antecedent than in any basket.
    pub lift: f64,
}

/// All rules between two items whose pair has support ≥ `min_support` and whose
/// confidence is ≥ `min_confidence`, sorted by (antecedent, consequent).
///
/// Each basket is a set: an item listed twice counts once. Support is a fraction of
/// *all* baskets, empty ones included, as in mlxtend where every row of the one-hot
/// frame counts. `min_support` is meant to lie in (0, 1]; at or below 0 every item
/// that occurs is frequent, above 1 none is.
///
/// # Panics
///
/// If a basket holds an item `>= n_items`, or there are more than `u32::MAX` baskets
/// or basket entries in all.
#[must_use]
pub fn pair_rules(
    baskets: &[Vec<u32>],
    n_items: usize,
    min_support: f64,
    min_confidence: f64,
) -> Vec<PairRule> {
    let n = u32::try_from(baskets.len()).expect("at most u32::MAX baskets");
    let thresholds = Thresholds::new(n, min_support);
    let (mut flat, counts) = Flat::distinct(baskets, n_items);
    let frequent = Frequent::new(&counts, thresholds.item);
    flat.keep_frequent(&frequent);
    let index = Index::new(flat, &frequent);
    let pairs = PairCounts {
        n: f64::from(n),
        frequent: &frequent,
        index: &index,
        min_count: thresholds.pair,
        min_confidence,
    };
    let mut rules: Vec<PairRule> = (0..frequent.len())
        .into_par_iter()
        .map_init(
            || vec![0; frequent.len()],
            |counts, a| pairs.rules(counts, a),
        )
        .flatten_iter()
        .collect();
    rules.sort_unstable_by_key(|r| (r.antecedent, r.consequent));
    rules
}

/// Minimum basket counts for an item and for a pair to be frequent.
///
/// mlxtend keeps an item when `count / n >= min_support` in floats, but prunes the
/// conditional trees where pairs are found by `count >= ceil(min_support * n)`; the
/// two differ when `min_support * n` rounds up past a whole number (0.07 × 100 gives
/// 7.000000000000001). Doing the same keeps a rule exactly at the threshold on the
/// same side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Thresholds {
    item: u32,
    pair: u32,
}

impl Thresholds {
    fn new(n: u32, min_support: f64) -> Self {
        let total = f64::from(n);
        let frequent = |count: u32| f64::from(count) / total >= min_support;
        // The smallest count passing the float test, found from the rounded estimate
        // (the test is monotone in `count`); `n + 1` when no count passes.
        let estimate = (min_support * total).ceil().clamp(1.0, total + 1.0) as u32;
        let mut item = estimate;
        while item > 1 && frequent(item - 1) {
            item -= 1;
        }
        while item <= n && !frequent(item) {
            item += 1;
        }
        let pruned = (min_support * total).ceil().clamp(0.0, total + 1.0) as u32;
        Self {
            item,
            pair: item.max(pruned),
        }
    }
}

/// Baskets concatenated into one array, each ending at its entry in `ends`.
///
/// The caller's baskets are read once, into this: they are separate allocations that
/// may lie anywhere on the heap, and every later pass reads this contiguous copy.
struct Flat {
    items: Vec<u32>,
    ends: Vec<u32>,
}

impl Flat {
    /// Each basket's distinct items in their given order, and how many baskets hold
    /// each item.
    fn distinct(baskets: &[Vec<u32>], n_items: usize) -> (Self, Vec<u32>) {
        let total = baskets.iter().map(Vec::len).sum();
        assert!(
            u32::try_from(total).is_ok(),
            "at most u32::MAX items in all"
        );
        let mut items = Vec::with_capacity(total);
        let mut ends = Vec::with_capacity(baskets.len());
        let mut counts = vec![0_u32; n_items];
        // `last[item]` = 1 + the last basket that held `item`: skips repeats without
        // sorting each basket.
        let mut last = vec![0_u32; n_items];
        for (b, basket) in (1_u32..).zip(baskets) {
            for &item in basket {
                let i = item as usize;
                if last[i] != b {
                    last[i] = b;
                    counts[i] += 1;
                    items.push(item);
                }
            }
            ends.push(items.len() as u32);
        }
        (Self { items, ends }, counts)
    }

    /// Replaces items by their ranks and drops infrequent items, then baskets left
    /// empty, in place.
    fn keep_frequent(&mut self, frequent: &Frequent) {
        let (mut kept, mut start) = (0, 0);
        let mut ends = Vec::with_capacity(self.ends.len());
        for &end in &self.ends {
            let from = kept;
            for read in start..end as usize {
                let rank = frequent.ranks[self.items[read] as usize];
                if rank != u32::MAX {
                    self.items[kept] = rank;
                    kept += 1;
                }
            }
            if kept > from {
                ends.push(kept as u32);
            }
            start = end as usize;
        }
        self.items.truncate(kept);
        self.ends = ends;
    }
}

/// The frequent items, renumbered by ascending count ("rank"). In a basket sorted by
/// rank the rarer item of a pair comes first, so each anchor's work is its (few)
/// baskets times the (short) list of commoner items after it, which balances tasks.
struct Frequent {
    /// Rank of each caller item, `u32::MAX` when not frequent.
    ranks: Vec<u32>,
    /// Caller item of each rank.
    items: Vec<u32>,
    /// Basket count of each rank.
    counts: Vec<u32>,
}

impl Frequent {
    /// From every caller item's basket count, the items with at least `min_count`.
    fn new(item_counts: &[u32], min_count: u32) -> Self {
        let mut items: Vec<u32> = (0_u32..)
            .zip(item_counts)
            .filter(|&(_, &c)| c >= min_count)
            .map(|(i, _)| i)
            .collect();
        items.sort_unstable_by_key(|&i| (item_counts[i as usize], i));
        let mut ranks = vec![u32::MAX; item_counts.len()];
        for (rank, &item) in (0_u32..).zip(&items) {
            ranks[item as usize] = rank;
        }
        let counts = items.iter().map(|&i| item_counts[i as usize]).collect();
        Self {
            ranks,
            items,
            counts,
        }
    }

    fn len(&self) -> usize {
        self.items.len()
    }
}

/// Baskets of frequent items (ranks, ascending) in one flat array, and an inverted
/// index: for each rank, the span of commoner items after it in each basket holding it.
struct Index {
    flat: Vec<u32>,
    /// `(start, end)` spans into `flat`, grouped by rank: rank `r` owns
    /// `tails[offsets[r]..offsets[r + 1]]`.
    tails: Vec<(u32, u32)>,
    offsets: Vec<usize>,
}

impl Index {
    /// Sorts the baskets by rank without comparing: list the baskets holding each rank,
    /// then visit ranks in ascending order and append each to its baskets. The spans
    /// come out of the same visit, already grouped by rank.
    fn new(mut baskets: Flat, frequent: &Frequent) -> Self {
        // A rank occurs once in each basket holding it: its basket count of entries.
        let mut offsets = Vec::with_capacity(frequent.len() + 1);
        offsets.push(0);
        for &count in &frequent.counts {
            offsets.push(offsets.last().copied().unwrap_or(0) + count as usize);
        }
        let holders = holders(&baskets, &offsets);
        let mut cursor: Vec<u32> = std::iter::once(0)
            .chain(baskets.ends.iter().copied())
            .collect();
        let mut tails = Vec::with_capacity(holders.len());
        for (rank, range) in (0_u32..).zip(offsets.windows(2)) {
            for &b in &holders[range[0]..range[1]] {
                let at = cursor[b as usize];
                baskets.items[at as usize] = rank;
                cursor[b as usize] += 1;
                tails.push((at + 1, baskets.ends[b as usize]));
            }
        }
        Self {
            flat: baskets.items,
            tails,
            offsets,
        }
    }

    fn tails(&self, rank: usize) -> &[(u32, u32)] {
        &self.tails[self.offsets[rank]..self.offsets[rank + 1]]
    }
}

/// The baskets holding each rank, ascending, grouped by rank as `offsets` lays out.
fn holders(baskets: &Flat, offsets: &[usize]) -> Vec<u32> {
    let mut holders = vec![0; baskets.items.len()];
    let mut next = offsets.to_vec();
    let mut start = 0;
    for (b, &end) in (0_u32..).zip(&baskets.ends) {
        for &rank in &baskets.items[start..end as usize] {
            holders[next[rank as usize]] = b;
            next[rank as usize] += 1;
        }
        start = end as usize;
    }
    holders
}

/// What the per-anchor step needs to turn pair counts into rules.
struct PairCounts<'a> {
    n: f64,
    frequent: &'a Frequent,
    index: &'a Index,
    min_count: u32,
    min_confidence: f64,
}

impl PairCounts<'_> {
    /// Counts the anchor's partners (higher ranks) in `counts`, a per-thread tally over
    /// all ranks that is all zeros between calls, and returns the rules of its frequent
    /// pairs, both directions.
    ///
    /// The hot loop only increments. The partners are then read back either by
    /// scanning the ranks above the anchor or, when that range is longer than what was
    /// counted, by walking the anchor's baskets again; so reading costs at most the
    /// smaller of the two, and taking each count resets the tally.
    fn rules(&self, counts: &mut [u32], anchor: usize) -> Vec<PairRule> {
        let tails = self.index.tails(anchor);
        let mut counted = 0;
        for &(start, end) in tails {
            counted += (end - start) as usize;
            for &partner in &self.index.flat[start as usize..end as usize] {
                counts[partner as usize] += 1;
            }
        }
        let ranks = counts.len() as u32;
        let scan = counted >= counts.len() - anchor;
        let mut rules = Vec::new();
        let mut emit = |partner: u32| {
            let both = std::mem::take(&mut counts[partner as usize]);
            if both >= self.min_count {
                let (a, b) = (anchor, partner as usize);
                rules.extend(self.rule(a, b, both));
                rules.extend(self.rule(b, a, both));
            }
        };
        if scan {
            (anchor as u32 + 1..ranks).for_each(emit);
        } else {
            for &(start, end) in tails {
                // A partner already taken reads 0 and emits nothing.
                self.index.flat[start as usize..end as usize]
                    .iter()
                    .for_each(|&p| emit(p));
            }
        }
        rules
    }

    /// The rule `from → to` for a frequent pair seen in `both` baskets, if confident
    /// enough. The float steps are mlxtend's, so values match to the bit:
    /// supports are `count / n`, confidence is `(s_ab * n) / (s_a * n)`, lift is
    /// `confidence / s_b`.
    fn rule(&self, from: usize, to: usize, both: u32) -> Option<PairRule> {
        let n = self.n;
        let support = f64::from(both) / n;
        let s_from = f64::from(self.frequent.counts[from]) / n;
        let s_to = f64::from(self.frequent.counts[to]) / n;
        let confidence = (support * n) / (s_from * n);
        (confidence >= self.min_confidence).then(|| PairRule {
            antecedent: self.frequent.items[from],
            consequent: self.frequent.items[to],
            support,
            confidence,
            lift: confidence / s_to,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Five baskets over items 0..4 (item 3 never occurs, item 2 is rare).
    fn baskets() -> Vec<Vec<u32>> {
        vec![vec![0, 1], vec![0, 1, 2], vec![0], vec![1, 0, 0], vec![]]
    }

    fn find(rules: &[PairRule], a: u32, c: u32) -> PairRule {
        *rules
            .iter()
            .find(|r| r.antecedent == a && r.consequent == c)
            .expect("rule present")
    }

    #[test]
    fn hand_computed_rules() {
        // supp(0) = 4/5, supp(1) = 3/5, supp(2) = 1/5, supp(01) = 3/5.
        // Pairs with 2 have support 1/5 < 0.4, so only 0→1 and 1→0 remain.
        let rules = pair_rules(&baskets(), 4, 0.4, 0.0);
        assert_eq!(rules.len(), 2);
        let ab = find(&rules, 0, 1);
        assert!((ab.support - 0.6).abs() < 1e-12);
        assert!((ab.confidence - 0.75).abs() < 1e-12);
        assert!((ab.lift - 0.75 / 0.6).abs() < 1e-12);
        let ba = find(&rules, 1, 0);
        assert!((ba.confidence - 1.0).abs() < 1e-12);
        assert!((ba.lift - 1.25).abs() < 1e-12);
    }

    #[test]
    fn min_confidence_drops_one_direction() {
        let rules = pair_rules(&baskets(), 4, 0.4, 0.8);
        assert_eq!(rules.len(), 1);
        assert_eq!((rules[0].antecedent, rules[0].consequent), (1, 0));
    }

    #[test]
    fn low_support_keeps_rare_pairs_sorted() {
        let rules = pair_rules(&baskets(), 4, 0.2, 0.0);
        let keys: Vec<_> = rules.iter().map(|r| (r.antecedent, r.consequent)).collect();
        assert_eq!(keys, [(0, 1), (0, 2), (1, 0), (1, 2), (2, 0), (2, 1)]);
        assert!((find(&rules, 2, 0).confidence - 1.0).abs() < 1e-12);
        assert!((find(&rules, 0, 2).lift - 1.25).abs() < 1e-12);
    }

    #[test]
    fn support_threshold_is_inclusive() {
        // supp(01) = 3/5 exactly at the threshold: kept.
        assert_eq!(pair_rules(&baskets(), 4, 0.6, 0.0).len(), 2);
        assert!(pair_rules(&baskets(), 4, 0.61, 0.0).is_empty());
    }

    #[test]
    fn rules_do_not_depend_on_order() {
        let forward = pair_rules(&baskets(), 4, 0.2, 0.1);
        let mut shuffled: Vec<Vec<u32>> = baskets()
            .into_iter()
            .rev()
            .map(|b| b.into_iter().rev().collect())
            .collect();
        shuffled.swap(0, 2);
        assert_eq!(forward, pair_rules(&shuffled, 4, 0.2, 0.1));
    }

    #[test]
    fn thresholds_follow_mlxtend_rounding() {
        // 0.07 * 100 = 7.000000000000001: items need 7 (7/100 >= 0.07), pairs 8.
        assert_eq!(Thresholds::new(100, 0.07), Thresholds { item: 7, pair: 8 });
        assert_eq!(Thresholds::new(5, 0.4), Thresholds { item: 2, pair: 2 });
        assert_eq!(Thresholds::new(5, 1.5), Thresholds { item: 6, pair: 6 });
        assert_eq!(Thresholds::new(5, 0.0), Thresholds { item: 1, pair: 1 });
    }

    #[test]
    fn no_baskets_no_rules() {
        assert!(pair_rules(&[], 3, 0.1, 0.1).is_empty());
    }
}
