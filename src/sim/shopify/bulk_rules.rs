//! The rules a bulk query must follow, with Shopify's messages (captured answers): a
//! `query` operation, at least one and at most five connections, nesting at most two
//! deep, `edges { node }` rather than `nodes`, no top-level `node`/`nodes`, and an
//! unaliased `id` on every node that has a nested connection.

use apollo_compiler::executable::{Field, SelectionSet};
use apollo_compiler::Node;
use serde_json::Map;

use super::document::Prepared;
use super::exec::{is_connection, Exec};

const MAX_CONNECTIONS: usize = 5;
const MAX_DEPTH: usize = 2;

/// What the bulk rules find wrong, in Shopify's words.
pub(crate) fn check(prepared: &Prepared) -> Vec<String> {
    let op = prepared.operation();
    if !op.is_query() {
        return vec!["Invalid operation type. Only `query` operations are supported.".to_owned()];
    }
    let vars = Map::new();
    let exec = Exec::new(&prepared.doc, &vars);
    let mut walk = Walk::default();
    let roots = exec.collect(&[&op.selection_set], "QueryRoot");
    let mut problems = Vec::new();
    for (_, group) in &roots {
        if matches!(group[0].name.as_str(), "node" | "nodes") {
            problems.push(format!(
                "Bulk queries cannot contain a top level `{}` field.",
                group[0].name
            ));
        }
    }
    walk.fields(&exec, &roots, 0, None);
    if walk.connections == 0 {
        problems.push("Bulk queries must contain at least one connection.".to_owned());
    }
    if let Some(first) = walk.nodes_instead_of_edges.first() {
        problems.push(format!(
            "All connection fields in a bulk query must select their contents using 'edges' > 'node', e.g: '{first} {{ edges {{ node {{'. Selecting via 'nodes' is not supported. Invalid connection fields: '{}'.",
            walk.nodes_instead_of_edges.join("', '")
        ));
    }
    if walk.connections > MAX_CONNECTIONS {
        problems.push(format!(
            "Bulk queries cannot contain more than {MAX_CONNECTIONS} connections."
        ));
    }
    if walk.depth > MAX_DEPTH {
        problems.push(format!(
            "Bulk queries cannot contain connections with a nesting depth greater than {MAX_DEPTH}."
        ));
    }
    if !walk.without_id.is_empty() {
        problems.push(format!(
            "The parent 'node' field for a nested connection must select the 'id' field without an alias and must be of 'ID' return type. Connection fields without 'id': {}.",
            walk.without_id.join(", ")
        ));
    }
    problems
}

/// What a walk over a bulk query found.
#[derive(Default)]
struct Walk {
    connections: usize,
    depth: usize,
    nodes_instead_of_edges: Vec<String>,
    without_id: Vec<String>,
}

impl Walk {
    /// `parent`: the enclosing connection's name and whether its node selects `id`.
    fn fields<'q>(
        &mut self,
        exec: &Exec<'_, 'q>,
        fields: &[(&'q str, Vec<&'q Node<Field>>)],
        depth: usize,
        parent: Option<(&str, bool)>,
    ) {
        for (_, group) in fields {
            let field = group[0];
            let named = field.ty().inner_named_type().as_str();
            let sets: Vec<&'q SelectionSet> = group.iter().map(|f| &f.selection_set).collect();
            if is_connection(field.ty()) {
                self.connection(exec, field, &sets, named, depth, parent);
            } else if !sets.iter().all(|s| s.selections.is_empty()) {
                let inner = exec.collect(&sets, named);
                let has_id = inner
                    .iter()
                    .any(|(key, g)| *key == "id" && g[0].name == "id");
                let parent = parent.map(|(name, id)| (name, id || has_id));
                self.fields(exec, &inner, depth, parent);
            }
        }
    }

    fn connection<'q>(
        &mut self,
        exec: &Exec<'_, 'q>,
        field: &Field,
        sets: &[&'q SelectionSet],
        conn_ty: &str,
        depth: usize,
        parent: Option<(&str, bool)>,
    ) {
        self.connections += 1;
        self.depth = self.depth.max(depth + 1);
        if let Some((name, false)) = parent {
            if !self.without_id.iter().any(|n| n == name) {
                self.without_id.push(name.to_owned());
            }
        }
        for (_, group) in exec.collect(sets, conn_ty) {
            let sub: Vec<&'q SelectionSet> = group.iter().map(|f| &f.selection_set).collect();
            match group[0].name.as_str() {
                "nodes" => self.nodes_instead_of_edges.push(field.name.to_string()),
                "edges" => {
                    let edge_ty = group[0].ty().inner_named_type().as_str();
                    for (_, node_group) in exec.collect(&sub, edge_ty) {
                        if node_group[0].name != "node" {
                            continue;
                        }
                        let node_ty = node_group[0].ty().inner_named_type().as_str();
                        let node_sets: Vec<&'q SelectionSet> =
                            node_group.iter().map(|f| &f.selection_set).collect();
                        let inner = exec.collect(&node_sets, node_ty);
                        let has_id = inner
                            .iter()
                            .any(|(key, g)| *key == "id" && g[0].name == "id");
                        self.fields(exec, &inner, depth + 1, Some((field.name.as_str(), has_id)));
                    }
                }
                _ => {}
            }
        }
    }
}
