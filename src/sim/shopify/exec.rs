//! A generic executor over validated selection sets: field collection with fragments,
//! `@skip`/`@include` and field merging, aliases and `__typename`, argument defaults,
//! and null propagation for non-null fields (GraphQL spec §6.4). It also counts the
//! actual query cost as it goes (objects 1, connections 2, edges free).
//!
//! In bulk mode, connections nested below a root object are not inlined: their nodes
//! are handed back as [`Child`] jobs for the bulk writer to emit as separate JSONL
//! lines carrying `__parentId`.

use apollo_compiler::ast::Type;
use apollo_compiler::executable::{Field, Selection, SelectionSet};
use apollo_compiler::{ExecutableDocument, Name, Node};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{json, Map, Value};

use super::document::{location, schema};
use super::objects::{Ctx, FieldError, Obj, Val};
use super::values::{field_args, skipped};

/// Response data in selection order (`serde_json`'s map would sort the keys).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Out {
    Null,
    Leaf(Value),
    Map(Vec<(String, Out)>),
    List(Vec<Out>),
}

impl Serialize for Out {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Null => serializer.serialize_unit(),
            Self::Leaf(v) => v.serialize(serializer),
            Self::List(items) => items.serialize(serializer),
            Self::Map(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

/// A non-null field came back null: its parent must become null too.
#[derive(Debug)]
pub(crate) struct Propagate;

/// Fields grouped by response key, in selection order.
pub(crate) type Grouped<'q> = Vec<(&'q str, Vec<&'q Node<Field>>)>;

/// Nodes of a nested connection met in bulk mode, to be written as their own lines.
pub(crate) struct Child<'a, 'q> {
    pub parent: String,
    pub obj: Obj<'a>,
    pub sets: Vec<&'q SelectionSet>,
}

/// One execution of (part of) an operation.
pub(crate) struct Exec<'a, 'q> {
    pub doc: &'q ExecutableDocument,
    pub vars: &'q Map<String, Value>,
    pub errors: Vec<Value>,
    /// Actual cost so far.
    pub actual: u64,
    /// `Some` in bulk mode: nested connection nodes found so far.
    pub children: Option<Vec<Child<'a, 'q>>>,
}

impl<'a, 'q> Exec<'a, 'q> {
    pub fn new(doc: &'q ExecutableDocument, vars: &'q Map<String, Value>) -> Self {
        Self {
            doc,
            vars,
            errors: Vec::new(),
            actual: 0,
            children: None,
        }
    }

    /// Groups the fields of `sets` that apply to an object of type `ty`.
    pub fn collect(&self, sets: &[&'q SelectionSet], ty: &str) -> Grouped<'q> {
        let mut out = Vec::new();
        let mut visited = Vec::new();
        for set in sets {
            self.collect_into(set, ty, &mut out, &mut visited);
        }
        out
    }

    fn collect_into(
        &self,
        set: &'q SelectionSet,
        ty: &str,
        out: &mut Grouped<'q>,
        visited: &mut Vec<&'q str>,
    ) {
        for selection in &set.selections {
            match selection {
                Selection::Field(field) => {
                    if skipped(&field.directives, self.vars) {
                        continue;
                    }
                    let key = field.response_key().as_str();
                    match out.iter_mut().find(|(k, _)| *k == key) {
                        Some((_, group)) => group.push(field),
                        None => out.push((key, vec![field])),
                    }
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.fragment_name.as_str();
                    if skipped(&spread.directives, self.vars) || visited.contains(&name) {
                        continue;
                    }
                    if let Some(fragment) = self.doc.fragments.get(name) {
                        if applies(fragment.type_condition().as_str(), ty) {
                            visited.push(name);
                            self.collect_into(&fragment.selection_set, ty, out, visited);
                        }
                    }
                }
                Selection::InlineFragment(inline) => {
                    let condition = inline.type_condition.as_ref().map(Name::as_str);
                    if !skipped(&inline.directives, self.vars)
                        && condition.is_none_or(|c| applies(c, ty))
                    {
                        self.collect_into(&inline.selection_set, ty, out, visited);
                    }
                }
            }
        }
    }

    /// Completes `obj` against the merged `sets`.
    pub fn object(
        &mut self,
        cx: &Ctx<'a>,
        obj: &Obj<'a>,
        sets: &[&'q SelectionSet],
        path: &mut Vec<Value>,
    ) -> Result<Out, Propagate> {
        let ty = obj.type_name();
        self.actual += object_cost(ty);
        let mut out = Vec::new();
        for (key, fields) in self.collect(sets, ty) {
            let field = fields[0];
            if field.name == "__typename" {
                out.push((key.to_owned(), Out::Leaf(json!(ty))));
                continue;
            }
            let args = field_args(field, self.vars);
            if self.children.is_some() && is_connection(field.ty()) {
                self.defer_children(cx, obj, field, &fields, &args);
                continue;
            }
            path.push(json!(key));
            let result = match obj.resolve(cx, field.name.as_str(), &args) {
                Ok(value) => self.complete(cx, field.ty(), value, &fields, path),
                Err(error) => {
                    self.field_error(&error, field, path);
                    if field.ty().is_non_null() {
                        Err(Propagate)
                    } else {
                        Ok(Out::Null)
                    }
                }
            };
            path.pop();
            out.push((key.to_owned(), result?));
        }
        Ok(Out::Map(out))
    }

    /// Completes a resolved value of type `ty`.
    pub fn complete(
        &mut self,
        cx: &Ctx<'a>,
        ty: &Type,
        value: Val<'a>,
        fields: &[&'q Node<Field>],
        path: &mut Vec<Value>,
    ) -> Result<Out, Propagate> {
        let result = match value {
            Val::Null => Ok(Out::Null),
            Val::Leaf(v) => Ok(Out::Leaf(v)),
            Val::Obj(obj) => {
                let sets: Vec<&'q SelectionSet> = fields.iter().map(|f| &f.selection_set).collect();
                self.object(cx, &obj, &sets, path)
            }
            Val::List(items) => {
                let inner = ty.item_type();
                let mut list = Vec::with_capacity(items.len());
                let mut failed = false;
                for (i, item) in items.into_iter().enumerate() {
                    path.push(json!(i));
                    let done = self.complete(cx, inner, item, fields, path);
                    path.pop();
                    if let Ok(v) = done {
                        list.push(v);
                    } else {
                        failed = true;
                        break;
                    }
                }
                if failed {
                    Err(Propagate)
                } else {
                    Ok(Out::List(list))
                }
            }
        };
        match result {
            Ok(Out::Null) if ty.is_non_null() => {
                let name = fields.first().map_or("", |f| f.name.as_str());
                let error =
                    FieldError::new(format!("Cannot return null for non-nullable field {name}"));
                if let Some(field) = fields.first() {
                    self.field_error(&error, field, path);
                }
                Err(Propagate)
            }
            Err(Propagate) if !ty.is_non_null() => Ok(Out::Null),
            other => other,
        }
    }

    /// Records a field error at `path`.
    pub fn field_error(&mut self, error: &FieldError, field: &Node<Field>, path: &[Value]) {
        let mut entry = json!({ "message": error.message, "path": path });
        if let Some(at) = location(self.doc, field.location()) {
            entry["locations"] = at;
        }
        if let Some(extensions) = &error.extensions {
            entry["extensions"] = extensions.clone();
        }
        self.errors.push(entry);
    }

    /// Bulk mode: queues the nodes of a nested connection as child lines of `obj`.
    fn defer_children(
        &mut self,
        cx: &Ctx<'a>,
        obj: &Obj<'a>,
        field: &'q Field,
        fields: &[&'q Node<Field>],
        args: &Map<String, Value>,
    ) {
        let (Ok(Val::Obj(Obj::Conn(conn))), Some(parent)) =
            (obj.resolve(cx, field.name.as_str(), args), obj.id())
        else {
            return;
        };
        let sets = self.node_sets(fields, conn.ty, conn.edge);
        let children = self.children.get_or_insert_with(Vec::new);
        for (node, _) in conn.items {
            children.push(Child {
                parent: parent.clone(),
                obj: node,
                sets: sets.clone(),
            });
        }
    }

    /// The selection sets applied to each node of a connection: under `nodes` and
    /// under `edges { node }`.
    pub fn node_sets(
        &self,
        fields: &[&'q Node<Field>],
        conn_ty: &str,
        edge_ty: &str,
    ) -> Vec<&'q SelectionSet> {
        let conn_sets: Vec<&'q SelectionSet> = fields.iter().map(|f| &f.selection_set).collect();
        let mut sets = Vec::new();
        for (_, group) in self.collect(&conn_sets, conn_ty) {
            match group[0].name.as_str() {
                "nodes" => sets.extend(group.iter().map(|f| &f.selection_set)),
                "edges" => {
                    let edge_sets: Vec<&'q SelectionSet> =
                        group.iter().map(|f| &f.selection_set).collect();
                    for (_, inner) in self.collect(&edge_sets, edge_ty) {
                        if inner[0].name == "node" {
                            sets.extend(inner.iter().map(|f| &f.selection_set));
                        }
                    }
                }
                _ => {}
            }
        }
        sets
    }
}

/// Whether a fragment with type condition `condition` applies to type `ty`.
fn applies(condition: &str, ty: &str) -> bool {
    condition == ty || schema().is_subtype(condition, ty)
}

/// Whether a field's type is a connection.
pub(crate) fn is_connection(ty: &Type) -> bool {
    ty.inner_named_type().as_str().ends_with("Connection")
}

/// Cost of one object of type `ty`: connections 2, edges and roots free, others 1.
pub(crate) fn object_cost(ty: &str) -> u64 {
    if ty.ends_with("Connection") {
        2
    } else {
        u64::from(!(ty.ends_with("Edge") || ty == "QueryRoot" || ty == "Mutation"))
    }
}
