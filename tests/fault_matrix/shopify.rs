//! The Shopify rig: a simulated shop of 40 products and 120 orders, a client with the
//! daemon's retry policy on a `ManualClock`, and the case's fault turned into the
//! simulator's (`src/sim/shopify/faults.rs`).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use upsell_sync::config::{Secret, WriteConfig, WriteMode};
use upsell_sync::model::{InstallSalt, ProductId};
use upsell_sync::platform::retry::{ManualClock, RetryPolicy};
use upsell_sync::platform::shopify::bucket::CostBucket;
use upsell_sync::platform::shopify::client::{ClientSettings, ShopifyClient};
use upsell_sync::recommend::Params;
use upsell_sync::sim::shopify::{
    BulkDamage, BulkErrorCode, BulkFailure, Fault as SimFault, Rewrite, SimConfig, SimShopify,
};
use upsell_sync::store::{ShopStore, Store};
use upsell_sync::sync::compute::compute_shop;
use upsell_sync::sync::shopify::pull::{pull, PullOptions};
use upsell_sync::sync::shopify::push::{push, PushOptions};

use crate::cases::{Case, Fault, Operation};
use crate::check::Snapshot;
use crate::{Outcome, Rig, SHOP};

const TOKEN: &str = "shpat_fault_matrix";
const NAMESPACE: &str = "upsell_sync";
/// Orders changed before each run (three pages); every product is changed (four pages).
const TOUCHED_ORDERS: usize = 12;

pub struct ShopifyRig {
    sim: SimShopify,
    clock: ManualClock,
    client: ShopifyClient<ManualClock>,
    _store: Store,
    shop: ShopStore,
    salt: InstallSalt,
}

impl Rig for ShopifyRig {
    async fn start(case: &Case) -> Self {
        let clock = ManualClock::new();
        let config = SimConfig::default()
            .with_generated(11, 40, 120)
            .with_token(TOKEN)
            .with_clock(Arc::new(clock.clone()));
        let sim = SimShopify::start(config).await.expect("simulator starts");
        let settings = ClientSettings {
            base_url: sim.base_url().to_owned(),
            api_version: "2026-07".to_owned(),
            access_token: Secret::new(TOKEN),
            timeout: Duration::from_secs(2),
            retry: RetryPolicy::default(),
        };
        let bucket = CostBucket::new(Arc::new(clock.clone()));
        let client = ShopifyClient::new(settings, bucket, clock.clone()).expect("client");
        let store = Store::open_temporary().expect("store");
        let shop = store.shop(SHOP).expect("shop");
        let rig = Self {
            sim,
            clock,
            client,
            _store: store,
            shop,
            salt: InstallSalt([5; 32]),
        };
        rig.pull(false).await.expect("the first sync");
        if case.operation == Operation::Push {
            rig.compute();
            rig.push().await.expect("the first push");
        }
        rig
    }

    async fn run(&self, case: &Case) -> anyhow::Result<Outcome> {
        match case.operation {
            Operation::Pull | Operation::FullWalk => self.pull(false).await,
            Operation::Bulk => self.pull(true).await,
            Operation::Push => self.push().await,
        }
    }

    fn touch(&self, case: &Case) {
        let state = self.sim.state();
        if case.operation == Operation::Push {
            // The lists are what a push writes: forget what was written
            // and empty them on the shop (a merchant clearing them), so all of it is
            // written again.
            for id in self.shop.product_ids() {
                let id = id.expect("id");
                self.shop.clear_written(&id).expect("clear");
                for key in ["cross_sell", "upsell"] {
                    let kind = "list.product_reference";
                    let set = state.set_metafield(id.as_str(), NAMESPACE, key, kind, "[]");
                    assert!(set.is_some(), "{} is on the shop", id.as_str());
                }
            }
            return;
        }
        // One minute apart: the changes span more than the pull's overlap window, so
        // a checkpoint moved past a change is noticed.
        for product in &state.products() {
            self.clock.advance(Duration::from_secs(60));
            state.update_product(&product.gid, |p| p.title.push('+'));
        }
        for order in state.orders().iter().take(TOUCHED_ORDERS) {
            self.clock.advance(Duration::from_secs(60));
            state.update_order(&order.gid, |f| f.test = !f.test);
        }
        self.clock.advance(Duration::from_secs(60));
    }

    fn inject(&self, case: &Case, times: usize) {
        let state = self.sim.state();
        let target = case.target;
        let queue = |fault: SimFault, times| state.push_faults_for(target, &fault, times);
        let pass_one = || queue(SimFault::Delay(Duration::ZERO), 1);
        match case.fault {
            Fault::TooManyRequests(Some(seconds)) => queue(
                SimFault::TooManyRequests {
                    retry_after_secs: seconds,
                },
                times,
            ),
            Fault::TooManyRequests(None) => queue(SimFault::TooManyRequestsWithoutRetryAfter, times),
            Fault::Throttled => queue(SimFault::Throttled, times),
            Fault::Status(code) => queue(SimFault::Status(code), times),
            // On a download: half the file, then a stall past the client's read timeout.
            Fault::Timeout => queue(SimFault::Slow(Duration::from_secs(4)), times),
            // On a download: half the file, then the reset.
            Fault::ResetMidBody => queue(SimFault::ResetMidBody, times),
            Fault::TruncatedJson => queue(SimFault::MalformedJson, times),
            Fault::MalformedJson => queue(SimFault::InvalidJson, times),
            Fault::EmptyPageInMiddle => {
                pass_one();
                queue(SimFault::Rewrite(first_node("empty-page", Vec::clear)), 1);
            }
            Fault::VanishedBetweenPages => {
                // Listed on the first page, gone before the second is read.
                let first = &state.products()[0].gid;
                pass_one();
                queue(SimFault::DeleteProductFirst(first.clone()), 1);
            }
            Fault::OddUnicode => {
                for (product, title) in state.products().iter().zip(crate::check::ODD_TITLES)
                {
                    state.update_product(&product.gid, |p| title.clone_into(&mut p.title));
                }
            }
            Fault::BulkFailed => state.fail_next_bulk(BulkFailure {
                code: BulkErrorCode::InternalServerError,
                after_roots: 10,
            }),
            Fault::BulkCanceled => state.damage_next_bulk(BulkDamage::Canceled),
            Fault::BulkTruncatedLastLine => state.damage_next_bulk(BulkDamage::TruncatedLastLine),
            Fault::BulkWrongShapeLine => state.damage_next_bulk(BulkDamage::ExtraLine(
                r#"{"id":"gid://shopify/Product/424242","title":7,"status":"ACTIVE","updatedAt":"2026-01-01T00:00:00Z"}"#.to_owned(),
            )),
            Fault::WrongShapeAnswer => queue(SimFault::Rewrite(wrong_shape_set_answer()), times),
            data => queue(SimFault::Rewrite(record_rewrite(data, target)), times),
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

impl ShopifyRig {
    async fn pull(&self, full: bool) -> anyhow::Result<Outcome> {
        let options = PullOptions {
            full,
            bulk_threshold: 100_000,
            overlap: chrono::Duration::minutes(10),
            poll: Duration::from_secs(1),
            now: self.sim.state().now(),
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
            namespace: NAMESPACE.to_owned(),
            search_discovery: true,
            bulk_threshold: 100_000,
            poll: Duration::from_secs(1),
            now: self.sim.state().now(),
        };
        let report = push(&self.client, &self.shop, &options).await?;
        Ok(Outcome {
            problems: report.problems,
        })
    }

    /// Every product and order the store holds equals what the shop holds.
    fn assert_store_matches_shop(&self, case: &str) {
        let state = self.sim.state();
        let products = state.products();
        assert_eq!(
            self.shop.product_count(),
            products.len(),
            "{case}: product count"
        );
        for sim in &products {
            let stored = self
                .shop
                .get_product(&ProductId::new(sim.gid.clone()))
                .expect("read")
                .unwrap_or_else(|| panic!("{case}: product {} missing", sim.gid));
            assert_eq!(
                stored.title, sim.product.title,
                "{case}: title of {}",
                sim.gid
            );
            assert_eq!(
                stored.status, sim.product.status,
                "{case}: status of {}",
                sim.gid
            );
            assert_eq!(stored.tags, sim.product.tags, "{case}: tags of {}", sim.gid);
            let variants = |p: &upsell_sync::model::Product| {
                let mut v: Vec<_> = p
                    .variants
                    .iter()
                    .map(|v| (v.id.0.clone(), v.price, v.inventory_quantity))
                    .collect();
                v.sort();
                v
            };
            assert_eq!(
                variants(&stored),
                variants(&sim.product),
                "{case}: variants of {}",
                sim.gid
            );
        }
        // Lines of products deleted since keep their old product in orders not read
        // again; only lines of products the shop still has are compared.
        let existing: std::collections::HashSet<String> =
            products.iter().map(|p| p.gid.clone()).collect();
        let orders = state.orders();
        assert_eq!(self.shop.order_count(), orders.len(), "{case}: order count");
        for sim in &orders {
            let stored = self
                .shop
                .get_order(&sim.order.id)
                .expect("read")
                .unwrap_or_else(|| panic!("{case}: order {} missing", sim.gid));
            let lines = |o: &upsell_sync::model::Order| {
                let mut v: Vec<_> = o
                    .lines
                    .iter()
                    .filter(|l| existing.contains(&l.product.0))
                    .map(|l| (l.product.0.clone(), l.quantity, l.unit_price))
                    .collect();
                v.sort();
                v
            };
            assert_eq!(
                lines(&stored),
                lines(&sim.order),
                "{case}: lines of {}",
                sim.gid
            );
            assert_eq!(
                stored.flags, sim.order.flags,
                "{case}: flags of {}",
                sim.gid
            );
        }
    }

    /// Every product's list metafields on the shop are exactly the stored lists.
    fn assert_lists_pushed(&self, case: &str) {
        let mut checked = 0;
        for entry in self.shop.all_recs() {
            let (id, recs) = entry.expect("recs");
            let held: HashMap<String, String> = self
                .sim
                .state()
                .metafields(id.as_str())
                .into_iter()
                .map(|m| (format!("{}.{}", m.namespace, m.key), m.value))
                .collect();
            for (key, links) in [("cross_sell", &recs.cross_sell), ("upsell", &recs.upsell)] {
                let want: Vec<String> = links.iter().map(|l| l.product.0.clone()).collect();
                let got: Vec<String> = held
                    .get(&format!("{NAMESPACE}.{key}"))
                    .map(|v| serde_json::from_str(v).expect("a list of ids"))
                    .unwrap_or_default();
                assert_eq!(got, want, "{case}: {key} of {}", id.as_str());
                checked += want.len();
            }
        }
        assert!(checked > 0, "{case}: no list to check");
    }
}

/// A rewrite of the first node of every page of a root connection (`products` or
/// `orders`) in a GraphQL answer; other answers pass unchanged.
fn first_node(name: &str, edit: fn(&mut Vec<Value>)) -> Rewrite {
    Rewrite::new(name, move |body| {
        let Ok(mut answer) = serde_json::from_str::<Value>(body) else {
            return body.to_owned();
        };
        let pointer = ["/data/products/nodes", "/data/orders/nodes"]
            .into_iter()
            .find(|pointer| answer.pointer(pointer).is_some_and(Value::is_array));
        let nodes = pointer.and_then(|p| answer.pointer_mut(p).and_then(Value::as_array_mut));
        match nodes {
            Some(nodes) if !nodes.is_empty() => {
                edit(nodes);
                answer.to_string()
            }
            _ => body.to_owned(),
        }
    })
}

/// The record-level data faults, on the first node of every page of the target.
fn record_rewrite(fault: Fault, target: &str) -> Rewrite {
    let products = target == "Products";
    let name = format!("{fault:?} on {target}");
    let edit: fn(&mut Vec<Value>) = match (fault, products) {
        (Fault::StringForNumber, true) => {
            |n| n[0]["variants"]["nodes"][0]["inventoryQuantity"] = Value::from("12")
        }
        (Fault::StringForNumber, false) => {
            |n| n[0]["lineItems"]["nodes"][0]["quantity"] = Value::from("2")
        }
        (Fault::NullForList, true) => |n| n[0]["tags"] = Value::Null,
        (Fault::NullForList, false) => |n| n[0]["lineItems"]["nodes"] = Value::Null,
        (Fault::MissingField, true) => |n| remove(&mut n[0], "status"),
        (Fault::MissingField, false) => |n| remove(&mut n[0], "createdAt"),
        (Fault::UnknownEnum, true) => |n| n[0]["status"] = Value::from("SOMETHING_NEW"),
        (Fault::UnknownEnum, false) => {
            |n| n[0]["displayFinancialStatus"] = Value::from("SOMETHING_NEW")
        }
        (Fault::HugeDescription, _) => {
            |n| n[0]["descriptionHtml"] = Value::from("<p>long</p>".repeat(500_000))
        }
        (Fault::LoneSurrogate, true) => |n| n[0]["title"] = Value::from(LONE_SURROGATE_MARK),
        (Fault::LoneSurrogate, false) => |n| n[0]["note"] = Value::from(LONE_SURROGATE_MARK),
        (other, _) => panic!("no rewrite for {other:?}"),
    };
    let rewrite = first_node(&name, edit);
    if fault != Fault::LoneSurrogate {
        return rewrite;
    }
    Rewrite::new(name, move |body| {
        rewrite
            .apply(body)
            .replace(LONE_SURROGATE_MARK, "\\ud800 lone")
    })
}

/// Stands for a lone surrogate until the JSON is text: no `Value` can hold one.
pub const LONE_SURROGATE_MARK: &str = "@@lone-surrogate@@";

fn remove(node: &mut Value, field: &str) {
    if let Some(object) = node.as_object_mut() {
        object.remove(field);
    }
}

/// A `metafieldsSet` answer with `null` lists and no `userErrors`.
fn wrong_shape_set_answer() -> Rewrite {
    Rewrite::new("metafieldsSet answer of the wrong shape", |body| {
        let Ok(mut answer) = serde_json::from_str::<Value>(body) else {
            return body.to_owned();
        };
        match answer.pointer_mut("/data/metafieldsSet") {
            Some(Value::Object(set)) => {
                set.insert("metafields".to_owned(), Value::Null);
                set.remove("userErrors");
                answer.to_string()
            }
            _ => body.to_owned(),
        }
    })
}
