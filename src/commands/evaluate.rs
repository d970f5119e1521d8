//! `upsell-sync evaluate`: how well the recommender's cart-level cross-sells predict
//! held-out purchases in an order-lines CSV, against three baselines.

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::Context;
use chrono::{NaiveDate, Utc};

use super::columns::ColumnArgs;
use crate::config::Config;
use crate::import::read_order_lines;
use crate::model::InstallSalt;
use crate::recommend::evaluate::{evaluate, Report};
use crate::recommend::Params;

/// What to evaluate.
#[derive(Debug, clap::Args)]
pub struct EvaluateArgs {
    /// Order-lines CSV, gzip or plain (layout of shared/datasets/online-retail.csv.gz).
    #[arg(long)]
    pub orders: PathBuf,
    /// Train on orders before this date (YYYY-MM-DD, UTC), test on the rest.
    #[arg(long, default_value = "2011-10-01")]
    pub split: NaiveDate,
    /// Length of the list judged.
    #[arg(long, default_value_t = 10)]
    pub k: usize,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Which header names hold which field.
    #[command(flatten)]
    pub columns: ColumnArgs,
    /// Config whose `[recommender]` settings to use (default: the built-in defaults).
    #[arg(long)]
    pub config: Option<PathBuf>,
}

/// Runs the evaluation and returns what to print.
pub fn run(args: &EvaluateArgs) -> anyhow::Result<String> {
    let params = match &args.config {
        Some(path) => Config::load(path)?.recommender,
        None => Params::default(),
    };
    anyhow::ensure!(args.k > 0, "--k must be at least 1");
    // Customer hashes only group orders here and are never stored, so any salt will do.
    let salt = InstallSalt([0; 32]);
    let imported = read_order_lines(&args.orders, &args.columns.columns(), &salt)?;
    for error in &imported.errors {
        tracing::warn!("{error}");
    }
    if imported.bad_lines > imported.errors.len() {
        tracing::warn!(
            "{} more unreadable lines not shown",
            imported.bad_lines - imported.errors.len()
        );
    }
    let split = args
        .split
        .and_hms_opt(0, 0, 0)
        .context("midnight exists")?
        .and_utc();
    anyhow::ensure!(
        imported.orders.iter().any(|o| o.created_at < split)
            && imported.orders.iter().any(|o| o.created_at >= split),
        "--split {} leaves no orders on one side; the file's orders run from {} to {}",
        args.split,
        imported
            .orders
            .iter()
            .map(|o| o.created_at)
            .min()
            .unwrap_or_else(Utc::now),
        imported
            .orders
            .iter()
            .map(|o| o.created_at)
            .max()
            .unwrap_or_else(Utc::now),
    );
    let report = evaluate(&imported.products, &imported.orders, split, args.k, &params);
    if args.json {
        return Ok(serde_json::to_string(&report)?);
    }
    Ok(table(&report, imported.lines, imported.bad_lines))
}

fn table(report: &Report, lines: usize, bad_lines: usize) -> String {
    let k = report.k;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{lines} lines read ({bad_lines} unreadable); trained on {} orders; {} test baskets, {} hide-one trials",
        report.train_orders, report.test_baskets, report.trials
    );
    let _ = writeln!(
        out,
        "{:<14} {:>10} {:>13} {:>8} {:>10}",
        "method",
        format!("hit@{k}"),
        format!("precision@{k}"),
        format!("mrr@{k}"),
        "coverage"
    );
    for name in ["recommender", "jaccard", "cooccurrence", "popularity"] {
        if let Some(s) = report.methods.get(name) {
            let _ = writeln!(
                out,
                "{name:<14} {:>10.4} {:>13.4} {:>8.4} {:>10.4}",
                s.hit_rate, s.precision, s.mrr, s.coverage
            );
        }
    }
    let hit = |name| report.methods.get(name).map_or(0.0, |s| s.hit_rate);
    let _ = writeln!(
        out,
        "recommender / popularity = {:.2}x, recommender / jaccard = {:.2}x; full compute {:.3} s",
        hit("recommender") / hit("popularity").max(f64::MIN_POSITIVE),
        hit("recommender") / hit("jaccard").max(f64::MIN_POSITIVE),
        report.compute_seconds
    );
    out
}
