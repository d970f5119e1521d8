//! `upsell-sync import`: load an order-lines CSV into a shop's store, so lists can be
//! computed from a real history before any platform is connected. Customer ids are
//! hashed with the install salt on the way in; nothing else about customers is kept.

use std::fmt::Write as _;
use std::path::PathBuf;

use super::columns::ColumnArgs;
use super::workspace::WorkspaceArgs;
use crate::import::read_order_lines;

/// What to import where.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// Order-lines CSV, gzip or plain.
    #[arg(long)]
    pub orders: PathBuf,
    /// Shop to load it into (created if new).
    #[arg(long)]
    pub shop: String,
    /// Config and data directory.
    #[command(flatten)]
    pub workspace: WorkspaceArgs,
    /// Which header names hold which field.
    #[command(flatten)]
    pub columns: ColumnArgs,
}

/// Imports the file and returns an account of what was stored and what was left out.
pub fn run(args: &ImportArgs) -> anyhow::Result<String> {
    let workspace = args.workspace.open()?;
    let salt = workspace.salt()?;
    let imported = read_order_lines(&args.orders, &args.columns.columns(), &salt)?;
    let shop = workspace.store.shop(&args.shop)?;
    for product in &imported.products {
        shop.put_product(product)?;
    }
    for order in &imported.orders {
        shop.put_order(order)?;
    }
    shop.flush()?;

    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {} lines read; stored {} products and {} orders in shop {:?}",
        args.orders.display(),
        imported.lines,
        imported.products.len(),
        imported.orders.len(),
        args.shop
    );
    for (reason, count) in &imported.dropped {
        let _ = writeln!(out, "  dropped {count} lines: {reason}");
    }
    if imported.bad_lines > 0 {
        let _ = writeln!(
            out,
            "  {} unreadable lines, first ones:",
            imported.bad_lines
        );
        for error in &imported.errors {
            let _ = writeln!(out, "    {error}");
        }
    }
    let _ = writeln!(
        out,
        "next: upsell-sync compute --shop {} (with the same --config/--data-dir)",
        args.shop
    );
    Ok(out)
}
