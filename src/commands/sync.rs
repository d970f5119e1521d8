//! `upsell-sync sync`: pull products and orders from each configured shop into the
//! store (Shopify: bulk backfill on first syncs of large stores and with `--full`;
//! WooCommerce: a walk of every page; incremental pages otherwise), then report what
//! came, counts against the platform's own, the request budget used, and anything
//! skipped.

use std::fmt::Write as _;

use indicatif::HumanCount;

use super::progress::Progress;
use super::shops::{chosen_shops, runtime};
use super::workspace::WorkspaceArgs;
use crate::config::ShopifyConfig;
use crate::platform::retry::TokioSleeper;
use crate::platform::shopify::client::ShopifyClient;
use crate::store::ShopStore;
use crate::sync::connect::ShopClient;
use crate::sync::report::PullReport;

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
        let store = workspace.store.shop(&shop.name)?;
        let client = ShopClient::connect(shop)?;
        let counted = client.clone();
        let progress = pull_progress(&shop.name, &store, move || {
            let usage = counted.usage();
            (usage.requests, usage.throttled)
        });
        let report = runtime.block_on(client.pull(&store, &salt, args.full))?;
        progress.finish();
        match &client {
            ShopClient::Shopify(client, config) => {
                write_report(&mut out, &shop.name, "Shopify", &report);
                write_shopify_stats(&mut out, config, client);
            }
            ShopClient::WooCommerce(client, _) => {
                write_report(&mut out, &shop.name, "WooCommerce", &report);
                let stats = client.stats();
                let _ = writeln!(
                    out,
                    "  {} requests, {} retries, {} answered 429, {} answered 503; \
                     rate now {:.2} of {:.2} req/s ({} cuts)",
                    stats.requests,
                    stats.retries,
                    stats.rate_limited,
                    stats.unavailable,
                    stats.current_rate,
                    stats.configured_rate,
                    stats.rate_cuts
                );
            }
        }
    }
    Ok(out)
}

/// The progress line of one shop's pull: what the store holds so far, and the client's
/// `(requests, throttled)` from `requests`.
fn pull_progress(
    name: &str,
    store: &ShopStore,
    requests: impl Fn() -> (u64, u64) + Send + 'static,
) -> Progress {
    let store = store.clone();
    Progress::start(name, move || {
        let (requests, throttled) = requests();
        format!(
            "pulling: {} products, {} orders stored · {} requests · {} throttled",
            HumanCount(store.product_count() as u64),
            HumanCount(store.order_count() as u64),
            HumanCount(requests),
            HumanCount(throttled)
        )
    })
}

/// Shopify's answered API version (when it is not the pinned one) and the call counts.
fn write_shopify_stats(
    out: &mut String,
    config: &ShopifyConfig,
    client: &ShopifyClient<TokioSleeper>,
) {
    let stats = client.stats();
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

/// The report as the CLI prints it.
pub fn write_report(out: &mut String, name: &str, platform: &str, report: &PullReport) {
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
        let status = if count.matches() { "match" } else { "MISMATCH" };
        let forgotten = if count.forgotten > 0 {
            format!(" + {} forgotten", count.forgotten)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "  {}: {platform} {} / store {}{forgotten} ({status}){}",
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
