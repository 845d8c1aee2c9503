//! One user's question never retrieves another user's messages, documents or facts: a
//! property over random data drawn from one shared vocabulary, so the two users' texts
//! overlap as much as possible, checked on real chat turns and on search. (The indexes'
//! own owner filters are checked in gantry-memory's tests; here the engine's answers are.)

use futures::StreamExt;
use gantry::model::{MessageRole, NewMessage};
use gantry::prompt::Source;
use gantry::{TurnEvent, TurnOptions, UserId};
use proptest::prelude::*;
use proptest::test_runner::{Config as Cases, TestRunner};

use crate::support::{self, Env, conversation, user};

const WORDS: [&str; 24] = [
    "Nadia", "Orlov", "piano", "harbour", "Kestrel", "lemon", "tractor", "quartz", "violet",
    "Berlin", "engine", "saffron", "glacier", "Tomas", "lantern", "orchid", "copper", "meadow",
    "works", "lives", "likes", "in", "at", "the",
];

fn sentence() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(WORDS.to_vec()), 3..9).prop_map(|w| w.join(" "))
}

#[derive(Debug, Clone)]
struct Case {
    a_messages: Vec<String>,
    a_document: Vec<String>,
    b_messages: Vec<String>,
    b_question: String,
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::collection::vec(sentence(), 1..5),
        prop::collection::vec(sentence(), 1..6),
        prop::collection::vec(sentence(), 0..3),
        sentence(),
    )
        .prop_map(|(a_messages, a_document, b_messages, b_question)| Case {
            a_messages,
            a_document,
            b_messages,
            b_question,
        })
}

async fn is_theirs(env: &Env, owner: UserId, source: Source) -> bool {
    let store = &env.store;
    match source {
        Source::Message { id, .. } => store.message(owner, id).await.is_ok(),
        Source::Chunk { id, .. } => !store.chunks_by_id(owner, &[id]).await.unwrap().is_empty(),
        Source::Fact { id } => store
            .relations(owner, true)
            .await
            .unwrap()
            .iter()
            .any(|r| r.id == id),
    }
}

async fn check(env: &Env, n: usize, case: Case) -> Result<(), TestCaseError> {
    let gantry = &env.gantry;
    let a = user(env, &format!("a{n}@example.com")).await;
    let b = user(env, &format!("b{n}@example.com")).await;
    let store = &env.store;
    let a_chat = conversation(gantry, a).await;
    for text in &case.a_messages {
        store
            .append_message(a, a_chat, NewMessage::new(MessageRole::User, text.clone()))
            .await
            .unwrap();
    }
    gantry
        .for_user(a)
        .add_document(
            "notes.md",
            "text/markdown",
            case.a_document.join(".\n\n").into_bytes(),
        )
        .await
        .unwrap();
    let b_chat = conversation(gantry, b).await;
    for text in &case.b_messages {
        store
            .append_message(b, b_chat, NewMessage::new(MessageRole::User, text.clone()))
            .await
            .unwrap();
    }
    gantry.flush().await.unwrap();

    let mut turn = gantry
        .for_user(b)
        .chat(b_chat, case.b_question.clone(), TurnOptions::default())
        .await
        .unwrap();
    let mut context = None;
    while let Some(event) = turn.next().await {
        if let TurnEvent::Context { citations, .. } = event.unwrap() {
            context = Some(citations);
            break;
        }
    }
    drop(turn);
    for citation in context.unwrap() {
        prop_assert!(
            is_theirs(env, b, citation.source).await,
            "B was given {citation:?}"
        );
    }
    let found = gantry
        .for_user(b)
        .search(&case.b_question, 20)
        .await
        .unwrap();
    for hit in &found.conversations {
        prop_assert_eq!(hit.conversation.owner_id, b);
    }
    prop_assert!(
        found.documents.is_empty(),
        "B has no documents: {:?}",
        found.documents
    );
    Ok(())
}

#[test]
fn one_users_question_never_retrieves_anothers_data() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let Some(env) = runtime.block_on(support::open("user isolation property")) else {
        return;
    };
    let mut runner = TestRunner::new(Cases {
        cases: 8,
        failure_persistence: None,
        ..Cases::default()
    });
    let n = std::sync::atomic::AtomicUsize::new(0);
    runner
        .run(&case(), |case| {
            let n = n.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            runtime.block_on(async {
                let outcome = check(&env, n, case).await;
                env.gantry.engine().idle().await;
                outcome
            })
        })
        .unwrap();
}
