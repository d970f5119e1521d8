//! Staged uploads and bulk mutations.

use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;
use serde_json::{json, Value};

use super::{jsonl, Harness, METAFIELDS_SET, POLL, RUN_MUTATION, STAGED};

/// Asks for a target; answers its URL and parameters.
async fn target(h: &Harness) -> (String, Vec<(String, String)>) {
    let input = json!([{"resource": "BULK_MUTATION_VARIABLES", "filename": "recs.jsonl", "mimeType": "text/jsonl", "httpMethod": "POST"}]);
    let answer = h.gql(STAGED, json!({"input": input})).await;
    let target = &answer["data"]["stagedUploadsCreate"]["stagedTargets"][0];
    let params = target["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_owned(),
                p["value"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    (target["url"].as_str().unwrap().to_owned(), params)
}

fn form(params: &[(String, String)], file: Option<&str>, file_first: bool) -> Form {
    let mut form = Form::new();
    let part = |text: &str| Part::bytes(text.as_bytes().to_vec()).file_name("recs.jsonl");
    if let (Some(text), true) = (file, file_first) {
        form = form.part("file", part(text));
    }
    for (name, value) in params {
        form = form.text(name.clone(), value.clone());
    }
    if let (Some(text), false) = (file, file_first) {
        form = form.part("file", part(text));
    }
    form
}

fn key(params: &[(String, String)]) -> String {
    params
        .iter()
        .find(|(n, _)| n == "key")
        .map(|(_, v)| v.clone())
        .unwrap()
}

#[tokio::test]
async fn a_staged_file_runs_as_a_bulk_mutation_with_one_result_line_per_input() {
    let h = Harness::small().await;
    let ids: Vec<String> = h
        .sim
        .state()
        .products()
        .into_iter()
        .map(|p| p.gid)
        .collect();
    let (url, params) = target(&h).await;
    assert!(url.starts_with(h.sim.base_url()));
    let names: Vec<&str> = params.iter().map(|(n, _)| n.as_str()).collect();
    for expected in [
        "Content-Type",
        "success_action_status",
        "acl",
        "key",
        "policy",
    ] {
        assert!(names.contains(&expected), "{names:?}");
    }
    assert!(key(&params).starts_with("tmp/") && key(&params).ends_with("/recs.jsonl"));
    let mf = |owner: &str, value: Value| {
        json!({"metafields": [{"ownerId": owner, "namespace": "upsell_sync",
        "key": "cross_sell", "type": "list.product_reference", "value": value.to_string()}]})
    };
    let file = format!(
        "{}\n{}\nnot json\n",
        mf(&ids[0], json!([ids[1]])),
        mf(&ids[1], json!(["gid://shopify/Product/1"]))
    );
    let uploaded = h
        .http
        .post(&url)
        .multipart(form(&params, Some(&file), false))
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.status(), StatusCode::CREATED);
    assert!(uploaded.text().await.unwrap().contains("<PostResponse>"));
    let vars = json!({"mutation": METAFIELDS_SET, "stagedUploadPath": key(&params)});
    let run = h.gql(RUN_MUTATION, vars).await;
    let result = &run["data"]["bulkOperationRunMutation"];
    assert_eq!(result["userErrors"], json!([]));
    let id = result["bulkOperation"]["id"].as_str().unwrap().to_owned();
    h.gql(POLL, json!({"id": id})).await;
    let op = h.gql(POLL, json!({"id": id})).await["data"]["bulkOperation"].clone();
    assert_eq!(op["status"], "COMPLETED");
    assert_eq!(op["type"], "MUTATION");
    let lines = jsonl(&h.download(op["url"].as_str().unwrap()).await);
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["__lineNumber"], 0);
    assert_eq!(lines[0]["data"]["metafieldsSet"]["userErrors"], json!([]));
    assert_eq!(
        lines[1]["data"]["metafieldsSet"]["userErrors"][0]["code"],
        "INVALID_VALUE"
    );
    assert_eq!(lines[2]["__lineNumber"], 2);
    assert!(lines[2]["errors"].is_array());
    assert_eq!(h.sim.state().metafields(&ids[0]).len(), 1);
    assert!(h.sim.state().metafields(&ids[1]).is_empty());
    assert_eq!(h.sim.state().counters().bulk_mutation_lines, 3);
}

#[tokio::test]
async fn uploads_need_every_field_before_the_file() {
    let h = Harness::small().await;
    let (url, params) = target(&h).await;
    let first = h
        .http
        .post(&url)
        .multipart(form(&params, Some("{}\n"), true))
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), StatusCode::BAD_REQUEST);
    let missing: Vec<(String, String)> = params
        .iter()
        .filter(|(n, _)| n != "policy")
        .cloned()
        .collect();
    let partial = h
        .http
        .post(&url)
        .multipart(form(&missing, Some("{}\n"), false))
        .send()
        .await
        .unwrap();
    assert_eq!(partial.status(), StatusCode::BAD_REQUEST);
    let mut trailing = form(&params, Some("{}\n"), false);
    trailing = trailing.text("extra", "late");
    let late = h.http.post(&url).multipart(trailing).send().await.unwrap();
    assert_eq!(late.status(), StatusCode::BAD_REQUEST);
    let mut forged = params.clone();
    for (name, value) in &mut forged {
        if name == "key" {
            *value = "tmp/1/bulk/forged/recs.jsonl".to_owned();
        }
    }
    let denied = h
        .http
        .post(&url)
        .multipart(form(&forged, Some("{}\n"), false))
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status(), StatusCode::FORBIDDEN);
    let vars = json!({"mutation": METAFIELDS_SET, "stagedUploadPath": key(&params)});
    let run = h.gql(RUN_MUTATION, vars).await;
    assert_eq!(
        run["data"]["bulkOperationRunMutation"]["userErrors"][0]["code"],
        "NO_SUCH_FILE"
    );
}

#[tokio::test]
async fn only_supported_single_mutations_may_run_in_bulk() {
    let h = Harness::small().await;
    let (url, params) = target(&h).await;
    h.http
        .post(&url)
        .multipart(form(&params, Some("{}\n"), false))
        .send()
        .await
        .unwrap();
    for mutation in [
        "mutation { metafieldsDelete(metafields: []) { userErrors { message } } }",
        "query { shop { name } }",
        "mutation {",
    ] {
        let run = h
            .gql(
                RUN_MUTATION,
                json!({"mutation": mutation, "stagedUploadPath": key(&params)}),
            )
            .await;
        let result = &run["data"]["bulkOperationRunMutation"];
        assert_eq!(result["bulkOperation"], Value::Null, "{mutation}");
        assert_eq!(
            result["userErrors"][0]["code"], "INVALID_MUTATION",
            "{mutation}"
        );
    }
}
