//! Volume hints (people buy it in multiples) and replenishment intervals (the same
//! customer comes back for it on a cycle).

use crate::model::{Replenishment, VolumeHint};

use super::anchor::Ctx;
use super::catalog::Item;

const SECONDS_PER_DAY: f64 = 86_400.0;

/// The typical quantity per order, when it is more than one.
pub(crate) fn volume(ctx: &Ctx<'_>, anchor: Item) -> Option<VolumeHint> {
    let params = &ctx.params.repeat;
    let mut quantities: Vec<u32> = ctx.baskets.item_baskets[anchor as usize]
        .iter()
        .map(|&slot| {
            let basket = ctx.baskets.basket(slot);
            let at = basket
                .items
                .binary_search(&anchor)
                .expect("basket holds its items");
            basket.quantities[at]
        })
        .collect();
    let orders = quantities.len() as u32;
    if orders < params.volume_min_orders.max(1) {
        return None;
    }
    quantities.sort_unstable();
    let typical = quantities[quantities.len() / 2];
    let multi = quantities.iter().filter(|&&q| q > 1).count() as f64 / f64::from(orders);
    (typical >= params.volume_min_quantity).then_some(VolumeHint {
        typical_quantity: typical,
        multi_unit_share: multi,
        orders,
    })
}

/// The median days between one customer's purchases of the item.
pub(crate) fn replenishment(ctx: &Ctx<'_>, anchor: Item) -> Option<Replenishment> {
    let params = &ctx.params.repeat;
    let mut purchases: Vec<(u32, i64)> = ctx.baskets.item_baskets[anchor as usize]
        .iter()
        .filter_map(|&slot| {
            let basket = ctx.baskets.basket(slot);
            basket.customer.map(|c| (c, basket.placed_at))
        })
        .collect();
    purchases.sort_unstable();
    let mut intervals: Vec<f64> = Vec::new();
    let mut repeat_customers = 0u32;
    let mut last: Option<(u32, i64)> = None;
    let mut counted_customer = None;
    for &(customer, at) in &purchases {
        if let Some((previous_customer, previous_at)) = last {
            if previous_customer == customer {
                let days = (at - previous_at) as f64 / SECONDS_PER_DAY;
                if days < params.replenish_min_days {
                    continue; // same shopping trip: keep measuring from its start
                }
                intervals.push(days);
                if counted_customer != Some(customer) {
                    repeat_customers += 1;
                    counted_customer = Some(customer);
                }
            }
        }
        last = Some((customer, at));
    }
    if intervals.len() < params.replenish_min_intervals.max(1) as usize {
        return None;
    }
    intervals.sort_unstable_by(f64::total_cmp);
    let mid = intervals.len() / 2;
    let median = if intervals.len() % 2 == 0 {
        f64::midpoint(intervals[mid - 1], intervals[mid])
    } else {
        intervals[mid]
    };
    Some(Replenishment {
        median_days: median,
        repeat_customers,
        intervals: intervals.len() as u32,
    })
}
