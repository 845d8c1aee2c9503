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
