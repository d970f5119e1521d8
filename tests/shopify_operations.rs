//! The Shopify operation files in `graphql/shopify/` (bulk queries included),
//! checked with apollo-compiler: against the full Admin API 2026-07 schema when
//! `../shared/reference/` holds it, against our subset `schema.graphql` always,
//! and the subset itself against the full schema. Plus the bulk-query rules and
//! a static estimate of each operation's requested cost.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use apollo_compiler::ast::{OperationType, Value};
use apollo_compiler::collections::IndexMap;
use apollo_compiler::executable::{Field, Selection, SelectionSet};
use apollo_compiler::schema::{Component, ExtendedType, FieldDefinition, InputValueDefinition};
use apollo_compiler::validation::Valid;
use apollo_compiler::{ExecutableDocument, Name, Node, Schema};
use upsell_sync::platform::shopify::ops::PRODUCT_METAFIELDS_MAX_IDS;

const REFERENCE: &str = "../shared/reference/shopify-admin-2026-07.graphql";
const SUBSET: &str = "graphql/shopify/schema.graphql";
const OPERATIONS_DIR: &str = "graphql/shopify";
/// "Well below" Shopify's single-query ceiling of 1000 requested points.
const COST_BUDGET: u64 = 700;

fn manifest_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// The full reference schema, parsed once per test binary; `None` when absent.
/// The 2026-07 introspection dump passes apollo-compiler's full schema
/// validation, so no `Valid::assume_valid` fallback is needed; if a later dump
/// does not, the panic below shows why.
static REFERENCE_SCHEMA: LazyLock<Option<Valid<Schema>>> = LazyLock::new(|| {
    let path = manifest_path(REFERENCE);
    let Ok(source) = fs::read_to_string(&path) else {
        eprintln!(
            "note: {} not found; reference checks skipped",
            path.display()
        );
        return None;
    };
    Some(
        Schema::parse_and_validate(source, REFERENCE)
            .unwrap_or_else(|e| panic!("the reference schema does not validate:\n{}", e.errors)),
    )
});

static SUBSET_SCHEMA: LazyLock<Valid<Schema>> = LazyLock::new(|| {
    let source = fs::read_to_string(manifest_path(SUBSET)).expect("read the schema subset");
    Schema::parse_and_validate(source, SUBSET)
        .unwrap_or_else(|e| panic!("{SUBSET} does not validate:\n{}", e.errors))
});

/// Every `.graphql` file under `graphql/shopify/` but the schema, as
/// (path relative to the crate, text), sorted.
fn operation_files() -> Vec<(String, String)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in fs::read_dir(dir).expect("read graphql/shopify") {
            let path = entry.expect("read a directory entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "graphql") {
                out.push(path);
            }
        }
    }
    let root = manifest_path("");
    let mut paths = Vec::new();
    walk(&manifest_path(OPERATIONS_DIR), &mut paths);
    paths.sort();
    let files: Vec<_> = paths
        .into_iter()
        .map(|p| {
            let relative = p.strip_prefix(&root).unwrap_or(&p).display().to_string();
            (
                relative,
                fs::read_to_string(&p).expect("read an operation file"),
            )
        })
        .filter(|(relative, _)| relative != SUBSET)
        .collect();
    assert!(
        files.len() >= 17,
        "expected every operation file, found {}",
        files.len()
    );
    files
}

/// Validates every operation file against `schema`; one message per bad file.
fn validate_all(schema: &Valid<Schema>) -> Vec<String> {
    operation_files()
        .into_iter()
        .filter_map(|(path, source)| {
            ExecutableDocument::parse_and_validate(schema, source, &path)
                .err()
                .map(|e| format!("{path}:\n{}", e.errors))
        })
        .collect()
}

/// The operation files that validate against `schema` (the validation tests
/// report the others), parsed.
fn parsed_operations(schema: &Valid<Schema>) -> Vec<(String, Valid<ExecutableDocument>)> {
    operation_files()
        .into_iter()
        .filter_map(|(path, source)| {
            let doc = ExecutableDocument::parse_and_validate(schema, source, &path).ok()?;
            Some((path, doc))
        })
        .collect()
}

fn assert_no_problems(what: &str, problems: &[String]) {
    assert!(
        problems.is_empty(),
        "{what}: {} problem(s)\n\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn every_operation_validates_against_the_full_admin_schema() {
    let Some(reference) = REFERENCE_SCHEMA.as_ref() else {
        return;
    };
    assert_no_problems(
        "operations against the 2026-07 reference",
        &validate_all(reference),
    );
}

#[test]
fn every_operation_validates_against_our_schema_subset() {
    assert_no_problems(
        "operations against graphql/shopify/schema.graphql",
        &validate_all(&SUBSET_SCHEMA),
    );
}

#[test]
fn the_schema_subset_matches_the_full_admin_schema() {
    let Some(reference) = REFERENCE_SCHEMA.as_ref() else {
        return;
    };
    assert_no_problems(
        "schema subset against the 2026-07 reference",
        &subset_problems(&SUBSET_SCHEMA, reference),
    );
}

// --- The subset against the reference ------------------------------------------

/// Everything in `subset` must exist in `reference` with the same kind, type,
/// nullability and default, must not be deprecated there, and must not leave
/// out a required argument or input field.
fn subset_problems(subset: &Schema, reference: &Schema) -> Vec<String> {
    let mut problems = Vec::new();
    let (ours, theirs) = (&subset.schema_definition, &reference.schema_definition);
    if ours.query != theirs.query || ours.mutation != theirs.mutation {
        problems.push("schema: root operation types differ".to_owned());
    }
    for (name, ty) in subset.types.iter().filter(|(_, ty)| !ty.is_built_in()) {
        let Some(real) = reference.types.get(name) else {
            problems.push(format!("type {name}: not in the reference"));
            continue;
        };
        if std::mem::discriminant(ty) != std::mem::discriminant(real) {
            problems.push(format!(
                "type {name}: a different kind of type in the reference"
            ));
            continue;
        }
        compare_type(name.as_str(), ty, real, &mut problems);
    }
    problems
}

fn compare_type(name: &str, ours: &ExtendedType, real: &ExtendedType, problems: &mut Vec<String>) {
    match (ours, real) {
        (ExtendedType::Object(o), ExtendedType::Object(r)) => {
            for interface in o.implements_interfaces.difference(&r.implements_interfaces) {
                problems.push(format!(
                    "type {name}: does not implement {interface} in the reference"
                ));
            }
            compare_fields(name, &o.fields, &r.fields, problems);
        }
        (ExtendedType::Interface(o), ExtendedType::Interface(r)) => {
            compare_fields(name, &o.fields, &r.fields, problems);
        }
        (ExtendedType::Enum(o), ExtendedType::Enum(r)) => {
            for value in o.values.keys() {
                match r.values.get(value) {
                    None => problems.push(format!("enum {name}.{value}: not in the reference")),
                    Some(v) if v.directives.get("deprecated").is_some() => {
                        problems.push(format!("enum {name}.{value}: deprecated in the reference"));
                    }
                    Some(_) => {}
                }
            }
        }
        (ExtendedType::InputObject(o), ExtendedType::InputObject(r)) => {
            let ours: Vec<_> = o.fields.values().map(|f| &***f).collect();
            let real: Vec<_> = r.fields.values().map(|f| &***f).collect();
            compare_inputs(&format!("input {name}"), &ours, &real, problems);
        }
        (ExtendedType::Union(o), ExtendedType::Union(r)) => {
            for member in o.members.difference(&r.members) {
                problems.push(format!(
                    "union {name}: {member} is not a member in the reference"
                ));
            }
        }
        _ => {} // scalars: the name is all there is
    }
}

fn compare_fields(
    type_name: &str,
    ours: &IndexMap<Name, Component<FieldDefinition>>,
    real: &IndexMap<Name, Component<FieldDefinition>>,
    problems: &mut Vec<String>,
) {
    for (name, field) in ours {
        let at = format!("{type_name}.{name}");
        let Some(real) = real.get(name) else {
            problems.push(format!("{at}: not in the reference"));
            continue;
        };
        if field.ty != real.ty {
            problems.push(format!(
                "{at}: type {} here, {} in the reference",
                field.ty, real.ty
            ));
        }
        if real.directives.get("deprecated").is_some() {
            problems.push(format!("{at}: deprecated in the reference"));
        }
        let ours: Vec<_> = field.arguments.iter().map(|a| &**a).collect();
        let theirs: Vec<_> = real.arguments.iter().map(|a| &**a).collect();
        compare_inputs(&at, &ours, &theirs, problems);
    }
}

/// Arguments of a field, or fields of an input object.
fn compare_inputs(
    at: &str,
    ours: &[&InputValueDefinition],
    real: &[&InputValueDefinition],
    problems: &mut Vec<String>,
) {
    let find = |name: &str| real.iter().find(|r| r.name == name);
    for input in ours {
        let Some(real) = find(input.name.as_str()) else {
            problems.push(format!("{at}({}): not in the reference", input.name));
            continue;
        };
        if input.ty != real.ty {
            problems.push(format!(
                "{at}({}): type {} here, {} in the reference",
                input.name, input.ty, real.ty
            ));
        }
        let shown =
            |v: Option<&Node<Value>>| v.map_or_else(|| "none".to_owned(), ToString::to_string);
        let (default, real_default) = (
            shown(input.default_value.as_ref()),
            shown(real.default_value.as_ref()),
        );
        if default != real_default {
            problems.push(format!(
                "{at}({}): default {default} here, {real_default} in the reference",
                input.name
            ));
        }
        if real.directives.get("deprecated").is_some() {
            problems.push(format!("{at}({}): deprecated in the reference", input.name));
        }
    }
    for real in real.iter().filter(|r| r.is_required()) {
        if !ours.iter().any(|o| o.name == real.name) {
            problems.push(format!(
                "{at}({}): required in the reference but missing here",
                real.name
            ));
        }
    }
}

// --- Bulk-query rules ----------------------------------------------------------

#[test]
fn bulk_queries_follow_the_bulk_operation_rules() {
    let mut problems = Vec::new();
    for (path, doc) in parsed_operations(&SUBSET_SCHEMA)
        .iter()
        .filter(|(p, _)| p.contains("/bulk/"))
    {
        for op in doc.operations.iter() {
            if op.operation_type != OperationType::Query || !op.variables.is_empty() {
                problems.push(format!("{path}: must be a query without variables"));
            }
            for field in fields(&op.selection_set, doc) {
                if matches!(field.name.as_str(), "node" | "nodes") {
                    problems.push(format!("{path}: top-level `{}` is not allowed", field.name));
                }
            }
            let mut connections = Vec::new();
            collect_connections(&op.selection_set, doc, 0, &mut connections);
            if connections.is_empty() || connections.len() > 5 {
                problems.push(format!(
                    "{path}: {} connections, need 1 to 5",
                    connections.len()
                ));
            }
            for (field, depth) in &connections {
                if *depth > 2 {
                    problems.push(format!(
                        "{path}: `{}` nested {depth} connections deep, at most 2",
                        field.name
                    ));
                }
                if !field
                    .arguments
                    .iter()
                    .all(|a| a.name == "query" || a.name == "sortKey" || a.name == "reverse")
                {
                    problems.push(format!(
                        "{path}: `{}` has paging arguments; bulk queries ignore them",
                        field.name
                    ));
                }
            }
        }
    }
    assert_no_problems("bulk queries", &problems);
}

/// The fields of a selection set, through fragments.
fn fields<'a>(set: &'a SelectionSet, doc: &'a ExecutableDocument) -> Vec<&'a Node<Field>> {
    set.selections
        .iter()
        .flat_map(|s| match s {
            Selection::Field(f) => vec![f],
            Selection::InlineFragment(i) => fields(&i.selection_set, doc),
            Selection::FragmentSpread(s) => {
                fields(&doc.fragments[&s.fragment_name].selection_set, doc)
            }
        })
        .collect()
}

fn is_connection(field: &Field) -> bool {
    field.ty().inner_named_type().ends_with("Connection")
}

fn collect_connections<'a>(
    set: &'a SelectionSet,
    doc: &'a ExecutableDocument,
    depth: usize,
    out: &mut Vec<(&'a Node<Field>, usize)>,
) {
    for field in fields(set, doc) {
        let depth = if is_connection(field) {
            out.push((field, depth + 1));
            depth + 1
        } else {
            depth
        };
        collect_connections(&field.selection_set, doc, depth, out);
    }
}

// --- Requested cost --------------------------------------------------------------

/// Shopify's static cost rules as documented: scalars and enums 0, objects 1,
/// connections 2 + page size × per-node cost, mutations 10. `nodes(ids:)` is
/// charged per id, assuming the most ids we send.
#[test]
fn operations_request_well_below_the_query_cost_ceiling() {
    let mut problems = Vec::new();
    for (path, doc) in parsed_operations(&SUBSET_SCHEMA)
        .iter()
        .filter(|(p, _)| !p.contains("/bulk/"))
    {
        for op in doc.operations.iter() {
            let cost = if op.operation_type == OperationType::Mutation {
                10 * fields(&op.selection_set, doc).len() as u64
            } else {
                let page = |field: &Field| page_size(field, &op.variables);
                selection_cost(&op.selection_set, doc, None, &page)
            };
            eprintln!("{path}: requested cost ~{cost}");
            if cost > COST_BUDGET {
                problems.push(format!(
                    "{path}: requested cost ~{cost} exceeds the budget of {COST_BUDGET}"
                ));
            }
        }
    }
    assert_no_problems("requested costs", &problems);
}

type PageSize<'a> = dyn Fn(&Field) -> u64 + 'a;

fn selection_cost(
    set: &SelectionSet,
    doc: &ExecutableDocument,
    page: Option<u64>,
    size: &PageSize<'_>,
) -> u64 {
    fields(set, doc)
        .into_iter()
        .map(|f| field_cost(f, doc, page, size))
        .sum()
}

/// `page` is the page size of the enclosing connection, for its `nodes`/`edges`.
fn field_cost(
    field: &Field,
    doc: &ExecutableDocument,
    page: Option<u64>,
    size: &PageSize<'_>,
) -> u64 {
    if field.selection_set.selections.is_empty() {
        return 0; // scalar or enum
    }
    if is_connection(field) {
        return 2 + selection_cost(&field.selection_set, doc, Some(size(field)), size);
    }
    let items = match (field.ty().is_list(), field.name.as_str(), page) {
        (true, "nodes" | "edges", Some(page)) => page, // a connection's page
        (true, "nodes", None) => PRODUCT_METAFIELDS_MAX_IDS as u64, // nodes(ids:)
        _ => 1,
    };
    items * (1 + selection_cost(&field.selection_set, doc, None, size))
}

/// The `first` of a connection field: a literal, or its variable's default.
fn page_size(field: &Field, variables: &[Node<apollo_compiler::ast::VariableDefinition>]) -> u64 {
    let value = field.argument_by_name("first").ok().map(|v| match &**v {
        Value::Variable(name) => variables
            .iter()
            .find(|d| d.name == *name)
            .and_then(|d| d.default_value.as_ref())
            .and_then(|v| v.to_i32()),
        other => other.to_i32(),
    });
    let value = value
        .flatten()
        .unwrap_or_else(|| panic!("`{}` needs a default page size", field.name));
    u64::try_from(value).expect("a positive page size")
}
