//! Hostile input to the platform JSON mapping (DESIGN.md §8): pages of Shopify's GraphQL
//! `data` and WooCommerce's REST answers, as arbitrary bytes and as captures with one
//! edit (a value of another kind, a deleted key, odd Unicode, a huge text). Each is read
//! the way the pulls read it (page, then record by record, then the mapper): nothing
//! panics, an error names the field the edit touched, and the records the edit did not
//! touch are still mapped.

#[allow(dead_code)] // each hostile test uses part of the shared strategies
mod hostile;

use std::sync::LazyLock;

use hostile::{broken_json, mutation_of, seed_json, Mutation, Step};
use proptest::prelude::*;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;
use upsell_sync::model::InstallSalt;
use upsell_sync::platform::shopify::{map as shopify_map, read};
use upsell_sync::platform::woocommerce::map as woo_map;
use upsell_sync::platform::woocommerce::wire::{WireOrder, WireProduct, WireVariation};
use upsell_sync::sync::woocommerce::pull::read_record;

const SALT: InstallSalt = InstallSalt([9; 32]);

/// What a pull makes of one page: the page's own error, or per record the problem it
/// reports (`Err`) or `Ok` when the record was mapped.
type Outcome = Result<Vec<Result<(), String>>, String>;

/// Reads `data` into `T` as the clients do, naming the field that did not fit.
fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|e| format!("field `{}`: {}", e.path(), e.inner()))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ShopifyProducts {
    products: read::Page<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ShopifyOrders {
    orders: read::Page<Value>,
}

/// A Shopify products page's `data`, as `read::products_page` and the pull read it.
fn shopify_products(bytes: &[u8]) -> Outcome {
    let page: ShopifyProducts = decode(bytes)?;
    let nodes = read::read_nodes::<shopify_map::WireProduct>(page.products.nodes);
    Ok(nodes
        .into_iter()
        .map(|node| {
            let wire = node.map_err(|e| format!("product {e}"))?;
            shopify_map::product(wire, Vec::new())
                .map(drop)
                .map_err(|e| e.to_string())
        })
        .collect())
}

/// A Shopify orders page's `data`.
fn shopify_orders(bytes: &[u8]) -> Outcome {
    let page: ShopifyOrders = decode(bytes)?;
    let nodes = read::read_nodes::<shopify_map::WireOrder>(page.orders.nodes);
    Ok(nodes
        .into_iter()
        .map(|node| {
            let wire = node.map_err(|e| format!("order {e}"))?;
            shopify_map::order(wire, Vec::new(), &SALT)
                .map(drop)
                .map_err(|e| e.to_string())
        })
        .collect())
}

/// A WooCommerce listing, as the paging reads it and the pull maps each record.
fn woo_page<T: DeserializeOwned>(
    bytes: &[u8],
    what: &str,
    map: impl Fn(T) -> Result<(), String>,
) -> Outcome {
    let items: Vec<Value> = decode(bytes)?;
    Ok(items
        .iter()
        .map(|item| {
            let wire = read_record::<T>(item, what).map_err(|(_, problem)| problem)?;
            map(wire)
        })
        .collect())
}

fn woo_products(bytes: &[u8]) -> Outcome {
    woo_page::<WireProduct>(bytes, "product", |w| {
        woo_map::product(w).map(drop).map_err(|e| e.to_string())
    })
}

fn woo_variations(bytes: &[u8]) -> Outcome {
    woo_page::<WireVariation>(bytes, "variation", |w| {
        woo_map::variation(w).map(drop).map_err(|e| e.to_string())
    })
}

fn woo_orders(bytes: &[u8]) -> Outcome {
    let statuses = ["processing".to_owned(), "completed".to_owned()];
    woo_page::<WireOrder>(bytes, "order", |w| {
        woo_map::order(w, &SALT, &statuses)
            .map(drop)
            .map_err(|e| e.to_string())
    })
}

/// One kind of page: its seed, where its records sit, what an error about a whole
/// record calls it, and how the pull reads it.
struct PageKind {
    seed: Value,
    records: &'static [&'static str],
    record: &'static str,
    read: fn(&[u8]) -> Outcome,
}

/// The page kinds, read once.
static KINDS: LazyLock<Vec<PageKind>> = LazyLock::new(kinds);

fn kinds() -> Vec<PageKind> {
    let shopify =
        |name: &str, list: &'static str, record: &'static str, read: fn(&[u8]) -> Outcome| {
            let mut seed = seed_json("shopify_map", name);
            // A second record, so the test sees that the untouched one still maps.
            let nodes = seed[list]["nodes"].as_array_mut().expect("nodes");
            let mut other = nodes[0].clone();
            other["id"] = Value::from(format!("{}0", other["id"].as_str().unwrap_or("gid")));
            nodes.push(other);
            PageKind {
                seed,
                records: if list == "products" {
                    &["products", "nodes"]
                } else {
                    &["orders", "nodes"]
                },
                record,
                read,
            }
        };
    let woo = |name: &str, record: &'static str, read: fn(&[u8]) -> Outcome| PageKind {
        seed: seed_json("woocommerce_map", name),
        records: &[],
        record,
        read,
    };
    vec![
        shopify(
            "products_page.json",
            "products",
            "product",
            shopify_products,
        ),
        shopify("orders_page.json", "orders", "order", shopify_orders),
        woo("products_page.json", "product", woo_products),
        woo("variations_list.json", "variation", woo_variations),
        woo("orders_page.json", "order", woo_orders),
    ]
}

/// Which record of the page a mutation is inside, if it is inside one.
fn record_index(kind: &PageKind, mutation: &Mutation) -> Option<usize> {
    let depth = kind.records.len();
    let inside = mutation.path.len() > depth
        && kind
            .records
            .iter()
            .zip(&mutation.path)
            .all(|(name, step)| *step == Step::Key((*name).to_owned()));
    match mutation.path.get(depth) {
        Some(Step::Index(i)) if inside => Some(*i),
        _ => None,
    }
}

/// Checks the outcome of a page with one edit against the unedited page's.
fn check_mutated(
    kind: &PageKind,
    mutation: &Mutation,
    before: &[Result<(), String>],
    after: &Outcome,
) {
    let key = mutation.key().unwrap_or(".");
    // An edit of a record itself, of the list holding the records or of what holds
    // that list can leave records that are not objects: their problem names the record.
    let whole_record = mutation.path.len() <= kind.records.len() + 1
        && kind
            .records
            .iter()
            .zip(&mutation.path)
            .all(|(name, step)| *step == Step::Key((*name).to_owned()));
    let names_the_place =
        |error: &str| error.contains(key) || (whole_record && error.starts_with(kind.record));
    match after {
        Err(page_error) => assert!(
            names_the_place(page_error),
            "edit at {}: the page error does not name `{key}`: {page_error}",
            mutation.dotted()
        ),
        Ok(records) => {
            let touched = record_index(kind, mutation);
            for (i, outcome) in records.iter().enumerate() {
                if let Err(problem) = outcome {
                    assert!(
                        names_the_place(problem),
                        "edit at {}: record {i}'s problem does not name `{key}`: {problem}",
                        mutation.dotted()
                    );
                }
            }
            // Records the edit did not touch map as before (a deleted or replaced
            // element shifts the ones after it; only those before are compared).
            let untouched = touched.map_or(0, |t| t.min(records.len()));
            if touched.is_some() {
                assert_eq!(
                    &records[..untouched],
                    &before[..untouched],
                    "edit at {}: an untouched record changed",
                    mutation.dotted()
                );
            }
        }
    }
}

#[test]
fn the_seed_pages_map_without_problems() {
    for kind in KINDS.iter() {
        let bytes = serde_json::to_vec(&kind.seed).unwrap();
        let outcome = (kind.read)(&bytes).unwrap_or_else(|e| panic!("{}: {e}", kind.record));
        assert!(!outcome.is_empty(), "{}: no records", kind.record);
        for record in &outcome {
            assert!(record.is_ok(), "{}: {record:?}", kind.record);
        }
    }
}

fn mutated_page() -> impl Strategy<Value = (usize, Mutation)> {
    let strategies: Vec<_> = KINDS
        .iter()
        .enumerate()
        .map(|(i, kind)| mutation_of(&kind.seed).prop_map(move |m| (i, m)).boxed())
        .collect();
    prop::strategy::Union::new(strategies)
}

fn broken_page() -> impl Strategy<Value = (usize, Vec<u8>)> {
    let strategies: Vec<_> = KINDS
        .iter()
        .enumerate()
        .map(|(i, kind)| broken_json(&kind.seed).prop_map(move |b| (i, b)).boxed())
        .collect();
    prop::strategy::Union::new(strategies)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn an_edited_page_maps_or_names_the_edited_field((which, mutation) in mutated_page()) {
        let kind = &KINDS[which];
        let before = (kind.read)(&serde_json::to_vec(&kind.seed).unwrap()).unwrap();
        let edited = serde_json::to_vec(&mutation.apply(&kind.seed)).unwrap();
        let after = (kind.read)(&edited);
        check_mutated(kind, &mutation, &before, &after);
    }

    #[test]
    fn broken_bytes_are_an_error_never_a_panic((which, bytes) in broken_page()) {
        let kind = &KINDS[which];
        if let Err(error) = (kind.read)(&bytes) {
            prop_assert!(!error.is_empty());
            prop_assert!(error.starts_with("field `"), "{error}");
        }
    }

    #[test]
    fn arbitrary_json_pages_are_read_or_refused(value in hostile::json_value()) {
        let bytes = serde_json::to_vec(&value).unwrap();
        for kind in KINDS.iter() {
            match (kind.read)(&bytes) {
                Err(error) => prop_assert!(error.starts_with("field `"), "{error}"),
                Ok(records) => {
                    for problem in records.iter().filter_map(|r| r.as_ref().err()) {
                        prop_assert!(problem.contains("field"), "{problem}");
                    }
                }
            }
        }
    }
}
