//! `StoreError`: everything the store can fail with, worded for the operator who reads it.

use std::io;
use std::path::PathBuf;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// sled could not open the database (missing permissions, a damaged log, ...).
    #[error("could not open the store at {path}: {source}")]
    Open {
        /// The store directory.
        path: PathBuf,
        /// What sled reported.
        source: sled::Error,
    },
    /// Another process holds the store's lock.
    #[error(
        "the store at {path} is in use by another process (is another upsell-sync \
         running?): stop it, or point the store path elsewhere"
    )]
    Locked {
        /// The store directory.
        path: PathBuf,
    },
    /// The store was written in a format this build does not know.
    #[error(
        "the store at {path} has format version {found}, but this upsell-sync reads only \
         version {supported}: it was written by a newer upsell-sync, or it is not an \
         upsell-sync store. It must not be opened by this build (nothing was changed); \
         run the newer upsell-sync or point the store path elsewhere"
    )]
    UnsupportedFormat {
        /// The store directory.
        path: PathBuf,
        /// The format version recorded in the store.
        found: u32,
        /// The format version this build reads and writes.
        supported: u32,
    },
    /// The directory holds a sled database with data but no format version.
    #[error(
        "the store at {path} holds data but no upsell-sync format version: it is not an \
         upsell-sync store and must not be opened (nothing was changed)"
    )]
    NotAStore {
        /// The store directory.
        path: PathBuf,
    },
    /// A stored value (or key) could not be read back.
    #[error("corrupt entry in tree {tree}, key {key}: {reason}")]
    Corrupt {
        /// The sled tree, e.g. `shop/main/products`.
        tree: String,
        /// The key, printed readably (quoted text, or hex for binary keys).
        key: String,
        /// What was wrong with it.
        reason: String,
    },
    /// A value could not be encoded (a bug in a type's serde implementation).
    #[error("could not encode the value for tree {tree}, key {key}: {reason}")]
    Encode {
        /// The sled tree.
        tree: String,
        /// The key, printed readably.
        key: String,
        /// What the encoder reported.
        reason: String,
    },
    /// A shop name that cannot name a set of trees.
    #[error("invalid shop name {name:?}: {reason}")]
    InvalidShopName {
        /// The name as given.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The salt file exists but does not hold a salt. Its content is never shown.
    #[error(
        "the salt file {path} is malformed: expected 64 hex characters (32 bytes). Restore it \
         from a backup; deleting it makes a new salt, so existing customer hashes stop \
         matching new orders"
    )]
    MalformedSalt {
        /// The salt file.
        path: PathBuf,
    },
    /// A file operation outside sled failed.
    #[error("could not {action} {path}: {source}")]
    Io {
        /// What we were doing, e.g. "read the salt file".
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// What the OS reported.
        source: io::Error,
    },
    /// A write failed for want of space: the disk (or the user's quota) is full, or the
    /// process may not grow a file that large (`ulimit -f`).
    #[error(
        "the store could not be written: no space left (the disk or quota is full, or a \
         file size limit was reached: {0}). Free some space and run again: what was \
         stored before is kept, and the work resumes where it stopped"
    )]
    OutOfSpace(sled::Error),
    /// Any other sled failure (I/O error, sled-detected corruption).
    #[error("store operation failed: {0}")]
    Sled(sled::Error),
}

impl StoreError {
    /// Whether the store must be reopened before it takes another write: sled keeps the
    /// first I/O error of a write (a full disk, say) and answers every later write with
    /// it, even once the cause is gone, until the database is opened again.
    #[must_use]
    pub fn needs_reopen(&self) -> bool {
        matches!(self, Self::OutOfSpace(_) | Self::Sled(sled::Error::Io(_)))
    }
}

impl From<sled::Error> for StoreError {
    fn from(error: sled::Error) -> Self {
        if is_out_of_space(&error) {
            Self::OutOfSpace(error)
        } else {
            Self::Sled(error)
        }
    }
}

/// Linux's EDQUOT ("disk quota exceeded"), which `io::ErrorKind` names only in newer
/// Rust than this crate requires.
const EDQUOT: i32 = 122;

/// Whether sled failed because a write found no room: ENOSPC, EDQUOT, or EFBIG (the
/// file size limit).
pub(super) fn is_out_of_space(error: &sled::Error) -> bool {
    let sled::Error::Io(io) = error else {
        return false;
    };
    matches!(
        io.kind(),
        io::ErrorKind::StorageFull | io::ErrorKind::FileTooLarge
    ) || io.raw_os_error() == Some(EDQUOT)
}
