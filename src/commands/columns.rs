//! `--col-*` flags: which CSV header names hold which field, for `evaluate` and
//! `import`. The defaults are the layout of the online-retail data set.

use crate::import::Columns;

/// Column-mapping flags shared by the commands that read order-lines CSVs.
#[derive(Debug, Clone, clap::Args)]
pub struct ColumnArgs {
    /// Column holding the order id.
    #[arg(long, default_value = "invoice")]
    pub col_order: String,
    /// Column holding the product code.
    #[arg(long, default_value = "stock_code")]
    pub col_product: String,
    /// Column holding the product title (optional in the file).
    #[arg(long, default_value = "description")]
    pub col_title: String,
    /// Column holding the quantity.
    #[arg(long, default_value = "quantity")]
    pub col_quantity: String,
    /// Column holding the order time.
    #[arg(long, default_value = "invoice_date")]
    pub col_time: String,
    /// Column holding the unit price.
    #[arg(long, default_value = "unit_price")]
    pub col_unit_price: String,
    /// Column holding the customer id (optional in the file).
    #[arg(long, default_value = "customer_id")]
    pub col_customer: String,
}

impl ColumnArgs {
    /// The mapping the importer takes.
    #[must_use]
    pub fn columns(&self) -> Columns {
        Columns {
            order: self.col_order.clone(),
            product: self.col_product.clone(),
            title: self.col_title.clone(),
            quantity: self.col_quantity.clone(),
            time: self.col_time.clone(),
            unit_price: self.col_unit_price.clone(),
            customer: self.col_customer.clone(),
        }
    }
}
