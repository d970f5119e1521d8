//! Products and variations as the REST API answers them: every field of the fixtures,
//! with the same types (money as strings, `stock_quantity` null when unmanaged, a
//! variation's `total_sales` as the string `"0"` when fetched through `/products/{id}`,
//! as observed), URLs built from the site's home URL.

use serde_json::{json, Map, Value};

use super::dates::{gmt, local};
use super::records::{decimal, SimWooMeta, SimWooProduct, SimWooVariation};
use super::state::ShopData;
use super::terms::{slugify, Taxonomy};
use crate::sim::product_image;

/// Where product image files are served, as WordPress's media library names them.
pub(crate) const UPLOADS_PATH: &str = "/wp-content/uploads/2026/11/";

/// Methods a single resource route allows.
pub(crate) const ITEM_METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/// What rendering needs besides the record.
pub(crate) struct View<'a> {
    /// Site root without trailing slash.
    pub base: &'a str,
    pub pretty: bool,
    pub offset: i32,
    pub data: &'a ShopData,
}

impl View<'_> {
    /// The REST URL of `route` (e.g. `/wc/v3/products/11`), as `rest_url()` builds it.
    pub fn rest_url(&self, route: &str) -> String {
        if self.pretty {
            format!("{}/wp-json{route}", self.base)
        } else {
            format!("{}/?rest_route={route}", self.base)
        }
    }

    /// `_links` of an item: `self` with its allowed methods, `collection`, extras.
    pub fn links(&self, item: &str, collection: &str, extra: Map<String, Value>) -> Value {
        let mut links = Map::new();
        links.insert(
            "self".into(),
            json!([{"href": self.rest_url(item), "targetHints": {"allow": ITEM_METHODS}}]),
        );
        links.insert(
            "collection".into(),
            json!([{"href": self.rest_url(collection)}]),
        );
        links.extend(extra);
        Value::Object(links)
    }

    fn date_pair(
        &self,
        out: &mut Map<String, Value>,
        name: &str,
        t: chrono::DateTime<chrono::Utc>,
    ) {
        out.insert(name.to_owned(), local(t, self.offset).into());
        out.insert(format!("{name}_gmt"), gmt(t).into());
    }

    /// `images` as WordPress lists attachments: the product image, then the gallery.
    fn images(&self, p: &SimWooProduct) -> Value {
        let base = format!("{}{UPLOADS_PATH}", self.base);
        let images = p.images.iter().enumerate().map(|(i, file)| {
            let src = product_image::url(&base, file);
            let name = file
                .rsplit('/')
                .next()
                .unwrap_or(file)
                .trim_end_matches(".svg");
            let mut out = Map::new();
            out.insert("id".to_owned(), json!(p.id * 10 + i as u64 + 1));
            self.date_pair(&mut out, "date_created", p.date_created_gmt);
            self.date_pair(&mut out, "date_modified", p.date_created_gmt);
            out.insert("src".to_owned(), json!(src));
            out.insert("name".to_owned(), json!(name));
            out.insert("alt".to_owned(), json!(""));
            Value::Object(out)
        });
        Value::Array(images.collect())
    }

    /// A product's public URL.
    pub fn permalink(&self, p: &SimWooProduct) -> String {
        match (p.status.as_str(), self.pretty) {
            ("publish", true) => format!("{}/product/{}/", self.base, p.slug),
            ("publish", false) => format!("{}/?product={}", self.base, p.slug),
            _ => format!("{}/?post_type=product&p={}", self.base, p.id),
        }
    }

    fn variation_permalink(&self, parent: &SimWooProduct, v: &SimWooVariation) -> String {
        let link = self.permalink(parent);
        let join = if link.contains('?') { '&' } else { '?' };
        let attribute = slugify(&parent.attribute_name);
        format!("{link}{join}attribute_{attribute}={}", v.option)
    }

    fn terms(&self, taxonomy: Taxonomy, names: &[String]) -> Value {
        let terms: Vec<Value> = names
            .iter()
            .filter_map(|n| self.data.terms.get(taxonomy, n))
            .map(|t| json!({"id": t.id, "name": t.name, "slug": t.slug}))
            .collect();
        Value::Array(terms)
    }

    /// `GET /products/{id}` for a product.
    pub fn product(&self, p: &SimWooProduct) -> Value {
        let mut out = Map::new();
        out.insert("id".into(), p.id.into());
        out.insert("name".into(), p.name.clone().into());
        out.insert("slug".into(), p.slug.clone().into());
        out.insert("permalink".into(), self.permalink(p).into());
        self.date_pair(&mut out, "date_created", p.date_created_gmt);
        self.date_pair(&mut out, "date_modified", p.date_modified_gmt);
        let external = p.kind == "external";
        out.extend(object(json!({
            "type": p.kind, "status": p.status, "featured": false,
            "catalog_visibility": p.catalog_visibility, "description": p.description,
            "short_description": "", "sku": p.sku,
        })));
        prices(
            &mut out,
            &p.price,
            &p.regular_price,
            &p.sale_price,
            p.on_sale(),
        );
        out.extend(object(json!({
            "purchasable": !p.price.is_empty() && !external && p.status != "trash",
            "total_sales": p.total_sales,
            "virtual": false, "downloadable": false, "downloads": [],
            "download_limit": -1, "download_expiry": -1,
            "external_url": p.external_url,
            "button_text": if external { "Buy product" } else { "" },
        })));
        stock(&mut out, p.manage_stock, p.stock_quantity);
        shipping(&mut out);
        out.extend(object(json!({
            "reviews_allowed": true, "average_rating": "0.00", "rating_count": 0,
            "upsell_ids": p.upsell_ids, "cross_sell_ids": p.cross_sell_ids,
            "parent_id": 0, "purchase_note": "",
            "categories": self.terms(Taxonomy::Category, &p.categories),
            "brands": self.terms(Taxonomy::Brand, &p.brands),
            "tags": self.terms(Taxonomy::Tag, &p.tags),
            "images": self.images(p), "attributes": parent_attributes(p), "default_attributes": [],
            "variations": p.variation_ids(), "grouped_products": p.grouped_products,
            "menu_order": 0, "price_html": product_price_html(p),
            "related_ids": self.related(p), "meta_data": meta_json(&p.meta),
            "stock_status": p.stock_status, "has_options": p.kind == "variable",
            "post_password": "", "global_unique_id": "",
        })));
        let item = format!("/wc/v3/products/{}", p.id);
        out.insert(
            "_links".into(),
            self.links(&item, "/wc/v3/products", Map::new()),
        );
        Value::Object(out)
    }

    /// Up to five published neighbours sharing the first category (WooCommerce picks
    /// them at random and caches them; nearby ids keep this cheap and stable).
    fn related(&self, p: &SimWooProduct) -> Vec<u64> {
        let Some(category) = p.categories.first() else {
            return Vec::new();
        };
        let low = p.id.saturating_sub(4);
        self.data
            .products
            .range(low..=p.id + 4)
            .map(|(_, other)| other)
            .filter(|o| o.id != p.id && o.status == "publish")
            .filter(|o| o.categories.first() == Some(category))
            .map(|o| o.id)
            .take(5)
            .collect()
    }

    /// `GET /products/{variation_id}`: the variation in product shape, type `variation`.
    pub fn variation_as_product(&self, parent: &SimWooProduct, v: &SimWooVariation) -> Value {
        let mut out = Map::new();
        let name = format!("{} - {}", parent.name, v.option);
        out.insert("id".into(), v.id.into());
        out.insert("slug".into(), slugify(&name).into());
        out.insert("name".into(), name.into());
        out.insert(
            "permalink".into(),
            self.variation_permalink(parent, v).into(),
        );
        self.date_pair(&mut out, "date_created", v.date_created_gmt);
        self.date_pair(&mut out, "date_modified", v.date_modified_gmt);
        out.extend(object(json!({
            "type": "variation", "status": v.status, "featured": false,
            "catalog_visibility": "visible", "description": "", "short_description": "",
            "sku": v.sku,
        })));
        let price = v.price();
        prices(
            &mut out,
            &price,
            &v.regular_price,
            &v.sale_price,
            v.on_sale(),
        );
        out.extend(object(json!({
            "purchasable": !price.is_empty(), "total_sales": "0",
            "virtual": false, "downloadable": false, "downloads": [],
            "download_limit": -1, "download_expiry": -1,
            "external_url": "", "button_text": "",
        })));
        stock(&mut out, v.manage_stock, v.stock_quantity);
        shipping(&mut out);
        out.extend(object(json!({
            "reviews_allowed": false, "average_rating": "0.00", "rating_count": 0,
            "upsell_ids": [], "cross_sell_ids": [], "parent_id": parent.id,
            "purchase_note": "", "categories": [], "brands": [], "tags": [], "images": [],
            "attributes": variation_attributes(parent, v), "default_attributes": [],
            "variations": [], "grouped_products": [], "menu_order": 0,
            "price_html": amount_html(&price, false), "related_ids": [],
            "meta_data": meta_json(&v.meta), "stock_status": v.stock_status,
            "has_options": false, "post_password": "", "global_unique_id": "",
        })));
        let up = object(
            json!({"up": [{"href": self.rest_url(&format!("/wc/v3/products/{}", parent.id))}]}),
        );
        let item = format!("/wc/v3/products/{}", v.id);
        out.insert("_links".into(), self.links(&item, "/wc/v3/products", up));
        Value::Object(out)
    }

    /// An item of `GET /products/{id}/variations`.
    pub fn variation(&self, parent: &SimWooProduct, v: &SimWooVariation) -> Value {
        let mut out = Map::new();
        out.insert("id".into(), v.id.into());
        out.insert("type".into(), "variation".into());
        self.date_pair(&mut out, "date_created", v.date_created_gmt);
        self.date_pair(&mut out, "date_modified", v.date_modified_gmt);
        out.insert("description".into(), "".into());
        out.insert(
            "permalink".into(),
            self.variation_permalink(parent, v).into(),
        );
        out.insert("sku".into(), v.sku.clone().into());
        out.insert("global_unique_id".into(), "".into());
        let price = v.price();
        prices(
            &mut out,
            &price,
            &v.regular_price,
            &v.sale_price,
            v.on_sale(),
        );
        out.extend(object(json!({
            "status": v.status, "purchasable": !price.is_empty(),
            "virtual": false, "downloadable": false, "downloads": [],
            "download_limit": -1, "download_expiry": -1,
            "tax_status": "taxable", "tax_class": "", "stock_status": v.stock_status,
        })));
        stock(&mut out, v.manage_stock, v.stock_quantity);
        out.remove("sold_individually");
        out.extend(object(json!({
            "weight": "", "dimensions": {"length": "", "width": "", "height": ""},
            "shipping_class": "", "shipping_class_id": 0, "image": null,
            "gallery_image_ids": [], "attributes": variation_attributes(parent, v),
            "menu_order": 0, "meta_data": meta_json(&v.meta), "name": v.option,
            "parent_id": parent.id,
        })));
        let collection = format!("/wc/v3/products/{}/variations", parent.id);
        let up = object(
            json!({"up": [{"href": self.rest_url(&format!("/wc/v3/products/{}", parent.id))}]}),
        );
        let item = format!("{collection}/{}", v.id);
        out.insert("_links".into(), self.links(&item, &collection, up));
        Value::Object(out)
    }

    /// A product as write answers show it (`context=edit`): with `permalink_template`
    /// and `generated_slug`.
    pub fn product_edit(&self, id: u64) -> Option<Value> {
        let mut item = self.product_by_id(id)?;
        if let Value::Object(map) = &mut item {
            let template = if self.pretty {
                format!("{}/product/%pagename%/", self.base)
            } else {
                format!("{}/?product=%pagename%", self.base)
            };
            let name = map.get("name").and_then(Value::as_str).unwrap_or_default();
            let generated = slugify(name);
            map.insert("permalink_template".into(), template.into());
            map.insert("generated_slug".into(), generated.into());
        }
        Some(item)
    }

    /// `GET /products/{id}` for any id: a product, a variation, or `None`.
    pub fn product_by_id(&self, id: u64) -> Option<Value> {
        if let Some(product) = self.data.products.get(&id) {
            return Some(self.product(product));
        }
        let (parent, variation) = self.data.variation(id)?;
        Some(self.variation_as_product(parent, variation))
    }
}

/// The members of an object literal.
pub(crate) fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn prices(out: &mut Map<String, Value>, price: &str, regular: &str, sale: &str, on_sale: bool) {
    out.extend(object(json!({
        "price": price, "regular_price": regular, "sale_price": sale,
        "date_on_sale_from": null, "date_on_sale_from_gmt": null,
        "date_on_sale_to": null, "date_on_sale_to_gmt": null, "on_sale": on_sale,
    })));
}

fn stock(out: &mut Map<String, Value>, managed: bool, quantity: Option<i64>) {
    out.extend(object(json!({
        "tax_status": "taxable", "tax_class": "", "manage_stock": managed,
        "stock_quantity": if managed { json!(quantity) } else { Value::Null },
        "backorders": "no", "backorders_allowed": false, "backordered": false,
        "low_stock_amount": null, "sold_individually": false,
    })));
}

fn shipping(out: &mut Map<String, Value>) {
    out.extend(object(json!({
        "weight": "", "dimensions": {"length": "", "width": "", "height": ""},
        "shipping_required": true, "shipping_taxable": true, "shipping_class": "",
        "shipping_class_id": 0,
    })));
}

fn parent_attributes(p: &SimWooProduct) -> Value {
    if p.kind != "variable" {
        return json!([]);
    }
    let options: Vec<&str> = p.variations.iter().map(|v| v.option.as_str()).collect();
    json!([{"id": 0, "name": p.attribute_name, "slug": p.attribute_name, "position": 0,
        "visible": true, "variation": true, "options": options}])
}

fn variation_attributes(parent: &SimWooProduct, v: &SimWooVariation) -> Value {
    json!([{"id": 0, "name": parent.attribute_name,
        "slug": slugify(&parent.attribute_name), "option": v.option}])
}

/// `meta_data` as the API shows it.
pub(crate) fn meta_json(meta: &[SimWooMeta]) -> Value {
    meta.iter()
        .map(|m| json!({"id": m.id, "key": m.key, "value": m.value}))
        .collect()
}

/// A price with two decimals, as `wc_price` shows it.
fn shown(price: &str) -> String {
    decimal(price).map_or_else(String::new, |d| format!("{d:.2}"))
}

/// The `woocommerce-Price-amount` span for `price`.
fn amount_html(price: &str, hidden: bool) -> String {
    if price.is_empty() {
        return String::new();
    }
    let aria = if hidden { " aria-hidden=\"true\"" } else { "" };
    format!(
        "<span class=\"woocommerce-Price-amount amount\"{aria}><bdi><span class=\"woocommerce-Price-currencySymbol\" translate=\"no\">&euro;</span>{}</bdi></span>",
        shown(price)
    )
}

fn product_price_html(p: &SimWooProduct) -> String {
    if p.kind == "variable" {
        let prices: Vec<f64> = p
            .variations
            .iter()
            .filter_map(|v| decimal(&v.price()))
            .collect();
        let low = prices.iter().copied().fold(f64::INFINITY, f64::min);
        let high = prices.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if prices.is_empty() {
            return String::new();
        }
        if (high - low).abs() < f64::EPSILON {
            return amount_html(&low.to_string(), false);
        }
        let (low, high) = (low.to_string(), high.to_string());
        return format!(
            "{} <span aria-hidden=\"true\">&ndash;</span> {}<span class=\"screen-reader-text\">Price range: &euro;{} through &euro;{}</span>",
            amount_html(&low, true), amount_html(&high, true), shown(&low), shown(&high)
        );
    }
    if p.on_sale() && !p.regular_price.is_empty() {
        return format!(
            "<del aria-hidden=\"true\">{}</del> <span class=\"screen-reader-text\">Original price was: &euro;{}.</span><ins aria-hidden=\"true\">{}</ins><span class=\"screen-reader-text\">Current price is: &euro;{}.</span>",
            amount_html(&p.regular_price, false), shown(&p.regular_price),
            amount_html(&p.price, false), shown(&p.price)
        );
    }
    amount_html(&p.price, false)
}
