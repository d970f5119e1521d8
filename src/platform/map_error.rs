//! The error both platforms' mappers give for a record that cannot be mapped into the
//! model: it names the record, its id and the field, so the sync reports it and goes on.

/// Why a platform record could not be mapped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{record} {id}: field `{field}`: {reason}")]
pub struct MapError {
    /// What it is: "product", "variant", "variation", "order", "line item".
    pub record: &'static str,
    /// The record's id as received ("?" when it has none).
    pub id: String,
    /// The field path in the platform's own spelling (`variants.nodes[2].price`,
    /// `line_items[1].quantity`).
    pub field: String,
    /// What was wrong.
    pub reason: String,
}
