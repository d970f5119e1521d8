//! `upsell-sync resume --shop S`: lets a shop that was stopped (its app uninstalled, or
//! its data redacted) sync again, e.g. after the app is reinstalled. Run it with the
//! daemon stopped (the store allows one process), then start the daemon.

use super::workspace::WorkspaceArgs;

/// Which shop to resume.
#[derive(Debug, clap::Args)]
pub struct ResumeArgs {
    /// The shop's name in the config.
    #[arg(long)]
    pub shop: String,
    /// Config and data directory.
    #[command(flatten)]
    pub workspace: WorkspaceArgs,
}

/// Clears the shop's stop; says whether it was stopped.
pub fn run(args: &ResumeArgs) -> anyhow::Result<String> {
    let workspace = args.workspace.open()?;
    let shop = workspace.existing_shop(&args.shop)?;
    let halt = shop.halt()?;
    shop.resume()?;
    shop.flush()?;
    Ok(match halt {
        Some(halt) => format!(
            "{}: resumed (it was {}); the daemon syncs it from its next start",
            args.shop,
            halt.describe()
        ),
        None => format!("{}: was not stopped; nothing to do", args.shop),
    })
}
