//! Tunable knobs of the recommender, read from the `[recommender]` section of the
//! config. Every default here is the one documented in `config.example.toml`.

use serde::{Deserialize, Serialize};

/// How lists are computed. `Default` gives the documented defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Params {
    /// An order this many days older than the newest counts half as much.
    pub half_life_days: f64,
    /// Orders with more distinct products than this (wholesale, stock-ups) count
    /// `basket_cap / size` as much, so one huge basket cannot flood every pair.
    pub basket_cap: usize,
    /// Pairs bought together in fewer (recency-weighted) orders are treated as noise.
    pub min_co_orders: f64,
    /// Anchors with fewer orders than this get category-level complements.
    pub cold_start_orders: f64,
    /// Longest list written for any kind; merchant rules may lower it.
    pub max_list_length: usize,
    /// Share of products, in percent, that get no written lists, to measure lift.
    pub holdout_percent: f64,
    /// Changing the seed draws a different holdout.
    pub holdout_seed: String,
    /// Cross-sell knobs.
    pub cross_sell: CrossSellParams,
    /// Upsell knobs.
    pub upsell: PriceBand,
    /// Downsell knobs.
    pub downsell: PriceBand,
    /// Related-items knobs.
    pub related: RelatedParams,
    /// Bundle knobs.
    pub bundles: BundleParams,
    /// Volume hint and replenishment knobs.
    pub repeat: RepeatParams,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            half_life_days: 90.0,
            basket_cap: 20,
            min_co_orders: 2.0,
            cold_start_orders: 3.0,
            max_list_length: 10,
            holdout_percent: 0.0,
            holdout_seed: "holdout".to_owned(),
            cross_sell: CrossSellParams::default(),
            upsell: PriceBand {
                min_price_ratio: 1.05,
                max_price_ratio: 2.0,
            },
            downsell: PriceBand {
                min_price_ratio: 0.4,
                max_price_ratio: 0.95,
            },
            related: RelatedParams::default(),
            bundles: BundleParams::default(),
            repeat: RepeatParams::default(),
        }
    }
}

/// Cross-sell rules.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CrossSellParams {
    /// A complement may cost at most this many times the anchor.
    pub max_price_ratio: f64,
    /// Score factor for a complement of the anchor's own type (a likely substitute).
    pub same_type_factor: f64,
}

impl Default for CrossSellParams {
    fn default() -> Self {
        Self {
            max_price_ratio: 3.0,
            same_type_factor: 0.5,
        }
    }
}

/// The price window, as a ratio to the anchor's price, for upsells or downsells.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceBand {
    /// Lowest allowed price ratio (inclusive).
    pub min_price_ratio: f64,
    /// Highest allowed price ratio (inclusive).
    pub max_price_ratio: f64,
}

/// Related-items blend.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RelatedParams {
    /// Weight of co-purchase against content similarity, 0 (content only) to 1.
    pub copurchase_weight: f64,
    /// Items less similar than this (0 to 1) are not related by content.
    pub min_similarity: f64,
}

impl Default for RelatedParams {
    fn default() -> Self {
        Self {
            copurchase_weight: 0.5,
            min_similarity: 0.2,
        }
    }
}

/// Bundle offers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BundleParams {
    /// Largest bundle, anchor included (2 or 3).
    pub max_items: usize,
    /// Bundles offered per anchor.
    pub per_product: usize,
    /// A bundle needs at least this many (recency-weighted) orders holding all of it.
    pub min_co_orders: f64,
    /// Suggested discount on the sum of the items' prices, in percent.
    pub discount_percent: f64,
}

impl Default for BundleParams {
    fn default() -> Self {
        Self {
            max_items: 3,
            per_product: 2,
            min_co_orders: 3.0,
            discount_percent: 10.0,
        }
    }
}

/// Volume hints and replenishment intervals.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RepeatParams {
    /// A volume hint needs this many orders of the item.
    pub volume_min_orders: u32,
    /// ... and a typical quantity of at least this.
    pub volume_min_quantity: u32,
    /// A replenishment interval needs this many repeat intervals.
    pub replenish_min_intervals: u32,
    /// Re-buys sooner than this many days are one shopping trip, not a cycle.
    pub replenish_min_days: f64,
}

impl Default for RepeatParams {
    fn default() -> Self {
        Self {
            volume_min_orders: 5,
            volume_min_quantity: 2,
            replenish_min_intervals: 3,
            replenish_min_days: 2.0,
        }
    }
}

impl Params {
    /// Checks values that parse but make no sense; each message names the key.
    pub fn validate(&self) -> Result<(), String> {
        let positive = [
            ("recommender.half_life_days", self.half_life_days),
            (
                "recommender.cross_sell.max_price_ratio",
                self.cross_sell.max_price_ratio,
            ),
            (
                "recommender.upsell.max_price_ratio",
                self.upsell.max_price_ratio,
            ),
            (
                "recommender.downsell.max_price_ratio",
                self.downsell.max_price_ratio,
            ),
        ];
        for (key, value) in positive {
            if !(value.is_finite() && value > 0.0) {
                return Err(format!("{key} must be a positive number, got {value}"));
            }
        }
        let ranges = [
            (
                "recommender.holdout_percent",
                self.holdout_percent,
                0.0,
                100.0,
            ),
            (
                "recommender.cross_sell.same_type_factor",
                self.cross_sell.same_type_factor,
                0.0,
                1.0,
            ),
            (
                "recommender.related.copurchase_weight",
                self.related.copurchase_weight,
                0.0,
                1.0,
            ),
            (
                "recommender.related.min_similarity",
                self.related.min_similarity,
                0.0,
                1.0,
            ),
            (
                "recommender.bundles.discount_percent",
                self.bundles.discount_percent,
                0.0,
                90.0,
            ),
        ];
        for (key, value, low, high) in ranges {
            if !(low..=high).contains(&value) {
                return Err(format!(
                    "{key} must be between {low} and {high}, got {value}"
                ));
            }
        }
        for (key, band) in [
            ("recommender.upsell", &self.upsell),
            ("recommender.downsell", &self.downsell),
        ] {
            if band.min_price_ratio > band.max_price_ratio || band.min_price_ratio < 0.0 {
                return Err(format!(
                    "{key}.min_price_ratio ({}) must be between 0 and max_price_ratio ({})",
                    band.min_price_ratio, band.max_price_ratio
                ));
            }
        }
        if self.upsell.min_price_ratio < 1.0 {
            return Err(
                "recommender.upsell.min_price_ratio must be at least 1 (an upsell costs more)"
                    .into(),
            );
        }
        if self.downsell.max_price_ratio > 1.0 {
            return Err(
                "recommender.downsell.max_price_ratio must be at most 1 (a downsell costs less)"
                    .into(),
            );
        }
        if !(2..=3).contains(&self.bundles.max_items) {
            return Err(format!(
                "recommender.bundles.max_items must be 2 or 3, got {}",
                self.bundles.max_items
            ));
        }
        if self.basket_cap < 2 {
            return Err(format!(
                "recommender.basket_cap must be at least 2, got {}",
                self.basket_cap
            ));
        }
        if self.max_list_length == 0 || self.max_list_length > 250 {
            return Err(format!(
                "recommender.max_list_length must be 1 to 250, got {}",
                self.max_list_length
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        assert_eq!(Params::default().validate(), Ok(()));
    }

    #[test]
    fn an_inverted_price_band_names_its_key() {
        let params = Params {
            upsell: PriceBand {
                min_price_ratio: 2.0,
                max_price_ratio: 1.5,
            },
            ..Params::default()
        };
        let err = params.validate().unwrap_err();
        assert!(err.contains("recommender.upsell.min_price_ratio"), "{err}");
    }
}
