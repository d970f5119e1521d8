//! Post-purchase suggestions for one customer: complements of what they bought, and the
//! items they are due to buy again.
//!
//! Recency: each purchased product weighs `0.5^(age / half_life)`, where age is the time
//! from its latest purchase to `as_of` (1 for a purchase at `as_of`). A complement's score
//! is the sum over purchased products of weight × cross-sell score, so what they bought
//! last week counts more than what they bought last year. Orders that do not count as
//! sales, or are placed after `as_of`, are ignored.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::model::{Order, ProductId, ProductRecs};

const SECONDS_PER_DAY: f64 = 86_400.0;

/// A suggested complement.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Pick {
    /// The suggested product.
    pub product: ProductId,
    /// Recency-weighted sum of its cross-sell scores.
    pub score: f64,
    /// The purchased products whose cross-sell lists hold it, in id order.
    pub because_of: Vec<ProductId>,
}

/// An item the customer is expected to buy again.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Due {
    /// The product.
    pub product: ProductId,
    /// Their latest purchase of it.
    pub last_bought: DateTime<Utc>,
    /// `last_bought` plus the product's median replenishment interval.
    pub due: DateTime<Utc>,
}

/// What to suggest to one customer.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PostPurchase {
    /// Best complements first (ties: smaller id), at most `k`; nothing already bought.
    pub cross_sells: Vec<Pick>,
    /// Items with a replenishment cycle, soonest due first (ties: smaller id).
    pub replenish: Vec<Due>,
}

/// Suggestions from one customer's `orders`. `lists` looks up a product's lists;
/// `half_life_days` sets the recency weight (not positive or not finite: no decay).
pub fn suggest<'o, 'r>(
    orders: impl IntoIterator<Item = &'o Order>,
    lists: impl Fn(&ProductId) -> Option<&'r ProductRecs>,
    as_of: DateTime<Utc>,
    half_life_days: f64,
    k: usize,
) -> PostPurchase {
    let bought = last_purchases(orders, as_of);
    PostPurchase {
        cross_sells: complements(&bought, &lists, as_of, half_life_days, k),
        replenish: replenishments(&bought, &lists),
    }
}

/// Each product's latest purchase among the counted orders up to `as_of`.
fn last_purchases<'o>(
    orders: impl IntoIterator<Item = &'o Order>,
    as_of: DateTime<Utc>,
) -> BTreeMap<&'o ProductId, DateTime<Utc>> {
    let mut bought: BTreeMap<&ProductId, DateTime<Utc>> = BTreeMap::new();
    for order in orders {
        if !order.counts_as_sale() || order.created_at > as_of {
            continue;
        }
        for line in &order.lines {
            let last = bought.entry(&line.product).or_insert(order.created_at);
            *last = (*last).max(order.created_at);
        }
    }
    bought
}

fn recency_weight(bought_at: DateTime<Utc>, as_of: DateTime<Utc>, half_life_days: f64) -> f64 {
    if !(half_life_days.is_finite() && half_life_days > 0.0) {
        return 1.0;
    }
    let age_days = (as_of - bought_at).num_seconds().max(0) as f64 / SECONDS_PER_DAY;
    0.5_f64.powf(age_days / half_life_days)
}

fn complements<'r>(
    bought: &BTreeMap<&ProductId, DateTime<Utc>>,
    lists: &impl Fn(&ProductId) -> Option<&'r ProductRecs>,
    as_of: DateTime<Utc>,
    half_life_days: f64,
    k: usize,
) -> Vec<Pick> {
    let mut totals: BTreeMap<&ProductId, (f64, Vec<ProductId>)> = BTreeMap::new();
    for (&anchor, &at) in bought {
        let weight = recency_weight(at, as_of, half_life_days);
        let links = lists(anchor).map(|r| r.cross_sell.as_slice());
        for link in links.unwrap_or_default() {
            if bought.contains_key(&link.product) || !link.score.is_finite() {
                continue;
            }
            let entry = totals.entry(&link.product).or_default();
            entry.0 += weight * link.score;
            entry.1.push(anchor.clone());
        }
    }
    let mut picks: Vec<Pick> = totals
        .into_iter()
        .map(|(product, (score, because_of))| Pick {
            product: product.clone(),
            score,
            because_of,
        })
        .collect();
    picks.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.product.cmp(&b.product))
    });
    picks.truncate(k);
    picks
}

fn replenishments<'r>(
    bought: &BTreeMap<&ProductId, DateTime<Utc>>,
    lists: &impl Fn(&ProductId) -> Option<&'r ProductRecs>,
) -> Vec<Due> {
    let mut due: Vec<Due> = bought
        .iter()
        .filter_map(|(&product, &last_bought)| {
            let days = lists(product)?.replenishment.as_ref()?.median_days;
            if !(days.is_finite() && days > 0.0) {
                return None;
            }
            let interval = Duration::try_seconds((days * SECONDS_PER_DAY).round() as i64)?;
            Some(Due {
                product: product.clone(),
                last_bought,
                due: last_bought.checked_add_signed(interval)?,
            })
        })
        .collect();
    due.sort_by(|a, b| a.due.cmp(&b.due).then_with(|| a.product.cmp(&b.product)));
    due
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::model::{
        Explanation, LineItem, Link, LinkSource, Money, OrderFlags, OrderId, Replenishment,
    };

    fn id(s: &str) -> ProductId {
        ProductId::new(s)
    }

    fn day(d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 3, d, 12, 0, 0).unwrap()
    }

    fn order(n: &str, when: DateTime<Utc>, items: &[&str]) -> Order {
        Order {
            id: OrderId::new(n),
            created_at: when,
            customer: None,
            flags: OrderFlags::default(),
            lines: items
                .iter()
                .map(|p| LineItem {
                    product: id(p),
                    variant: None,
                    quantity: 1,
                    unit_price: Money(10_000),
                })
                .collect(),
        }
    }

    fn link(item: &str, score: f64) -> Link {
        Link {
            product: id(item),
            score,
            why: Explanation {
                source: LinkSource::CoPurchase,
                co_orders: 1.0,
                anchor_orders: 1.0,
                confidence: 1.0,
                lift: 1.0,
                price_ratio: None,
                similarity: 0.0,
            },
        }
    }

    fn recs(links: &[(&str, f64)], every_days: Option<f64>) -> ProductRecs {
        ProductRecs {
            cross_sell: links.iter().map(|&(i, s)| link(i, s)).collect(),
            replenishment: every_days.map(|median_days| Replenishment {
                median_days,
                repeat_customers: 2,
                intervals: 3,
            }),
            ..ProductRecs::default()
        }
    }

    fn lists() -> BTreeMap<ProductId, ProductRecs> {
        BTreeMap::from([
            (
                id("coffee"),
                recs(&[("filter", 1.0), ("mug", 0.5)], Some(30.0)),
            ),
            (
                id("kettle"),
                recs(&[("filter", 1.0), ("coffee", 0.9)], None),
            ),
            (id("tea"), recs(&[("honey", 0.8)], Some(14.5))),
        ])
    }

    #[test]
    fn complements_weigh_recent_purchases_more_and_leave_out_what_was_bought() {
        let orders = [
            order("1", day(1), &["kettle"]),
            order("2", day(11), &["coffee"]),
        ];
        let lists = lists();
        let got = suggest(&orders, |p| lists.get(p), day(11), 10.0, 5);
        // kettle bought 10 days ago (one half-life): weight 0.5; coffee today: weight 1.
        // filter = 0.5·1.0 + 1·1.0 = 1.5; mug = 1·0.5; coffee itself was bought: left out.
        let picks: Vec<_> = got
            .cross_sells
            .iter()
            .map(|p| (p.product.as_str(), p.score, p.because_of.len()))
            .collect();
        assert_eq!(picks, [("filter", 1.5, 2), ("mug", 0.5, 1)]);
        assert_eq!(got.cross_sells[0].because_of, [id("coffee"), id("kettle")]);
        let top = suggest(&orders, |p| lists.get(p), day(11), 10.0, 1);
        assert_eq!(top.cross_sells.len(), 1);
    }

    #[test]
    fn replenishment_is_due_an_interval_after_the_last_purchase_soonest_first() {
        let orders = [
            order("1", day(1), &["coffee", "tea"]),
            order("2", day(5), &["coffee"]),
            order("3", day(6), &["kettle"]),
        ];
        let lists = lists();
        let got = suggest(&orders, |p| lists.get(p), day(20), 30.0, 5);
        let due: Vec<_> = got
            .replenish
            .iter()
            .map(|d| (d.product.as_str(), d.last_bought, d.due))
            .collect();
        // tea: day 1 + 14.5 days = 03-15 24:00 = 03-16 00:00; coffee: day 5 + 30 = 04-04.
        assert_eq!(
            due,
            [
                (
                    "tea",
                    day(1),
                    Utc.with_ymd_and_hms(2024, 3, 16, 0, 0, 0).unwrap()
                ),
                (
                    "coffee",
                    day(5),
                    Utc.with_ymd_and_hms(2024, 4, 4, 12, 0, 0).unwrap()
                ),
            ]
        );
    }

    #[test]
    fn uncounted_and_future_orders_are_ignored_and_bad_numbers_do_not_panic() {
        let mut cancelled = order("1", day(1), &["tea"]);
        cancelled.flags.cancelled = true;
        let later = order("2", day(30), &["kettle"]);
        let lists = lists();
        let got = suggest(&[cancelled, later], |p| lists.get(p), day(20), 7.0, 5);
        assert_eq!(got, PostPurchase::default());

        let odd = BTreeMap::from([(id("x"), recs(&[("y", f64::NAN)], Some(f64::INFINITY)))]);
        let orders = [order("3", day(1), &["x"])];
        let got = suggest(&orders, |p| odd.get(p), day(2), f64::NAN, 5);
        assert_eq!(got, PostPurchase::default());
    }
}
