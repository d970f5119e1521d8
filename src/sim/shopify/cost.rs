//! The requested (worst-case) cost of an operation, computed from the document and
//! its variables before anything runs (reference §2):
//!
//! - scalars and enums cost 0, every other object 1 (a list of plain objects counts
//!   once);
//! - a connection costs 2 plus `first` (or `last`) times the cost of one node (the
//!   node object itself plus its selection); `pageInfo` is an object (1); edges are
//!   free; nested connections therefore multiply;
//! - `nodes(ids:)` costs the number of ids times one node, an abstract node costing as
//!   much as its most expensive possible type;
//! - every mutation root field costs 10, whatever it selects.
//!
//! The actual cost uses the same rules with the rows really returned; the executor
//! counts it as it completes objects.

use apollo_compiler::executable::{Field, Operation, SelectionSet};
use apollo_compiler::schema::ExtendedType;
use apollo_compiler::Node;
use serde_json::Value;

use super::document::schema;
use super::exec::Exec;
use super::values::field_args;

/// The cost of one mutation root field.
pub(crate) const MUTATION_COST: u64 = 10;

/// The requested cost of `op`.
pub(crate) fn requested(exec: &Exec<'_, '_>, op: &Operation) -> u64 {
    let root = op.object_type().as_str();
    if op.is_mutation() {
        let fields = exec.collect(&[&op.selection_set], root);
        let counted = fields
            .iter()
            .filter(|(_, g)| !g[0].name.starts_with("__"))
            .count();
        return MUTATION_COST * counted as u64;
    }
    selection_cost(exec, &[&op.selection_set], root)
}

/// The cost of selecting `sets` on a value of type `ty` (abstract: the dearest type).
fn selection_cost(exec: &Exec<'_, '_>, sets: &[&SelectionSet], ty: &str) -> u64 {
    match schema().types.get(ty) {
        Some(ExtendedType::Interface(_) | ExtendedType::Union(_)) => {
            let possible: Vec<String> = schema()
                .types
                .iter()
                .filter(|(name, t)| t.is_object() && schema().is_subtype(ty, name.as_str()))
                .map(|(name, _)| name.to_string())
                .collect();
            possible
                .iter()
                .map(|concrete| fields_cost(exec, sets, concrete))
                .max()
                .unwrap_or_else(|| fields_cost(exec, sets, ty))
        }
        _ => fields_cost(exec, sets, ty),
    }
}

fn fields_cost(exec: &Exec<'_, '_>, sets: &[&SelectionSet], ty: &str) -> u64 {
    exec.collect(sets, ty)
        .iter()
        .map(|(_, group)| field_cost(exec, group))
        .sum()
}

fn field_cost(exec: &Exec<'_, '_>, group: &[&Node<Field>]) -> u64 {
    let field = group[0];
    if field.name.starts_with("__") {
        return 0;
    }
    let named = field.ty().inner_named_type().as_str();
    if matches!(
        schema().types.get(named),
        Some(ExtendedType::Scalar(_) | ExtendedType::Enum(_))
    ) {
        return 0;
    }
    let subs: Vec<&SelectionSet> = group.iter().map(|f| &f.selection_set).collect();
    let args = field_args(field, exec.vars);
    if named.ends_with("Connection") {
        let size = args
            .get("first")
            .or_else(|| args.get("last"))
            .and_then(Value::as_u64)
            .unwrap_or(0);
        return connection_cost(exec, &subs, named, size);
    }
    let node = 1 + selection_cost(exec, &subs, named);
    match args.get("ids").and_then(Value::as_array) {
        Some(ids) if field.name == "nodes" => ids.len() as u64 * node,
        _ => node,
    }
}

fn connection_cost(exec: &Exec<'_, '_>, subs: &[&SelectionSet], ty: &str, size: u64) -> u64 {
    let mut per_node = 0;
    let mut extra = 0;
    for (_, group) in exec.collect(subs, ty) {
        let sets: Vec<&SelectionSet> = group.iter().map(|f| &f.selection_set).collect();
        let inner = group[0].ty().inner_named_type().as_str();
        match group[0].name.as_str() {
            "nodes" => per_node += 1 + selection_cost(exec, &sets, inner),
            "edges" => {
                for (_, edge_group) in exec.collect(&sets, inner) {
                    if edge_group[0].name == "node" {
                        let node_sets: Vec<&SelectionSet> =
                            edge_group.iter().map(|f| &f.selection_set).collect();
                        let node_ty = edge_group[0].ty().inner_named_type().as_str();
                        per_node += 1 + selection_cost(exec, &node_sets, node_ty);
                    }
                }
            }
            name if name.starts_with("__") => {}
            _ => extra += field_cost(exec, &group),
        }
    }
    2 + size * per_node + extra
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::shopify::document::prepare;
    use serde_json::{json, Map};

    fn cost(query: &str, vars: &Value) -> u64 {
        let prepared = prepare(query, None).expect("valid operation");
        let op = prepared.operation();
        let given = vars.as_object().cloned().unwrap_or_default();
        let vars: Map<String, Value> =
            crate::sim::shopify::values::coerce_variables(&prepared.doc, op, &given)
                .expect("variables");
        let exec = Exec::new(&prepared.doc, &vars);
        requested(&exec, op)
    }

    const PRODUCTS: &str = include_str!("../../../graphql/shopify/products.graphql");
    const ORDERS: &str = include_str!("../../../graphql/shopify/orders.graphql");
    const PRODUCT_IDS: &str = include_str!("../../../graphql/shopify/product_ids.graphql");
    const METAFIELDS: &str = include_str!("../../../graphql/shopify/product_metafields.graphql");
    const SCOPES: &str = include_str!("../../../graphql/shopify/app_scopes.graphql");
    const COUNT: &str = include_str!("../../../graphql/shopify/products_count.graphql");
    const SET: &str = include_str!("../../../graphql/shopify/metafields_set.graphql");
    const POLL: &str = include_str!("../../../graphql/shopify/bulk_operation.graphql");

    #[test]
    fn project_operations_cost_what_their_files_say_with_default_variables() {
        assert_eq!(cost(PRODUCTS, &json!({})), 323, "10 × (7 + 25) + 3");
        assert_eq!(cost(ORDERS, &json!({})), 528, "5 × (5 + 5 × 20) + 3");
        assert_eq!(cost(PRODUCT_IDS, &json!({})), 253, "250 + 3");
        let ids: Vec<String> = (0..25)
            .map(|n| format!("gid://shopify/Product/{n}"))
            .collect();
        let vars = json!({"ids": ids, "namespace": "upsell_sync"});
        assert_eq!(cost(METAFIELDS, &vars), 550, "25 × (6 + 16)");
        assert_eq!(cost(SCOPES, &json!({})), 2);
        assert_eq!(cost(COUNT, &json!({})), 1);
        assert_eq!(
            cost(POLL, &json!({"id": "gid://shopify/BulkOperation/1"})),
            1
        );
        assert_eq!(cost(SET, &json!({"metafields": []})), 10);
    }

    #[test]
    fn page_sizes_in_variables_scale_the_cost() {
        assert_eq!(
            cost(PRODUCTS, &json!({"first": 2, "variantsFirst": 3})),
            2 * (7 + 3) + 3
        );
        assert_eq!(
            cost(ORDERS, &json!({"first": 10, "lineItemsFirst": 50})),
            10 * 255 + 3
        );
    }

    #[test]
    fn aliases_fragments_and_edges_count_like_plain_selections() {
        let plain = cost("{ products(first: 5) { nodes { id title } } }", &json!({}));
        let edges = cost(
            "{ products(first: 5) { edges { cursor node { id } } } }",
            &json!({}),
        );
        let aliased = cost(
            "{ a: products(first: 5) { nodes { ...F } } } fragment F on Product { id }",
            &json!({}),
        );
        assert_eq!(plain, 7);
        assert_eq!(edges, 7);
        assert_eq!(aliased, 7);
    }
}
