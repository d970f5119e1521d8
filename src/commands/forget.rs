//! `upsell-sync forget --shop S --customer ID`: a customer's right to be forgotten. Their
//! orders leave the store, the shop's lists are recomputed without them, and their
//! hashed id is recorded so no later pull or webhook stores their orders again (the
//! platform still holds them). `forget --shop S` removes a whole shop from the store.
//!
//! Both change the store while nothing else may: the daemon holds the store's lock while
//! it runs, so it is stopped first and starts again afterwards (its first push writes
//! the recomputed lists to the platform).

use std::io::{BufRead as _, IsTerminal as _, Write as _};

use anyhow::Context;
use chrono::Utc;

use super::workspace::{Workspace, WorkspaceArgs};
use crate::model::CustomerHash;
use crate::platform::customer_key::customer_key;
use crate::store::StoreError;
use crate::sync::compute::compute_shop;

/// What to forget.
#[derive(Debug, clap::Args)]
pub struct ForgetArgs {
    /// The shop's name.
    #[arg(long)]
    pub shop: String,
    /// The platform's customer id (Shopify: number or GID; WooCommerce: number, or a
    /// guest's billing email). Without it, the whole shop is removed from the store.
    #[arg(long)]
    pub customer: Option<String>,
    /// Remove a whole shop without asking (needed when stdin is not a terminal).
    #[arg(long)]
    pub yes: bool,
    /// Config and data directory.
    #[command(flatten)]
    pub workspace: WorkspaceArgs,
}

/// Forgets the customer, or removes the shop; says what was removed.
pub fn run(args: &ForgetArgs) -> anyhow::Result<String> {
    let workspace = open(&args.workspace)?;
    match &args.customer {
        Some(customer) => forget_customer(&workspace, &args.shop, customer),
        None => forget_shop(&workspace, &args.shop, args.yes),
    }
}

/// Opens the store, explaining a lock held by a running daemon.
fn open(args: &WorkspaceArgs) -> anyhow::Result<Workspace> {
    args.open().map_err(|error| {
        let locked = error.chain().any(|e| {
            matches!(
                e.downcast_ref::<StoreError>(),
                Some(StoreError::Locked { .. })
            )
        });
        if locked {
            error.context(
                "forget changes the store, which a running daemon holds: stop the daemon \
                 (systemctl stop upsell-sync), run forget, then start it again",
            )
        } else {
            error
        }
    })
}

fn forget_customer(workspace: &Workspace, name: &str, customer: &str) -> anyhow::Result<String> {
    let shop = workspace.existing_shop(name)?;
    let hash = customer_hash(workspace, name, customer)?;
    let now = Utc::now();
    let removed = shop.forget_customer(&hash, now)?;
    let (_, report) = compute_shop(&shop, &workspace.config.recommender, now)?;
    shop.flush()?;
    Ok(format!(
        "{name}: forgot customer {}: removed {removed} orders; their future orders will not \
         be stored\n{name}: lists recomputed from {} orders ({} products with lists); the \
         daemon writes the changed lists at its next push",
        customer.trim(),
        report.orders,
        report.with_lists
    ))
}

/// The customer's hash as the pulls stored it: by the platform's key for a configured
/// shop, by the id itself for an imported one (as `import` hashes it).
fn customer_hash(
    workspace: &Workspace,
    name: &str,
    customer: &str,
) -> anyhow::Result<CustomerHash> {
    let salt_path = workspace.config.daemon.salt_path();
    anyhow::ensure!(
        salt_path.exists(),
        "no install salt at {}: the stored customer ids were hashed with it, so without \
         it no customer can be found (restore it from a backup)",
        salt_path.display()
    );
    let key = match workspace.config.shops.iter().find(|s| s.name == name) {
        Some(shop) => customer_key(shop.platform.name(), customer)
            .map_err(|e| anyhow::anyhow!("--customer: {e}"))?,
        None => customer.trim().to_owned(),
    };
    Ok(CustomerHash::new(&workspace.salt()?, &key))
}

fn forget_shop(workspace: &Workspace, name: &str, yes: bool) -> anyhow::Result<String> {
    let shop = workspace.existing_shop(name)?;
    let (products, orders) = (shop.product_count(), shop.order_count());
    let lists = shop.all_recs().count();
    drop(shop);
    if !yes {
        confirm(&format!(
            "Remove shop {name:?} and all its data ({products} products, {orders} orders) \
             from the store?"
        ))?;
    }
    workspace
        .store
        .remove_shop(name)
        .with_context(|| format!("removing shop {name:?}"))?;
    let mut out = format!(
        "{name}: removed from the store: {products} products, {orders} orders, the lists \
         of {lists} products, its checkpoints, rules and queued jobs"
    );
    if workspace.config.shops.iter().any(|s| s.name == name) {
        out.push_str(
            "\nit is still in the config: a later sync or run pulls it again; remove its \
             [[shops]] entry to stop that",
        );
    }
    Ok(out)
}

/// Asks on a terminal; refuses without one (a script must say `--yes`).
fn confirm(question: &str) -> anyhow::Result<()> {
    anyhow::ensure!(
        std::io::stdin().is_terminal(),
        "not removing anything: confirm with --yes (stdin is not a terminal to ask on)"
    );
    eprint!("{question} [y/N] ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    anyhow::ensure!(
        matches!(answer.trim(), "y" | "Y" | "yes"),
        "not removing anything: not confirmed"
    );
    Ok(())
}
