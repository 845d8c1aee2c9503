//! A property over random sequences of API calls by two users: no response to Bob ever
//! holds anything of Ada's (her titles, names, texts or ids), whatever either of them did
//! before.

use proptest::prelude::*;
use reqwest::StatusCode;
use serde_json::json;

use crate::support::{Client, start};

/// One call, by Ada (`true`) or Bob.
#[derive(Clone, Debug)]
enum Call {
    CreateConversation,
    RenameConversation(usize),
    ReadConversation(usize),
    DeleteConversation(usize),
    ListConversations,
    Search,
    CreatePersona,
    ReadPersona(usize),
    CreateCollection,
    ReadCollection(usize),
    Upload,
    ReadDocument(usize),
    ListDocuments,
    Memory,
    Quotas,
}

fn call() -> impl Strategy<Value = (bool, Call)> {
    let call = prop_oneof![
        Just(Call::CreateConversation),
        any::<usize>().prop_map(Call::RenameConversation),
        any::<usize>().prop_map(Call::ReadConversation),
        any::<usize>().prop_map(Call::DeleteConversation),
        Just(Call::ListConversations),
        Just(Call::Search),
        Just(Call::CreatePersona),
        any::<usize>().prop_map(Call::ReadPersona),
        Just(Call::CreateCollection),
        any::<usize>().prop_map(Call::ReadCollection),
        Just(Call::Upload),
        any::<usize>().prop_map(Call::ReadDocument),
        Just(Call::ListDocuments),
        Just(Call::Memory),
        Just(Call::Quotas),
    ];
    (any::<bool>(), call)
}

/// What one user has made so far (ids of every kind, across both users: a call on an index
/// may pick the other user's id, which must answer 404).
#[derive(Default)]
struct Made {
    conversations: Vec<String>,
    personas: Vec<String>,
    collections: Vec<String>,
    documents: Vec<String>,
}

fn pick(ids: &[String], n: usize) -> Option<&String> {
    (!ids.is_empty()).then(|| &ids[n % ids.len()])
}

async fn run(calls: Vec<(bool, Call)>) {
    let server = start(None).await;
    let mut ada = Client::set_up(&server).await;
    let mut bob = Client::register(&server, "bob@example.com").await;
    // Everything Ada writes carries this word; her ids are collected as they appear.
    const MARK: &str = "ZEPHYRINE";
    let mut all = Made::default();
    let mut adas_ids: Vec<String> = Vec::new();
    for (n, (by_ada, call)) in calls.into_iter().enumerate() {
        let (client, word) = if by_ada {
            (&mut ada, MARK.to_owned())
        } else {
            (&mut bob, format!("bobword{n}"))
        };
        let answer = match &call {
            Call::CreateConversation => {
                client
                    .post(
                        "/api/chat/conversations",
                        json!({"title": format!("{word} chat {n}")}),
                    )
                    .await
            }
            Call::RenameConversation(i) => match pick(&all.conversations, *i) {
                Some(id) => {
                    client
                        .patch(
                            &format!("/api/chat/conversations/{id}"),
                            json!({"title": format!("{word} renamed {n}")}),
                        )
                        .await
                }
                None => continue,
            },
            Call::ReadConversation(i) => match pick(&all.conversations, *i) {
                Some(id) => client.get(&format!("/api/chat/conversations/{id}")).await,
                None => continue,
            },
            Call::DeleteConversation(i) => match pick(&all.conversations, *i) {
                Some(id) => {
                    client
                        .delete(&format!("/api/chat/conversations/{id}"))
                        .await
                }
                None => continue,
            },
            Call::ListConversations => client.get("/api/chat/conversations").await,
            Call::Search => {
                client
                    .get(&format!("/api/chat/search?q={}", MARK.to_lowercase()))
                    .await
            }
            Call::CreatePersona => {
                client
                    .post(
                        "/api/personas",
                        json!({"name": format!("{word} persona {n}"), "system_prompt": word}),
                    )
                    .await
            }
            Call::ReadPersona(i) => match pick(&all.personas, *i) {
                Some(id) => client.get(&format!("/api/personas/{id}")).await,
                None => continue,
            },
            Call::CreateCollection => {
                client
                    .post(
                        "/api/documents/collections",
                        json!({"name": format!("{word} shelf {n}")}),
                    )
                    .await
            }
            Call::ReadCollection(i) => match pick(&all.collections, *i) {
                Some(id) => {
                    client
                        .get(&format!("/api/documents/collections/{id}"))
                        .await
                }
                None => continue,
            },
            Call::Upload => {
                let form = reqwest::multipart::Form::new().part(
                    "file",
                    reqwest::multipart::Part::bytes(format!("{word} notes {n}").into_bytes())
                        .file_name(format!("{word}-{n}.txt")),
                );
                let request = client
                    .request(reqwest::Method::POST, "/api/documents/upload")
                    .multipart(form);
                client.send(request).await
            }
            Call::ReadDocument(i) => match pick(&all.documents, *i) {
                Some(id) => client.get(&format!("/api/documents/{id}")).await,
                None => continue,
            },
            Call::ListDocuments => client.get("/api/documents").await,
            Call::Memory => client.get("/api/memory").await,
            Call::Quotas => client.get("/api/quotas").await,
        };
        assert!(
            !answer.status.is_server_error(),
            "{call:?}: {} {}",
            answer.status,
            answer.text
        );
        if answer.status == StatusCode::CREATED {
            let id = answer.body["id"].as_str().unwrap().to_owned();
            if by_ada {
                adas_ids.push(id.clone());
            }
            match call {
                Call::CreateConversation => all.conversations.push(id),
                Call::CreatePersona => all.personas.push(id),
                Call::CreateCollection => all.collections.push(id),
                Call::Upload => all.documents.push(id),
                _ => {}
            }
        }
        if !by_ada {
            assert!(
                !answer.text.contains(MARK),
                "Bob saw Ada's text after {call:?}: {}",
                answer.text
            );
            for id in &adas_ids {
                // An id Bob sent himself may be echoed in a 404; anything else is a leak.
                if answer.status != StatusCode::NOT_FOUND {
                    assert!(
                        !answer.text.contains(id.as_str()),
                        "Bob saw Ada's id after {call:?}: {}",
                        answer.text
                    );
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn no_response_to_bob_holds_anything_of_adas(calls in prop::collection::vec(call(), 1..40)) {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(run(calls));
    }
}
