//! The Rust side of `benches/compare/`: pair rules mined from an order-lines dataset,
//! timed and measured the way the mlxtend side (`benches/compare/mlxtend_rules.py`) is.
//!
//! ```text
//! cargo run --release --example pair_rules -- --orders PATH --min-support S \
//!     --min-confidence C --baskets-out FILE --rules-out FILE [--repeat N]
//! ```
//!
//! It loads the orders through the importer, writes the baskets (one order per line,
//! distinct product codes separated by tabs) so that Python mines byte-identical input,
//! then times only [`pair_rules`] on the in-memory baskets, `--repeat` times. It writes
//! the rules as CSV (`antecedent,consequent,support,confidence,lift`, sorted) and prints
//! one JSON line: counts, min and median mining seconds, and resident memory (the
//! process's lifetime peak, its RSS just before mining and its peak while mining).

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, ensure, Context};
use clap::Parser;
use upsell_sync::import::{read_order_lines, Columns};
use upsell_sync::model::{InstallSalt, Order};
use upsell_sync::recommend::pair_rules::{pair_rules, PairRule};

/// Command-line arguments.
#[derive(Parser)]
struct Args {
    /// Order-lines CSV (optionally gzipped) in the UCI Online Retail layout.
    #[arg(long)]
    orders: PathBuf,
    /// Minimum fraction of baskets holding a pair.
    #[arg(long)]
    min_support: f64,
    /// Minimum confidence of a rule.
    #[arg(long)]
    min_confidence: f64,
    /// Where to write the baskets (one per line, tab-separated product codes).
    #[arg(long)]
    baskets_out: PathBuf,
    /// Where to write the rules CSV.
    #[arg(long)]
    rules_out: PathBuf,
    /// Timed repetitions of the mining; min and median are reported.
    #[arg(long, default_value_t = 5)]
    repeat: usize,
}

/// Baskets of item indices, and the product code of each index.
struct Baskets {
    codes: Vec<String>,
    baskets: Vec<Vec<u32>>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    ensure!(args.repeat > 0, "--repeat must be at least 1");
    let baskets = load(&args.orders)?;
    write_baskets(&args.baskets_out, &baskets)?;
    let mut memory = Memory::before_mining()?;
    let mut seconds = Vec::with_capacity(args.repeat);
    let mut rules = Vec::new();
    for _ in 0..args.repeat {
        drop(rules);
        let started = Instant::now();
        rules = pair_rules(
            &baskets.baskets,
            baskets.codes.len(),
            args.min_support,
            args.min_confidence,
        );
        seconds.push(started.elapsed().as_secs_f64());
    }
    memory.after_mining()?;
    write_rules(&args.rules_out, &baskets.codes, &rules)?;
    report(&args, &baskets, rules.len(), &mut seconds, &memory);
    Ok(())
}

/// Reads the orders and keeps, per order that counts as a sale, its distinct products.
fn load(path: &Path) -> anyhow::Result<Baskets> {
    let imported = read_order_lines(path, &Columns::default(), &InstallSalt([0; 32]))
        .with_context(|| format!("reading {}", path.display()))?;
    let mut index: HashMap<&str, u32> = HashMap::new();
    let mut codes = Vec::new();
    let mut baskets = Vec::new();
    for order in imported.orders.iter().filter(|o| o.counts_as_sale()) {
        let basket = basket_of(order, &mut index, &mut codes)?;
        if !basket.is_empty() {
            baskets.push(basket);
        }
    }
    Ok(Baskets {
        codes: codes.into_iter().map(str::to_owned).collect(),
        baskets,
    })
}

/// The order's distinct products as indices, numbering new codes as they come.
fn basket_of<'a>(
    order: &'a Order,
    index: &mut HashMap<&'a str, u32>,
    codes: &mut Vec<&'a str>,
) -> anyhow::Result<Vec<u32>> {
    let mut basket = Vec::with_capacity(order.lines.len());
    for line in &order.lines {
        let code = line.product.as_str();
        let id = if let Some(&id) = index.get(code) {
            id
        } else {
            check_code(code)?;
            let id = codes.len() as u32;
            codes.push(code);
            index.insert(code, id);
            id
        };
        if !basket.contains(&id) {
            basket.push(id);
        }
    }
    Ok(basket)
}

/// Tabs and newlines separate codes in the baskets file, commas in the rules CSV: a
/// code holding one would be misread.
fn check_code(code: &str) -> anyhow::Result<()> {
    if code.is_empty() || code.contains(|c: char| c.is_whitespace() || c == ',') {
        bail!("product code {code:?} is empty or holds whitespace or a comma");
    }
    Ok(())
}

fn write_baskets(path: &Path, baskets: &Baskets) -> anyhow::Result<()> {
    let mut out = BufWriter::new(create(path)?);
    for basket in &baskets.baskets {
        let line: Vec<&str> = basket
            .iter()
            .map(|&i| baskets.codes[i as usize].as_str())
            .collect();
        writeln!(out, "{}", line.join("\t"))?;
    }
    out.flush()?;
    Ok(())
}

/// Rules by product code, sorted by (antecedent, consequent) code. Floats are printed
/// in Rust's shortest round-trip form, so the CSV holds the exact values.
fn write_rules(path: &Path, codes: &[String], rules: &[PairRule]) -> anyhow::Result<()> {
    let mut rows: Vec<(&str, &str, &PairRule)> = rules
        .iter()
        .map(|r| {
            let code = |i: u32| codes[i as usize].as_str();
            (code(r.antecedent), code(r.consequent), r)
        })
        .collect();
    rows.sort_unstable_by(|x, y| (x.0, x.1).cmp(&(y.0, y.1)));
    let mut out = BufWriter::new(create(path)?);
    writeln!(out, "antecedent,consequent,support,confidence,lift")?;
    for (a, c, r) in rows {
        writeln!(
            out,
            "{a},{c},{:?},{:?},{:?}",
            r.support, r.confidence, r.lift
        )?;
    }
    out.flush()?;
    Ok(())
}

fn create(path: &Path) -> anyhow::Result<File> {
    File::create(path).with_context(|| format!("creating {}", path.display()))
}

/// Resident memory in MiB: lifetime peak, RSS just before mining, peak while mining.
struct Memory {
    peak_before: f64,
    rss_before: f64,
    mining_peak: f64,
}

impl Memory {
    /// Notes the peak and RSS so far, then resets the kernel's peak mark
    /// (`/proc/self/clear_refs` = 5) so the next reading covers mining alone.
    fn before_mining() -> anyhow::Result<Self> {
        let peak_before = status_mib("VmHWM")?;
        let rss_before = status_mib("VmRSS")?;
        std::fs::write("/proc/self/clear_refs", "5").context("resetting VmHWM")?;
        Ok(Self {
            peak_before,
            rss_before,
            mining_peak: 0.0,
        })
    }

    fn after_mining(&mut self) -> anyhow::Result<()> {
        self.mining_peak = status_mib("VmHWM")?;
        Ok(())
    }
}

/// A `kB` field of /proc/self/status, in MiB.
fn status_mib(field: &str) -> anyhow::Result<f64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().strip_suffix("kB")?.trim().parse().ok())
        .with_context(|| format!("no {field} in /proc/self/status"))?;
    Ok(kb / 1024.0)
}

fn report(args: &Args, baskets: &Baskets, rules: usize, seconds: &mut [f64], memory: &Memory) {
    seconds.sort_by(f64::total_cmp);
    let json = serde_json::json!({
        "side": "rust",
        "baskets": baskets.baskets.len(),
        "items": baskets.codes.len(),
        "min_support": args.min_support,
        "min_confidence": args.min_confidence,
        "rules": rules,
        "threads": rayon::current_num_threads(),
        "repeat": seconds.len(),
        "mining_seconds_min": seconds[0],
        "mining_seconds_median": seconds[seconds.len() / 2],
        "peak_rss_mb": memory.peak_before.max(memory.mining_peak),
        "rss_before_mining_mb": memory.rss_before,
        "mining_peak_rss_mb": memory.mining_peak,
        "mining_extra_rss_mb": memory.mining_peak - memory.rss_before,
    });
    println!("{json}");
}
