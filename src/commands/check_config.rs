//! `upsell-sync check-config --config F`: validate a config and print its summary.
//! Secrets are shown by reference (which variable or file), never read or printed.

use std::path::PathBuf;

/// Which file to check.
#[derive(Debug, clap::Args)]
pub struct CheckConfigArgs {
    /// The config file.
    #[arg(long)]
    pub config: PathBuf,
}

/// Validates the file and returns its summary.
pub fn run(args: &CheckConfigArgs) -> anyhow::Result<String> {
    Ok(crate::config::check_config(&args.config)?)
}
