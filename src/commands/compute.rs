//! `upsell-sync compute`: recompute the lists of one shop, or of every shop in the
//! store, from what the store holds.

use std::fmt::Write as _;

use chrono::Utc;

use super::progress::Progress;
use super::workspace::WorkspaceArgs;
use crate::store::ShopStore;
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
    let shops: Vec<ShopStore> = if let Some(name) = &args.shop {
        vec![workspace.existing_shop(name)?]
    } else {
        let names = workspace.store.shops()?;
        anyhow::ensure!(
            !names.is_empty(),
            "the store holds no shops yet: import or sync one first"
        );
        names
            .iter()
            .map(|name| workspace.store.shop(name))
            .collect::<Result<_, _>>()?
    };
    let mut out = String::new();
    for shop in shops {
        let name = shop.name();
        let progress = Progress::start(name, || "computing lists".to_owned());
        let (_, report) = compute_shop(&shop, &workspace.config.recommender, Utc::now())?;
        progress.finish();
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
