//! The Shopify Admin GraphQL operations we send, one file each in `graphql/shopify/`.
//!
//! No query text is written in Rust: each struct below derives
//! [`GraphQLQuery`] from its file, checked at compile time against our schema
//! subset `graphql/shopify/schema.graphql`; `tests/shopify_operations.rs` also
//! checks every file, and the subset itself, against the full 2026-07 schema.
//! `Op::build_query(op::Variables { .. })` gives the request body and
//! `op::ResponseData` the typed `data` of the answer.
//!
//! Ids stay opaque `gid://shopify/...` strings and money stays a decimal string
//! here; `map.rs` decides what to parse. Costs quoted per operation are the
//! *requested* (worst-case) cost with the default page sizes; the shop's bucket
//! must hold that much before a call.
//!
//! Page sizes are non-null variables (`$first: Int! = 10`), so they are always
//! sent: `Variables::default_first()` and friends (named after the GraphQL
//! variable, so `default_variantsFirst()`) return the file's default.
//! (`graphql_client` serialises a `None` variable as `null`, and an explicit
//! `null` would override a default; a nullable page size could go out as
//! `first: null`, which Shopify rejects.)

use graphql_client::GraphQLQuery;

/// GraphQL `DateTime`: an ISO-8601 string such as `2026-11-20T10:00:00Z`.
pub type DateTime = String;
/// GraphQL `Decimal`: a decimal number as a string, e.g. `"29.99"`.
pub type Decimal = String;
/// GraphQL `Money`: an amount in the shop currency as a decimal string.
pub type Money = String;
/// GraphQL `UnsignedInt64`: an unsigned 64-bit integer as a string.
pub type UnsignedInt64 = String;
/// GraphQL `URL`: a URL string (bulk results, upload targets).
#[allow(clippy::upper_case_acronyms)] // graphql_client looks the alias up by the scalar's name
pub type URL = String;

/// The bulk query for the product backfill: every product with its variants.
/// Send it as `query` of [`BulkOperationRunQuery`]; variant lines of the
/// JSONL result carry `__parentId`.
pub const BULK_PRODUCTS_QUERY: &str =
    include_str!("../../../graphql/shopify/bulk/products.graphql");

/// The bulk query for the order backfill: every readable order with its line
/// items. Send it as `query` of [`BulkOperationRunQuery`]; line item lines of
/// the JSONL result carry `__parentId`.
pub const BULK_ORDERS_QUERY: &str = include_str!("../../../graphql/shopify/bulk/orders.graphql");

/// The mutation a bulk metafield write runs once per JSONL line: the
/// [`MetafieldsSet`] operation, so each line is a `metafields_set::Variables`
/// serialized as JSON (at most 25 metafields).
pub const BULK_METAFIELDS_SET_MUTATION: &str = metafields_set::QUERY;

/// Makes cargo rebuild this module when the schema changes: the derives track
/// their query files but not the schema.
const _SCHEMA_TRACKED: &str = include_str!("../../../graphql/shopify/schema.graphql");

/// The most product ids to send to [`ProductMetafields`] in one call; its
/// requested cost grows with each id.
pub const PRODUCT_METAFIELDS_MAX_IDS: usize = 25;

/// A page of products with their variants, oldest change first, filtered by a
/// search string (`updated_at:>=...`). ~323 points (10 products × 25 variants).
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/shopify/schema.graphql",
    query_path = "graphql/shopify/products.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct Products;

/// A page of orders with their line items, oldest change first, filtered by a
/// search string. ~528 points (5 orders × 20 line items).
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/shopify/schema.graphql",
    query_path = "graphql/shopify/orders.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct Orders;

/// How many products match a search string, uncapped. ~1 point.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/shopify/schema.graphql",
    query_path = "graphql/shopify/products_count.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct ProductsCount;

/// How many orders match a search string, uncapped. ~1 point.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/shopify/schema.graphql",
    query_path = "graphql/shopify/orders_count.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct OrdersCount;

/// A page of product ids only, for the reconciliation pass that finds deleted
/// products. ~253 points (250 ids).
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/shopify/schema.graphql",
    query_path = "graphql/shopify/product_ids.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct ProductIds;

/// Current values of our namespace's metafields and of the Search & Discovery
/// lists for up to [`PRODUCT_METAFIELDS_MAX_IDS`] products, read before writing (merge mode,
/// `compareDigest`, hand-curated lists). ~550 points for 25 ids.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/shopify/schema.graphql",
    query_path = "graphql/shopify/product_metafields.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct ProductMetafields;

/// Writes up to 25 metafields atomically. 10 points.
///
/// `None` fields of `MetafieldsSetInput` are sent as `null`: a
/// `compare_digest` of `None` therefore means "only if the metafield does not
/// exist yet", never "no check". Pass the digest read by [`ProductMetafields`]
/// to overwrite.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/shopify/schema.graphql",
    query_path = "graphql/shopify/metafields_set.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct MetafieldsSet;

/// Deletes metafields (clearing a list); missing ones come back as `None`.
/// 10 points.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/shopify/schema.graphql",
    query_path = "graphql/shopify/metafields_delete.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct MetafieldsDelete;

/// Starts a bulk query ([`BULK_PRODUCTS_QUERY`] or [`BULK_ORDERS_QUERY`]),
/// ungrouped. 10 points.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/shopify/schema.graphql",
    query_path = "graphql/shopify/bulk_operation_run_query.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct BulkOperationRunQuery;

/// Polls a bulk operation by id: status, counts and result URLs. ~1 point.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/shopify/schema.graphql",
    query_path = "graphql/shopify/bulk_operation.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct BulkOperation;

/// Cancels a running bulk operation. 10 points.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/shopify/schema.graphql",
    query_path = "graphql/shopify/bulk_operation_cancel.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct BulkOperationCancel;

/// Asks for an upload target for the JSONL variables of a bulk mutation.
/// 10 points. Unset optional input fields are left out (`skip_serializing_none`),
/// so `http_method: None` means the schema default `PUT`; bulk mutations
/// need `POST`.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/shopify/schema.graphql",
    query_path = "graphql/shopify/staged_uploads_create.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none
)]
pub struct StagedUploadsCreate;

/// Starts a bulk mutation ([`BULK_METAFIELDS_SET_MUTATION`]) over a staged
/// JSONL file; `staged_upload_path` is the upload's `key` parameter. 10 points.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/shopify/schema.graphql",
    query_path = "graphql/shopify/bulk_operation_run_mutation.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct BulkOperationRunMutation;

/// The line items of one order after the first page, for orders with more
/// lines than an [`Orders`] page fetches. ~504 points with the default.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/shopify/schema.graphql",
    query_path = "graphql/shopify/order_line_items.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct OrderLineItems;

/// The scopes granted to our token, to detect `read_all_orders`. ~2 points.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/shopify/schema.graphql",
    query_path = "graphql/shopify/app_scopes.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct AppScopes;

/// The shop's name, permanent domain and currency. ~1 point.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/shopify/schema.graphql",
    query_path = "graphql/shopify/shop_info.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone"
)]
pub struct ShopInfo;

/// How the generated types go on the wire.
#[cfg(test)]
mod tests {
    #[test]
    fn page_sizes_always_go_out_as_numbers_defaulting_to_the_file() {
        use super::products;
        let variables = products::Variables {
            first: products::Variables::default_first(),
            after: None,
            query: Some("updated_at:>='2026-11-20T10:00:00Z'".to_owned()),
            variants_first: products::Variables::default_variantsFirst(),
        };
        let json = serde_json::to_value(&variables).unwrap();
        let expected = serde_json::json!({
            "first": 10, "after": null, "query": "updated_at:>='2026-11-20T10:00:00Z'", "variantsFirst": 25
        });
        assert_eq!(json, expected);
    }

    #[test]
    fn staged_uploads_leave_an_unset_http_method_to_the_schema_default() {
        use super::staged_uploads_create::{
            StagedUploadInput, StagedUploadTargetGenerateUploadResource, Variables,
        };
        let input = StagedUploadInput {
            resource: StagedUploadTargetGenerateUploadResource::BULK_MUTATION_VARIABLES,
            filename: "recs.jsonl".to_owned(),
            mime_type: "text/jsonl".to_owned(),
            http_method: None,
            file_size: None,
        };
        let json = serde_json::to_value(Variables { input: vec![input] }).unwrap();
        let expected = serde_json::json!({"input": [
            {"resource": "BULK_MUTATION_VARIABLES", "filename": "recs.jsonl", "mimeType": "text/jsonl"}
        ]});
        assert_eq!(json, expected);
    }

    #[test]
    fn metafields_set_sends_a_missing_compare_digest_as_null() {
        use super::metafields_set;
        let input = metafields_set::MetafieldsSetInput {
            owner_id: "gid://shopify/Product/1".to_owned(),
            namespace: Some("shopify--discovery--product_recommendation".to_owned()),
            key: "complementary_products".to_owned(),
            value: r#"["gid://shopify/Product/2"]"#.to_owned(),
            compare_digest: None,
            type_: Some("list.product_reference".to_owned()),
        };
        let json = serde_json::to_value(metafields_set::Variables {
            metafields: vec![input],
        })
        .unwrap();
        assert_eq!(
            json["metafields"][0]["compareDigest"],
            serde_json::Value::Null
        );
        assert_eq!(json["metafields"][0]["type"], "list.product_reference");
    }

    #[test]
    fn product_metafields_answers_decode_deleted_products_as_none() {
        use super::product_metafields::{ProductMetafieldsNodes, ResponseData};
        let data: ResponseData = serde_json::from_value(serde_json::json!({"nodes": [
            {"__typename": "Product", "id": "gid://shopify/Product/1", "updatedAt": "2026-11-20T10:00:00Z",
             "ours": {"nodes": [], "pageInfo": {"hasNextPage": false}},
             "relatedProducts": null,
             "complementaryProducts": {"id": "gid://shopify/Metafield/9",
                "namespace": "shopify--discovery--product_recommendation", "key": "complementary_products",
                "type": "list.product_reference", "value": "[\"gid://shopify/Product/2\"]", "compareDigest": "abc"}},
            null
        ]}))
        .unwrap();
        let Some(ProductMetafieldsNodes::Product(product)) = &data.nodes[0] else {
            panic!("a product")
        };
        assert_eq!(
            product
                .complementary_products
                .as_ref()
                .unwrap()
                .compare_digest,
            "abc"
        );
        assert!(data.nodes[1].is_none());
    }
}
