//! `upsell-sync compute`: recompute the lists of one shop, or of every shop in the
//! store, from what the store holds.

use std::fmt::Write as _;

use chrono::Utc;

use super::workspace::WorkspaceArgs;
use crate::sync::compute::compute_shop;

/// Which shops to compute.
#[derive(Debug, clap::Args)]
pub struct ComputeArgs {
    /// Only this shop (default: every shop in the store).
    #[arg(long)]
    pub shop: Option<String>,
    /// Config and data directory.
    #[command(flatten)]
    pub workspace: WorkspaceArgs,
}

/// Computes and stores the lists; returns one summary line per shop.
pub fn run(args: &ComputeArgs) -> anyhow::Result<String> {
    let workspace = args.workspace.open()?;
    let shops = match &args.shop {
        Some(name) => {
            anyhow::ensure!(
                workspace.store.shops()?.contains(name),
                "no shop {name:?} in the store; known shops: {:?}",
                workspace.store.shops()?
            );
            vec![name.clone()]
        }
        None => workspace.store.shops()?,
    };
    anyhow::ensure!(
        !shops.is_empty(),
        "the store holds no shops yet: import or sync one first"
    );
    let mut out = String::new();
    for name in shops {
        let shop = workspace.store.shop(&name)?;
        let (_, report) = compute_shop(&shop, &workspace.config.recommender, Utc::now())?;
        let _ = writeln!(
            out,
            "{name}: {} products, {} orders (newest {}) → {} products with lists, {} links, in {:.2} s",
            report.products,
            report.orders,
            report.as_of.format("%Y-%m-%d"),
            report.with_lists,
            report.links,
            report.compute_seconds
        );
        if report.dropped > 0 {
            let _ = writeln!(
                out,
                "  dropped the lists of {} products no longer in the store",
                report.dropped
            );
        }
        for problem in &report.unreadable {
            let _ = writeln!(out, "  skipped: {problem}");
        }
    }
    Ok(out)
}
