//! A planted scenario whose every figure is worked out by hand below.
//!
//! Anchors A, B are treated; C, D are held out. Cross-sell lists: A→[x], B→[y], C→[x],
//! D→[y]. Upsell: A→[u]. Prices: x 10.00, y 5.00, u 20.00 (anchors 1.00).
//!
//! | order | day   | items                 | cross-sell                 | upsell (A→u) |
//! |-------|-------|-----------------------|----------------------------|--------------|
//! | 1     | 06-01 | A, x×2                | A attached, rev 20         | A no         |
//! | 2     | 06-01 | A, u                  | A no                       | A yes, rev 20|
//! | 3     | 06-01 | A, y                  | A no (y not on A's list)   | A no         |
//! | 4     | 06-01 | B, y                  | B attached, rev 5          |              |
//! | 5     | 06-02 | B, x                  | B no                       |              |
//! | 6     | 06-02 | A, B, x, y×3          | A, B attached, rev 10 + 15 | A no         |
//! | 7     | 06-02 | C, x                  | C attached (holdout)       |              |
//! | 8     | 06-02 | C                     | C no                       |              |
//! | 9     | 06-04 | D, y                  | D attached                 |              |
//! | 10    | 06-04 | D                     | D no                       |              |
//! | 11    | 06-04 | C, D                  | C no, D no                 |              |
//! | 12    | 06-04 | C, x, A               | C attached, A attached, 10 | A no         |
//!
//! Cross-sell: treated n₁ = 5 (A) + 3 (B) = 8, a₁ = 3 + 2 = 5, rate 0.625; holdout
//! n₂ = 4 (C) + 3 (D) = 7, a₂ = 2 + 1 = 3, rate 3/7. Ratio = 0.625 · 7/3 = 35/24, lift
//! 11/24 = 0.458333…; se = √(1/5 − 1/8 + 1/3 − 1/7) = √0.2654761905 = 0.5152438165;
//! bounds exp(ln(35/24) ∓ 1.96·se) − 1 = −0.4687824533, 3.0035125431.
//! Revenue 20 + 5 + 25 + 10 = 60.00. Upsell: treated 5 occurrences, 1 attached, holdout
//! none → no lift; revenue 20.00.
//!
//! Daily, all kinds: 06-01 treated 4 cross (2 att) + 3 upsell (1 att) = (7, 3);
//! 06-02 treated 3 cross (2) + 1 upsell (0) = (4, 2), holdout (2, 1); 06-03 empty;
//! 06-04 treated 1 cross (1) + 1 upsell (0) = (2, 1), holdout 5 (2).

use std::collections::HashMap;

use chrono::{NaiveDate, TimeZone, Utc};

use super::*;
use crate::model::{LineItem, OrderFlags, OrderId};

type Lists = HashMap<(ProductId, OfferKind), Vec<ProductId>>;

fn id(s: &str) -> ProductId {
    ProductId::new(s)
}

fn at(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 6, day, hour, 0, 0).unwrap()
}

fn price(item: &str) -> Money {
    match item {
        "x" => Money(100_000),
        "y" => Money(50_000),
        "u" => Money(200_000),
        _ => Money(10_000),
    }
}

fn order(n: u32, when: DateTime<Utc>, items: &[(&str, u32)]) -> Order {
    Order {
        id: OrderId::new(n.to_string()),
        created_at: when,
        customer: None,
        flags: OrderFlags::default(),
        lines: items
            .iter()
            .map(|&(p, quantity)| LineItem {
                product: id(p),
                variant: None,
                quantity,
                unit_price: price(p),
            })
            .collect(),
    }
}

fn lists() -> Lists {
    let mut lists = HashMap::new();
    for (anchor, item) in [("A", "x"), ("B", "y"), ("C", "x"), ("D", "y")] {
        lists.insert(
            (id(anchor), OfferKind::List(ListKind::CrossSell)),
            vec![id(item)],
        );
    }
    lists.insert((id("A"), OfferKind::List(ListKind::Upsell)), vec![id("u")]);
    lists.insert((id("B"), OfferKind::List(ListKind::Upsell)), Vec::new()); // empty: no occurrence
    lists
}

fn planted() -> Vec<Order> {
    vec![
        order(1, at(1, 9), &[("A", 1), ("x", 2)]),
        order(2, at(1, 10), &[("A", 1), ("u", 1)]),
        order(3, at(1, 11), &[("A", 1), ("y", 1)]),
        order(4, at(1, 12), &[("B", 1), ("y", 1)]),
        order(5, at(2, 9), &[("B", 1), ("x", 1)]),
        order(6, at(2, 10), &[("A", 1), ("B", 1), ("x", 1), ("y", 3)]),
        order(7, at(2, 11), &[("C", 1), ("x", 1)]),
        order(8, at(2, 12), &[("C", 1)]),
        order(9, at(4, 9), &[("D", 1), ("y", 1)]),
        order(10, at(4, 10), &[("D", 1)]),
        order(11, at(4, 11), &[("C", 1), ("D", 1)]),
        order(12, at(4, 23), &[("C", 1), ("x", 1), ("A", 1)]),
    ]
}

/// Orders that must change nothing: not sales, or outside `[06-01, 06-05)`.
fn ignored() -> Vec<Order> {
    let mut cancelled = order(13, at(2, 13), &[("A", 1), ("x", 1)]);
    cancelled.flags.cancelled = true;
    let mut test = order(14, at(2, 14), &[("B", 1), ("y", 1)]);
    test.flags.test = true;
    let mut refunded = order(15, at(4, 15), &[("C", 1), ("x", 1)]);
    refunded.flags.refunded = true;
    let at_end = order(16, at(5, 0), &[("A", 1), ("x", 1)]);
    let before = order(
        17,
        Utc.with_ymd_and_hms(2024, 5, 31, 23, 59, 59).unwrap(),
        &[("D", 1), ("y", 1)],
    );
    vec![cancelled, test, refunded, at_end, before]
}

fn run(orders: &[Order], from: DateTime<Utc>, to: DateTime<Utc>) -> Impact {
    let lists = lists();
    measure(
        orders,
        from,
        to,
        |p, k| lists.get(&(p.clone(), k)).map(Vec::as_slice),
        |p| p.as_str() == "C" || p.as_str() == "D",
    )
}

fn count(occurrences: u64, attached: u64) -> AttachCount {
    AttachCount {
        occurrences,
        attached,
    }
}

fn close(actual: f64, expected: f64) {
    assert!((actual - expected).abs() < 1e-9, "{actual} != {expected}");
}

#[test]
fn planted_cross_sells_give_the_hand_computed_rates_lift_interval_and_revenue() {
    let impact = run(&planted(), at(1, 0), at(5, 0));
    let cross = &impact.kinds[0];
    assert_eq!(cross.kind, OfferKind::List(ListKind::CrossSell));
    assert_eq!((cross.treated, cross.holdout), (count(8, 5), count(7, 3)));
    close(cross.treated.rate().unwrap(), 0.625);
    close(cross.holdout.rate().unwrap(), 3.0 / 7.0);
    let lift = cross.lift.unwrap();
    close(lift.estimate, 11.0 / 24.0);
    close(lift.low, -0.468_782_453_347_991_3);
    close(lift.high, 3.003_512_543_052_911);
    assert_eq!(cross.revenue, Money(600_000));
}

#[test]
fn a_kind_without_holdout_occurrences_has_rates_and_revenue_but_no_lift() {
    let impact = run(&planted(), at(1, 0), at(5, 0));
    let upsell = &impact.kinds[1];
    assert_eq!(upsell.kind, OfferKind::List(ListKind::Upsell));
    assert_eq!((upsell.treated, upsell.holdout), (count(5, 1), count(0, 0)));
    assert_eq!(upsell.holdout.rate(), None);
    assert_eq!(upsell.lift, None);
    assert_eq!(upsell.revenue, Money(200_000));
    for other in &impact.kinds[2..] {
        assert_eq!((other.treated, other.revenue), (count(0, 0), Money(0)));
    }
}

#[test]
fn the_daily_series_sums_kinds_per_utc_day_and_fills_empty_days() {
    let impact = run(&planted(), at(1, 0), at(5, 0));
    let day = |d| NaiveDate::from_ymd_opt(2024, 6, d).unwrap();
    let expected = [
        (day(1), count(7, 3), count(0, 0)),
        (day(2), count(4, 2), count(2, 1)),
        (day(3), count(0, 0), count(0, 0)),
        (day(4), count(2, 1), count(5, 2)),
    ];
    let got: Vec<_> = impact
        .daily
        .iter()
        .map(|p| (p.day, p.treated, p.holdout))
        .collect();
    assert_eq!(got, expected);
}

#[test]
fn cancelled_test_refunded_and_out_of_period_orders_change_nothing() {
    let mut all = planted();
    all.extend(ignored());
    assert_eq!(
        run(&all, at(1, 0), at(5, 0)),
        run(&planted(), at(1, 0), at(5, 0))
    );
    let only_ignored = run(&ignored(), at(1, 0), at(5, 0));
    assert!(only_ignored.daily.is_empty());
    assert!(only_ignored
        .kinds
        .iter()
        .all(|k| k.treated == count(0, 0) && k.holdout == count(0, 0)));
}

#[test]
fn the_period_includes_its_start_and_excludes_its_end() {
    // [06-02 09:00, 06-04 09:00): orders 5–8 only (order 9 is placed at the end).
    let impact = run(&planted(), at(2, 9), at(4, 9));
    let cross = &impact.kinds[0];
    assert_eq!((cross.treated, cross.holdout), (count(3, 2), count(2, 1)));
    assert_eq!(cross.revenue, Money(250_000));
    assert_eq!(impact.daily.len(), 1);
    // An empty or reversed period measures nothing.
    assert!(run(&planted(), at(4, 0), at(1, 0)).daily.is_empty());
}

#[test]
fn lift_needs_attached_occurrences_in_both_groups() {
    assert_eq!(Lift::between(count(10, 0), count(10, 5)), None);
    assert_eq!(Lift::between(count(10, 5), count(0, 0)), None);
    let even = Lift::between(count(10, 10), count(20, 20)).unwrap();
    // Both rates 1: ratio 1, se √(1/10 − 1/10 + 1/20 − 1/20) = 0, interval [0, 0].
    assert_eq!((even.estimate, even.low, even.high), (0.0, 0.0, 0.0));
}

#[test]
fn bundles_are_measured_by_their_partners_like_a_list() {
    let mut lists = Lists::new();
    lists.insert((id("A"), OfferKind::Bundles), vec![id("x"), id("u")]);
    lists.insert((id("C"), OfferKind::Bundles), vec![id("x")]);
    let impact = measure(
        &planted(),
        at(1, 0),
        at(5, 0),
        |p, k| lists.get(&(p.clone(), k)).map(Vec::as_slice),
        |p| p.as_str() == "C" || p.as_str() == "D",
    );
    let bundles = &impact.kinds[4];
    assert_eq!(bundles.kind, OfferKind::Bundles);
    // A (treated) is in orders 1, 2, 3, 6 and 12; a partner is there in all but 3.
    // C (held out) is in orders 7, 8, 11 and 12; x is there in 7 and 12.
    assert_eq!(
        (bundles.treated, bundles.holdout),
        (count(5, 4), count(4, 2))
    );
    let lift = bundles.lift.unwrap();
    close(lift.estimate, (4.0 / 5.0) / (2.0 / 4.0) - 1.0);
    // Partner lines with A: x×2 (order 1), u (2), x (6), x (12).
    assert_eq!(bundles.revenue, Money(price("x").0 * 4 + price("u").0));
    assert!(impact.kinds[..4]
        .iter()
        .all(|k| k.treated == count(0, 0) && k.holdout == count(0, 0)));
}
