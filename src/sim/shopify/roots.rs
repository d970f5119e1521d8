//! The query root: `products`, `orders`, their counts, `nodes`, `order`, `bulkOperation`,
//! `currentAppInstallation` and `shop`, with the scope checks Shopify applies (orders
//! older than 60 days need `read_all_orders`).

use serde_json::{json, Map, Value};

use super::ids::{self, gid, APP_INSTALLATION_ID, SHOP_ID};
use super::objects::{connection, Ctx, FieldError, Obj, Owned, Val};
use super::paging::{int, Key, SortValue};
use super::search::Query;
use super::shared::{lock, read, Shared};
use super::state::{order_visible, OrderRec, ProductRec, ShopData};

/// Resolves a field of `QueryRoot`.
pub(crate) fn query_root<'a>(
    cx: &Ctx<'a>,
    name: &str,
    args: &Map<String, Value>,
) -> Result<Val<'a>, FieldError> {
    match name {
        "products" => {
            let rows = product_rows(cx, "products", args)?;
            let key = product_key(sort_key(args, "ID"));
            connection(cx, args, rows, |p| key(p), Obj::Product, "Product")
        }
        "orders" => {
            let rows = order_rows(cx, "orders", args)?;
            let key = order_key(sort_key(args, "PROCESSED_AT"));
            connection(cx, args, rows, |o| key(o), Obj::Order, "Order")
        }
        "productsCount" => Ok(count(product_rows(cx, "productsCount", args)?.len(), args)),
        "ordersCount" => Ok(count(order_rows(cx, "ordersCount", args)?.len(), args)),
        "nodes" => nodes(cx, args),
        "order" => {
            if !cx.shared.has_scope("read_orders") {
                return Err(FieldError::access_denied("order", "read_orders"));
            }
            let all = cx.shared.has_scope("read_all_orders");
            let id = args.get("id").and_then(Value::as_str).unwrap_or_default();
            let found = ids::parse_kind(id, "Order")
                .and_then(|n| cx.data.orders.get(&n))
                .filter(|o| order_visible(o, cx.now, all));
            Ok(found.map_or(Val::Null, |o| Val::Obj(Obj::Order(o))))
        }
        "bulkOperation" => {
            let id = args.get("id").and_then(Value::as_str).unwrap_or_default();
            let found = ids::parse_kind(id, "BulkOperation")
                .and_then(|n| lock(&cx.shared.bulk).poll(n, cx.shared));
            Ok(found.map_or(Val::Null, |o| Val::Obj(Obj::Owned(o))))
        }
        "currentAppInstallation" => Ok(Val::Obj(Obj::Owned(app_installation(cx.shared)))),
        "shop" => {
            let settings = &cx.shared.settings;
            let shop = Owned::new("Shop")
                .with("id", json!(gid("Shop", SHOP_ID)))
                .with("name", json!(settings.shop_name))
                .with("myshopifyDomain", json!(settings.shop_domain))
                .with("currencyCode", json!(settings.currency));
            Ok(Val::Obj(Obj::Owned(shop)))
        }
        _ => Ok(Val::Null),
    }
}

fn sort_key<'v>(args: &'v Map<String, Value>, default: &'v str) -> &'v str {
    args.get("sortKey")
        .and_then(Value::as_str)
        .unwrap_or(default)
}

fn search(args: &Map<String, Value>) -> Query {
    Query::parse(
        args.get("query")
            .and_then(Value::as_str)
            .unwrap_or_default(),
    )
}

/// Products matching the `query` argument.
fn product_rows<'a>(
    cx: &Ctx<'a>,
    field: &str,
    args: &Map<String, Value>,
) -> Result<Vec<&'a ProductRec>, FieldError> {
    if !cx.shared.has_scope("read_products") {
        return Err(FieldError::access_denied(field, "read_products"));
    }
    let query = search(args);
    Ok(cx
        .data
        .products
        .values()
        .filter(|p| query.matches(*p))
        .collect())
}

/// Readable orders matching the `query` argument.
fn order_rows<'a>(
    cx: &Ctx<'a>,
    field: &str,
    args: &Map<String, Value>,
) -> Result<Vec<&'a OrderRec>, FieldError> {
    if !cx.shared.has_scope("read_orders") {
        return Err(FieldError::access_denied(field, "read_orders"));
    }
    let all = cx.shared.has_scope("read_all_orders");
    let query = search(args);
    Ok(cx
        .data
        .orders
        .values()
        .filter(|o| order_visible(o, cx.now, all) && query.matches(*o))
        .collect())
}

/// The sort key of a product under `ProductSortKeys` value `sort`.
fn product_key(sort: &str) -> impl Fn(&&ProductRec) -> Key + '_ {
    move |p: &&ProductRec| {
        let value = match sort {
            "UPDATED_AT" => SortValue::Time(p.updated_at),
            "CREATED_AT" | "PUBLISHED_AT" => SortValue::Time(p.created_at),
            "TITLE" => SortValue::Text(p.title.to_lowercase()),
            "VENDOR" => SortValue::Text(p.vendor.to_lowercase()),
            "PRODUCT_TYPE" => SortValue::Text(p.product_type.to_lowercase()),
            "INVENTORY_TOTAL" => SortValue::Int(p.total_inventory()),
            _ => int(p.num),
        };
        (value, p.num)
    }
}

/// The sort key of an order under `OrderSortKeys` value `sort`.
fn order_key(sort: &str) -> impl Fn(&&OrderRec) -> Key + '_ {
    move |o: &&OrderRec| {
        let value = match sort {
            "UPDATED_AT" => SortValue::Time(o.updated_at),
            "CREATED_AT" | "PROCESSED_AT" => SortValue::Time(o.created_at),
            "ORDER_NUMBER" => int(o.number),
            "TOTAL_PRICE" | "CURRENT_TOTAL_PRICE" => SortValue::Int(
                o.lines
                    .iter()
                    .map(|l| l.unit_price.0 * i64::from(l.quantity))
                    .sum(),
            ),
            "FINANCIAL_STATUS" => SortValue::Text(o.financial_status().to_owned()),
            _ => int(o.num),
        };
        (value, o.num)
    }
}

/// The numbers of a bulk query's root rows, in output order.
pub(crate) fn root_numbers(
    data: &ShopData,
    shared: &Shared,
    field: &str,
    args: &Map<String, Value>,
) -> Result<Vec<u64>, FieldError> {
    let cx = Ctx {
        data,
        shared,
        now: shared.now(),
        bulk: true,
    };
    let reverse = args
        .get("reverse")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let mut keyed: Vec<(Key, u64)> = match field {
        "products" => {
            let key = product_key(sort_key(args, "ID"));
            product_rows(&cx, field, args)?
                .iter()
                .map(|p| (key(p), p.num))
                .collect()
        }
        "orders" => {
            let key = order_key(sort_key(args, "PROCESSED_AT"));
            order_rows(&cx, field, args)?
                .iter()
                .map(|o| (key(o), o.num))
                .collect()
        }
        _ => Vec::new(),
    };
    keyed.sort_by(|a, b| {
        if reverse {
            b.0.cmp(&a.0)
        } else {
            a.0.cmp(&b.0)
        }
    });
    Ok(keyed.into_iter().map(|(_, n)| n).collect())
}

/// A `Count`: exact without a limit (`limit: null`), else capped at the limit.
fn count<'a>(matched: usize, args: &Map<String, Value>) -> Val<'a> {
    let limit = args.get("limit").and_then(Value::as_u64);
    let (count, precision) = match limit {
        Some(limit) if matched as u64 > limit => (limit, "AT_LEAST"),
        _ => (matched as u64, "EXACT"),
    };
    let count = Owned::new("Count")
        .with("count", json!(count))
        .with("precision", json!(precision));
    Val::Obj(Obj::Owned(count))
}

/// `nodes(ids:)`: each id's object, `null` where it does not exist (any more).
fn nodes<'a>(cx: &Ctx<'a>, args: &Map<String, Value>) -> Result<Val<'a>, FieldError> {
    let ids = args
        .get("ids")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let all_orders = cx.shared.has_scope("read_all_orders");
    let mut out = Vec::with_capacity(ids.len());
    for id in ids.iter().filter_map(Value::as_str) {
        let Some((kind, n)) = ids::parse_gid(id) else {
            return Err(FieldError::with(
                format!("Invalid global id '{id}'"),
                json!({"code": "argumentLiteralsIncompatible", "typeName": "CoercionError"}),
            ));
        };
        let obj = match kind {
            "Product" if cx.shared.has_scope("read_products") => {
                cx.data.products.get(&n).map(Obj::Product)
            }
            "ProductVariant" if cx.shared.has_scope("read_products") => {
                cx.data.variant(n).map(|(p, v)| Obj::Variant(p, v))
            }
            "Order" if cx.shared.has_scope("read_orders") => cx
                .data
                .orders
                .get(&n)
                .filter(|o| order_visible(o, cx.now, all_orders))
                .map(Obj::Order),
            _ => None,
        };
        out.push(obj.map_or(Val::Null, Val::Obj));
    }
    Ok(Val::List(out))
}

/// The app's installation with its granted scopes.
fn app_installation(shared: &Shared) -> Owned {
    let scopes: Vec<Owned> = read(&shared.scopes)
        .iter()
        .map(|handle| {
            Owned::new("AccessScope")
                .with("handle", json!(handle))
                .with("description", json!(describe_scope(handle)))
        })
        .collect();
    Owned::new("AppInstallation")
        .with("id", json!(gid("AppInstallation", APP_INSTALLATION_ID)))
        .with("accessScopes", scopes)
}

fn describe_scope(handle: &str) -> String {
    let (access, what) = handle.split_once('_').unwrap_or(("read", handle));
    let what = what.replace('_', " ");
    match access {
        "write" => format!("Modify {what}"),
        _ => format!("Read {what}"),
    }
}
