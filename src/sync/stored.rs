//! Store-side steps every pull shares, whatever the platform: make a page durable and
//! only then move its checkpoint, and drop products the platform no longer has.

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
