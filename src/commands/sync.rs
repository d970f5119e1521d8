//! `upsell-sync sync`: pull products and orders from each configured Shopify shop into
//! the store (bulk backfill on first syncs of large stores and with `--full`,
//! incremental pages otherwise), then report what came, counts against Shopify's own,
//! and anything skipped.

use std::fmt::Write as _;
use std::time::Duration;

use chrono::Utc;

use super::shopify_shop::{chosen_shops, client, runtime, shopify_config};
use super::workspace::WorkspaceArgs;
use crate::sync::shopify::pull::{pull, PullOptions, PullReport};

/// Which shops to pull, and how.
#[derive(Debug, clap::Args)]
pub struct SyncArgs {
    /// Only this shop (default: every enabled shop of the config).
    #[arg(long)]
    pub shop: Option<String>,
    /// Backfill everything with bulk operations, whatever was synced before.
    #[arg(long)]
    pub full: bool,
    /// Config and data directory.
    #[command(flatten)]
    pub workspace: WorkspaceArgs,
}

/// Pulls each chosen shop; one summary block per shop.
pub fn run(args: &SyncArgs) -> anyhow::Result<String> {
    let workspace = args.workspace.open()?;
    let salt = workspace.salt()?;
    let runtime = runtime()?;
    let mut out = String::new();
    for shop in chosen_shops(&workspace, args.shop.as_deref())? {
        let config = shopify_config(shop)?;
        let client = client(config)?;
        let store = workspace.store.shop(&shop.name)?;
        let options = PullOptions {
            full: args.full,
            bulk_threshold: config.bulk_threshold_products,
            overlap: chrono::Duration::minutes(i64::from(config.overlap_minutes)),
            poll: Duration::from_secs(1),
            now: Utc::now(),
        };
        let report = runtime.block_on(pull(&client, &store, &salt, &options))?;
        let stats = client.stats();
        write_report(&mut out, &shop.name, &report);
        if let Some(answered) = client
            .answered_version()
            .filter(|v| *v != config.api_version)
        {
            let _ = writeln!(
                out,
                "  warning: Shopify answered with API version {answered}, not the pinned {}; \
                 the pinned version is probably out of support: update api_version",
                config.api_version
            );
        }
        let _ = writeln!(
            out,
            "  {} requests, {} retries, {} THROTTLED, {} points spent",
            stats.requests, stats.retries, stats.throttled, stats.bucket.points_spent
        );
    }
    Ok(out)
}

/// The report as the CLI prints it.
pub fn write_report(out: &mut String, name: &str, report: &PullReport) {
    let _ = writeln!(
        out,
        "{name}: products {} ({} stored), orders {} ({} stored), {} deleted products removed",
        report.products.mode,
        report.products.stored,
        report.orders.mode,
        report.orders.stored,
        report.deleted_products
    );
    if let Some(since) = report.orders_visible_since {
        let _ = writeln!(
            out,
            "  warning: no read_all_orders scope: only orders since {} are visible",
            since.format("%Y-%m-%d")
        );
    }
    for pass in [&report.products, &report.orders] {
        if pass.partial {
            let _ = writeln!(
                out,
                "  warning: a bulk backfill delivered partial data; the next sync backfills again"
            );
        }
    }
    for count in &report.counts {
        let status = if count.platform == count.store {
            "match"
        } else {
            "MISMATCH"
        };
        let _ = writeln!(
            out,
            "  {}: Shopify {} / store {} ({status}){}",
            count.what,
            count.platform,
            count.store,
            count
                .repair
                .as_ref()
                .map(|r| format!("; {r}"))
                .unwrap_or_default()
        );
    }
    for problem in &report.problems {
        let _ = writeln!(out, "  skipped: {problem}");
    }
    if report.problem_count > report.problems.len() as u64 {
        let _ = writeln!(
            out,
            "  ... and {} more skipped",
            report.problem_count - report.problems.len() as u64
        );
    }
}
