//! What the store-backed commands (`import`, `compute`, `show`) share: the config, the
//! store under its data directory, and the install salt.

use std::path::PathBuf;

use anyhow::Context;

use crate::config::Config;
use crate::model::InstallSalt;
use crate::store::{load_or_create_salt, ShopStore, Store};

/// Where the config and the data are.
#[derive(Debug, Clone, clap::Args)]
pub struct WorkspaceArgs {
    /// Config file (default: built-in defaults, with the store under --data-dir).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Data directory holding the store and the install salt (overrides
    /// `daemon.data_dir` of the config).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
}

/// An opened config and store.
pub struct Workspace {
    /// The config (defaults when none was given).
    pub config: Config,
    /// The store under the data directory.
    pub store: Store,
}

impl WorkspaceArgs {
    /// Loads the config and opens the store at `<data_dir>/store`.
    pub fn open(&self) -> anyhow::Result<Workspace> {
        let mut config = match &self.config {
            Some(path) => Config::load(path)?,
            None => Config::default(),
        };
        if let Some(dir) = &self.data_dir {
            config.daemon.data_dir.clone_from(dir);
        }
        let path = config.daemon.data_dir.join("store");
        let store = Store::open(&path).with_context(|| {
            format!(
                "opening the store (set --data-dir or daemon.data_dir to a writable \
                 directory; it is {})",
                config.daemon.data_dir.display()
            )
        })?;
        Ok(Workspace { config, store })
    }
}

impl Workspace {
    /// The trees of a shop the store already holds. Unlike [`Store::shop`], never
    /// registers a new shop: a misspelt name is an error listing the known ones.
    pub fn existing_shop(&self, name: &str) -> anyhow::Result<ShopStore> {
        let known = self.store.shops()?;
        anyhow::ensure!(
            known.iter().any(|k| k == name),
            "no shop {name:?} in the store; known shops: {known:?}"
        );
        Ok(self.store.shop(name)?)
    }

    /// The install salt, created on first use.
    pub fn salt(&self) -> anyhow::Result<InstallSalt> {
        Ok(load_or_create_salt(&self.config.daemon.salt_path())?)
    }
}
