//! The `customer_orders` index: which orders belong to which customer, so that one
//! customer's orders (post-purchase suggestions, privacy redaction) are found without
//! scanning every order.
//!
//! Key: the customer hash's 16 bytes, a `0` separator, then the order id's bytes; the
//! value is empty. Orders without a customer are not indexed. The order writes here
//! update the order and its index entry in one transaction, so a crash never leaves
//! them apart.
//!
//! A store written before the index existed has orders but no index: the first open
//! builds it from the orders in one batch and marks it built ([`BUILT_KEY`], shorter
//! than any entry), so a shop whose orders all lack a customer is not rescanned on
//! every open. No format version bump is needed: older builds never open the tree.

use sled::transaction::{
    ConflictableTransactionError, TransactionError, Transactional, TransactionalTree,
};
use sled::Batch;

use super::error::StoreError;
use super::shop::ShopStore;
use crate::model::{CustomerHash, Order, OrderId};

/// Marks the index as built. 5 bytes: every entry has at least 17.
pub(super) const BUILT_KEY: &[u8] = b"built";

/// Separates the customer hash from the order id in a key.
const SEPARATOR: u8 = 0;

/// `{customer}\0`: the prefix of all of one customer's entries.
fn customer_prefix(customer: &CustomerHash) -> Vec<u8> {
    let mut key = Vec::with_capacity(17);
    key.extend_from_slice(&customer.0);
    key.push(SEPARATOR);
    key
}

/// `{customer}\0{order id}`.
fn index_key(customer: &CustomerHash, order: &OrderId) -> Vec<u8> {
    let mut key = customer_prefix(customer);
    key.extend_from_slice(order.0.as_bytes());
    key
}

/// A transaction's error back as a store error.
fn storage_error(e: TransactionError<StoreError>) -> StoreError {
    match e {
        TransactionError::Storage(e) => StoreError::from(e),
        TransactionError::Abort(e) => e,
    }
}

impl ShopStore {
    /// Builds the index from the orders unless it is marked built (see the module doc).
    /// An unreadable order stops the build with its error, leaving the index unbuilt:
    /// a partial index would hide orders from [`remove_customer`](Self::remove_customer).
    pub(super) fn ensure_customer_index(&self) -> Result<(), StoreError> {
        let index = self.customer_orders.tree();
        if index.contains_key(BUILT_KEY)? {
            return Ok(());
        }
        let mut batch = Batch::default();
        for order in self.orders() {
            let order = order?;
            if let Some(customer) = &order.customer {
                batch.insert(index_key(customer, &order.id), &[]);
            }
        }
        batch.insert(BUILT_KEY, &[]);
        index.apply_batch(batch)?;
        Ok(())
    }

    /// Empties the index and marks it built (the orders are gone too).
    pub(super) fn reset_customer_index(&self) -> Result<(), StoreError> {
        let index = self.customer_orders.tree();
        index.clear()?;
        index.insert(BUILT_KEY, &[])?;
        Ok(())
    }

    /// Stores an order, replacing the previous version, and files it under its customer
    /// (moving it when the customer changed). Returns `false`, storing nothing, for an
    /// order that was forgotten or whose customer was (see `forgotten.rs`).
    pub fn put_order(&self, order: &Order) -> Result<bool, StoreError> {
        let key = order.id.0.as_bytes();
        let bytes = self.orders.encode(key, order)?;
        let new_entry = order.customer.map(|c| index_key(&c, &order.id));
        (
            self.orders.tree(),
            self.customer_orders.tree(),
            self.forgotten.tree(),
        )
            .transaction(|(orders, index, forgotten)| {
                if self.withhold(forgotten, order)? {
                    return Ok(false);
                }
                let old = orders.insert(key, bytes.as_slice())?;
                self.unindex(index, &order.id, old.as_deref(), new_entry.as_deref())?;
                if let Some(entry) = &new_entry {
                    index.insert(entry.as_slice(), &[])?;
                }
                Ok(true)
            })
            .map_err(storage_error)
    }

    /// Removes an order and its index entry; returns whether it was there.
    pub fn remove_order(&self, id: &OrderId) -> Result<bool, StoreError> {
        (self.orders.tree(), self.customer_orders.tree())
            .transaction(|(orders, index)| {
                let old = orders.remove(id.0.as_bytes())?;
                self.unindex(index, id, old.as_deref(), None)?;
                Ok(old.is_some())
            })
            .map_err(storage_error)
    }

    /// Drops the index entry of the previous version of order `id`, unless it is `keep`.
    /// A previous version that cannot be read leaves its entry:
    /// [`orders_of`](Self::orders_of) checks every entry against the order it points to.
    fn unindex(
        &self,
        index: &TransactionalTree,
        id: &OrderId,
        old: Option<&[u8]>,
        keep: Option<&[u8]>,
    ) -> Result<(), ConflictableTransactionError<StoreError>> {
        let old_customer = old
            .and_then(|bytes| self.orders.decode(id.0.as_bytes(), bytes).ok())
            .and_then(|o| o.customer);
        if let Some(customer) = old_customer {
            let entry = index_key(&customer, id);
            if keep != Some(entry.as_slice()) {
                index.remove(entry)?;
            }
        }
        Ok(())
    }

    /// The ids the index files under `customer`, in id byte order.
    fn indexed_order_ids(&self, customer: &CustomerHash) -> Result<Vec<OrderId>, StoreError> {
        let prefix = customer_prefix(customer);
        let index = &self.customer_orders;
        index
            .tree()
            .scan_prefix(&prefix)
            .keys()
            .map(|key| {
                let key = key?;
                let id = std::str::from_utf8(&key[prefix.len()..])
                    .map_err(|_| index.corrupt(&key, "order id is not UTF-8"))?;
                Ok(OrderId::new(id))
            })
            .collect()
    }

    /// Every order of `customer`, in id byte order, found through the index (no scan of
    /// all orders). Entries whose order is gone or now has another customer are skipped.
    pub fn orders_of(&self, customer: &CustomerHash) -> Result<Vec<Order>, StoreError> {
        let mut found = Vec::new();
        for id in self.indexed_order_ids(customer)? {
            match self.get_order(&id)? {
                Some(order) if order.customer.as_ref() == Some(customer) => found.push(order),
                _ => {}
            }
        }
        Ok(found)
    }

    /// Deletes every order of `customer` (privacy redaction) and their index entries in
    /// one transaction; returns how many orders. Found through the index, each order
    /// checked inside the transaction; an unreadable one aborts it with nothing deleted.
    pub fn remove_customer(&self, customer: &CustomerHash) -> Result<usize, StoreError> {
        let ids = self.indexed_order_ids(customer)?;
        (self.orders.tree(), self.customer_orders.tree())
            .transaction(|(orders, index)| {
                let mut removed = 0;
                for id in &ids {
                    index.remove(index_key(customer, id))?;
                    let key = id.0.as_bytes();
                    let Some(bytes) = orders.get(key)? else {
                        continue;
                    };
                    let order = self
                        .orders
                        .decode(key, &bytes)
                        .map_err(ConflictableTransactionError::Abort)?;
                    if order.customer.as_ref() == Some(customer) {
                        orders.remove(key)?;
                        removed += 1;
                    }
                }
                Ok(removed)
            })
            .map_err(storage_error)
    }
}

#[cfg(test)]
#[path = "customer_index_tests.rs"]
mod tests;
