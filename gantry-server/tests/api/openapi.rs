//! The OpenAPI document describes exactly the routes the server serves.

use reqwest::{Method, StatusCode};

use crate::support::{Client, start};

#[tokio::test]
async fn the_document_lists_exactly_the_routes_served() {
    let server = start(None).await;
    let mut client = Client::new(&server);
    let doc = client.get("/api/openapi.json").await;
    assert_eq!(doc.status, StatusCode::OK);
    assert!(
        doc.body["openapi"].as_str().unwrap().starts_with("3.1"),
        "OpenAPI 3.1: {}",
        doc.body["openapi"]
    );
    let paths = doc.body["paths"].as_object().unwrap();
    assert!(paths.len() >= 10, "{paths:?}");
    let mut checked = 0;
    for (path, operations) in paths {
        for method in operations.as_object().unwrap().keys() {
            let Ok(method) = method.to_uppercase().parse::<Method>() else {
                continue;
            };
            // Any id will do: the route answers (401, 400, 404 for the id...) rather than
            // the router's "route not found" or 405.
            let concrete = path
                .replace("{id}", "01a231c2-0000-7000-8000-000000000000")
                .replace("{name}", "no-such-backend");
            let answer = client.send(client.request(method.clone(), &concrete)).await;
            assert_ne!(
                answer.status,
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path} is documented but not served"
            );
            assert_ne!(
                answer.body["error"]["message"], "route not found",
                "{method} {path} is documented but not served"
            );
            checked += 1;
        }
    }
    assert!(checked >= paths.len());
    // And what is not documented is not served: an unknown path, and a documented path
    // with a method it does not have.
    let unknown = client.get("/api/nothing-here").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.code(), "not_found");
    let wrong_method = client.delete("/api/auth/me").await;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[test]
fn the_web_uis_copy_of_the_document_is_current() {
    // The web UI's client is typed from web/openapi.json (`npm run api:types`); a route
    // changed here without regenerating it would leave the UI typed against an old API.
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/openapi.json");
    let saved: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap())
        .unwrap_or_else(|e| panic!("{} does not read: {e}", path.display()));
    let current = serde_json::to_value(gantry_server::openapi()).unwrap();
    assert!(
        saved == current,
        "web/openapi.json is not the server's document: run `scripts/update-api`"
    );
}

#[test]
fn operation_ids_are_unique_and_query_strings_are_described_as_such() {
    let doc = serde_json::to_value(gantry_server::openapi()).unwrap();
    let mut ids = std::collections::HashSet::new();
    for (path, operations) in doc["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            let Some(id) = operation["operationId"].as_str() else {
                continue;
            };
            assert!(
                ids.insert(id.to_owned()),
                "{method} {path}: `{id}` is used twice"
            );
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                let name = parameter["name"].as_str().unwrap();
                if parameter["in"] == "path" {
                    assert!(
                        path.contains(&format!("{{{name}}}")),
                        "{method} {path}: `{name}` is said to be in the path"
                    );
                }
            }
        }
    }
    let list = &doc["paths"]["/api/chat/conversations"]["get"]["parameters"];
    let limit = list
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "limit")
        .unwrap();
    assert_eq!(limit["in"], "query");
}
