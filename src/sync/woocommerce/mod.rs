//! The WooCommerce side of the pipeline: [`pull`] (numbered pages into the store, with
//! count reconciliation), [`push`] (our lists into `upsell_ids`, `cross_sell_ids` and
//! meta through the batch endpoint, only where they changed) and [`paging`] (how
//! collections are walked).

pub mod paging;
pub mod pull;
pub mod push;
