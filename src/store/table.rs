//! `Table<T>`: a sled tree whose values are all one type in the versioned encoding. It
//! turns encoding and decoding failures into [`StoreError`]s that name the tree and key.

use std::marker::PhantomData;

use serde::de::DeserializeOwned;
use serde::Serialize;
use sled::{IVec, Tree};

use super::codec::{self, text_key};
use super::error::StoreError;

/// A sled tree holding `T` values.
pub struct Table<T> {
    tree: Tree,
    /// How keys are shown in errors.
    show_key: fn(&[u8]) -> String,
    values: PhantomData<fn() -> T>,
}

// Derived `Clone`/`Debug` would require `T: Clone`/`T: Debug`.
impl<T> Clone for Table<T> {
    fn clone(&self) -> Self {
        Self {
            tree: self.tree.clone(),
            show_key: self.show_key,
            values: PhantomData,
        }
    }
}

impl<T> std::fmt::Debug for Table<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Table").field(&self.name()).finish()
    }
}

impl<T> Table<T> {
    /// The tree's full name, e.g. `shop/main/products`.
    pub fn name(&self) -> String {
        String::from_utf8_lossy(&self.tree.name()).into_owned()
    }
}

impl<T: Serialize + DeserializeOwned> Table<T> {
    /// A table whose keys are text (ids, names).
    pub fn new(tree: Tree) -> Self {
        Self::with_key_display(tree, text_key)
    }

    /// A table whose keys are shown in errors by `show_key`.
    pub fn with_key_display(tree: Tree, show_key: fn(&[u8]) -> String) -> Self {
        Self {
            tree,
            show_key,
            values: PhantomData,
        }
    }

    /// The error for a key or value that cannot be read.
    pub fn corrupt(&self, key: &[u8], reason: impl Into<String>) -> StoreError {
        StoreError::Corrupt {
            tree: self.name(),
            key: (self.show_key)(key),
            reason: reason.into(),
        }
    }

    /// Encodes `value`, naming the tree and key if that fails.
    pub fn encode(&self, key: &[u8], value: &T) -> Result<Vec<u8>, StoreError> {
        codec::encode(value).map_err(|e| StoreError::Encode {
            tree: self.name(),
            key: (self.show_key)(key),
            reason: e.to_string(),
        })
    }

    /// Decodes a stored value, naming the tree and key if that fails.
    pub fn decode(&self, key: &[u8], bytes: &[u8]) -> Result<T, StoreError> {
        codec::decode(bytes).map_err(|e| self.corrupt(key, e.to_string()))
    }

    /// The value under `key`.
    pub fn get(&self, key: &[u8]) -> Result<Option<T>, StoreError> {
        match self.tree.get(key)? {
            Some(bytes) => self.decode(key, &bytes).map(Some),
            None => Ok(None),
        }
    }

    /// Stores `value` under `key`, replacing any previous value.
    pub fn insert(&self, key: &[u8], value: &T) -> Result<(), StoreError> {
        self.tree.insert(key, self.encode(key, value)?)?;
        Ok(())
    }

    /// Removes `key`; returns whether it was there.
    pub fn remove(&self, key: &[u8]) -> Result<bool, StoreError> {
        Ok(self.tree.remove(key)?.is_some())
    }

    /// Every entry in key order, decoded lazily.
    pub fn entries(&self) -> impl Iterator<Item = Result<(IVec, T), StoreError>> {
        let table = self.clone();
        self.tree.iter().map(move |entry| {
            let (key, bytes) = entry?;
            let value = table.decode(&key, &bytes)?;
            Ok((key, value))
        })
    }

    /// Every key in order, without decoding values.
    pub fn keys(&self) -> impl Iterator<Item = Result<IVec, StoreError>> {
        self.tree.iter().keys().map(|key| Ok(key?))
    }

    /// Number of entries (sled counts by scanning the tree).
    pub fn len(&self) -> usize {
        self.tree.len()
    }

    /// The raw tree, for batches.
    pub fn tree(&self) -> &Tree {
        &self.tree
    }
}
