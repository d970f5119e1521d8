//! Plain-text rendering of a product's lists with the reason for every link, shared by
//! `show` and `demo`.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::model::{Bundle, ListKind, Product, ProductId, ProductRecs};

/// Products by id, to name the items a list points at.
pub struct Titles<'a>(HashMap<&'a ProductId, &'a Product>);

impl<'a> Titles<'a> {
    /// Indexes `products`.
    pub fn new(products: impl IntoIterator<Item = &'a Product>) -> Self {
        Self(products.into_iter().map(|p| (&p.id, p)).collect())
    }

    /// The product with this id.
    #[must_use]
    pub fn get(&self, id: &ProductId) -> Option<&'a Product> {
        self.0.get(id).copied()
    }

    /// "Title (price)", or the bare id for a product not in the catalog.
    #[must_use]
    pub fn label(&self, id: &ProductId) -> String {
        match self.get(id) {
            Some(p) => match p.reference_price() {
                Some(price) => format!("{} ({price})", p.title),
                None => p.title.clone(),
            },
            None => id.as_str().to_owned(),
        }
    }
}

/// Every list of `anchor`, one link per line with its explanation.
#[must_use]
pub fn product_lists(anchor: &ProductId, recs: &ProductRecs, titles: &Titles) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}  [{}]", titles.label(anchor), anchor.as_str());
    if recs.holdout {
        let _ = writeln!(
            out,
            "  in the holdout: computed but never written, to measure lift"
        );
    }
    for kind in ListKind::ALL {
        let links = recs.list(kind);
        if links.is_empty() {
            continue;
        }
        let _ = writeln!(out, "  {}:", kind.as_str().replace('_', "-"));
        for (rank, link) in links.iter().enumerate() {
            let _ = writeln!(
                out,
                "    {:>2}. {} — {}",
                rank + 1,
                titles.label(&link.product),
                link.why.describe()
            );
        }
    }
    for bundle in &recs.bundles {
        let _ = writeln!(out, "  bundle: {}", bundle_line(bundle, titles));
    }
    if let Some(volume) = &recs.volume {
        let _ = writeln!(
            out,
            "  volume: typically {} per order ({:.0}% of {} orders bought more than one)",
            volume.typical_quantity,
            volume.multi_unit_share * 100.0,
            volume.orders
        );
    }
    if let Some(cycle) = &recs.replenishment {
        let _ = writeln!(
            out,
            "  replenishment: bought again every {:.0} days (median of {} repeat intervals from {} customers)",
            cycle.median_days, cycle.intervals, cycle.repeat_customers
        );
    }
    if !recs.has_lists() {
        let _ = writeln!(out, "  no lists: too little evidence yet");
    }
    out
}

fn bundle_line(bundle: &Bundle, titles: &Titles) -> String {
    let names: Vec<String> = bundle
        .items
        .iter()
        .map(|id| {
            titles
                .get(id)
                .map_or_else(|| id.as_str().to_owned(), |p| p.title.clone())
        })
        .collect();
    format!(
        "{} for {} instead of {} ({:.0}% off; bought together in {:.0} orders)",
        names.join(" + "),
        bundle.bundle_price,
        bundle.full_price,
        bundle.discount_percent,
        bundle.co_orders
    )
}
