//! Taxonomy terms (product categories, tags and brands) by name. WordPress numbers
//! terms of every taxonomy from one sequence; "Uncategorized" is term 15 on a fresh
//! store, as in the fixtures, and products without a category get it.

use std::collections::HashMap;

/// The default product category.
pub(crate) const UNCATEGORIZED: &str = "Uncategorized";

/// A taxonomy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Taxonomy {
    Category,
    Tag,
    Brand,
}

/// A term as the API shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Term {
    pub id: u64,
    pub name: String,
    pub slug: String,
}

/// Every term, created on first use.
#[derive(Debug)]
pub(crate) struct Terms {
    by_name: HashMap<(Taxonomy, String), Term>,
    by_id: HashMap<u64, (Taxonomy, String)>,
    next: u64,
}

impl Default for Terms {
    fn default() -> Self {
        let mut terms = Self {
            by_name: HashMap::new(),
            by_id: HashMap::new(),
            next: 15,
        };
        terms.term(Taxonomy::Category, UNCATEGORIZED);
        terms
    }
}

impl Terms {
    /// The term `name` of `taxonomy`, created if new.
    pub fn term(&mut self, taxonomy: Taxonomy, name: &str) -> Term {
        let key = (taxonomy, name.to_owned());
        if let Some(term) = self.by_name.get(&key) {
            return term.clone();
        }
        let term = Term {
            id: self.next,
            name: name.to_owned(),
            slug: slugify(name),
        };
        self.next += 1;
        self.by_id.insert(term.id, key.clone());
        self.by_name.insert(key, term.clone());
        term
    }

    /// The term `name` of `taxonomy` if it exists.
    pub fn get(&self, taxonomy: Taxonomy, name: &str) -> Option<&Term> {
        self.by_name.get(&(taxonomy, name.to_owned()))
    }

    /// The name of term `id` if it belongs to `taxonomy`.
    pub fn name_of(&self, taxonomy: Taxonomy, id: u64) -> Option<String> {
        self.by_id
            .get(&id)
            .filter(|(t, _)| *t == taxonomy)
            .map(|(_, name)| name.clone())
    }

    /// Terms for `names`, created as needed.
    pub fn terms(&mut self, taxonomy: Taxonomy, names: &[String]) -> Vec<Term> {
        names.iter().map(|n| self.term(taxonomy, n)).collect()
    }
}

/// WordPress's `sanitize_title` for plain text: lowercase, runs of anything but
/// letters and digits become one `-`.
pub(crate) fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    slug
}
