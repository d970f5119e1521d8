//! Content similarity: how alike two products are by title words, tags and vendor,
//! and which products are "the same kind" (upsell, downsell and related candidates).
//!
//! Typed products are compared with their own type. Untyped products (a CSV import has
//! no types) are compared with the untyped products that share a distinctive word.

use rayon::prelude::*;

use super::catalog::{Catalog, Item};

/// Words held by more products than this are too common to find candidates with
/// (they still count towards similarity).
const MAX_POSTINGS: usize = 1_000;
/// Most untyped candidates kept per product.
const MAX_POOL: usize = 200;

/// Similarity data that depends on the catalog only.
#[derive(Debug, Clone)]
pub struct Content {
    idf: Vec<f64>,
    norm: Vec<f64>,
    /// Members of each type (ascending); the untyped slot is left empty.
    type_members: Vec<Vec<Item>>,
    /// For untyped products: their most similar untyped products.
    pools: Vec<Vec<Item>>,
    /// For untyped products: the untyped products whose pool holds them.
    reverse_pools: Vec<Vec<Item>>,
}

impl Content {
    /// Indexes the catalog's words.
    #[must_use]
    pub fn new(catalog: &Catalog) -> Self {
        let n = catalog.len();
        let mut postings: Vec<Vec<Item>> = vec![Vec::new(); catalog.token_count()];
        for item in 0..n {
            for &token in &catalog.tokens[item] {
                postings[token as usize].push(item as Item);
            }
        }
        let idf: Vec<f64> = postings
            .iter()
            .map(|p| (1.0 + n as f64 / p.len().max(1) as f64).ln())
            .collect();
        let norm = catalog
            .tokens
            .iter()
            .map(|tokens| {
                tokens
                    .iter()
                    .map(|&t| idf[t as usize].powi(2))
                    .sum::<f64>()
                    .sqrt()
            })
            .collect();
        let mut type_members = vec![Vec::new(); catalog.type_count()];
        for item in 0..n {
            let ty = catalog.type_id[item];
            if ty != Catalog::UNTYPED {
                type_members[ty as usize].push(item as Item);
            }
        }
        let mut content = Self {
            idf,
            norm,
            type_members,
            pools: vec![Vec::new(); n],
            reverse_pools: vec![Vec::new(); n],
        };
        content.pools = (0..n as Item)
            .into_par_iter()
            .map_init(
                || vec![0.0f64; n],
                |scratch, item| content.untyped_pool(catalog, &postings, item, scratch),
            )
            .collect();
        for (item, pool) in content.pools.iter().enumerate() {
            for &other in pool {
                content.reverse_pools[other as usize].push(item as Item);
            }
        }
        content
    }

    fn untyped_pool(
        &self,
        catalog: &Catalog,
        postings: &[Vec<Item>],
        item: Item,
        scratch: &mut [f64],
    ) -> Vec<Item> {
        if catalog.type_id[item as usize] != Catalog::UNTYPED {
            return Vec::new();
        }
        let mut touched = Vec::new();
        for &token in &catalog.tokens[item as usize] {
            let posting = &postings[token as usize];
            if posting.len() > MAX_POSTINGS {
                continue;
            }
            let weight = self.idf[token as usize].powi(2);
            for &other in posting {
                if other != item && catalog.type_id[other as usize] == Catalog::UNTYPED {
                    if scratch[other as usize] == 0.0 {
                        touched.push(other);
                    }
                    scratch[other as usize] += weight;
                }
            }
        }
        let mut scored: Vec<(f64, Item)> = touched
            .iter()
            .map(|&other| {
                let dot = std::mem::take(&mut scratch[other as usize]);
                (
                    dot / (self.norm[item as usize] * self.norm[other as usize]),
                    other,
                )
            })
            .collect();
        scored.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        scored.truncate(MAX_POOL);
        let mut pool: Vec<Item> = scored.into_iter().map(|(_, other)| other).collect();
        pool.sort_unstable();
        pool
    }

    /// Cosine similarity of the two products' weighted words, 0 to 1.
    #[must_use]
    pub fn similarity(&self, catalog: &Catalog, a: Item, b: Item) -> f64 {
        let (ta, tb) = (&catalog.tokens[a as usize], &catalog.tokens[b as usize]);
        let (mut i, mut j, mut dot) = (0, 0, 0.0);
        while i < ta.len() && j < tb.len() {
            match ta[i].cmp(&tb[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    dot += self.idf[ta[i] as usize].powi(2);
                    i += 1;
                    j += 1;
                }
            }
        }
        let denominator = self.norm[a as usize] * self.norm[b as usize];
        if denominator > 0.0 {
            (dot / denominator).min(1.0)
        } else {
            0.0
        }
    }

    /// Products of the same kind as `item`: its type's members, or for an untyped
    /// product the untyped products most alike in words. `item` itself may be included.
    #[must_use]
    pub fn same_kind<'a>(&'a self, catalog: &Catalog, item: Item) -> &'a [Item] {
        let ty = catalog.type_id[item as usize];
        if ty == Catalog::UNTYPED {
            &self.pools[item as usize]
        } else {
            &self.type_members[ty as usize]
        }
    }

    /// Members of a type (empty for the untyped slot).
    #[must_use]
    pub fn members_of_type(&self, ty: u32) -> &[Item] {
        &self.type_members[ty as usize]
    }

    /// Products whose same-kind set holds `item` (so their upsells may change when
    /// `item`'s sales do).
    #[must_use]
    pub fn kind_dependents<'a>(&'a self, catalog: &Catalog, item: Item) -> &'a [Item] {
        let ty = catalog.type_id[item as usize];
        if ty == Catalog::UNTYPED {
            &self.reverse_pools[item as usize]
        } else {
            &self.type_members[ty as usize]
        }
    }
}
