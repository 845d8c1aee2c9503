//! Running an installation: allowances (turns a minute, tokens a day) that answer 429
//! naming the limit, usage reports, system personas, the audit log of admins' actions,
//! bulk export as a streamed ZIP, and the system's state.

use std::io::Read;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Answer, Client, PASSWORD, start};

async fn put(client: &mut Client, path: &str, body: Value) -> Answer {
    let request = client.request(Method::PUT, path).json(&body);
    client.send(request).await
}

async fn my_id(client: &mut Client) -> String {
    client.get("/api/auth/me").await.body["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Asks `question` in `conversation` and waits for the whole answer.
async fn ask(client: &mut Client, conversation: &str, question: &str) -> Answer {
    client
        .post(
            &format!("/api/chat/conversations/{conversation}/messages"),
            json!({"content": question}),
        )
        .await
}

#[tokio::test]
async fn allowances_refuse_turns_with_429_naming_the_limit_and_admins_see_usage() {
    let Some(llm) = gantry_test::service("GANTRY_LLM_URL", "allowances over HTTP") else {
        return;
    };
    let server = start(Some(&llm)).await;
    let mut root = Client::set_up(&server).await;
    let mut bea = Client::register(&server, "bea@example.com").await;
    let bea_id = my_id(&mut bea).await;
    let quotas = format!("/api/admin/users/{bea_id}/quotas");

    let set = put(&mut root, &quotas, json!({"requests_per_minute": 2})).await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text);
    assert_eq!(set.body["limits"]["requests_per_minute"], 2);
    assert_eq!(set.body["overrides"]["tokens_per_day"], Value::Null);

    let chat = bea.conversation().await;
    for question in ["Say one word.", "Say another word."] {
        let answer = ask(&mut bea, &chat, question).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    }
    let refused = ask(&mut bea, &chat, "And a third?").await;
    assert_eq!(
        refused.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        refused.text
    );
    assert_eq!(refused.code(), "rate_limited");
    assert!(
        refused.text.contains("2 questions a minute"),
        "names the limit: {}",
        refused.text
    );
    let retry: u64 = refused.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=30).contains(&retry), "{retry}");
    let messages = bea
        .get(&format!("/api/chat/conversations/{chat}/messages"))
        .await;
    assert_eq!(
        messages.body["items"].as_array().unwrap().len(),
        4,
        "the refused question was not saved"
    );
    // Another user keeps their own allowance.
    let own = root.conversation().await;
    assert_eq!(ask(&mut root, &own, "Say hi.").await.status, StatusCode::OK);

    // A day's tokens used up: refused until midnight UTC, saying so.
    let set = put(
        &mut root,
        &quotas,
        json!({"requests_per_minute": 100, "tokens_per_day": 10}),
    )
    .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text);
    let refused = ask(&mut bea, &chat, "Once more?").await;
    assert_eq!(
        refused.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        refused.text
    );
    assert!(refused.text.contains("10 tokens a day"), "{}", refused.text);
    assert!(refused.text.contains("00:00 UTC"), "{}", refused.text);
    let report = bea.get("/api/quotas").await;
    assert_eq!(
        report.body["limits"]["tokens_per_day"], 10,
        "{}",
        report.text
    );
    // Restoring the default lets her chat again.
    let set = put(&mut root, &quotas, json!({})).await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text);
    assert_eq!(ask(&mut bea, &chat, "Back?").await.status, StatusCode::OK);

    // The admin's usage report: per user, per model, per day, with totals. (Usage is
    // recorded after each answer, off its path.)
    server.gantry.engine().idle().await;
    let usage = root.get("/api/admin/usage").await;
    assert_eq!(usage.status, StatusCode::OK, "{}", usage.text);
    let body = &usage.body;
    assert_eq!(body["total"]["requests"], 4, "{}", usage.text);
    assert_eq!(body["by_user"][&bea_id]["requests"], 3, "{}", usage.text);
    assert!(body["total"]["completion_tokens"].as_u64().unwrap() > 0);
    let today = time::OffsetDateTime::now_utc().date().to_string();
    assert_eq!(body["by_day"][&today]["requests"], 4, "{}", usage.text);
    assert_eq!(body["by_model"].as_object().unwrap().len(), 1);
    let hers = root
        .get(&format!("/api/admin/usage?user_id={bea_id}"))
        .await;
    assert_eq!(hers.body["total"]["requests"], 3, "{}", hers.text);
    let bad = root.get("/api/admin/usage?from=yesterday").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.text);
}

#[tokio::test]
async fn the_audit_log_records_each_admin_action_and_exports_as_csv() {
    let server = start(None).await;
    let mut root = Client::set_up(&server).await;
    let made = root
        .post(
            "/api/admin/users",
            json!({"email": "cat@example.com", "display_name": "Cat", "password": PASSWORD}),
        )
        .await;
    let cat = made.body["id"].as_str().unwrap().to_owned();
    let path = format!("/api/admin/users/{cat}");
    root.patch(&path, json!({"role": "admin"})).await;
    root.patch(&path, json!({"disabled": true})).await;
    root.patch(
        &path,
        json!({"disabled": false, "display_name": "Catherine"}),
    )
    .await;
    root.post(
        &format!("{path}/password"),
        json!({"password": "another long one"}),
    )
    .await;
    // A refused action writes nothing.
    let refused = root
        .post(&format!("{path}/password"), json!({"password": "short"}))
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let persona = root
        .post(
            "/api/admin/personas",
            json!({"name": "Librarian", "system_prompt": "Cite sources."}),
        )
        .await;
    assert_eq!(persona.status, StatusCode::CREATED, "{}", persona.text);
    root.delete(&path).await;

    let log = root.get("/api/admin/audit").await;
    assert_eq!(log.status, StatusCode::OK, "{}", log.text);
    let items = log.body["items"].as_array().unwrap();
    let actions: Vec<&str> = items
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "user.delete",
            "persona.create",
            "user.password",
            "user.enable",
            "user.rename",
            "user.disable",
            "user.role",
            "user.create"
        ],
        "newest first"
    );
    assert!(items.iter().all(|e| e["actor"] == "root@example.com"));
    assert_eq!(items[0]["target"], "cat@example.com", "named as they were");
    assert_eq!(items[0]["target_id"], cat.as_str());
    assert_eq!(items[6]["detail"], "user -> admin");
    assert_eq!(items[4]["detail"], "Cat -> Catherine");

    // A page at a time.
    let first = root.get("/api/admin/audit?limit=3").await;
    let next = first.body["next"].as_str().unwrap();
    let second = root
        .get(&format!("/api/admin/audit?limit=3&cursor={next}"))
        .await;
    assert_eq!(second.body["items"][0]["action"], "user.enable");

    // All of it as CSV.
    let csv = root.get("/api/admin/audit/export").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let lines: Vec<&str> = csv.text.lines().collect();
    assert_eq!(lines[0], "seq,at,actor,action,target,detail");
    assert_eq!(lines.len(), 9, "{}", csv.text);
    assert!(lines[1].contains("user.delete") && lines[1].contains("cat@example.com"));
}

#[tokio::test]
async fn system_personas_are_everyones_and_only_admins_change_them() {
    let server = start(None).await;
    let mut root = Client::set_up(&server).await;
    let mut bea = Client::register(&server, "bea@example.com").await;
    let own = bea
        .post(
            "/api/personas",
            json!({"name": "Mine", "system_prompt": "Be brief."}),
        )
        .await;
    assert_eq!(own.status, StatusCode::CREATED);
    let made = root
        .post(
            "/api/admin/personas",
            json!({"name": "Tutor", "system_prompt": "Teach gently.", "is_default": true}),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    assert!(made.body["owner_id"].is_null());
    let id = made.body["id"].as_str().unwrap().to_owned();

    let seen = bea.get("/api/personas").await;
    let names: Vec<&str> = seen
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"Tutor") && names.contains(&"Mine"),
        "{names:?}"
    );
    let listed = root.get("/api/admin/personas").await;
    let names: Vec<&str> = listed
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Tutor"], "users' own personas are theirs");

    let path = format!("/api/admin/personas/{id}");
    let changed = root
        .patch(
            &path,
            json!({"name": "Tutor", "system_prompt": "Teach with examples."}),
        )
        .await;
    assert_eq!(
        changed.body["system_prompt"], "Teach with examples.",
        "{}",
        changed.text
    );
    // A user can neither change a global persona as their own nor through the admin routes.
    let theirs = bea
        .patch(
            &format!("/api/personas/{id}"),
            json!({"name": "Mine now", "system_prompt": "x"}),
        )
        .await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND, "{}", theirs.text);
    assert_eq!(bea.delete(&path).await.status, StatusCode::FORBIDDEN);
    assert_eq!(root.delete(&path).await.status, StatusCode::NO_CONTENT);
    assert_eq!(root.delete(&path).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_admin_exports_conversations_as_a_streamed_zip_the_audit_log_records() {
    let server = start(None).await;
    let mut root = Client::set_up(&server).await;
    let mut bea = Client::register(&server, "bea@example.com").await;
    let bea_id = my_id(&mut bea).await;
    for title in ["Trip to Lisbon", "Recipes", "Taxes"] {
        let made = bea
            .post("/api/chat/conversations", json!({"title": title}))
            .await;
        assert_eq!(made.status, StatusCode::CREATED);
    }
    root.post("/api/chat/conversations", json!({"title": "Admin notes"}))
        .await;

    let request = root.request(Method::GET, &format!("/api/admin/export?user_id={bea_id}"));
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/zip");
    let bytes = response.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut titles = Vec::new();
    for i in 0..zip.len() {
        let mut file = zip.by_index(i).unwrap();
        let mut text = String::new();
        file.read_to_string(&mut text).unwrap();
        let json: Value = serde_json::from_str(&text).unwrap();
        if let Some(title) = json["conversation"]["title"].as_str() {
            titles.push(title.to_owned());
        }
    }
    titles.sort();
    assert_eq!(titles, ["Recipes", "Taxes", "Trip to Lisbon"]);

    let everyone = root
        .request(Method::GET, "/api/admin/export")
        .send()
        .await
        .unwrap();
    let everyone = zip::ZipArchive::new(std::io::Cursor::new(
        everyone.bytes().await.unwrap().to_vec(),
    ))
    .unwrap();
    assert_eq!(everyone.len(), 5, "four conversations and the manifest");

    let unknown = root
        .get("/api/admin/export?user_id=01a231c2-0000-7000-8000-000000000000")
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);

    let log = root.get("/api/admin/audit").await;
    let exports: Vec<&Value> = log.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "export.bulk")
        .collect();
    assert_eq!(exports.len(), 2, "{}", log.text);
    assert_eq!(exports[0]["target"], "all 2 users");
    assert_eq!(exports[1]["target"], "bea@example.com");
    assert_eq!(exports[1]["target_id"], bea_id.as_str());
}

#[tokio::test]
async fn the_system_page_reports_versions_sizes_and_index_lag() {
    let server = start(None).await;
    let mut root = Client::set_up(&server).await;
    root.conversation().await;
    let system = root.get("/api/admin/system").await;
    assert_eq!(system.status, StatusCode::OK, "{}", system.text);
    let body = &system.body;
    assert_eq!(body["version"], gantry::VERSION);
    let database = body["database"].as_str().unwrap();
    assert!(database == "sqlite" || database == "postgres", "{database}");
    assert_eq!(body["stored"]["users"], 1);
    assert_eq!(body["stored"]["conversations"], 1);
    assert!(body["keyword_lag"].as_i64().is_some(), "{}", system.text);
    assert_eq!(body["chat_configured"], true);
    assert_eq!(body["models"], json!([]), "the backend is down");
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_time_answers_by_model() {
    let Some(llm) = gantry_test::service("GANTRY_LLM_URL", "metrics over HTTP") else {
        return;
    };
    let server = start(Some(&llm)).await;
    let mut root = Client::set_up(&server).await;
    let chat = root.conversation().await;
    assert_eq!(
        ask(&mut root, &chat, "Say hi.").await.status,
        StatusCode::OK
    );
    // Paths that are no route do not become series.
    root.get("/api/no-such-thing/12345").await;

    let metrics = root.get("/metrics").await;
    assert_eq!(metrics.status, StatusCode::OK);
    let text = &metrics.text;
    assert!(
        text.contains(
            "gantry_http_requests_total{method=\"POST\",route=\"/api/chat/conversations/{id}/messages\",status=\"200\"} 1"
        ),
        "{text}"
    );
    assert!(
        text.contains("gantry_http_request_duration_seconds_bucket{"),
        "{text}"
    );
    assert!(
        text.contains("gantry_time_to_first_token_seconds_count{model="),
        "{text}"
    );
    assert!(
        text.contains("gantry_generation_tokens_per_second_count{model="),
        "{text}"
    );
    assert!(
        text.contains("gantry_retrieval_stage_seconds_count{stage=\"total\"} 1"),
        "{text}"
    );
    assert!(text.contains("gantry_active_streams 0"), "{text}");
    assert!(
        text.contains("gantry_stored_items{kind=\"users\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("gantry_index_lag_changes{index=\"keyword\"}"),
        "{text}"
    );
    assert!(!text.contains("no-such-thing"), "{text}");
}

#[tokio::test]
async fn metrics_can_be_closed_behind_a_token() {
    let server = crate::support::start_with(None, |config| {
        config.server.metrics_token = Some("scrape-secret".into());
    })
    .await;
    let mut anyone = Client::new(&server);
    let refused = anyone.get("/metrics").await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.text);
    anyone.bearer = Some("wrong".into());
    assert_eq!(
        anyone.get("/metrics").await.status,
        StatusCode::UNAUTHORIZED
    );
    anyone.bearer = Some("scrape-secret".into());
    let allowed = anyone.get("/metrics").await;
    assert_eq!(allowed.status, StatusCode::OK);
    assert!(allowed.text.contains("# EOF"), "{}", allowed.text);
}

#[tokio::test]
async fn admins_add_test_and_remove_model_backends_while_the_server_runs() {
    let Some(llm) = gantry_test::service("GANTRY_LLM_URL", "model backends over HTTP") else {
        return;
    };
    // No backend at all to begin with.
    let server = crate::support::start_with(None, |config| config.backends.clear()).await;
    let mut root = Client::set_up(&server).await;
    let chat = root.conversation().await;
    let refused = ask(&mut root, &chat, "Hello?").await;
    assert_eq!(
        refused.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        refused.text
    );
    assert!(
        root.get("/api/admin/backends")
            .await
            .body
            .as_array()
            .unwrap()
            .is_empty()
    );

    // Trying a backend keeps nothing; a dead one says why.
    let local = json!({"name": "local", "base_url": llm, "kind": "llamacpp"});
    let tried = root.post("/api/admin/backends/test", local.clone()).await;
    assert_eq!(tried.status, StatusCode::OK, "{}", tried.text);
    assert_eq!(tried.body["ok"], true, "{}", tried.text);
    let model = tried.body["models"][0].as_str().unwrap().to_owned();
    let dead = root
        .post(
            "/api/admin/backends/test",
            json!({"name": "dead", "base_url": "http://127.0.0.1:9/v1"}),
        )
        .await;
    assert_eq!(dead.body["ok"], false, "{}", dead.text);
    assert!(dead.body["error"].as_str().is_some_and(|e| !e.is_empty()));

    // Bad settings are refused by name and change nothing.
    let bad_url = root
        .post(
            "/api/admin/backends",
            json!({"name": "x", "base_url": "ftp://host/v1"}),
        )
        .await;
    assert_eq!(bad_url.status, StatusCode::BAD_REQUEST, "{}", bad_url.text);
    assert_eq!(bad_url.field(), "base_url");
    let bad_kind = root
        .post(
            "/api/admin/backends",
            json!({"name": "x", "base_url": "http://127.0.0.1:9/v1", "kind": "gpt"}),
        )
        .await;
    assert_eq!(bad_kind.field(), "kind", "{}", bad_kind.text);

    // Added, it answers at once, without a restart.
    let added = root.post("/api/admin/backends", local.clone()).await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);
    assert_eq!(added.body["source"], "admin");
    assert_eq!(added.body["has_api_key"], false);
    let again = root.post("/api/admin/backends", local.clone()).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);
    assert_eq!(
        ask(&mut root, &chat, "Say hi.").await.status,
        StatusCode::OK
    );
    let listed = root.get("/api/admin/backends").await;
    assert_eq!(
        listed.body[0]["backend"]["name"], "local",
        "{}",
        listed.text
    );
    assert_eq!(listed.body[0]["health"]["ok"], true, "{}", listed.text);

    // The default model, and switching models where a backend switches them.
    let set = put(
        &mut root,
        "/api/admin/models/default",
        json!({"model": model}),
    )
    .await;
    assert_eq!(set.status, StatusCode::NO_CONTENT, "{}", set.text);
    assert_eq!(
        root.get("/api/models/active").await.body["model"]["id"],
        model.as_str()
    );
    let loaded = root
        .post("/api/admin/backends/local/load", json!({"model": model}))
        .await;
    assert_eq!(loaded.status, StatusCode::OK, "{}", loaded.text);
    assert_eq!(loaded.body["on_demand"], true, "llama.cpp loads on demand");
    let unknown = root
        .post("/api/admin/backends/nowhere/load", json!({"model": model}))
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);

    // Removed, chat is unavailable again; each change is in the audit log.
    assert_eq!(
        root.delete("/api/admin/backends/local").await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        root.delete("/api/admin/backends/local").await.status,
        StatusCode::NOT_FOUND
    );
    let refused = ask(&mut root, &chat, "Still there?").await;
    assert_eq!(
        refused.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        refused.text
    );
    let log = root.get("/api/admin/audit").await;
    let actions: Vec<&str> = log.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "backend.remove",
            "model.load",
            "model.default",
            "backend.add"
        ],
        "{}",
        log.text
    );
}

#[tokio::test]
async fn a_configured_backend_cannot_be_removed_here() {
    let server = start(None).await;
    let mut root = Client::set_up(&server).await;
    let listed = root.get("/api/admin/backends").await;
    assert_eq!(
        listed.body[0]["backend"]["source"], "config",
        "{}",
        listed.text
    );
    assert_eq!(
        listed.body[0]["health"]["ok"], false,
        "the configured backend is down"
    );
    let refused = root.delete("/api/admin/backends/default").await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text);
    assert!(refused.text.contains("configured"), "{}", refused.text);
}
