//! `upsell-sync push`: write each shop's stored lists back (Shopify: product
//! metafields; WooCommerce: `upsell_ids`, `cross_sell_ids` and meta), only where they
//! changed; `--dry-run` prints the diff and writes nothing.

use std::fmt::Write as _;

use indicatif::HumanCount;

use super::progress::Progress;
use super::shops::{chosen_shops, runtime};
use super::workspace::WorkspaceArgs;
use crate::config::WriteMode;
use crate::sync::connect::ShopClient;
use crate::sync::report::PushReport;

/// Which shops to push, and how.
#[derive(Debug, clap::Args)]
pub struct PushArgs {
    /// Only this shop (default: every enabled shop of the config).
    #[arg(long)]
    pub shop: Option<String>,
    /// Print what would change and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Config and data directory.
    #[command(flatten)]
    pub workspace: WorkspaceArgs,
}

/// Pushes each chosen shop; one summary block per shop.
pub fn run(args: &PushArgs) -> anyhow::Result<String> {
    let workspace = args.workspace.open()?;
    let runtime = runtime()?;
    let mut out = String::new();
    for shop in chosen_shops(&workspace, args.shop.as_deref())? {
        let store = workspace.existing_shop(&shop.name)?;
        let mut write = workspace.config.write_for(shop);
        if args.dry_run {
            write.mode = WriteMode::DryRun;
        }
        let client = ShopClient::connect(shop)?;
        let counted = client.clone();
        let progress = push_progress(&shop.name, move || counted.usage().requests);
        let report = runtime.block_on(client.push(&store, &write))?;
        progress.finish();
        let noun = match client {
            ShopClient::Shopify(..) => "metafields",
            ShopClient::WooCommerce(..) => "fields",
        };
        write_report(&mut out, &shop.name, noun, &report);
    }
    Ok(out)
}

/// The progress line of one shop's push: the client's request count from `requests`.
fn push_progress(name: &str, requests: impl Fn() -> u64 + Send + 'static) -> Progress {
    Progress::start(name, move || {
        format!("pushing: {} requests", HumanCount(requests()))
    })
}

/// The report as the CLI prints it: the diff in a dry run, counts otherwise.
pub fn write_report(out: &mut String, name: &str, noun: &str, report: &PushReport) {
    if report.dry_run {
        let _ = writeln!(
            out,
            "{name} (dry run, nothing written): {} {noun} would change on {} products; {} unchanged",
            report.diff.len(),
            report.products_changed,
            report.unchanged + report.already_there
        );
        for entry in &report.diff {
            let _ = writeln!(
                out,
                "  {} {}: {} -> {}",
                entry.product,
                entry.field,
                entry.before.as_deref().unwrap_or("(none)"),
                entry.after.as_deref().unwrap_or("(deleted)")
            );
        }
    } else {
        let _ = writeln!(
            out,
            "{name}: {} {noun} written, {} deleted, {} already right, {} unchanged since the last push{}",
            report.set,
            report.deleted,
            report.already_there,
            report.unchanged,
            report.bulk_operation.as_ref().map(|id| format!(" (bulk operation {id})")).unwrap_or_default()
        );
        if report.conflicts > 0 {
            let _ = writeln!(out, "  {} writes skipped: the field changed on the platform since it was read; retried next push", report.conflicts);
        }
    }
    for problem in &report.problems {
        let _ = writeln!(out, "  problem: {problem}");
    }
}
