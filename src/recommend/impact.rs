//! Measured impact of the published lists: attach rates of treated anchors against
//! held-out ones, the lift between them with a confidence interval, the revenue of
//! recommended items bought with their anchor, and a daily series for a chart.
//!
//! Definitions (per list kind K, over counted orders placed in `[from, to)`; an order
//! counts when [`Order::counts_as_sale`] says so, the same test the co-purchase counts use):
//!
//! - K is one of the four ranked lists or bundles ([`OfferKind`]); an anchor's "bundles
//!   list" is the other items of every bundle offered on it.
//! - An *anchor occurrence* is one distinct product of an order that has a non-empty list
//!   of kind K. For a treated anchor that is the list published on the platform; for a
//!   held-out anchor, the list computed but never written — what *would* have been shown.
//! - The occurrence is *attached* when the same order also holds at least one item of
//!   that list. Attach rate = attached / occurrences, per group (treated, holdout).
//! - Lift = rate(treated) / rate(holdout) − 1. Its 95% interval is Katz's log method for a
//!   ratio of two proportions: se = √(1/a₁ − 1/n₁ + 1/a₂ − 1/n₂),
//!   bounds = exp(ln ratio ± 1.96·se) − 1. There is no lift when either group has no
//!   occurrence or no attached one (the ratio or its log would be undefined).
//! - Revenue from recommended pairs (treated only): per order, the lines whose product is
//!   on the K list of some treated anchor in the same order, each line counted once per
//!   order and kind, valued at quantity × unit price.
//! - The daily series sums occurrences and attached ones over all kinds, per UTC day,
//!   from the first to the last day with a counted order (days between with none are
//!   present with zero counts), so a chart shows one overall rate per group and day.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::model::{ListKind, Money, Order, ProductId};

/// z for a two-sided 95% interval.
const Z_95: f64 = 1.96;

/// What is measured: each ranked list kind, and bundles. Serialized by its page name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OfferKind {
    /// A ranked list.
    List(ListKind),
    /// The partners of the bundles offered on an anchor.
    Bundles,
}

impl OfferKind {
    /// Every kind, in the order pages show them.
    pub const ALL: [Self; 5] = [
        Self::List(ListKind::CrossSell),
        Self::List(ListKind::Upsell),
        Self::List(ListKind::Downsell),
        Self::List(ListKind::Related),
        Self::Bundles,
    ];

    /// The name pages and the API use: `cross_sell`, …, `bundles`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::List(kind) => kind.as_str(),
            Self::Bundles => "bundles",
        }
    }
}

/// Occurrences of anchors and how many of them were attached.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct AttachCount {
    /// Anchor occurrences.
    pub occurrences: u64,
    /// Occurrences whose order also held an item of the anchor's list.
    pub attached: u64,
}

impl AttachCount {
    /// attached / occurrences, or `None` without occurrences.
    #[must_use]
    pub fn rate(self) -> Option<f64> {
        (self.occurrences > 0).then(|| self.attached as f64 / self.occurrences as f64)
    }

    fn add(&mut self, attached: bool) {
        self.occurrences += 1;
        self.attached += u64::from(attached);
    }

    fn merge(&mut self, other: Self) {
        self.occurrences += other.occurrences;
        self.attached += other.attached;
    }
}

/// Relative lift of treated over holdout, with its 95% interval (all as fractions:
/// 0.25 means 25% more attachment than without the lists).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Lift {
    /// rate(treated) / rate(holdout) − 1.
    pub estimate: f64,
    /// Lower bound of the 95% interval.
    pub low: f64,
    /// Upper bound of the 95% interval.
    pub high: f64,
}

impl Lift {
    /// Katz's log interval; `None` when a count is zero (see the module doc).
    #[must_use]
    pub fn between(treated: AttachCount, holdout: AttachCount) -> Option<Self> {
        let counts = [
            treated.attached,
            treated.occurrences,
            holdout.attached,
            holdout.occurrences,
        ];
        if counts.contains(&0) {
            return None;
        }
        let [a1, n1, a2, n2] = counts.map(|c| c as f64);
        let ratio = (a1 / n1) / (a2 / n2);
        let se = (1.0 / a1 - 1.0 / n1 + 1.0 / a2 - 1.0 / n2).max(0.0).sqrt();
        let log = ratio.ln();
        Some(Self {
            estimate: ratio - 1.0,
            low: (log - Z_95 * se).exp() - 1.0,
            high: (log + Z_95 * se).exp() - 1.0,
        })
    }
}

/// The figures of one list kind.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KindImpact {
    /// The list kind.
    pub kind: OfferKind,
    /// Anchors whose lists were published.
    pub treated: AttachCount,
    /// Anchors in the holdout.
    pub holdout: AttachCount,
    /// Lift of treated over holdout, when measurable.
    pub lift: Option<Lift>,
    /// Revenue of recommended items bought with a treated anchor.
    pub revenue: Money,
}

/// One UTC day of the series, all kinds together.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DayPoint {
    /// The UTC date.
    pub day: NaiveDate,
    /// Treated occurrences of the day.
    pub treated: AttachCount,
    /// Holdout occurrences of the day.
    pub holdout: AttachCount,
}

/// Everything measured over one period.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Impact {
    /// One entry per kind, in [`OfferKind::ALL`] order.
    pub kinds: Vec<KindImpact>,
    /// Per UTC day, oldest first.
    pub daily: Vec<DayPoint>,
}

impl Serialize for OfferKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Counts per kind and group while orders are read.
#[derive(Default)]
struct Tally {
    treated: AttachCount,
    holdout: AttachCount,
    revenue: Money,
}

/// Measures the lists over the counted orders placed in `[from, to)`.
///
/// `list(anchor, kind)` gives the anchor's list of that kind (published for treated
/// anchors, computed-but-unwritten for held-out ones); `held_out(anchor)` says which.
pub fn measure<'o, 'l>(
    orders: impl IntoIterator<Item = &'o Order>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    list: impl Fn(&ProductId, OfferKind) -> Option<&'l [ProductId]>,
    held_out: impl Fn(&ProductId) -> bool,
) -> Impact {
    let mut tallies: [Tally; 5] = Default::default();
    let mut days: BTreeMap<NaiveDate, [AttachCount; 2]> = BTreeMap::new();
    let in_period = |o: &&Order| o.counts_as_sale() && o.created_at >= from && o.created_at < to;
    for order in orders.into_iter().filter(in_period) {
        let day = days.entry(order.created_at.date_naive()).or_default();
        let products: BTreeSet<&ProductId> = order.lines.iter().map(|l| &l.product).collect();
        for (tally, kind) in tallies.iter_mut().zip(OfferKind::ALL) {
            let counts = tally_order(order, &products, kind, &list, &held_out, tally);
            day[0].merge(counts[0]);
            day[1].merge(counts[1]);
        }
    }
    Impact {
        kinds: tallies
            .into_iter()
            .zip(OfferKind::ALL)
            .map(|(t, kind)| KindImpact {
                kind,
                treated: t.treated,
                holdout: t.holdout,
                lift: Lift::between(t.treated, t.holdout),
                revenue: t.revenue,
            })
            .collect(),
        daily: daily_series(&days),
    }
}

/// Counts one order's occurrences of `kind` into `tally`; returns the order's own
/// (treated, holdout) counts for the daily series.
fn tally_order<'l>(
    order: &Order,
    products: &BTreeSet<&ProductId>,
    kind: OfferKind,
    list: &impl Fn(&ProductId, OfferKind) -> Option<&'l [ProductId]>,
    held_out: &impl Fn(&ProductId) -> bool,
    tally: &mut Tally,
) -> [AttachCount; 2] {
    let mut counts = [AttachCount::default(); 2];
    let mut recommended: HashSet<&ProductId> = HashSet::new();
    for &anchor in products {
        let Some(items) = list(anchor, kind).filter(|items| !items.is_empty()) else {
            continue;
        };
        let attached = items.iter().any(|i| i != anchor && products.contains(i));
        if held_out(anchor) {
            tally.holdout.add(attached);
            counts[1].add(attached);
        } else {
            tally.treated.add(attached);
            counts[0].add(attached);
            recommended.extend(items.iter().filter(|i| *i != anchor));
        }
    }
    for line in order
        .lines
        .iter()
        .filter(|l| recommended.contains(&l.product))
    {
        let value = line.unit_price.0.saturating_mul(i64::from(line.quantity));
        tally.revenue = Money(tally.revenue.0.saturating_add(value));
    }
    counts
}

/// Every day from the first to the last with data, gaps filled with zero counts.
fn daily_series(days: &BTreeMap<NaiveDate, [AttachCount; 2]>) -> Vec<DayPoint> {
    let (Some((&first, _)), Some((&last, _))) = (days.first_key_value(), days.last_key_value())
    else {
        return Vec::new();
    };
    first
        .iter_days()
        .take_while(|d| *d <= last)
        .map(|day| {
            let [treated, holdout] = days.get(&day).copied().unwrap_or_default();
            DayPoint {
                day,
                treated,
                holdout,
            }
        })
        .collect()
}

#[cfg(test)]
#[path = "impact_tests.rs"]
mod tests;
