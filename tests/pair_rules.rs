//! `pair_rules` against a brute-force count of every pair in every basket, on random
//! baskets: the inverted index, the rank order and the per-anchor tally must not change
//! a single rule or a single bit of its figures.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use upsell_sync::recommend::pair_rules::{pair_rules, PairRule};

/// The same rules by the definition: count each item set, keep the frequent ones with
/// mlxtend's thresholds, compute each figure with mlxtend's float steps.
fn brute_force(baskets: &[Vec<u32>], min_support: f64, min_confidence: f64) -> Vec<PairRule> {
    let n = baskets.len() as f64;
    let mut items: BTreeMap<u32, u32> = BTreeMap::new();
    let mut pairs: BTreeMap<(u32, u32), u32> = BTreeMap::new();
    for basket in baskets {
        let set: BTreeSet<u32> = basket.iter().copied().collect();
        for &a in &set {
            *items.entry(a).or_default() += 1;
            for &b in set.range(a + 1..) {
                *pairs.entry((a, b)).or_default() += 1;
            }
        }
    }
    let frequent = |count: u32| f64::from(count) / n >= min_support;
    let pruned = (min_support * n).ceil();
    let mut rules = Vec::new();
    for (&(a, b), &both) in &pairs {
        if !frequent(both) || f64::from(both) < pruned {
            continue;
        }
        for (from, to) in [(a, b), (b, a)] {
            let support = f64::from(both) / n;
            let s_from = f64::from(items[&from]) / n;
            let s_to = f64::from(items[&to]) / n;
            let confidence = (support * n) / (s_from * n);
            if confidence >= min_confidence {
                rules.push(PairRule {
                    antecedent: from,
                    consequent: to,
                    support,
                    confidence,
                    lift: confidence / s_to,
                });
            }
        }
    }
    rules.sort_by_key(|r| (r.antecedent, r.consequent));
    rules
}

/// Baskets over a few dozen items, skewed so that some items are common, some rare.
fn baskets() -> impl Strategy<Value = Vec<Vec<u32>>> {
    let item = (0_u32..40, 0_u32..40).prop_map(|(a, b)| a.min(b));
    prop::collection::vec(prop::collection::vec(item, 0..12), 0..120)
}

proptest! {
    #[test]
    fn pair_rules_match_brute_force(
        baskets in baskets(),
        min_support in 0.005_f64..0.3,
        min_confidence in 0.0_f64..0.9,
    ) {
        prop_assert_eq!(
            pair_rules(&baskets, 40, min_support, min_confidence),
            brute_force(&baskets, min_support, min_confidence)
        );
    }
}

#[test]
fn pair_rules_ignore_unused_items_and_empty_baskets() {
    let baskets = vec![vec![], vec![5, 7], vec![7, 5, 5], vec![9]];
    let rules = pair_rules(&baskets, 100, 0.5, 0.5);
    assert_eq!(rules, brute_force(&baskets, 0.5, 0.5));
    assert_eq!(rules.len(), 2);
    assert!((rules[0].support - 0.5).abs() < 1e-12);
}
