//! Store-side steps every pull shares, whatever the platform: make a page durable and
//! only then move its checkpoint (never past a record that could not be read), and drop
//! products the platform no longer has.

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use crate::model::ProductId;
use crate::store::{Checkpoint, ShopStore, StoreError};

/// Makes the page durable, then moves checkpoint `name` (if any) up to `newest` (never
/// back).
pub fn advance(
    shop: &ShopStore,
    name: Option<&str>,
    newest: Option<DateTime<Utc>>,
) -> Result<(), StoreError> {
    shop.flush()?;
    let (Some(name), Some(newest)) = (name, newest) else {
        return Ok(());
    };
    let current = shop.checkpoint(name)?;
    if current.as_ref().is_none_or(|c| c.updated_at < newest) {
        shop.set_checkpoint(
            name,
            &Checkpoint {
                updated_at: newest,
                cursor: None,
            },
        )?;
    }
    Ok(())
}

/// The checkpoint of one pass ordered by modification time, moved page by page while
/// every page so far was read whole. After a page that was not (a record skipped as
/// unreadable, a page that came back short in the middle of the walk, a listing that
/// shifted under it) it holds where it was, so the next pass reads those records again
/// instead of stepping over them for good. A record broken for good is then read, and
/// reported, on every pass: a few pages more, never a lost change.
pub struct PassCheckpoint<'a> {
    shop: &'a ShopStore,
    name: Option<&'a str>,
    held: bool,
}

impl<'a> PassCheckpoint<'a> {
    /// The checkpoint `name` of `shop`; `None` for a pass that moves no checkpoint.
    #[must_use]
    pub fn new(shop: &'a ShopStore, name: Option<&'a str>) -> Self {
        Self {
            shop,
            name,
            held: false,
        }
    }

    /// After a page is stored: makes it durable, then moves the checkpoint up to
    /// `newest`, unless this page or an earlier one was not `whole`.
    pub fn page(&mut self, newest: Option<DateTime<Utc>>, whole: bool) -> Result<(), StoreError> {
        self.held |= !whole;
        if self.held {
            return self.shop.flush();
        }
        advance(self.shop, self.name, newest)
    }

    /// Whether a page was not read whole: the pass must not be taken as complete.
    #[must_use]
    pub fn held(&self) -> bool {
        self.held
    }
}

/// Removes stored products (and their lists and written records) not in `seen`.
pub fn remove_unseen_products<H: std::hash::BuildHasher>(
    shop: &ShopStore,
    seen: &HashSet<String, H>,
) -> Result<u64, StoreError> {
    let gone: Vec<ProductId> = shop
        .product_ids()
        .filter_map(Result::ok)
        .filter(|id| !seen.contains(&id.0))
        .collect();
    for id in &gone {
        shop.remove_product(id)?;
        shop.remove_recs(id)?;
        shop.clear_written(id)?;
        tracing::info!(product = %id.0, "product no longer on the platform; removed from the store");
    }
    shop.flush()?;
    Ok(gone.len() as u64)
}
