//! Hostile input on every route, generated from the OpenAPI document: for each operation,
//! bodies whose documented fields hold wrong types, huge numbers, empty and huge strings;
//! JSON nested far too deep; invalid UTF-8; not JSON at all; ids that are not ids; query
//! strings that make no sense. Whatever arrives, the server never answers 5xx, never
//! panics, and every error is the documented JSON shape.

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Client, start};

/// Cases generated per operation.
const CASES: usize = 12;

/// A body to send.
#[derive(Clone, Debug)]
enum Body {
    Json(Value),
    Raw(Vec<u8>),
}

/// A value that is wrong for most fields: the wrong type, out of range, empty or huge.
fn bad_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        Just(json!(u64::MAX)),
        Just(json!(1e308)),
        Just(json!(-1)),
        Just(json!("")),
        Just(json!(" \u{0} ")),
        Just(Value::String("x".repeat(70_000))),
        Just(json!([])),
        Just(json!({"nested": {"deeper": [1, "two", null]}})),
        "[a-z]{0,12}".prop_map(Value::from),
    ]
}

/// A bad body for an operation whose JSON body has `fields`.
fn bad_body(fields: Vec<String>) -> impl Strategy<Value = Body> {
    let count = fields.len().max(1);
    let object = proptest::collection::vec(bad_value(), count).prop_map(move |values| {
        let object: serde_json::Map<String, Value> = fields.iter().cloned().zip(values).collect();
        Body::Json(Value::Object(object))
    });
    prop_oneof![
        4 => object,
        1 => Just(Body::Raw(
            format!("{}{}", "[".repeat(20_000), "]".repeat(20_000)).into_bytes()
        )),
        1 => Just(Body::Raw(b"{\"content\": \"\xff\xfe\xfd\", \"name\": \"\xc3\x28\"}".to_vec())),
        1 => Just(Body::Raw(b"{\"unterminated\": ".to_vec())),
        1 => Just(Body::Raw(Vec::new())),
        1 => bad_value().prop_map(Body::Json),
    ]
}

/// A path parameter that is not a valid id of anything.
fn bad_id() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("01a231c2-0000-7000-8000-000000000000".to_owned()),
        Just("not-an-id".to_owned()),
        Just("%FF%FE".to_owned()),
        Just("0".repeat(3_000)),
        Just("..%2F..%2Fetc%2Fpasswd".to_owned()),
        any::<u128>().prop_map(|n| uuid::Uuid::from_u128(n).to_string()),
    ]
}

/// A query string of nonsense for the documented parameters.
fn bad_query(params: Vec<String>) -> impl Strategy<Value = String> {
    let value = prop_oneof![
        Just("-1".to_owned()),
        Just("99999999999999999999999".to_owned()),
        Just("yesterday".to_owned()),
        Just("%FF%FE".to_owned()),
        Just(String::new()),
        Just("x".repeat(5_000)),
        "[a-z0-9]{0,8}",
    ];
    let count = params.len();
    proptest::collection::vec(value, count).prop_map(move |values| {
        params
            .iter()
            .zip(values)
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("&")
    })
}

/// The names of the JSON body's fields, from the document.
fn body_fields(doc: &Value, operation: &Value) -> Vec<String> {
    let schema = &operation["requestBody"]["content"]["application/json"]["schema"];
    let schema = match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference.rsplit('/').next().unwrap();
            &doc["components"]["schemas"][name]
        }
        None => schema,
    };
    schema["properties"]
        .as_object()
        .map(|properties| properties.keys().cloned().collect())
        .unwrap_or_default()
}

/// The names of the query parameters, from the document.
fn query_params(operation: &Value) -> Vec<String> {
    operation["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["in"] == "query")
        .filter_map(|p| p["name"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn every_route_answers_hostile_input_without_5xx_and_in_the_documented_shape() {
    let server = start(None).await;
    let mut root = Client::set_up(&server).await;
    let doc = root.get("/api/openapi.json").await.body;
    let mut runner = TestRunner::new(Config::default());
    let mut sent = 0;
    for (path, operations) in doc["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            let Ok(method) = method.to_uppercase().parse::<Method>() else {
                continue;
            };
            // Signing out would end the session the rest of the run needs.
            if path == "/api/auth/logout" {
                continue;
            }
            let bodies = bad_body(body_fields(&doc, operation));
            let queries = bad_query(query_params(operation));
            for _ in 0..CASES {
                let id = bad_id().new_tree(&mut runner).unwrap().current();
                let body = bodies.new_tree(&mut runner).unwrap().current();
                let query = queries.new_tree(&mut runner).unwrap().current();
                let mut target = path.replace("{id}", &id).replace("{name}", &id);
                if !query.is_empty() {
                    target = format!("{target}?{query}");
                }
                let request = root.request(method.clone(), &target);
                let request = match &body {
                    Body::Json(value) => request.json(value),
                    Body::Raw(bytes) => request
                        .header("content-type", "application/json")
                        .body(bytes.clone()),
                };
                let answer = root.send(request).await;
                sent += 1;
                let case = format!("{method} {target:.200} with {body:.300?}");
                assert!(
                    answer.status.as_u16() < 500,
                    "{case}: {} {}",
                    answer.status,
                    answer.text
                );
                if answer.status.is_client_error() {
                    assert!(
                        answer.body["error"]["code"].is_string()
                            && answer.body["error"]["message"].is_string(),
                        "{case}: the error is in the documented shape: {} {}",
                        answer.status,
                        answer.text
                    );
                }
                // No input signs the admin out (a refused sign-in or password change is
                // 401 about that request, not the session).
                if answer.status == StatusCode::UNAUTHORIZED {
                    let me = root.get("/api/auth/me").await;
                    assert_eq!(me.status, StatusCode::OK, "{case}: {}", answer.text);
                }
            }
        }
    }
    assert!(sent > 500, "every operation was tried: {sent}");
    // And the server is still well.
    assert_eq!(root.get("/api/auth/me").await.status, StatusCode::OK);
}
