//! The objects a query can reach and how each resolves its fields. Records are borrowed
//! from the shop while a request runs; payloads built by mutations and small objects
//! (`PageInfo`, `MoneyBag`, `Shop`, …) are [`Owned`].

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use super::ids::{self, gid, timestamp};
use super::metafields::{digest, resolve_namespace};
pub(crate) use super::owned::{OVal, Owned};
use super::paging::{int, paginate, Key, PageArgs, SortValue};
use super::roots;
use super::shared::Shared;
use super::state::{
    status_name, LineRec, MetafieldRec, OrderRec, ProductRec, ShopData, VariantRec,
};

/// What resolvers see: the shop, the simulator, the time, and whether connections
/// should return every row (bulk operations ignore `first`/`after`).
pub(crate) struct Ctx<'a> {
    pub data: &'a ShopData,
    pub shared: &'a Shared,
    pub now: DateTime<Utc>,
    pub bulk: bool,
}

/// A field error: becomes an entry of `errors` with the field's path and location.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct FieldError {
    pub message: String,
    pub extensions: Option<Value>,
}

impl FieldError {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            extensions: None,
        }
    }

    pub fn with(message: impl Into<String>, extensions: Value) -> Self {
        Self {
            message: message.into(),
            extensions: Some(extensions),
        }
    }

    /// `ACCESS_DENIED` for a field that needs `scope`.
    pub fn access_denied(field: &str, scope: &str) -> Self {
        let required = format!("`{scope}` access scope.");
        Self::with(
            format!("Access denied for {field} field. Required access: {required}"),
            json!({"code": "ACCESS_DENIED",
                   "documentation": "https://shopify.dev/api/usage/access-scopes",
                   "requiredAccess": required}),
        )
    }
}

/// A resolved field value before completion.
#[derive(Clone, Debug)]
pub(crate) enum Val<'a> {
    Null,
    Leaf(Value),
    Obj(Obj<'a>),
    List(Vec<Val<'a>>),
}

/// An object of some GraphQL type.
#[derive(Clone, Debug)]
pub(crate) enum Obj<'a> {
    QueryRoot,
    Product(&'a ProductRec),
    Variant(&'a ProductRec, &'a VariantRec),
    Order(&'a OrderRec),
    LineItem(&'a LineRec),
    Customer(u64),
    Metafield(&'a MetafieldRec),
    Conn(Box<Conn<'a>>),
    Edge(Box<Obj<'a>>, String, &'static str),
    Owned(Owned),
}

/// A page of a connection.
#[derive(Clone, Debug)]
pub(crate) struct Conn<'a> {
    pub ty: &'static str,
    pub edge: &'static str,
    pub items: Vec<(Obj<'a>, String)>,
    pub has_next: bool,
    pub has_prev: bool,
}

impl From<OVal> for Val<'_> {
    fn from(value: OVal) -> Self {
        match value {
            OVal::Null => Val::Null,
            OVal::Leaf(v) => Val::Leaf(v),
            OVal::Obj(o) => Val::Obj(Obj::Owned(o)),
            OVal::List(items) => Val::List(items.into_iter().map(Val::from).collect()),
        }
    }
}

fn leaf<'a>(value: impl Into<Value>) -> Val<'a> {
    Val::Leaf(value.into())
}

fn opt_leaf<'a, T: Into<Value>>(value: Option<T>) -> Val<'a> {
    value.map_or(Val::Null, |v| Val::Leaf(v.into()))
}

impl<'a> Obj<'a> {
    /// The concrete GraphQL type.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::QueryRoot => "QueryRoot",
            Self::Product(_) => "Product",
            Self::Variant(..) => "ProductVariant",
            Self::Order(_) => "Order",
            Self::LineItem(_) => "LineItem",
            Self::Customer(_) => "Customer",
            Self::Metafield(_) => "Metafield",
            Self::Conn(c) => c.ty,
            Self::Edge(_, _, ty) => ty,
            Self::Owned(o) => o.ty,
        }
    }

    /// The object's GID, for `__parentId` in bulk output.
    pub fn id(&self) -> Option<String> {
        match self {
            Self::Product(p) => Some(gid("Product", p.num)),
            Self::Variant(_, v) => Some(gid("ProductVariant", v.num)),
            Self::Order(o) => Some(gid("Order", o.num)),
            Self::LineItem(l) => Some(gid("LineItem", l.num)),
            Self::Customer(n) => Some(gid("Customer", *n)),
            Self::Metafield(m) => Some(gid("Metafield", m.num)),
            Self::Owned(o) => match o.get("id") {
                OVal::Leaf(Value::String(s)) => Some(s),
                _ => None,
            },
            _ => None,
        }
    }

    /// Resolves field `name` with `args`.
    pub fn resolve(
        &self,
        cx: &Ctx<'a>,
        name: &str,
        args: &Map<String, Value>,
    ) -> Result<Val<'a>, FieldError> {
        match self {
            Self::QueryRoot => roots::query_root(cx, name, args),
            Self::Product(p) => product(cx, p, name, args),
            Self::Variant(p, v) => Ok(variant(p, v, name)),
            Self::Order(o) => order(cx, o, name, args),
            Self::LineItem(l) => Ok(line_item(cx, l, name)),
            Self::Customer(n) => Ok(match name {
                "id" => leaf(gid("Customer", *n)),
                _ => Val::Null,
            }),
            Self::Metafield(m) => Ok(metafield(m, name)),
            Self::Conn(c) => Ok(connection_field(c, name)),
            Self::Edge(node, cursor, _) => Ok(match name {
                "node" => Val::Obj((**node).clone()),
                "cursor" => leaf(cursor.clone()),
                _ => Val::Null,
            }),
            Self::Owned(o) => Ok(o.get(name).into()),
        }
    }
}

fn product<'a>(
    cx: &Ctx<'a>,
    p: &'a ProductRec,
    name: &str,
    args: &Map<String, Value>,
) -> Result<Val<'a>, FieldError> {
    Ok(match name {
        "id" => leaf(gid("Product", p.num)),
        "createdAt" => leaf(timestamp(p.created_at)),
        "updatedAt" => leaf(timestamp(p.updated_at)),
        "handle" => leaf(p.handle.clone()),
        "title" => leaf(p.title.clone()),
        "productType" => leaf(p.product_type.clone()),
        "vendor" => leaf(p.vendor.clone()),
        "tags" => leaf(p.tags.clone()),
        "status" => leaf(status_name(p.status)),
        "totalInventory" => leaf(p.total_inventory()),
        "featuredMedia" => cx
            .data
            .image_url(p)
            .map_or(Val::Null, |url| Val::Obj(Obj::Owned(media_image(p, &url)))),
        "variants" => {
            let rows: Vec<(usize, &VariantRec)> = p.variants.iter().enumerate().collect();
            let key = |r: &(usize, &VariantRec)| (int(r.0), r.1.num);
            return connection(
                cx,
                args,
                rows,
                key,
                |r| Obj::Variant(p, r.1),
                "ProductVariant",
            );
        }
        "metafield" => {
            let namespace = resolve_namespace(args.get("namespace").and_then(Value::as_str));
            let key = args.get("key").and_then(Value::as_str).unwrap_or_default();
            p.metafields
                .iter()
                .find(|m| m.namespace == namespace && m.key == key)
                .map_or(Val::Null, |m| Val::Obj(Obj::Metafield(m)))
        }
        "metafields" => {
            let namespace = args
                .get("namespace")
                .and_then(Value::as_str)
                .map(|n| resolve_namespace(Some(n)));
            let keys: Option<Vec<&str>> = args
                .get("keys")
                .and_then(Value::as_array)
                .map(|k| k.iter().filter_map(Value::as_str).collect());
            let rows: Vec<&MetafieldRec> = p
                .metafields
                .iter()
                .filter(|m| namespace.as_ref().is_none_or(|n| &m.namespace == n))
                .filter(|m| {
                    keys.as_ref()
                        .is_none_or(|k| k.contains(&format!("{}.{}", m.namespace, m.key).as_str()))
                })
                .collect();
            let key = |m: &&MetafieldRec| (int(m.num), m.num);
            return connection(cx, args, rows, key, Obj::Metafield, "Metafield");
        }
        _ => Val::Null,
    })
}

/// A processed image as `featuredMedia` shows it.
fn media_image(p: &ProductRec, url: &str) -> Owned {
    let image = Owned::new("Image")
        .with("id", json!(gid("ImageSource", p.num)))
        .with("url", json!(url))
        .with("width", json!(96))
        .with("height", json!(96))
        .with("altText", Value::Null);
    let preview = Owned::new("MediaPreviewImage")
        .with("image", image)
        .with("status", json!("READY"));
    Owned::new("MediaImage")
        .with("id", json!(gid("MediaImage", p.num)))
        .with("alt", json!(p.title))
        .with("preview", preview)
}

fn variant<'a>(p: &'a ProductRec, v: &'a VariantRec, name: &str) -> Val<'a> {
    match name {
        "id" => leaf(gid("ProductVariant", v.num)),
        "title" => leaf(v.title.clone()),
        "sku" => opt_leaf(v.sku.clone()),
        "price" => leaf(ids::money(v.price)),
        "compareAtPrice" => opt_leaf(v.compare_at.map(ids::money)),
        "inventoryQuantity" => opt_leaf(v.inventory),
        "availableForSale" => leaf(v.available),
        "product" => Val::Obj(Obj::Product(p)),
        _ => Val::Null,
    }
}

fn order<'a>(
    cx: &Ctx<'a>,
    o: &'a OrderRec,
    name: &str,
    args: &Map<String, Value>,
) -> Result<Val<'a>, FieldError> {
    Ok(match name {
        "id" => leaf(gid("Order", o.num)),
        "name" => leaf(format!("#{}", o.number)),
        "createdAt" | "processedAt" => leaf(timestamp(o.created_at)),
        "updatedAt" => leaf(timestamp(o.updated_at)),
        "cancelledAt" => opt_leaf(o.cancelled_at.map(timestamp)),
        "test" => leaf(o.test),
        "displayFinancialStatus" => leaf(o.financial_status()),
        "customer" => o.customer.as_ref().map_or(Val::Null, |c| {
            Val::Obj(Obj::Customer(ids::customer_number(c)))
        }),
        "lineItems" => {
            let rows: Vec<(usize, &LineRec)> = o.lines.iter().enumerate().collect();
            let key = |r: &(usize, &LineRec)| (int(r.0), r.1.num);
            return connection(cx, args, rows, key, |r| Obj::LineItem(r.1), "LineItem");
        }
        _ => Val::Null,
    })
}

fn line_item<'a>(cx: &Ctx<'a>, l: &'a LineRec, name: &str) -> Val<'a> {
    match name {
        "id" => leaf(gid("LineItem", l.num)),
        "quantity" => leaf(l.quantity),
        "product" => l
            .product
            .and_then(|n| cx.data.products.get(&n))
            .map_or(Val::Null, |p| Val::Obj(Obj::Product(p))),
        "variant" => l
            .variant
            .and_then(|n| cx.data.variant(n))
            .map_or(Val::Null, |(p, v)| Val::Obj(Obj::Variant(p, v))),
        "originalUnitPriceSet" => {
            let money = Owned::new("MoneyV2")
                .with("amount", json!(ids::money(l.unit_price)))
                .with("currencyCode", json!(cx.shared.settings.currency));
            let bag = Owned::new("MoneyBag")
                .with("shopMoney", money.clone())
                .with("presentmentMoney", money);
            Val::Obj(Obj::Owned(bag))
        }
        _ => Val::Null,
    }
}

fn metafield<'a>(m: &'a MetafieldRec, name: &str) -> Val<'a> {
    match name {
        "id" => leaf(gid("Metafield", m.num)),
        "namespace" => leaf(m.namespace.clone()),
        "key" => leaf(m.key.clone()),
        "type" => leaf(m.kind.clone()),
        "value" => leaf(m.value.clone()),
        "compareDigest" => leaf(digest(&m.value)),
        "createdAt" => leaf(timestamp(m.created_at)),
        "updatedAt" => leaf(timestamp(m.updated_at)),
        _ => Val::Null,
    }
}

fn connection_field<'a>(c: &Conn<'a>, name: &str) -> Val<'a> {
    match name {
        "nodes" => Val::List(c.items.iter().map(|(o, _)| Val::Obj(o.clone())).collect()),
        "edges" => Val::List(
            c.items
                .iter()
                .map(|(o, cursor)| Val::Obj(Obj::Edge(Box::new(o.clone()), cursor.clone(), c.edge)))
                .collect(),
        ),
        "pageInfo" => {
            let cursor =
                |item: Option<&(Obj<'a>, String)>| item.map_or(Value::Null, |(_, c)| json!(c));
            let info = Owned::new("PageInfo")
                .with("hasNextPage", json!(c.has_next))
                .with("hasPreviousPage", json!(c.has_prev))
                .with("startCursor", cursor(c.items.first()))
                .with("endCursor", cursor(c.items.last()));
            Val::Obj(Obj::Owned(info))
        }
        _ => Val::Null,
    }
}

/// A connection over `rows` sorted by `key`, named `{node}Connection`/`{node}Edge`.
/// In bulk mode every row comes back and the page arguments are ignored.
pub(crate) fn connection<'a, T>(
    cx: &Ctx<'a>,
    args: &Map<String, Value>,
    rows: Vec<T>,
    key: impl Fn(&T) -> Key,
    make: impl Fn(T) -> Obj<'a>,
    node: &'static str,
) -> Result<Val<'a>, FieldError> {
    let (ty, edge) = connection_types(node);
    let sample = rows.first().map_or(SortValue::Int(0), |r| key(r).0);
    let mut page_args = PageArgs::from_args(args);
    if cx.bulk {
        page_args = PageArgs {
            first: Some(i64::MAX),
            reverse: page_args.reverse,
            ..PageArgs::default()
        };
        let mut keyed: Vec<(Key, T)> = rows.into_iter().map(|r| (key(&r), r)).collect();
        keyed.sort_by(|a, b| {
            if page_args.reverse {
                b.0.cmp(&a.0)
            } else {
                a.0.cmp(&b.0)
            }
        });
        let items = keyed
            .into_iter()
            .map(|(_, r)| (make(r), String::new()))
            .collect();
        return Ok(Val::Obj(Obj::Conn(Box::new(Conn {
            ty,
            edge,
            items,
            has_next: false,
            has_prev: false,
        }))));
    }
    let page = paginate(rows, key, &sample, &page_args)
        .map_err(|e| FieldError::with(e.message(), json!({"code": "BAD_REQUEST"})))?;
    let items = page.items.into_iter().map(|(r, c)| (make(r), c)).collect();
    Ok(Val::Obj(Obj::Conn(Box::new(Conn {
        ty,
        edge,
        items,
        has_next: page.has_next,
        has_prev: page.has_prev,
    }))))
}

/// The connection and edge type names of a node type.
fn connection_types(node: &'static str) -> (&'static str, &'static str) {
    match node {
        "Product" => ("ProductConnection", "ProductEdge"),
        "ProductVariant" => ("ProductVariantConnection", "ProductVariantEdge"),
        "Order" => ("OrderConnection", "OrderEdge"),
        "LineItem" => ("LineItemConnection", "LineItemEdge"),
        _ => ("MetafieldConnection", "MetafieldEdge"),
    }
}
