//! The `upsell-sync` command line.

use std::io::IsTerminal as _;

use clap::{Parser, Subcommand};

use upsell_sync::commands;
use upsell_sync::config::LogFormat;

/// jemalloc, not glibc's malloc: glibc kept what the daemon freed in its arenas, so the
/// resident memory of a long run climbed (83 → 209 MB in six minutes of the soak) while
/// the live heap stayed flat (`malloc_trim` then gave 118 MB back at once); jemalloc
/// returns unused pages to the system as it goes (BENCHMARKS.md, "Soak").
#[cfg(all(target_os = "linux", not(target_env = "musl")))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

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
