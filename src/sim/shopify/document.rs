//! Parsing and validating request documents against the schema subset, with errors in
//! Shopify's (graphql-ruby's) shape: `syntax error, … at [line, col]` with code
//! `PARSE_ERROR`, `Field 'x' doesn't exist on type 'T'` with code `undefinedField`,
//! `Field 'f' doesn't accept argument 'a'` with code `argumentNotAccepted`; paths start
//! with the operation (`"query Products"`). Other validation failures keep
//! apollo-compiler's wording.

use std::sync::OnceLock;

use apollo_compiler::ast::{self, Definition, OperationType};
use apollo_compiler::executable::Operation;
use apollo_compiler::parser::SourceSpan;
use apollo_compiler::validation::{DiagnosticList, Valid};
use apollo_compiler::{ExecutableDocument, Name, Node, Schema};
use serde_json::{json, Value};

/// The schema subset every operation file is written against.
const SCHEMA_SDL: &str = include_str!("../../../graphql/shopify/schema.graphql");

/// The parsed schema subset.
///
/// # Panics
/// If the bundled schema file does not parse, which the crate's own tests rule out.
pub(crate) fn schema() -> &'static Valid<Schema> {
    static SCHEMA: OnceLock<Valid<Schema>> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        Schema::parse_and_validate(SCHEMA_SDL, "schema.graphql")
            .expect("graphql/shopify/schema.graphql is a valid schema")
    })
}

/// A validated document and the operation a request selected from it.
#[derive(Debug)]
pub(crate) struct Prepared {
    pub doc: Valid<ExecutableDocument>,
    op_name: Option<String>,
}

impl Prepared {
    /// The selected operation.
    pub fn operation(&self) -> &Node<Operation> {
        // `prepare` checked that the lookup succeeds.
        self.doc
            .operations
            .get(self.op_name.as_deref())
            .unwrap_or_else(|_| unreachable!("operation checked by prepare"))
    }

    /// The operation's name, if it has one.
    pub fn name(&self) -> Option<&str> {
        self.operation().name.as_ref().map(Name::as_str)
    }
}

/// Parses and validates `query`, then selects the operation named `operation_name`
/// (or the only one). Errors come back as GraphQL error objects.
pub(crate) fn prepare(query: &str, operation_name: Option<&str>) -> Result<Prepared, Vec<Value>> {
    let ast = match ast::Document::parse(query, "query.graphql") {
        Ok(ast) => ast,
        Err(with) => return Err(syntax_errors(query, &with.errors)),
    };
    let undefined = undefined_names(&ast);
    if !undefined.is_empty() {
        return Err(undefined);
    }
    let doc = ast
        .to_executable_validate(schema())
        .map_err(|with| validation_errors(&with.errors))?;
    let op_name = operation_name.filter(|n| !n.is_empty()).map(str::to_owned);
    if let Err(error) = doc.operations.get(op_name.as_deref()) {
        let message = match &op_name {
            Some(name) => format!("No operation named \"{name}\""),
            None if error.message().to_string().contains("Ambiguous") => {
                "An operation name is required".to_owned()
            }
            None => "No operations in query document".to_owned(),
        };
        return Err(vec![json!({ "message": message })]);
    }
    Ok(Prepared { doc, op_name })
}

fn syntax_errors(query: &str, errors: &DiagnosticList) -> Vec<Value> {
    let Some(first) = errors.iter().next() else {
        return vec![json!({"message": "syntax error", "extensions": {"code": "PARSE_ERROR"}})];
    };
    let start = first
        .line_column_range()
        .map_or((1, 1), |r| (r.start.line, r.start.column));
    let offset = byte_offset(query, start);
    let at_end = query
        .get(offset..)
        .is_none_or(|rest| rest.trim().is_empty());
    let (what, (line, column)) = if at_end {
        ("unexpected end of file".to_owned(), last_token(query))
    } else {
        let detail = first.error.to_string();
        (
            detail.trim_start_matches("syntax error: ").to_owned(),
            start,
        )
    };
    vec![json!({
        "message": format!("syntax error, {what} at [{line}, {column}]"),
        "locations": [{"line": line, "column": column}],
        "extensions": {"code": "PARSE_ERROR"},
    })]
}

/// The byte offset of a 1-based line and (character) column.
fn byte_offset(text: &str, (line, column): (usize, usize)) -> usize {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let rest = text.get(line_start..).unwrap_or_default();
    line_start
        + rest
            .chars()
            .take(column.saturating_sub(1))
            .map(char::len_utf8)
            .sum::<usize>()
}

/// Line and column of the last token, where graphql-ruby reports an early end of file.
fn last_token(query: &str) -> (usize, usize) {
    let trimmed = query.trim_end();
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let end = trimmed.len();
    let start = if trimmed.ends_with(word) {
        trimmed.trim_end_matches(word).len()
    } else {
        end - trimmed.chars().last().map_or(0, char::len_utf8)
    };
    let before = &query[..start];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

fn validation_errors(errors: &DiagnosticList) -> Vec<Value> {
    errors
        .iter()
        .map(|diagnostic| {
            let mut error = json!({ "message": diagnostic.error.to_string() });
            if let Some(range) = diagnostic.line_column_range() {
                error["locations"] =
                    json!([{"line": range.start.line, "column": range.start.column}]);
            }
            error
        })
        .collect()
}

/// `"query Products"`, `"mutation"`: the first path element of validation errors.
fn operation_label(op: &ast::OperationDefinition) -> String {
    let kind = match op.operation_type {
        OperationType::Query => "query",
        OperationType::Mutation => "mutation",
        OperationType::Subscription => "subscription",
    };
    match &op.name {
        Some(name) => format!("{kind} {name}"),
        None => kind.to_owned(),
    }
}

/// Unknown fields and arguments, reported the way Shopify does.
fn undefined_names(ast: &ast::Document) -> Vec<Value> {
    let mut walker = Walker {
        sources: ast,
        errors: Vec::new(),
    };
    for definition in &ast.definitions {
        match definition {
            Definition::OperationDefinition(op) => {
                let root = match op.operation_type {
                    OperationType::Query => "QueryRoot",
                    OperationType::Mutation => "Mutation",
                    OperationType::Subscription => continue,
                };
                walker.selections(root, &op.selection_set, &mut vec![operation_label(op)]);
            }
            Definition::FragmentDefinition(fragment) => {
                let mut path = vec![format!("fragment {}", fragment.name)];
                walker.selections(
                    fragment.type_condition.as_str(),
                    &fragment.selection_set,
                    &mut path,
                );
            }
            _ => {}
        }
    }
    walker.errors
}

struct Walker<'d> {
    sources: &'d ast::Document,
    errors: Vec<Value>,
}

impl Walker<'_> {
    fn selections(&mut self, ty: &str, selections: &[ast::Selection], path: &mut Vec<String>) {
        for selection in selections {
            match selection {
                ast::Selection::Field(field) => self.field(ty, field, path),
                ast::Selection::InlineFragment(inline) => {
                    let ty = inline.type_condition.as_ref().map_or(ty, |c| c.as_str());
                    if schema().types.contains_key(ty) {
                        self.selections(ty, &inline.selection_set, path);
                    }
                }
                ast::Selection::FragmentSpread(_) => {}
            }
        }
    }

    fn field(&mut self, ty: &str, field: &Node<ast::Field>, path: &mut Vec<String>) {
        if field.name.starts_with("__") {
            return;
        }
        path.push(field.name.to_string());
        match schema().type_field(ty, &field.name) {
            Err(_) => {
                let message = format!("Field '{}' doesn't exist on type '{ty}'", field.name);
                let extensions = json!({"code": "undefinedField", "typeName": ty, "fieldName": field.name.as_str()});
                self.push(&message, field.location(), path, &extensions);
            }
            Ok(definition) => {
                for argument in &field.arguments {
                    if definition.argument_by_name(&argument.name).is_none() {
                        path.push(argument.name.to_string());
                        let message = format!(
                            "Field '{}' doesn't accept argument '{}'",
                            field.name, argument.name
                        );
                        let extensions = json!({"code": "argumentNotAccepted", "name": field.name.as_str(),
                            "typeName": "Field", "argumentName": argument.name.as_str()});
                        self.push(&message, argument.location(), path, &extensions);
                        path.pop();
                    }
                }
                let inner = definition.ty.inner_named_type().as_str();
                self.selections(inner, &field.selection_set, path);
            }
        }
        path.pop();
    }

    fn push(&mut self, message: &str, at: Option<SourceSpan>, path: &[String], extensions: &Value) {
        let mut error = json!({"message": message, "path": path, "extensions": extensions});
        if let Some(lc) = at.and_then(|span| span.line_column(&self.sources.sources)) {
            error["locations"] = json!([{"line": lc.line, "column": lc.column}]);
        }
        self.errors.push(error);
    }
}

/// The line and column of a node, for error `locations`.
pub(crate) fn location(doc: &ExecutableDocument, span: Option<SourceSpan>) -> Option<Value> {
    let lc = span?.line_column(&doc.sources)?;
    Some(json!([{"line": lc.line, "column": lc.column}]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_early_end_of_file_is_reported_at_the_last_token_like_shopify() {
        let errors = prepare(
            "query GraphqlBaseValidationInvalidSyntax {\n  shop {\n    id\n",
            None,
        )
        .unwrap_err();
        assert_eq!(
            errors,
            vec![json!({
                "message": "syntax error, unexpected end of file at [3, 5]",
                "locations": [{"line": 3, "column": 5}],
                "extensions": {"code": "PARSE_ERROR"},
            })]
        );
    }

    #[test]
    fn unknown_root_fields_name_the_root_type_and_the_operation() {
        let errors = prepare("query Q {\n  definitelyNot {\n    id\n  }\n}\n", None).unwrap_err();
        assert_eq!(
            errors[0]["message"],
            "Field 'definitelyNot' doesn't exist on type 'QueryRoot'"
        );
        assert_eq!(errors[0]["path"], json!(["query Q", "definitelyNot"]));
        assert_eq!(errors[0]["locations"], json!([{"line": 2, "column": 3}]));
        let errors = prepare("mutation { nope { id } }", None).unwrap_err();
        assert_eq!(errors[0]["extensions"]["typeName"], "Mutation");
        assert_eq!(errors[0]["path"], json!(["mutation", "nope"]));
    }

    #[test]
    fn operations_are_selected_by_name() {
        let two = "query A { shop { name } } query B { shop { id } }";
        assert_eq!(prepare(two, Some("B")).unwrap().name(), Some("B"));
        assert_eq!(
            prepare(two, None).unwrap_err()[0]["message"],
            "An operation name is required"
        );
        assert_eq!(
            prepare(two, Some("C")).unwrap_err()[0]["message"],
            "No operation named \"C\""
        );
    }

    #[test]
    fn every_project_operation_file_is_valid_here() {
        let files = [
            include_str!("../../../graphql/shopify/app_scopes.graphql"),
            include_str!("../../../graphql/shopify/bulk_operation.graphql"),
            include_str!("../../../graphql/shopify/bulk_operation_cancel.graphql"),
            include_str!("../../../graphql/shopify/bulk_operation_run_mutation.graphql"),
            include_str!("../../../graphql/shopify/bulk_operation_run_query.graphql"),
            include_str!("../../../graphql/shopify/metafields_delete.graphql"),
            include_str!("../../../graphql/shopify/metafields_set.graphql"),
            include_str!("../../../graphql/shopify/orders.graphql"),
            include_str!("../../../graphql/shopify/orders_count.graphql"),
            include_str!("../../../graphql/shopify/product_ids.graphql"),
            include_str!("../../../graphql/shopify/product_metafields.graphql"),
            include_str!("../../../graphql/shopify/products.graphql"),
            include_str!("../../../graphql/shopify/products_count.graphql"),
            include_str!("../../../graphql/shopify/shop_info.graphql"),
            include_str!("../../../graphql/shopify/staged_uploads_create.graphql"),
            include_str!("../../../graphql/shopify/bulk/orders.graphql"),
            include_str!("../../../graphql/shopify/bulk/products.graphql"),
        ];
        for file in files {
            assert!(prepare(file, None).is_ok(), "{file}");
        }
    }
}
