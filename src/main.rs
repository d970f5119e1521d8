//! The `upsell-sync` command line.

use std::io::IsTerminal as _;

use clap::{Parser, Subcommand};

use upsell_sync::commands;
use upsell_sync::config::LogFormat;

/// Cross-sells, upsells, bundles and more for Shopify and WooCommerce, computed from
/// your own order history on your own machine.
#[derive(Debug, Parser)]
#[command(name = "upsell-sync", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the daemon: sync every configured shop on its schedule, take webhooks, serve
    /// the admin pages and metrics, until SIGTERM or Ctrl-C.
    Run(commands::run::RunArgs),
    /// Generate a synthetic shop, compute its lists and show some with their reasons.
    Demo(commands::demo::DemoArgs),
    /// Validate a config file and print what it sets up.
    CheckConfig(commands::check_config::CheckConfigArgs),
    /// Load an order-lines CSV into a shop's store.
    Import(commands::import::ImportArgs),
    /// Pull products and orders from the configured Shopify shops into the store.
    Sync(commands::sync::SyncArgs),
    /// Write the stored lists to the configured Shopify shops (only what changed).
    Push(commands::push::PushArgs),
    /// Recompute the stored lists from the stored products and orders.
    Compute(commands::compute::ComputeArgs),
    /// Show one product's lists, each link with its reason.
    Show(commands::show::ShowArgs),
    /// Measure cart-level cross-sell quality on an order-lines CSV against baselines.
    Evaluate(commands::evaluate::EvaluateArgs),
    /// Let a shop that was stopped (app uninstalled) sync again.
    Resume(commands::resume::ResumeArgs),
    /// Forget a customer (their orders leave the store and the lists, and are never
    /// stored again), or remove a whole shop from the store.
    Forget(commands::forget::ForgetArgs),
}

fn main() -> std::process::ExitCode {
    limit_malloc_arenas();
    let cli = Cli::parse();
    // `run` logs as its config says; every other command logs plainly for a person.
    let format = match &cli.command {
        Command::Run(args) => commands::run::load_config(args)
            .map(|c| c.daemon.log_format)
            .unwrap_or_default(),
        _ => LogFormat::Pretty,
    };
    init_logging(format);
    let result = match &cli.command {
        Command::Run(args) => commands::run::run(args),
        Command::Demo(args) => commands::demo::run(args),
        Command::CheckConfig(args) => commands::check_config::run(args),
        Command::Import(args) => commands::import::run(args),
        Command::Sync(args) => commands::sync::run(args),
        Command::Push(args) => commands::push::run(args),
        Command::Compute(args) => commands::compute::run(args),
        Command::Show(args) => commands::show::run(args),
        Command::Evaluate(args) => commands::evaluate::run(args),
        Command::Resume(args) => commands::resume::run(args),
        Command::Forget(args) => commands::forget::run(args),
    };
    match result {
        Ok(output) => {
            println!("{}", output.trim_end());
            std::process::ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Caps glibc's malloc arenas at two, unless `MALLOC_ARENA_MAX` says otherwise. By
/// default glibc hands out up to eight arenas per core to the threads that allocate
/// (tokio's workers and blocking pool, sled's flusher, the webhook worker), and keeps
/// what is freed in an arena for that arena: a daemon's resident memory then climbs for
/// hours toward the sum of every arena's high-water mark while its live heap stays flat
/// (the soak in BENCHMARKS.md measured both). Runs before any thread starts.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: mallopt only sets an allocator parameter, and no other thread exists
        // yet that could be allocating.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
        }
    }
}

/// Logs to stderr: JSON lines under systemd (or whenever stderr is not a terminal, for
/// `auto`), readable lines on a terminal. `RUST_LOG` filters, `info` by default.
fn init_logging(format: LogFormat) {
    let json = match format {
        LogFormat::Json => true,
        LogFormat::Pretty => false,
        LogFormat::Auto => !std::io::stderr().is_terminal(),
    };
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let builder = tracing_subscriber::fmt()
        .with_writer(commands::progress::stderr)
        .with_env_filter(filter);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}
