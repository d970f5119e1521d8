//! `upsell-sync show`: one product's stored lists, each link with its reason.

use std::fmt::Write as _;

use super::render::{product_lists, Titles};
use super::workspace::WorkspaceArgs;
use crate::model::{Product, ProductId};

/// Which product to show.
#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// The shop.
    #[arg(long)]
    pub shop: String,
    /// A product id, exactly as the platform gives it, or words of its title.
    pub product: String,
    /// Print the stored lists as JSON.
    #[arg(long)]
    pub json: bool,
    /// Config and data directory.
    #[command(flatten)]
    pub workspace: WorkspaceArgs,
}

/// Most title matches listed when a search is ambiguous.
const MAX_MATCHES: usize = 10;

/// Finds the product and renders its lists.
pub fn run(args: &ShowArgs) -> anyhow::Result<String> {
    let workspace = args.workspace.open()?;
    let shop = workspace.existing_shop(&args.shop)?;
    let products: Vec<Product> = shop.products().filter_map(Result::ok).collect();
    let anchor = find(&products, &args.product)?;
    let recs = shop.get_recs(&anchor)?.ok_or_else(|| {
        anyhow::anyhow!(
            "no lists stored for {} yet: run upsell-sync compute --shop {}",
            anchor.as_str(),
            args.shop
        )
    })?;
    if args.json {
        return Ok(serde_json::to_string_pretty(&recs)?);
    }
    Ok(product_lists(&anchor, &recs, &Titles::new(&products)))
}

/// The product whose id is `query`, else the one whose title is `query` (ignoring
/// case), else the one product whose title holds every word of it.
fn find(products: &[Product], query: &str) -> anyhow::Result<ProductId> {
    if let Some(p) = products.iter().find(|p| p.id.as_str() == query) {
        return Ok(p.id.clone());
    }
    let exact: Vec<&Product> = products
        .iter()
        .filter(|p| p.title.eq_ignore_ascii_case(query.trim()))
        .collect();
    if let [one] = exact.as_slice() {
        return Ok(one.id.clone());
    }
    let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    let matches: Vec<&Product> = products
        .iter()
        .filter(|p| {
            let title = p.title.to_lowercase();
            words.iter().all(|w| title.contains(w.as_str()))
        })
        .collect();
    match matches.as_slice() {
        [one] => Ok(one.id.clone()),
        [] => anyhow::bail!("no product has the id {query:?} or a title with those words"),
        many => {
            let mut message = format!(
                "{} products match {query:?}; give one of these ids:",
                many.len()
            );
            for p in many.iter().take(MAX_MATCHES) {
                let _ = write!(message, "\n  {}  {}", p.id.as_str(), p.title);
            }
            anyhow::bail!(message)
        }
    }
}
