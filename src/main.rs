//! The `upsell-sync` command line.

use clap::{Parser, Subcommand};

use upsell_sync::commands;
use upsell_sync::recommend::Params;

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
    /// Measure cart-level cross-sell quality on an order-lines CSV against baselines.
    Evaluate(commands::evaluate::EvaluateArgs),
}

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Evaluate(args) => commands::evaluate::run(&args, &Params::default()),
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
