//! Global ids and wire formats: `gid://shopify/{Type}/{n}`, timestamps with whole
//! seconds and a `Z` as Shopify writes them, and decimal money strings.

use chrono::{DateTime, SecondsFormat, Utc};

use crate::model::{CustomerHash, Money};

/// First numeric id of each kind, so ids of different kinds never look alike.
pub(crate) const PRODUCT_BASE: u64 = 7_000_000_000_000;
pub(crate) const VARIANT_BASE: u64 = 40_000_000_000_000;
pub(crate) const ORDER_BASE: u64 = 5_000_000_000_000;
pub(crate) const LINE_ITEM_BASE: u64 = 13_000_000_000_000;
pub(crate) const METAFIELD_BASE: u64 = 20_000_000_000_000;
pub(crate) const CUSTOMER_BASE: u64 = 6_000_000_000_000;
pub(crate) const BULK_BASE: u64 = 3_000_000_000_000;
/// The shop's and the app installation's fixed ids.
pub(crate) const SHOP_ID: u64 = 60_000_000_001;
pub(crate) const APP_INSTALLATION_ID: u64 = 700_000_000_001;
/// The app's API client id, which names its reserved namespace (`app--{id}`).
pub(crate) const APP_CLIENT_ID: u64 = 347_082_227_713;

/// `gid://shopify/{kind}/{n}`.
pub(crate) fn gid(kind: &str, n: u64) -> String {
    format!("gid://shopify/{kind}/{n}")
}

/// The kind and number of a GID, if it is one.
pub(crate) fn parse_gid(gid: &str) -> Option<(&str, u64)> {
    let rest = gid.strip_prefix("gid://shopify/")?;
    let (kind, n) = rest.split_once('/')?;
    let n = n.split(['?', '/']).next()?;
    Some((kind, n.parse().ok()?))
}

/// The number of a GID of `kind`.
pub(crate) fn parse_kind(gid: &str, kind: &str) -> Option<u64> {
    match parse_gid(gid) {
        Some((k, n)) if k == kind => Some(n),
        _ => None,
    }
}

/// A stable customer number derived from the order's salted customer hash: the same
/// customer always gets the same GID, and no real identity is involved.
pub(crate) fn customer_number(hash: &CustomerHash) -> u64 {
    let mut bytes = [0u8; 8];
    bytes[..5].copy_from_slice(&hash.0[..5]);
    CUSTOMER_BASE + u64::from_le_bytes(bytes) % 1_000_000_000_000
}

/// `2026-11-20T10:00:00Z`: whole seconds, UTC, as the Admin API writes `DateTime`.
pub(crate) fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A `Money`/`Decimal` string with at least two decimals: `"12.50"`.
pub(crate) fn money(amount: Money) -> String {
    amount.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn gids_round_trip_and_reject_other_kinds() {
        let id = gid("Product", 7_000_000_000_001);
        assert_eq!(id, "gid://shopify/Product/7000000000001");
        assert_eq!(parse_kind(&id, "Product"), Some(7_000_000_000_001));
        assert_eq!(parse_kind(&id, "Order"), None);
        assert_eq!(parse_gid("gid://shopify/Product/abc"), None);
        assert_eq!(parse_gid("7000000000001"), None);
    }

    #[test]
    fn timestamps_have_whole_seconds_and_z() {
        let at = Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap();
        assert_eq!(timestamp(at), "2026-11-20T10:00:00Z");
    }

    #[test]
    fn money_keeps_two_decimals() {
        assert_eq!(money(Money::parse("12.5").unwrap()), "12.50");
        assert_eq!(money(Money::parse("3").unwrap()), "3.00");
    }
}
