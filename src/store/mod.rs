//! The store: the only module that talks to sled.
//!
//! One sled database holds:
//! - `meta`: `format_version`, a big-endian `u32` ([`FORMAT_VERSION`]), the one value
//!   outside the versioned encoding so any build can read it. It versions the layout of
//!   trees, keys and values: an older store is upgraded in place on open (`migrate.rs`),
//!   a newer one is refused, never changed.
//! - `shops`: the registry of known shop names.
//! - per shop, `shop/{name}/{tree}` for each tree in [`SHOP_TREES`], opened together in
//!   `ShopStore::open` (see `shop.rs` for the schema).
//!
//! Every other value is `[ENCODING_VERSION][postcard bytes]` (`codec.rs`); a value that
//! cannot be read is a [`StoreError::Corrupt`] naming its tree and key. Calls block: async
//! callers wrap them in `spawn_blocking`.

mod codec;
mod customer_index;
mod error;
mod forgotten;
mod migrate;
mod records;
mod salt;
mod shop;
mod table;
#[cfg(test)]
mod tests;

use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use sled::{Db, Tree};

pub use codec::ENCODING_VERSION;
pub use error::StoreError;
pub use records::{Checkpoint, ShopHalt, WrittenRecord};
pub use salt::load_or_create_salt;
pub use shop::{Enqueued, ShopStore, SHOP_TREES};

use shop::tree_name;
use table::Table;

/// The layout version this build reads and writes. 2: products carry `image_url`.
pub const FORMAT_VERSION: u32 = 2;

/// How long [`Store::open`] waits for a locked store to be released.
pub const LOCK_WAIT: Duration = Duration::from_secs(2);

/// The `meta` key holding [`FORMAT_VERSION`].
const FORMAT_KEY: &[u8] = b"format_version";

/// The upsell-sync database: shared by every shop. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    db: Db,
    /// Shop name → nothing (the key is the registration).
    shops: Table<()>,
}

impl Store {
    /// Opens the store at `path`, creating it (and its directory) if it does not exist.
    /// Fails with [`StoreError::UnsupportedFormat`] or [`StoreError::NotAStore`], having
    /// written nothing, if the directory holds anything but a store of this format.
    ///
    /// If another process holds the store's lock, waits up to [`LOCK_WAIT`] for it
    /// before failing with [`StoreError::Locked`]: sled releases the lock of a dropped
    /// database a moment after the drop (spacejam/sled#1234).
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Self::open_waiting(path, LOCK_WAIT)
    }

    fn open_waiting(path: &Path, lock_wait: Duration) -> Result<Self, StoreError> {
        Self::start(open_db(path, lock_wait)?, path)
    }

    /// A fresh store that lives in a temporary directory and vanishes when dropped.
    pub fn open_temporary() -> Result<Self, StoreError> {
        let db = sled::Config::new().temporary(true).open()?;
        Self::start(db, Path::new("<temporary>"))
    }

    fn start(db: Db, path: &Path) -> Result<Self, StoreError> {
        check_format(&db, path)?;
        let shops = Table::new(db.open_tree("shops")?);
        Ok(Self { db, shops })
    }

    /// Opens shop `name`'s trees, registering the shop if it is new.
    pub fn shop(&self, name: &str) -> Result<ShopStore, StoreError> {
        validate_shop_name(name)?;
        let shop = ShopStore::open(&self.db, name)?;
        self.shops.insert(name.as_bytes(), &())?;
        Ok(shop)
    }

    /// Names of the registered shops, sorted.
    pub fn shops(&self) -> Result<Vec<String>, StoreError> {
        self.shops
            .keys()
            .map(|key| {
                let key = key?;
                String::from_utf8(key.to_vec())
                    .map_err(|_| self.shops.corrupt(&key, "shop name is not UTF-8"))
            })
            .collect()
    }

    /// Deletes every tree of shop `name` and unregisters it, then flushes; returns
    /// whether there was anything to delete. Trees go first, so a crash part-way leaves
    /// the shop listed and the removal can simply be run again. Drop every
    /// [`ShopStore`] of the shop before calling this: they must not be used afterwards.
    pub fn remove_shop(&self, name: &str) -> Result<bool, StoreError> {
        validate_shop_name(name)?;
        let mut found = false;
        for tree in SHOP_TREES {
            found |= self.db.drop_tree(tree_name(name, tree))?;
        }
        found |= self.shops.remove(name.as_bytes())?;
        self.flush()?;
        Ok(found)
    }

    /// Makes everything written so far durable.
    pub fn flush(&self) -> Result<(), StoreError> {
        self.db.flush()?;
        Ok(())
    }
}

/// sled's page cache. Its default (1 GiB) would let the daemon's memory grow with the
/// store; every access pattern here is a scan or a point lookup by key, which a small
/// cache serves well, so a large store costs disk, not memory.
const CACHE_BYTES: u64 = 16 << 20;

/// Opens the sled database at `path`, waiting up to `lock_wait` for its lock.
fn open_db(path: &Path, lock_wait: Duration) -> Result<Db, StoreError> {
    let deadline = Instant::now() + lock_wait;
    loop {
        match sled::Config::new()
            .path(path)
            .cache_capacity(CACHE_BYTES)
            .open()
        {
            Ok(db) => return Ok(db),
            Err(e) if is_lock_error(&e) && Instant::now() < deadline => {
                thread::sleep(Duration::from_millis(20));
            }
            Err(e) if is_lock_error(&e) => {
                return Err(StoreError::Locked {
                    path: path.to_owned(),
                })
            }
            Err(e) if error::is_out_of_space(&e) => return Err(StoreError::OutOfSpace(e)),
            Err(source) => {
                return Err(StoreError::Open {
                    path: path.to_owned(),
                    source,
                })
            }
        }
    }
}

/// Accepts a store whose `meta` tree records [`FORMAT_VERSION`]; upgrades one with an
/// older version and then stamps it; stamps a new, empty database; refuses anything else
/// without writing.
fn check_format(db: &Db, path: &Path) -> Result<(), StoreError> {
    let has_meta = db.tree_names().iter().any(|n| n.as_ref() == b"meta");
    let recorded = if has_meta {
        db.open_tree("meta")?.get(FORMAT_KEY)?
    } else {
        None
    };
    match recorded {
        Some(bytes) => {
            let found = <[u8; 4]>::try_from(bytes.as_ref())
                .map(u32::from_be_bytes)
                .map_err(|_| StoreError::Corrupt {
                    tree: "meta".to_owned(),
                    key: codec::text_key(FORMAT_KEY),
                    reason: format!("expected a 4-byte version, found {} bytes", bytes.len()),
                })?;
            if found == FORMAT_VERSION {
                Ok(())
            } else if (migrate::OLDEST_MIGRATABLE..FORMAT_VERSION).contains(&found) {
                let rewritten = migrate::upgrade(db, found)?;
                stamp(db)?;
                tracing::info!(
                    path = %path.display(),
                    from = found,
                    to = FORMAT_VERSION,
                    rewritten,
                    "upgraded the store's format"
                );
                Ok(())
            } else {
                Err(StoreError::UnsupportedFormat {
                    path: path.to_owned(),
                    found,
                    supported: FORMAT_VERSION,
                })
            }
        }
        None if holds_data(db) => Err(StoreError::NotAStore {
            path: path.to_owned(),
        }),
        None => stamp(db),
    }
}

/// Records [`FORMAT_VERSION`] and makes it, and everything before it, durable.
fn stamp(db: &Db) -> Result<(), StoreError> {
    let meta: Tree = db.open_tree("meta")?;
    meta.insert(FORMAT_KEY, &FORMAT_VERSION.to_be_bytes())?;
    db.flush()?;
    Ok(())
}

/// Whether the database holds anything besides an empty default tree and `meta`.
fn holds_data(db: &Db) -> bool {
    let default_name = db.name();
    !db.is_empty()
        || db
            .tree_names()
            .iter()
            .any(|n| *n != default_name && n.as_ref() != b"meta")
}

/// Whether sled failed to take the store's file lock (it reports this only as text).
fn is_lock_error(error: &sled::Error) -> bool {
    matches!(error, sled::Error::Io(e) if e.to_string().starts_with("could not acquire lock"))
}

/// Shop names become tree names and directory-like paths: keep them plain.
fn validate_shop_name(name: &str) -> Result<(), StoreError> {
    let reason = if name.is_empty() {
        Some("it is empty")
    } else if name.contains('/') {
        Some("it contains '/'")
    } else if name.chars().any(char::is_control) {
        Some("it contains a control character")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(StoreError::InvalidShopName {
            name: name.to_owned(),
            reason,
        }),
        None => Ok(()),
    }
}
