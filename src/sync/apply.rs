//! Applying webhook events to a shop's store. Every step is idempotent (upserts and
//! deletes by id), so a batch applied again after a crash changes nothing more, and a
//! delivery that matches what the store already holds — above all the platform's echo
//! of our own writes, since WooCommerce fires `product.updated` for every write we make
//! — is recognised here and causes no recompute and no push.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::model::{Order, OrderId, Product};
use crate::platform::webhook_event::WebhookEvent;
use crate::store::{ShopHalt, ShopStore, StoreError};

/// What a batch of events changed, for the recommender and the pipeline.
#[derive(Debug, Default)]
pub struct Applied {
    /// Orders to count (`Some`, the latest version) or to forget (`None`), by id.
    pub orders: BTreeMap<OrderId, Option<Order>>,
    /// Products or customers changed: the lists need a full recompute.
    pub catalog_changed: bool,
    /// A product arrived without its variants: an incremental pull fetches them.
    pub pull_soon: bool,
    /// Events that changed the store.
    pub applied: u64,
    /// Events that changed nothing (echoes, repeats, topics we do not act on).
    pub ignored: u64,
    /// Set when the shop must stop.
    pub halt: Option<ShopHalt>,
}

impl Applied {
    /// Whether anything changed that the lists or the platform must reflect.
    #[must_use]
    pub fn changed_lists(&self) -> bool {
        self.catalog_changed || !self.orders.is_empty()
    }

    /// The orders to count and those to forget.
    #[must_use]
    pub fn order_changes(&self) -> (Vec<Order>, Vec<OrderId>) {
        let mut upserts = Vec::new();
        let mut withdrawn = Vec::new();
        for (id, order) in &self.orders {
            match order {
                Some(order) => upserts.push(order.clone()),
                None => withdrawn.push(id.clone()),
            }
        }
        (upserts, withdrawn)
    }
}

/// Applies one event to `shop`'s store and notes what it changed in `applied`. A shop
/// that is stopped only honours privacy requests.
pub fn apply(
    shop: &ShopStore,
    event: WebhookEvent,
    stopped: bool,
    now: DateTime<Utc>,
    applied: &mut Applied,
) -> Result<(), StoreError> {
    let changed = match event {
        WebhookEvent::CustomerRedact { customer, orders } => {
            redact_customer(shop, customer.as_ref(), &orders, now, applied)?
        }
        WebhookEvent::ShopRedact => {
            shop.clear_data()?;
            applied.halt = Some(ShopHalt::Redacted { at: now });
            applied.orders.clear();
            true
        }
        WebhookEvent::CustomerDataRequest | WebhookEvent::Ignored(_) => false,
        _ if stopped => false,
        WebhookEvent::Order(order) => upsert_order(shop, order, applied)?,
        WebhookEvent::OrderDeleted(id) => {
            let removed = shop.remove_order(&id)?;
            if removed {
                applied.orders.insert(id, None);
            }
            removed
        }
        WebhookEvent::Product { product, complete } => {
            upsert_product(shop, product, complete, applied)?
        }
        WebhookEvent::ProductDeleted(id) => {
            let removed = shop.remove_product(&id)?;
            shop.remove_recs(&id)?;
            shop.clear_written(&id)?;
            applied.catalog_changed |= removed;
            removed
        }
        WebhookEvent::Uninstalled => {
            applied.halt = Some(ShopHalt::Uninstalled { at: now });
            true
        }
    };
    if changed {
        applied.applied += 1;
    } else {
        applied.ignored += 1;
    }
    Ok(())
}

/// Stores a new or changed order; a repeat of the stored version, and an order of a
/// forgotten customer (which the store refuses), change nothing.
fn upsert_order(shop: &ShopStore, order: Order, applied: &mut Applied) -> Result<bool, StoreError> {
    if shop.get_order(&order.id)?.as_ref() == Some(&order) || !shop.put_order(&order)? {
        return Ok(false);
    }
    applied.orders.insert(order.id.clone(), Some(order));
    Ok(true)
}

/// Stores a product whose content changed. The comparison ignores `updated_at`, which
/// moves with every write, ours included: an echo of our own push is the same product.
fn upsert_product(
    shop: &ShopStore,
    mut product: Product,
    complete: bool,
    applied: &mut Applied,
) -> Result<bool, StoreError> {
    let stored = shop.get_product(&product.id)?;
    if !complete {
        if let Some(stored) = &stored {
            product.variants.clone_from(&stored.variants);
        }
    }
    if stored.as_ref().is_some_and(|s| same_content(s, &product)) {
        return Ok(false);
    }
    if !complete {
        // Stored now so the product is known; its variants come with the next pull.
        applied.pull_soon = true;
    }
    shop.put_product(&product)?;
    applied.catalog_changed = true;
    Ok(true)
}

/// Equal but for `updated_at`.
fn same_content(a: &Product, b: &Product) -> bool {
    let mut b = b.clone();
    b.updated_at = a.updated_at;
    *a == b
}

/// Forgets the orders a redaction names and the customer with every order of theirs:
/// deleted now, and refused when a later pull or webhook brings them again.
fn redact_customer(
    shop: &ShopStore,
    customer: Option<&crate::model::CustomerHash>,
    orders: &[OrderId],
    now: DateTime<Utc>,
    applied: &mut Applied,
) -> Result<bool, StoreError> {
    let mut removed = 0;
    for id in orders {
        removed += usize::from(shop.forget_order(id, now)?);
        applied.orders.remove(id);
    }
    if let Some(customer) = customer {
        removed += shop.forget_customer(customer, now)?;
        applied
            .orders
            .retain(|_, order| order.as_ref().is_none_or(|o| o.customer != Some(*customer)));
    }
    applied.catalog_changed |= removed > 0;
    Ok(removed > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CustomerHash, InstallSalt, LineItem, Money, OrderFlags};
    use crate::sim::catalog::{generate, ShopSpec};
    use crate::store::Store;

    fn shop_with_data() -> (Store, ShopStore, Vec<Product>, Vec<Order>) {
        let store = Store::open_temporary().unwrap();
        let shop = store.shop("s").unwrap();
        let data = generate(&ShopSpec::new(3, 50, 200));
        for p in &data.products {
            shop.put_product(p).unwrap();
        }
        for o in &data.orders {
            shop.put_order(o).unwrap();
        }
        (store, shop, data.products, data.orders)
    }

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap()
    }

    fn step(shop: &ShopStore, event: WebhookEvent, stopped: bool, applied: &mut Applied) {
        apply(shop, event, stopped, now(), applied).unwrap();
    }

    #[test]
    fn an_echo_of_our_own_write_changes_nothing() {
        let (_store, shop, products, _) = shop_with_data();
        let mut echo = products[0].clone();
        echo.updated_at += chrono::Duration::seconds(5);
        let mut applied = Applied::default();
        step(
            &shop,
            WebhookEvent::Product {
                product: echo.clone(),
                complete: true,
            },
            false,
            &mut applied,
        );
        let mut partial = echo;
        partial.variants.clear();
        step(
            &shop,
            WebhookEvent::Product {
                product: partial,
                complete: false,
            },
            false,
            &mut applied,
        );
        assert_eq!((applied.applied, applied.ignored), (0, 2));
        assert!(!applied.changed_lists() && !applied.pull_soon);
    }

    #[test]
    fn a_changed_product_is_stored_and_asks_for_a_recompute() {
        let (_store, shop, products, _) = shop_with_data();
        let mut changed = products[1].clone();
        changed.title.push_str(" (new)");
        let mut applied = Applied::default();
        step(
            &shop,
            WebhookEvent::Product {
                product: changed.clone(),
                complete: true,
            },
            false,
            &mut applied,
        );
        assert_eq!(shop.get_product(&changed.id).unwrap(), Some(changed));
        assert!(applied.catalog_changed);
    }

    #[test]
    fn orders_are_upserted_once_and_deletes_are_remembered() {
        let (_store, shop, products, orders) = shop_with_data();
        let new = Order {
            id: OrderId::new("new-1"),
            created_at: now(),
            customer: None,
            flags: OrderFlags::default(),
            lines: vec![LineItem {
                product: products[0].id.clone(),
                variant: None,
                quantity: 1,
                unit_price: Money::parse("9.50").unwrap(),
            }],
        };
        let mut applied = Applied::default();
        step(&shop, WebhookEvent::Order(new.clone()), false, &mut applied);
        step(&shop, WebhookEvent::Order(new.clone()), false, &mut applied);
        step(
            &shop,
            WebhookEvent::OrderDeleted(orders[0].id.clone()),
            false,
            &mut applied,
        );
        assert_eq!((applied.applied, applied.ignored), (2, 1));
        let (upserts, withdrawn) = applied.order_changes();
        assert_eq!(upserts, vec![new]);
        assert_eq!(withdrawn, vec![orders[0].id.clone()]);
        assert_eq!(shop.get_order(&orders[0].id).unwrap(), None);
    }

    #[test]
    fn a_stopped_shop_honours_privacy_requests_only() {
        let (_store, shop, products, orders) = shop_with_data();
        let salt = InstallSalt([7; 32]);
        let customer = CustomerHash::new(&salt, "c-1");
        let mut theirs = orders[0].clone();
        theirs.customer = Some(customer);
        shop.put_order(&theirs).unwrap();
        let mut applied = Applied::default();
        step(
            &shop,
            WebhookEvent::ProductDeleted(products[0].id.clone()),
            true,
            &mut applied,
        );
        assert!(shop.get_product(&products[0].id).unwrap().is_some());
        let redact = WebhookEvent::CustomerRedact {
            customer: Some(customer),
            orders: vec![orders[1].id.clone()],
        };
        apply(&shop, redact, true, now(), &mut applied).unwrap();
        assert_eq!(shop.get_order(&theirs.id).unwrap(), None);
        assert_eq!(shop.get_order(&orders[1].id).unwrap(), None);
        apply(&shop, WebhookEvent::ShopRedact, true, now(), &mut applied).unwrap();
        assert_eq!((shop.product_count(), shop.order_count()), (0, 0));
        assert!(matches!(applied.halt, Some(ShopHalt::Redacted { .. })));
    }
}
