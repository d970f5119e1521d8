//! What the commands that talk to platforms share: which configured shops to work on,
//! and the runtime they run in.

use anyhow::Context;

use super::workspace::Workspace;
use crate::config::ShopConfig;

/// The configured shops to work on: `only` or every enabled one.
pub fn chosen_shops<'a>(
    workspace: &'a Workspace,
    only: Option<&str>,
) -> anyhow::Result<Vec<&'a ShopConfig>> {
    let shops = &workspace.config.shops;
    if let Some(name) = only {
        let shop = shops.iter().find(|s| s.name == name).with_context(|| {
            let known: Vec<&str> = shops.iter().map(|s| s.name.as_str()).collect();
            format!("no shop {name:?} in the config; configured shops: {known:?}")
        })?;
        return Ok(vec![shop]);
    }
    let enabled: Vec<&ShopConfig> = shops.iter().filter(|s| s.enabled).collect();
    anyhow::ensure!(
        !enabled.is_empty(),
        "the config has no enabled [[shops]] entry (see config.example.toml)"
    );
    Ok(enabled)
}

/// A runtime for one command.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}
