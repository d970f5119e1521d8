//! Reads an order-lines CSV in the layout of the UCI "Online Retail" data set
//! (`invoice,stock_code,description,quantity,invoice_date,unit_price,customer_id,country`)
//! or any other layout through [`Columns`].
//!
//! Lines that are not sales are dropped as the data set's README describes:
//! cancellations (invoices starting with `C`) and adjustments (`A`), zero or negative
//! quantities and prices, and non-product codes (postage, fees, manual lines, vouchers).
//! A line that cannot be read is reported with its line number and column, and the rest
//! of the file goes on.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use flate2::read::MultiGzDecoder;

use crate::model::{
    CustomerHash, InstallSalt, LineItem, Money, Order, OrderFlags, OrderId, Product, ProductId,
    ProductStatus, Variant, VariantId,
};

/// Which header names hold which field.
#[derive(Clone, Debug)]
pub struct Columns {
    /// Order (invoice) id.
    pub order: String,
    /// Product code.
    pub product: String,
    /// Product title (optional column).
    pub title: String,
    /// Units bought.
    pub quantity: String,
    /// When the order was placed.
    pub time: String,
    /// Price per unit.
    pub unit_price: String,
    /// Customer id (optional column; empty values are guests).
    pub customer: String,
}

impl Default for Columns {
    fn default() -> Self {
        Self {
            order: "invoice".into(),
            product: "stock_code".into(),
            title: "description".into(),
            quantity: "quantity".into(),
            time: "invoice_date".into(),
            unit_price: "unit_price".into(),
            customer: "customer_id".into(),
        }
    }
}

/// Why the file as a whole could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file could not be opened or read.
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    /// A required column is missing from the header.
    #[error("{path}: no column named {column:?} for {field} (header has: {header}); name it with --col-{field}")]
    MissingColumn {
        path: String,
        field: &'static str,
        column: String,
        header: String,
    },
    /// The header itself is not CSV.
    #[error("{path}: cannot read the header line: {reason}")]
    BadHeader { path: String, reason: String },
}

/// The products and orders read, with an account of what was left out.
#[derive(Debug, Default)]
pub struct Imported {
    /// One product per product code, titled by its latest description and priced at the
    /// median unit price of its sales.
    pub products: Vec<Product>,
    /// One order per order id, in first-seen order.
    pub orders: Vec<Order>,
    /// Lines read.
    pub lines: usize,
    /// Lines dropped as not being sales, by reason.
    pub dropped: BTreeMap<&'static str, usize>,
    /// Lines that could not be read (first 20 messages kept; `bad_lines` counts all).
    pub errors: Vec<String>,
    /// Number of unreadable lines.
    pub bad_lines: usize,
}

/// Codes that are not products in retail exports: postage, carriage, fees, manual
/// entries, discounts, samples, adjustments and test lines.
const NON_PRODUCT_CODES: &[&str] = &[
    "POST",
    "DOT",
    "C2",
    "M",
    "D",
    "S",
    "B",
    "CRUK",
    "PADS",
    "BANK CHARGES",
    "AMAZONFEE",
    "ADJUST",
    "ADJUST2",
    "TEST001",
    "TEST002",
];

/// Whether a product code is a non-product line rather than something a shopper buys.
#[must_use]
pub fn is_non_product_code(code: &str) -> bool {
    let upper = code.trim().to_uppercase();
    NON_PRODUCT_CODES.contains(&upper.as_str())
        || upper.starts_with("GIFT_")
        || !upper.bytes().any(|b| b.is_ascii_digit())
}

/// Reads `path` (gzip detected by its magic bytes). Customer ids are hashed with `salt`
/// on arrival; names, emails and countries are not kept.
pub fn read_order_lines(
    path: &Path,
    columns: &Columns,
    salt: &InstallSalt,
) -> Result<Imported, ImportError> {
    let shown = path.display().to_string();
    let io = |source| ImportError::Io {
        path: shown.clone(),
        source,
    };
    let mut reader = BufReader::new(File::open(path).map_err(io)?);
    let gzip = reader.fill_buf().map_err(io)?.starts_with(&[0x1f, 0x8b]);
    let input: Box<dyn Read> = if gzip {
        Box::new(MultiGzDecoder::new(reader))
    } else {
        Box::new(reader)
    };
    parse(input, &shown, columns, salt)
}

/// Parses order lines from any reader; `name` is used in messages.
pub fn parse(
    input: impl Read,
    name: &str,
    columns: &Columns,
    salt: &InstallSalt,
) -> Result<Imported, ImportError> {
    let mut csv = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let header = csv
        .headers()
        .map_err(|e| ImportError::BadHeader {
            path: name.into(),
            reason: e.to_string(),
        })?
        .clone();
    let find = |column: &str| {
        header
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(column))
    };
    let need = |field: &'static str, column: &str| {
        find(column).ok_or_else(|| ImportError::MissingColumn {
            path: name.into(),
            field,
            column: column.into(),
            header: header.iter().collect::<Vec<_>>().join(","),
        })
    };
    let layout = Layout {
        order: need("order", &columns.order)?,
        product: need("product", &columns.product)?,
        title: find(&columns.title),
        quantity: need("quantity", &columns.quantity)?,
        time: need("time", &columns.time)?,
        unit_price: need("unit-price", &columns.unit_price)?,
        customer: find(&columns.customer),
    };
    let mut builder = Builder::new(salt);
    let mut record = csv::StringRecord::new();
    loop {
        let line = csv.position().line();
        match csv.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                builder.imported.lines += 1;
                if let Err(message) = builder.add(&layout, &record) {
                    builder.error(format!("{name} line {line}: {message}"));
                }
            }
            Err(e) => {
                builder.imported.lines += 1;
                builder.error(format!("{name} line {line}: {e}"));
            }
        }
    }
    Ok(builder.finish())
}

/// Column positions.
struct Layout {
    order: usize,
    product: usize,
    title: Option<usize>,
    quantity: usize,
    time: usize,
    unit_price: usize,
    customer: Option<usize>,
}

/// Per product: latest title and every unit price seen.
struct ProductSeen {
    title: String,
    titled_at: DateTime<Utc>,
    prices: Vec<Money>,
    last_sold: DateTime<Utc>,
}

struct Builder<'a> {
    salt: &'a InstallSalt,
    imported: Imported,
    orders: HashMap<String, usize>,
    products: HashMap<String, ProductSeen>,
}

impl<'a> Builder<'a> {
    fn new(salt: &'a InstallSalt) -> Self {
        Self {
            salt,
            imported: Imported::default(),
            orders: HashMap::new(),
            products: HashMap::new(),
        }
    }

    fn error(&mut self, message: String) {
        self.imported.bad_lines += 1;
        if self.imported.errors.len() < 20 {
            self.imported.errors.push(message);
        }
    }

    fn drop_line(&mut self, reason: &'static str) {
        *self.imported.dropped.entry(reason).or_insert(0) += 1;
    }

    fn add(&mut self, layout: &Layout, record: &csv::StringRecord) -> Result<(), String> {
        let field = |i: usize, what: &str| {
            record
                .get(i)
                .map(str::trim)
                .ok_or_else(|| format!("missing column {what}"))
        };
        let order = field(layout.order, "order")?;
        let code = field(layout.product, "product")?;
        if order.is_empty() {
            return Err("empty order id".into());
        }
        if order.starts_with(['C', 'c', 'A', 'a']) {
            self.drop_line("cancellation or adjustment");
            return Ok(());
        }
        if code.is_empty() || is_non_product_code(code) {
            self.drop_line("not a product (postage, fee, manual line, voucher)");
            return Ok(());
        }
        let quantity_text = field(layout.quantity, "quantity")?;
        let quantity: i64 = quantity_text
            .parse()
            .map_err(|_| format!("quantity: not a whole number: {quantity_text:?}"))?;
        let price_text = field(layout.unit_price, "unit price")?;
        let price = Money::parse(price_text).map_err(|e| format!("unit price: {e}"))?;
        if quantity <= 0 || price.0 <= 0 {
            self.drop_line("zero or negative quantity or price");
            return Ok(());
        }
        let time_text = field(layout.time, "time")?;
        let placed_at = parse_time(time_text)
            .ok_or_else(|| format!("time: not a date and time: {time_text:?}"))?;
        let title = layout
            .title
            .and_then(|i| record.get(i))
            .map(str::trim)
            .unwrap_or_default();
        let customer = layout
            .customer
            .and_then(|i| record.get(i))
            .map(str::trim)
            .filter(|c| !c.is_empty());
        self.note_product(code, title, price, placed_at);
        let at = *self.orders.entry(order.to_owned()).or_insert_with(|| {
            self.imported.orders.push(Order {
                id: OrderId::new(order),
                created_at: placed_at,
                customer: customer.map(|c| CustomerHash::new(self.salt, c)),
                flags: OrderFlags::default(),
                lines: Vec::new(),
            });
            self.imported.orders.len() - 1
        });
        self.imported.orders[at].lines.push(LineItem {
            product: ProductId::new(code),
            variant: Some(VariantId::new(code)),
            quantity: u32::try_from(quantity).unwrap_or(u32::MAX),
            unit_price: price,
        });
        Ok(())
    }

    fn note_product(&mut self, code: &str, title: &str, price: Money, at: DateTime<Utc>) {
        let seen = self
            .products
            .entry(code.to_owned())
            .or_insert_with(|| ProductSeen {
                title: String::new(),
                titled_at: at,
                prices: Vec::new(),
                last_sold: at,
            });
        if !title.is_empty() && (seen.title.is_empty() || at >= seen.titled_at) {
            title.clone_into(&mut seen.title);
            seen.titled_at = at;
        }
        seen.prices.push(price);
        seen.last_sold = seen.last_sold.max(at);
    }

    fn finish(mut self) -> Imported {
        let mut products: Vec<Product> = self
            .products
            .into_iter()
            .map(|(code, mut seen)| {
                seen.prices.sort_unstable();
                let price = seen.prices[seen.prices.len() / 2];
                Product {
                    id: ProductId::new(code.clone()),
                    title: if seen.title.is_empty() {
                        code.clone()
                    } else {
                        seen.title
                    },
                    handle: code.to_lowercase(),
                    product_type: String::new(),
                    tags: Vec::new(),
                    vendor: String::new(),
                    status: ProductStatus::Active,
                    variants: vec![Variant {
                        id: VariantId::new(code),
                        title: String::new(),
                        sku: None,
                        price,
                        compare_at_price: None,
                        available: true,
                        inventory_quantity: None,
                    }],
                    updated_at: seen.last_sold,
                    image_url: None,
                }
            })
            .collect();
        products.sort_unstable_by(|a, b| a.id.cmp(&b.id));
        self.imported.products = products;
        self.imported
    }
}

/// Reads `2010-12-01T08:26:00`, `2010-12-01 08:26:00`, `2010-12-01 08:26`, RFC 3339, or
/// a bare date. Times without a zone are taken as UTC.
fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    // ISO forms first; then the US month/day/year of the original UCI Online Retail
    // file ("12/1/2010 8:26").
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
        "%m/%d/%Y %H:%M:%S",
        "%m/%d/%Y %H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
            return Some(t.and_utc());
        }
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(text, "%m/%d/%Y"))
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_read_in_iso_and_us_forms() {
        let at = |text| parse_time(text).map(|t| t.to_rfc3339());
        let noon = Some("2011-12-09T12:50:00+00:00".to_owned());
        for text in [
            "2011-12-09 12:50:00",
            "2011-12-09T12:50:00",
            "2011-12-09 12:50",
            "2011-12-09 12:50:00.000",
            "2011-12-09T12:50:00Z",
            "2011-12-09T13:50:00+01:00",
            "12/9/2011 12:50",
            "12/09/2011 12:50:00",
        ] {
            assert_eq!(at(text), noon, "{text}");
        }
        assert_eq!(
            at("12/9/2011"),
            Some("2011-12-09T00:00:00+00:00".to_owned())
        );
        assert_eq!(at("2011-13-09 12:50"), None);
        assert_eq!(at("yesterday"), None);
    }

    const SAMPLE: &str = "\
invoice,stock_code,description,quantity,invoice_date,unit_price,customer_id,country
536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-01T08:26:00,2.55,17850,United Kingdom
536365,71053,WHITE METAL LANTERN,6,2010-12-01T08:26:00,3.39,17850,United Kingdom
536365,POST,POSTAGE,1,2010-12-01T08:26:00,18,17850,United Kingdom
C536379,D,Discount,-1,2010-12-01T09:41:00,27.5,14527,United Kingdom
536380,22961,\"JAM MAKING SET, PRINTED\",24,2010-12-01 09:41,1.45,,United Kingdom
536381,22961,JAM MAKING SET PRINTED,x,2010-12-01T09:41:00,1.45,,United Kingdom
536382,22961,JAM MAKING SET PRINTED,3,yesterday,1.45,,United Kingdom
536383,21730,,-3,2010-12-01T09:41:00,0,,United Kingdom
";

    fn sample() -> Imported {
        parse(
            SAMPLE.as_bytes(),
            "sample.csv",
            &Columns::default(),
            &InstallSalt([7; 32]),
        )
        .expect("header is fine")
    }

    #[test]
    fn sales_lines_become_orders_and_products() {
        let imported = sample();
        assert_eq!(imported.lines, 8);
        assert_eq!(imported.orders.len(), 2);
        assert_eq!(imported.orders[0].lines.len(), 2);
        assert_eq!(imported.orders[1].lines[0].quantity, 24);
        assert!(imported.orders[1].customer.is_none());
        let ids: Vec<&str> = imported.products.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["22961", "71053", "85123A"]);
        assert_eq!(imported.products[0].title, "JAM MAKING SET, PRINTED");
        assert_eq!(
            imported.products[2].variants[0].price,
            Money::parse("2.55").unwrap()
        );
    }

    #[test]
    fn cancellations_fees_and_adjustments_are_dropped_with_a_reason() {
        let imported = sample();
        assert_eq!(imported.dropped["cancellation or adjustment"], 1);
        assert_eq!(
            imported.dropped["not a product (postage, fee, manual line, voucher)"],
            1
        );
        assert_eq!(imported.dropped["zero or negative quantity or price"], 1);
    }

    #[test]
    fn unreadable_lines_name_the_line_and_field_and_the_rest_goes_on() {
        let imported = sample();
        assert_eq!(imported.bad_lines, 2);
        assert!(
            imported.errors[0].contains("sample.csv line 7")
                && imported.errors[0].contains("quantity"),
            "{:?}",
            imported.errors
        );
        assert!(
            imported.errors[1].contains("line 8") && imported.errors[1].contains("time"),
            "{:?}",
            imported.errors
        );
    }

    #[test]
    fn customer_ids_are_hashed_never_kept() {
        let imported = sample();
        let hash = imported.orders[0].customer.expect("has a customer");
        assert_eq!(hash, CustomerHash::new(&InstallSalt([7; 32]), "17850"));
        assert!(!format!("{:?}", imported.orders).contains("17850"));
    }

    #[test]
    fn a_missing_column_is_named_with_its_flag() {
        let err = parse(
            "a,b\n1,2\n".as_bytes(),
            "x.csv",
            &Columns::default(),
            &InstallSalt([0; 32]),
        )
        .unwrap_err();
        assert!(err.to_string().contains("--col-order"), "{err}");
    }

    #[test]
    fn non_product_codes_are_recognised() {
        for code in [
            "POST",
            "DOT",
            "C2",
            "m",
            "BANK CHARGES",
            "gift_0001_20",
            "AMAZONFEE",
        ] {
            assert!(is_non_product_code(code), "{code}");
        }
        for code in ["85123A", "22961", "DCGS0003", "15056bl"] {
            assert!(!is_non_product_code(code), "{code}");
        }
    }
}
