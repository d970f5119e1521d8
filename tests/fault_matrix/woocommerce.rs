//! The WooCommerce rig: a simulated store of 220 products and 220 orders (three pages
//! of each), a client with the daemon's retry policy on a `ManualClock` and one
//! request at a time (so the requests of the failing call can be counted exactly), and
//! the case's fault turned into the simulator's (`src/sim/woocommerce/faults.rs`).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use upsell_sync::config::{Secret, WooAuth, WriteConfig, WriteMode};
use upsell_sync::model::{InstallSalt, OrderId, ProductId};
use upsell_sync::platform::retry::{ManualClock, RetryPolicy};
use upsell_sync::platform::woocommerce::client::{ClientSettings, WooClient};
use upsell_sync::platform::woocommerce::fields::{self, Wanted};
use upsell_sync::platform::woocommerce::pacing::PacingSettings;
use upsell_sync::recommend::Params;
use upsell_sync::sim::woocommerce::{Rewrite, SimWoo, SimWooConfig, WooFault};
use upsell_sync::store::{ShopStore, Store};
use upsell_sync::sync::compute::compute_shop;
use upsell_sync::sync::woocommerce::pull::{pull, PullOptions};
use upsell_sync::sync::woocommerce::push::{push, PushOptions};

use crate::cases::{Case, Fault, Operation};
use crate::check::{Snapshot, ODD_TITLES};
use crate::shopify::LONE_SURROGATE_MARK;
use crate::{Outcome, Rig, SHOP};

/// Position (in id order, which is also the order they are changed in) of the record
/// on the middle page whose page comes back empty.
const MIDDLE: usize = 150;

pub struct WooRig {
    sim: SimWoo,
    clock: ManualClock,
    client: WooClient<ManualClock>,
    _store: Store,
    shop: ShopStore,
    salt: InstallSalt,
}

impl Rig for WooRig {
    async fn start(case: &Case) -> Self {
        let clock = ManualClock::new();
        let config = SimWooConfig::default()
            .with_generated(21, 220, 220)
            .with_clock(Arc::new(clock.clone()));
        let sim = SimWoo::start(config).await.expect("simulator starts");
        let state = sim.state();
        let settings = ClientSettings {
            base_url: sim.base_url().to_owned(),
            consumer_key: Secret::new(state.consumer_key()),
            consumer_secret: Secret::new(state.consumer_secret()),
            auth: WooAuth::Auto,
            timeout: Duration::from_secs(2),
            retry: RetryPolicy::default(),
            pacing: PacingSettings {
                requests_per_second: 1_000.0,
                burst: 100,
                max_concurrency: 1,
            },
            root_certificate_pem: None,
        };
        let client =
            WooClient::new(settings, Arc::new(clock.clone()), clock.clone()).expect("client");
        let store = Store::open_temporary().expect("store");
        let shop = store.shop(SHOP).expect("shop");
        let rig = Self {
            sim,
            clock,
            client,
            _store: store,
            shop,
            salt: InstallSalt([6; 32]),
        };
        rig.pull(true).await.expect("the first sync");
        if case.operation == Operation::Push {
            rig.compute();
            rig.push().await.expect("the first push");
        }
        rig
    }

    async fn run(&self, case: &Case) -> anyhow::Result<Outcome> {
        match case.operation {
            Operation::Pull | Operation::Bulk => self.pull(false).await,
            Operation::FullWalk => self.pull(true).await,
            Operation::Push => self.push().await,
        }
    }

    fn touch(&self, case: &Case) {
        let state = self.sim.state();
        if case.operation == Operation::Push {
            // The lists are what a push writes: forget what was written, and empty them
            // on the store (a merchant clearing them), so all of it is written again.
            for id in self.shop.product_ids() {
                let id = id.expect("id");
                self.shop.clear_written(&id).expect("clear");
                let number: u64 = id.as_str().parse().expect("a numeric id");
                assert!(state.set_linked_ids(number, Vec::new(), Vec::new()));
            }
            return;
        }
        // Twenty seconds apart: every page's changes span more than the overlap window.
        for product in self.listed_products() {
            self.clock.advance(Duration::from_secs(20));
            state.update_product(product, |p| p.name.push('+'));
        }
        for order in self.listed_orders() {
            self.clock.advance(Duration::from_secs(20));
            let status = state.order(order).expect("listed").status;
            let toggled = if status == "refunded" {
                "completed"
            } else {
                "refunded"
            };
            assert!(
                state.set_order_status(order, toggled),
                "order {order} changed"
            );
        }
        self.clock.advance(Duration::from_secs(60));
    }

    fn inject(&self, case: &Case, times: usize) {
        let state = self.sim.state();
        let target = case.target;
        let queue = |fault: WooFault, times| state.push_faults_for(target, &fault, times);
        let pass_one = || queue(WooFault::Delay(Duration::ZERO), 1);
        let products = target == "GET /products";
        match case.fault {
            Fault::TooManyRequests(seconds) => queue(
                WooFault::TooManyRequests {
                    retry_after_secs: seconds,
                },
                times,
            ),
            Fault::Status(code) => queue(WooFault::Status(code), times),
            Fault::Timeout => queue(WooFault::Slow(Duration::from_secs(4)), times),
            Fault::ResetMidBody => queue(WooFault::ResetMidBody, times),
            Fault::TruncatedJson => queue(WooFault::MalformedJson, times),
            Fault::MalformedJson => queue(WooFault::InvalidJson, times),
            Fault::EmptyPageInMiddle => {
                let middle = if products {
                    self.listed_products()[MIDDLE]
                } else {
                    self.listed_orders()[MIDDLE]
                };
                queue(WooFault::Rewrite(empty_page_holding(middle)), times);
            }
            Fault::VanishedBetweenPages => {
                pass_one();
                if products {
                    queue(WooFault::DeleteProductFirst(self.listed_products()[0]), 1);
                } else {
                    queue(WooFault::TrashOrderFirst(self.listed_orders()[0]), 1);
                }
            }
            Fault::HugeDescription => {
                let first = self.listed_products()[0];
                state.update_product(first, |p| p.description = "<p>long</p>".repeat(500_000));
            }
            Fault::OddUnicode => {
                for (id, title) in self.listed_products().into_iter().zip(ODD_TITLES) {
                    state.update_product(id, |p| title.clone_into(&mut p.name));
                }
            }
            Fault::WrongShapeAnswer => queue(WooFault::Rewrite(wrong_shape_batch_answer()), times),
            data => queue(WooFault::Rewrite(record_rewrite(data, products)), times),
        }
    }

    fn clear_faults(&self) {
        self.sim.state().clear_faults();
    }

    fn faults_served(&self) -> u64 {
        self.sim.state().counters().faults_injected
    }

    fn waited(&self) -> Duration {
        self.clock.elapsed()
    }

    fn snapshot(&self) -> Snapshot {
        Snapshot::of(&self.shop)
    }

    fn assert_matches_platform(&self, case: &Case) {
        if case.operation == Operation::Push {
            self.assert_lists_pushed(case.name);
        } else {
            self.assert_store_matches_shop(case.name);
        }
    }
}

impl WooRig {
    async fn pull(&self, full: bool) -> anyhow::Result<Outcome> {
        let options = PullOptions {
            full,
            overlap: chrono::Duration::minutes(10),
            sale_statuses: vec!["processing".to_owned(), "completed".to_owned()],
            concurrency: 1,
        };
        let report = pull(&self.client, &self.shop, &self.salt, &options).await?;
        Ok(Outcome {
            problems: report.problems,
        })
    }

    fn compute(&self) {
        compute_shop(&self.shop, &Params::default(), self.sim.state().now()).expect("compute");
    }

    async fn push(&self) -> anyhow::Result<Outcome> {
        let options = PushOptions {
            write: WriteConfig {
                mode: WriteMode::Merge,
                ..WriteConfig::default()
            },
            batch_size: 100,
            now: self.sim.state().now(),
        };
        let report = push(&self.client, &self.shop, &options).await?;
        Ok(Outcome {
            problems: report.problems,
        })
    }

    /// Ids of the products WooCommerce lists (not trashed), in id order.
    fn listed_products(&self) -> Vec<u64> {
        self.sim
            .state()
            .products()
            .into_iter()
            .filter(|p| p.status != "trash")
            .map(|p| p.id)
            .collect()
    }

    /// Ids of the orders WooCommerce lists (not trashed), in id order.
    fn listed_orders(&self) -> Vec<u64> {
        self.sim
            .state()
            .orders()
            .into_iter()
            .filter(|o| o.status != "trash")
            .map(|o| o.id)
            .collect()
    }

    /// Every product and order WooCommerce lists equals what the store holds.
    fn assert_store_matches_shop(&self, case: &str) {
        let state = self.sim.state();
        let listed: Vec<_> = state
            .products()
            .into_iter()
            .filter(|p| p.status != "trash")
            .collect();
        assert_eq!(
            self.shop.product_count(),
            listed.len(),
            "{case}: product count"
        );
        for sim in &listed {
            let stored = self
                .shop
                .get_product(&ProductId::new(sim.id.to_string()))
                .expect("read")
                .unwrap_or_else(|| panic!("{case}: product {} missing", sim.id));
            assert_eq!(stored.title, sim.name, "{case}: title of {}", sim.id);
            let mut got: Vec<String> = stored.variants.iter().map(|v| v.id.0.clone()).collect();
            got.sort();
            let mut want: Vec<String> = match sim.kind.as_str() {
                "variable" => sim.variations.iter().map(|v| v.id.to_string()).collect(),
                "simple" | "external" if !sim.price.is_empty() => vec![sim.id.to_string()],
                _ => Vec::new(),
            };
            want.sort();
            assert_eq!(got, want, "{case}: variants of {}", sim.id);
        }
        // Lines of products deleted since keep their old product in orders not read
        // again; only lines of products the store still lists are compared.
        let existing: std::collections::HashSet<String> =
            listed.iter().map(|p| p.id.to_string()).collect();
        let orders: Vec<_> = state
            .orders()
            .into_iter()
            .filter(|o| o.status != "trash")
            .collect();
        assert_eq!(self.shop.order_count(), orders.len(), "{case}: order count");
        for sim in &orders {
            let stored = self
                .shop
                .get_order(&OrderId::new(sim.id.to_string()))
                .expect("read")
                .unwrap_or_else(|| panic!("{case}: order {} missing", sim.id));
            let mut got: Vec<(String, u32)> = stored
                .lines
                .iter()
                .filter(|l| existing.contains(&l.product.0))
                .map(|l| (l.product.0.clone(), l.quantity))
                .collect();
            let mut want: Vec<(String, u32)> = sim
                .lines
                .iter()
                .map(|l| (l.product_id.to_string(), l.quantity))
                .filter(|(product, _)| existing.contains(product))
                .collect();
            got.sort();
            want.sort();
            assert_eq!(got, want, "{case}: lines of order {}", sim.id);
            assert_eq!(
                stored.flags.refunded,
                sim.status == "refunded",
                "{case}: refunded flag of order {}",
                sim.id
            );
        }
    }

    /// Every product's linked ids on WooCommerce are exactly what its lists want.
    fn assert_lists_pushed(&self, case: &str) {
        let held: HashMap<u64, (Vec<u64>, Vec<u64>)> = self
            .sim
            .state()
            .products()
            .into_iter()
            .map(|p| (p.id, (p.upsell_ids.clone(), p.cross_sell_ids.clone())))
            .collect();
        let mut checked = 0;
        for entry in self.shop.all_recs() {
            let (id, recs) = entry.expect("recs");
            let number: u64 = id.as_str().parse().expect("a numeric id");
            let (mut upsells, mut cross_sells) = (Vec::new(), Vec::new());
            for field in fields::desired(&id, &recs, &WriteConfig::default()) {
                match (field.name.as_str(), field.wanted) {
                    (fields::UPSELL_IDS, Wanted::Ids(ids)) => upsells = ids,
                    (fields::CROSS_SELL_IDS, Wanted::Ids(ids)) => cross_sells = ids,
                    _ => {}
                }
            }
            let (held_upsells, held_cross_sells) = &held[&number];
            assert_eq!(held_upsells, &upsells, "{case}: upsell_ids of {number}");
            assert_eq!(
                held_cross_sells, &cross_sells,
                "{case}: cross_sell_ids of {number}"
            );
            checked += upsells.len() + cross_sells.len();
        }
        assert!(checked > 0, "{case}: no list to check");
    }
}

/// A listing page holding record `id` (full records only, not `_fields=id` listings)
/// comes back as `[]`, its paging headers unchanged.
fn empty_page_holding(id: u64) -> Rewrite {
    Rewrite::new(format!("empty page holding {id}"), move |body| {
        let Ok(Value::Array(items)) = serde_json::from_str::<Value>(body) else {
            return body.to_owned();
        };
        let holds = items.iter().any(|item| {
            item.get("id").and_then(Value::as_u64) == Some(id)
                && item.get("date_created_gmt").is_some()
        });
        if holds {
            "[]".to_owned()
        } else {
            body.to_owned()
        }
    })
}

/// The record-level data faults, on the first full record of every listing page.
fn record_rewrite(fault: Fault, products: bool) -> Rewrite {
    let name = format!(
        "{fault:?} on {}",
        if products { "products" } else { "orders" }
    );
    let edit: fn(&mut Value) = match (fault, products) {
        (Fault::StringForNumber, true) => |r| r["stock_quantity"] = Value::from("12"),
        (Fault::StringForNumber, false) => |r| r["line_items"][0]["quantity"] = Value::from("2"),
        (Fault::NullForList, true) => |r| r["tags"] = Value::Null,
        (Fault::NullForList, false) => |r| r["line_items"] = Value::Null,
        (Fault::MissingField, true) => |r| remove(r, "date_modified_gmt"),
        (Fault::MissingField, false) => |r| remove(r, "date_created_gmt"),
        (Fault::UnknownEnum, true) => |r| r["status"] = Value::from("wc-custom-status"),
        (Fault::UnknownEnum, false) => |r| r["status"] = Value::from("wc-custom-status"),
        (Fault::LoneSurrogate, true) => |r| r["name"] = Value::from(LONE_SURROGATE_MARK),
        (Fault::LoneSurrogate, false) => |r| r["customer_note"] = Value::from(LONE_SURROGATE_MARK),
        (other, _) => panic!("no rewrite for {other:?}"),
    };
    Rewrite::new(name, move |body| {
        let Ok(Value::Array(mut items)) = serde_json::from_str::<Value>(body) else {
            return body.to_owned();
        };
        let Some(first) = items
            .iter_mut()
            .find(|item| item.get("date_created_gmt").is_some())
        else {
            return body.to_owned();
        };
        edit(first);
        Value::Array(items)
            .to_string()
            .replace(LONE_SURROGATE_MARK, "\\ud800 lone")
    })
}

fn remove(record: &mut Value, field: &str) {
    if let Some(object) = record.as_object_mut() {
        object.remove(field);
    }
}

/// A `products/batch` answer whose `update` list is `null`.
fn wrong_shape_batch_answer() -> Rewrite {
    Rewrite::new("products/batch answer of the wrong shape", |body| {
        let Ok(Value::Object(mut answer)) = serde_json::from_str::<Value>(body) else {
            return body.to_owned();
        };
        if !answer.contains_key("update") {
            return body.to_owned();
        }
        answer.insert("update".to_owned(), Value::Null);
        Value::Object(answer).to_string()
    })
}
