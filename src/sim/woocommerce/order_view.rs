//! Orders and webhooks as the REST API answers them. Order line `price` is a JSON
//! number (an integer when whole: `79`, else `22.5`), totals are strings, a line's
//! `image.id` is `""` for a simple product and `0` for a variation (observed).

use serde_json::{json, Map, Value};

use super::dates::{gmt, local, opt_gmt, opt_local};
use super::hooks::hook_names;
use super::records::{SimWooLine, SimWooOrder, SimWooWebhook};
use super::views::{object, View};
use crate::sim::person::Person;

impl View<'_> {
    /// `GET /orders/{id}`.
    pub fn order(&self, o: &SimWooOrder) -> Value {
        let total: f64 = o.lines.iter().map(line_total).sum();
        let key = order_key(o.id);
        let mut out = object(json!({
            "id": o.id, "parent_id": 0, "status": o.status, "currency": "EUR",
            "version": "11.0.1", "prices_include_tax": false,
            "date_created": local(o.date_created_gmt, self.offset),
            "date_modified": local(o.date_modified_gmt, self.offset),
            "discount_total": "0.00", "discount_tax": "0.00", "shipping_total": "0.00",
            "shipping_tax": "0.00", "cart_tax": "0.00", "total": money(total),
            "total_tax": "0.00", "customer_id": o.customer_id, "order_key": key,
        }));
        out.extend(object(json!({
            "billing": billing(o), "shipping": address(person(o).as_ref(), None),
            "payment_method": "bacs", "payment_method_title": "Bank transfer",
            "transaction_id": "", "customer_ip_address": "", "customer_user_agent": "",
            "created_via": o.created_via, "customer_note": "",
            "date_completed": opt_local(o.date_completed_gmt, self.offset),
            "date_paid": opt_local(o.date_paid_gmt, self.offset),
            "cart_hash": "", "number": o.id.to_string(), "meta_data": [],
            "line_items": o.lines.iter().map(line_json).collect::<Vec<_>>(),
        })));
        let editable = matches!(o.status.as_str(), "pending" | "on-hold" | "auto-draft");
        out.extend(object(json!({
            "tax_lines": [], "shipping_lines": [], "fee_lines": [], "coupon_lines": [],
            "refunds": refunds(o, total),
            "payment_url": format!("{}/checkout/order-pay/{}/?pay_for_order=true&key={key}", self.base, o.id),
            "is_editable": editable,
            "needs_payment": matches!(o.status.as_str(), "pending" | "failed") && total > 0.0,
            "needs_processing": true,
            "date_created_gmt": gmt(o.date_created_gmt),
            "date_modified_gmt": gmt(o.date_modified_gmt),
            "date_completed_gmt": opt_gmt(o.date_completed_gmt),
            "date_paid_gmt": opt_gmt(o.date_paid_gmt),
            "currency_symbol": "\u{20ac}",
        })));
        let item = format!("/wc/v3/orders/{}", o.id);
        let mut extra = object(json!({"email_templates": [{"embeddable": true,
            "href": self.rest_url(&format!("{item}/actions/email_templates"))}]}));
        if o.customer_id != 0 {
            let customer = self.rest_url(&format!("/wc/v3/customers/{}", o.customer_id));
            extra.insert("customer".into(), json!([{"href": customer}]));
        }
        out.insert("_links".into(), self.links(&item, "/wc/v3/orders", extra));
        Value::Object(out)
    }

    /// `GET /webhooks/{id}` (the secret is never shown).
    pub fn webhook(&self, w: &SimWooWebhook) -> Value {
        let (resource, event) = w.topic.split_once('.').unwrap_or((&w.topic, ""));
        let item = format!("/wc/v3/webhooks/{}", w.id);
        json!({
            "id": w.id, "name": w.name, "status": w.status, "topic": w.topic,
            "resource": resource, "event": event, "hooks": hook_names(&w.topic),
            "delivery_url": w.delivery_url,
            "date_created": local(w.date_created_gmt, self.offset),
            "date_created_gmt": gmt(w.date_created_gmt),
            "date_modified": opt_local(w.date_modified_gmt, self.offset),
            "date_modified_gmt": opt_gmt(w.date_modified_gmt),
            "_links": self.links(&item, "/wc/v3/webhooks", Map::new()),
        })
    }
}

/// `wc_order_` and 13 letters and digits derived from the id.
fn order_key(id: u64) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut state = id.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x5DEE_CE66_D1CE_4E5B;
    let mut key = String::from("wc_order_");
    for _ in 0..13 {
        state ^= state >> 29;
        state = state.wrapping_mul(0xBF58_476D_1CE4_E5B9);
        key.push(char::from(
            ALPHABET[(state >> 40) as usize % ALPHABET.len()],
        ));
    }
    key
}

fn money(amount: f64) -> String {
    format!("{amount:.2}")
}

fn line_total(line: &SimWooLine) -> f64 {
    line.price * f64::from(line.quantity)
}

/// A float as PHP's `json_encode` writes it: whole values without a fraction.
pub(crate) fn php_number(value: f64) -> Value {
    if value.fract() == 0.0 && value.abs() < 9.0e15 {
        Value::from(value as i64)
    } else {
        json!(value)
    }
}

fn line_json(line: &SimWooLine) -> Value {
    let total = money(line_total(line));
    let meta = match &line.option {
        Some(option) => json!([{"id": line.id * 10 + 1, "key": "option", "value": option,
            "display_key": "Option", "display_value": option}]),
        None => json!([{"id": line.id * 10 + 2, "key": "_reduced_stock",
            "value": line.quantity.to_string(), "display_key": "_reduced_stock",
            "display_value": line.quantity.to_string()}]),
    };
    let image_id = if line.variation_id == 0 {
        json!("")
    } else {
        json!(0)
    };
    json!({
        "id": line.id, "name": line.name, "product_id": line.product_id,
        "variation_id": line.variation_id, "quantity": line.quantity, "tax_class": "",
        "subtotal": total, "subtotal_tax": "0.00", "total": total, "total_tax": "0.00",
        "taxes": [], "meta_data": meta, "sku": line.sku, "global_unique_id": "",
        "price": php_number(line.price), "image": {"id": image_id, "src": ""},
        "parent_name": line.parent_name,
    })
}

/// The billing address: a made-up person for a registered customer (by id) or a guest
/// (by email), as checkout fills it; empty for an order without a customer.
fn billing(o: &SimWooOrder) -> Value {
    match person(o) {
        Some(p) => address(Some(&p), Some(&p.email)),
        None => address(None, Some(&o.billing_email)),
    }
}

/// Who placed the order, when anyone did.
pub(crate) fn person(o: &SimWooOrder) -> Option<Person> {
    if o.customer_id != 0 {
        Some(Person::numbered(o.customer_id, Some(&o.billing_email)))
    } else if o.billing_email.is_empty() {
        None
    } else {
        Some(Person::guest(&o.billing_email))
    }
}

/// An address of `person` (empty without one); billing addresses carry an email.
fn address(person: Option<&Person>, email: Option<&str>) -> Value {
    let field = |f: fn(&Person) -> &str| person.map_or("", f);
    let mut out = object(json!({
        "first_name": field(|p| &p.first_name), "last_name": field(|p| &p.last_name),
        "company": "", "address_1": field(|p| &p.address_1), "address_2": "",
        "city": field(|p| &p.city), "state": "", "postcode": field(|p| &p.postcode),
        "country": if person.is_some() { "DE" } else { "" },
    }));
    if let Some(email) = email {
        out.insert("email".into(), email.into());
    }
    out.insert("phone".into(), field(|p| &p.phone).into());
    Value::Object(out)
}

fn refunds(o: &SimWooOrder, total: f64) -> Value {
    if o.status == "refunded" {
        json!([{"id": o.id + 1_000_000, "reason": "", "total": format!("-{}", money(total))}])
    } else {
        json!([])
    }
}
