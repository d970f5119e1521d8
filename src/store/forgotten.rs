//! The `forgotten` tree: customers and orders the shop was asked to forget (the
//! `forget` command, the platforms' redaction webhooks). Their orders are deleted, and
//! [`put_order`](ShopStore::put_order) refuses them from then on, so a later pull or
//! webhook never brings them back although the platform still has them.
//!
//! Keys: `c` and the customer hash's 16 bytes → when the customer was forgotten (unix
//! seconds); `o` and an order id's bytes → when that order was placed (unix seconds), so
//! the pulls can count withheld orders in their store-vs-platform check instead of
//! fetching them again every time. No customer id, name or email is kept: only the
//! salted hash the orders were already filed under.

use chrono::{DateTime, Utc};
use sled::transaction::{ConflictableTransactionError, TransactionalTree};

use super::error::StoreError;
use super::shop::ShopStore;
use crate::model::{CustomerHash, Order, OrderId};

/// `c{hash}`.
fn customer_key(customer: &CustomerHash) -> Vec<u8> {
    let mut key = Vec::with_capacity(17);
    key.push(b'c');
    key.extend_from_slice(&customer.0);
    key
}

/// `o{order id}`.
fn order_key(id: &OrderId) -> Vec<u8> {
    let mut key = Vec::with_capacity(1 + id.0.len());
    key.push(b'o');
    key.extend_from_slice(id.0.as_bytes());
    key
}

impl ShopStore {
    /// Forgets `customer`: records them, then deletes their orders (see the module doc);
    /// returns how many orders were deleted. Recorded first, so a crash part-way leaves
    /// the orders marked and the removal can simply be run again.
    pub fn forget_customer(
        &self,
        customer: &CustomerHash,
        at: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        self.forgotten
            .insert(&customer_key(customer), &at.timestamp())?;
        for order in self.orders_of(customer)? {
            self.forgotten
                .insert(&order_key(&order.id), &order.created_at.timestamp())?;
        }
        self.remove_customer(customer)
    }

    /// Forgets one order (a redaction naming it): records it, then deletes it; returns
    /// whether it was stored. An order never stored is recorded with time `at`.
    pub fn forget_order(&self, id: &OrderId, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let placed = self.get_order(id)?.map_or(at, |o| o.created_at);
        self.forgotten.insert(&order_key(id), &placed.timestamp())?;
        self.remove_order(id)
    }

    /// Whether `customer` was forgotten.
    pub fn is_forgotten(&self, customer: &CustomerHash) -> Result<bool, StoreError> {
        Ok(self.forgotten.get(&customer_key(customer))?.is_some())
    }

    /// Orders withheld because they were forgotten, placed at or after `since` (all when
    /// `None`): what the platform counts and the store deliberately does not hold.
    pub fn forgotten_order_count(&self, since: Option<DateTime<Utc>>) -> u64 {
        let floor = since.map_or(i64::MIN, |s| s.timestamp());
        self.forgotten
            .entries()
            .filter_map(Result::ok)
            .filter(|(key, placed)| key.first() == Some(&b'o') && *placed >= floor)
            .count() as u64
    }

    /// Inside `put_order`'s transaction: whether `order` is forgotten, by its id or its
    /// customer. An order of a forgotten customer is recorded as forgotten itself, so
    /// the pulls count it as withheld.
    pub(super) fn withhold(
        &self,
        forgotten: &TransactionalTree,
        order: &Order,
    ) -> Result<bool, ConflictableTransactionError<StoreError>> {
        let key = order_key(&order.id);
        if forgotten.get(&key)?.is_some() {
            return Ok(true);
        }
        let Some(customer) = &order.customer else {
            return Ok(false);
        };
        if forgotten.get(customer_key(customer))?.is_none() {
            return Ok(false);
        }
        let placed = self
            .forgotten
            .encode(&key, &order.created_at.timestamp())
            .map_err(ConflictableTransactionError::Abort)?;
        forgotten.insert(key, placed)?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::model::{LineItem, Money, OrderFlags, ProductId};
    use crate::store::Store;

    fn order(id: &str, customer: u8, day: u32) -> Order {
        Order {
            id: OrderId::new(id),
            created_at: Utc.with_ymd_and_hms(2024, 5, day, 9, 0, 0).unwrap(),
            customer: Some(CustomerHash([customer; 16])),
            flags: OrderFlags::default(),
            lines: vec![LineItem {
                product: ProductId::new("p1"),
                variant: None,
                quantity: 1,
                unit_price: Money(1_000),
            }],
        }
    }

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 6, 1, 0, 0, 0).unwrap()
    }

    #[test]
    fn a_forgotten_customer_loses_their_orders_and_none_is_stored_again() {
        let store = Store::open_temporary().unwrap();
        let shop = store.shop("s").unwrap();
        for o in [order("a", 1, 1), order("b", 1, 2), order("c", 2, 3)] {
            assert!(shop.put_order(&o).unwrap());
        }
        let gone = CustomerHash([1; 16]);
        assert_eq!(shop.forget_customer(&gone, at()).unwrap(), 2);
        assert!(shop.is_forgotten(&gone).unwrap());
        assert!(!shop.is_forgotten(&CustomerHash([2; 16])).unwrap());
        assert_eq!(shop.order_count(), 1);
        // Pulled again, and a new order of theirs: refused, and counted as withheld.
        assert!(!shop.put_order(&order("a", 1, 1)).unwrap());
        assert!(!shop.put_order(&order("d", 1, 20)).unwrap());
        assert_eq!(shop.order_count(), 1);
        assert_eq!(shop.forgotten_order_count(None), 3);
        let since = Utc.with_ymd_and_hms(2024, 5, 10, 0, 0, 0).unwrap();
        assert_eq!(shop.forgotten_order_count(Some(since)), 1);
        assert!(shop.orders_of(&gone).unwrap().is_empty());
    }

    #[test]
    fn a_forgotten_order_is_refused_whoever_it_belongs_to() {
        let store = Store::open_temporary().unwrap();
        let shop = store.shop("s").unwrap();
        shop.put_order(&order("a", 1, 1)).unwrap();
        assert!(shop.forget_order(&OrderId::new("a"), at()).unwrap());
        assert!(!shop
            .forget_order(&OrderId::new("never-seen"), at())
            .unwrap());
        assert!(!shop.put_order(&order("a", 3, 1)).unwrap());
        assert!(!shop.put_order(&order("never-seen", 3, 1)).unwrap());
        assert!(
            shop.put_order(&order("b", 1, 1)).unwrap(),
            "the customer is not forgotten"
        );
        assert_eq!(shop.order_count(), 1);
    }
}
