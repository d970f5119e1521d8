//! The holdout: a stable, seeded share of products that get no written lists, so that
//! lift can be measured against them.

use sha2::{Digest, Sha256};

use crate::model::ProductId;

use super::params::Params;

/// Whether `product` is in the holdout. The same seed and id always give the same answer.
#[must_use]
pub fn is_held_out(params: &Params, product: &ProductId) -> bool {
    if params.holdout_percent <= 0.0 {
        return false;
    }
    let digest = Sha256::new()
        .chain_update(params.holdout_seed.as_bytes())
        .chain_update([0])
        .chain_update(product.as_str())
        .finalize();
    let mut head = [0u8; 8];
    head.copy_from_slice(&digest[..8]);
    let draw = u64::from_be_bytes(head) as f64 / u64::MAX as f64;
    draw < params.holdout_percent / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_holdout_takes_about_the_configured_share_and_is_stable() {
        let params = Params {
            holdout_percent: 20.0,
            ..Params::default()
        };
        let held = (0..10_000)
            .filter(|i| is_held_out(&params, &ProductId::new(i.to_string())))
            .count();
        assert!((1_800..2_200).contains(&held), "{held}");
        let id = ProductId::new("gid://shopify/Product/1");
        assert_eq!(is_held_out(&params, &id), is_held_out(&params, &id));
        assert!(!is_held_out(&Params::default(), &id));
    }
}
