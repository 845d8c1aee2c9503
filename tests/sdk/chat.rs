//! Chat turns against the real llama-server: memory across conversations, facts, stopping,
//! a backend that is down, and refusals that change nothing. Assertions are on what was
//! retrieved and stored, never on the small model's wording.

use futures::StreamExt;
use gantry::model::{MessageRole, MessageStatus};
use gantry::prompt::Source;
use gantry::store::{MessageStore as _, PageRequest};
use gantry::{Error, Gantry, TurnEvent, TurnOptions};
use time::{Duration, OffsetDateTime};

use crate::support::{self, conversation, user};

/// A question this small model answers at length (400 tokens, greedy), so a turn outlasts
/// the 64 events it buffers and a few seconds of streaming.
const LONG_ANSWER: &str = "Write a long story about a cat who travels the world.";

fn long_answer() -> TurnOptions {
    TurnOptions {
        temperature: Some(0.0),
        ..TurnOptions::default()
    }
}

async fn messages(
    gantry: &Gantry,
    user: gantry::UserId,
    id: gantry::ConversationId,
) -> Vec<gantry::model::Message> {
    gantry
        .for_user(user)
        .messages(id, PageRequest::first(100))
        .await
        .unwrap()
        .items
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fact_said_in_one_conversation_is_retrieved_in_another() {
    let Some(env) = support::open("cross-conversation memory").await else {
        return;
    };
    let gantry = &env.gantry;
    let ada = user(&env, "ada@example.com").await;
    let first = conversation(gantry, ada).await;
    let said = "My cat is named Biscuit and she sleeps on the piano all afternoon.";
    let answer = gantry.for_user(ada).ask(first, said).await.unwrap();
    assert_eq!(answer.message.status, MessageStatus::Complete);
    assert!(!answer.message.content.is_empty());
    gantry.engine().idle().await;
    gantry.flush().await.unwrap();

    // The new conversation was titled from its first question.
    let titled = gantry.for_user(ada).conversation(first).await.unwrap();
    assert!(
        titled.title.starts_with("My cat is named Biscuit"),
        "{}",
        titled.title
    );

    let second = conversation(gantry, ada).await;
    let mut turn = gantry
        .for_user(ada)
        .chat(
            second,
            "Where does my cat Biscuit sleep?",
            TurnOptions::default(),
        )
        .await
        .unwrap();
    let question_id = turn.question().id;
    let mut context = None;
    let mut tokens = String::new();
    let mut done = None;
    while let Some(event) = turn.next().await {
        match event.unwrap() {
            TurnEvent::Context { citations, .. } => context = Some(citations),
            TurnEvent::Token(piece) => {
                assert!(context.is_some(), "the context comes before the tokens");
                tokens.push_str(&piece);
            }
            TurnEvent::Done(message) => done = Some(message),
        }
    }
    let context = context.expect("a context event");
    let recalled = context
        .iter()
        .find(|c| matches!(c.source, Source::Message { conversation_id, .. } if conversation_id == first))
        .unwrap_or_else(|| panic!("the first conversation is cited: {context:?}"));
    assert!(recalled.excerpt.contains("Biscuit"), "{recalled:?}");
    assert_eq!(recalled.label, titled.title);
    assert_eq!(
        recalled.number,
        context.iter().position(|c| c == recalled).unwrap() + 1
    );

    // What streamed is what was saved, with its usage.
    let done = done.expect("a done event");
    assert_eq!(done.content, tokens);
    assert!(done.prompt_tokens.unwrap() > 0 && done.completion_tokens.unwrap() > 0);
    let stored = messages(gantry, ada, second).await;
    assert_eq!(stored.len(), 2);
    assert_eq!(
        (stored[0].id, stored[0].role),
        (question_id, MessageRole::User)
    );
    assert_eq!(stored[1], done);

    // Each answer was counted for the admin's usage view (recorded after the answer).
    gantry.engine().idle().await;
    let now = OffsetDateTime::now_utc();
    let usage = gantry
        .for_user(ada)
        .usage(now - Duration::days(1), now + Duration::days(1))
        .await
        .unwrap();
    assert_eq!(usage.iter().map(|u| u.requests).sum::<u64>(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn facts_learned_from_a_turn_are_used_shown_and_forgotten() {
    let Some(env) = support::open("facts across turns").await else {
        return;
    };
    let gantry = &env.gantry;
    let ada = user(&env, "ada@example.com").await;
    let chat = conversation(gantry, ada).await;
    gantry
        .for_user(ada)
        .ask(chat, "Marguerite works at Quillfeather Press.")
        .await
        .unwrap();
    gantry.engine().idle().await;

    let memory = gantry.for_user(ada).memory().await.unwrap();
    let fact = memory
        .facts
        .iter()
        .find(|f| f.subject == "Marguerite" && f.object == "Quillfeather Press")
        .unwrap_or_else(|| panic!("the fact was learned: {memory:?}"));
    assert_eq!(fact.predicate, "works_at");

    let other = conversation(gantry, ada).await;
    let answer = gantry
        .for_user(ada)
        .ask(other, "Where does Marguerite work?")
        .await
        .unwrap();
    let cited = answer
        .citations
        .iter()
        .find(|c| c.source == Source::Fact { id: fact.id })
        .unwrap_or_else(|| panic!("the fact is in the context: {:?}", answer.citations));
    assert_eq!(cited.excerpt, "Marguerite works at Quillfeather Press");

    gantry.for_user(ada).forget_fact(fact.id).await.unwrap();
    assert!(
        gantry
            .for_user(ada)
            .memory()
            .await
            .unwrap()
            .facts
            .iter()
            .all(|f| f.id != fact.id)
    );
    let answer = gantry
        .for_user(ada)
        .ask(other, "Where does Marguerite work?")
        .await
        .unwrap();
    assert!(
        answer
            .citations
            .iter()
            .all(|c| !matches!(c.source, Source::Fact { .. })),
        "a forgotten fact is not used: {:?}",
        answer.citations
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_is_in_the_store_while_it_streams() {
    // What a crash mid-stream would leave: the answer's row, partial, holding what the
    // user had seen up to the last checkpoint (a second apart by default).
    let Some(env) = support::open_with("answer written while streaming", |config| {
        config.chat.answer_tokens = 400;
    })
    .await
    else {
        return;
    };
    let gantry = &env.gantry;
    let ada = user(&env, "ada@example.com").await;
    let chat = conversation(gantry, ada).await;
    let mut turn = gantry
        .for_user(ada)
        .chat(chat, LONG_ANSWER, long_answer())
        .await
        .unwrap();
    let mut received = String::new();
    let mut first_token = None;
    while let Some(event) = turn.next().await {
        match event.unwrap() {
            TurnEvent::Token(piece) => {
                received.push_str(&piece);
                let since = *first_token.get_or_insert_with(std::time::Instant::now);
                if since.elapsed() > std::time::Duration::from_millis(2_500) {
                    break;
                }
            }
            TurnEvent::Done(_) => panic!("the answer ended before the test could look"),
            TurnEvent::Context { .. } => {}
        }
    }
    // Still streaming (the turn is held, not dropped): the row is there, partial, and
    // holds a prefix of what was received.
    let stored = messages(gantry, ada, chat).await;
    assert_eq!(stored.len(), 2, "{stored:?}");
    let draft = &stored[1];
    assert_eq!(draft.role, MessageRole::Assistant);
    assert_eq!(draft.status, MessageStatus::Partial);
    assert!(!draft.content.is_empty(), "a checkpoint was written");
    assert!(
        received.starts_with(&draft.content),
        "stored {:?}, received {received:?}",
        draft.content
    );
    drop(turn);
    gantry.engine().idle().await;
    let stored = messages(gantry, ada, chat).await;
    assert_eq!(
        stored.len(),
        2,
        "one answer row, finished in place: {stored:?}"
    );
    assert_eq!(stored[1].id, draft.id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_that_stops_reading_is_timed_out_and_the_answer_saved() {
    let Some(env) = support::open_with("stalled reader", |config| {
        config.chat.answer_tokens = 400;
        config.chat.reader_timeout_secs = 1;
    })
    .await
    else {
        return;
    };
    let gantry = &env.gantry;
    let ada = user(&env, "ada@example.com").await;
    let chat = conversation(gantry, ada).await;
    // Asked, then never read: after the 64 buffered events the turn waits on its reader.
    let turn = gantry
        .for_user(ada)
        .chat(chat, LONG_ANSWER, long_answer())
        .await
        .unwrap();
    // The turn gives up on its reader and finishes, although `turn` is still held.
    tokio::time::timeout(std::time::Duration::from_secs(120), gantry.engine().idle())
        .await
        .expect("the turn finished without its reader");
    let stored = messages(gantry, ada, chat).await;
    assert_eq!(stored.len(), 2, "{stored:?}");
    assert_eq!(stored[1].status, MessageStatus::Partial, "{:?}", stored[1]);
    assert!(
        stored[1].completion_tokens.unwrap() < 400,
        "the model was stopped: {:?}",
        stored[1]
    );
    drop(turn);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_a_turn_midway_saves_the_partial_answer() {
    let Some(env) = support::open_with("stopping a turn", |config| {
        // Room for far more than the 64 events a turn buffers, so the stop cuts it short.
        config.chat.answer_tokens = 400;
    })
    .await
    else {
        return;
    };
    let gantry = &env.gantry;
    let ada = user(&env, "ada@example.com").await;
    let chat = conversation(gantry, ada).await;
    let mut turn = gantry
        .for_user(ada)
        .chat(
            chat,
            "Count from one to fifty, in words.",
            TurnOptions::default(),
        )
        .await
        .unwrap();
    let mut received = String::new();
    let mut pieces = 0;
    while let Some(event) = turn.next().await {
        if let TurnEvent::Token(piece) = event.unwrap() {
            received.push_str(&piece);
            pieces += 1;
            if pieces == 3 {
                break;
            }
        }
    }
    assert_eq!(pieces, 3, "the model streamed");
    drop(turn);
    gantry.engine().idle().await;

    let stored = messages(gantry, ada, chat).await;
    assert_eq!(
        stored.len(),
        2,
        "the question and the partial answer: {stored:?}"
    );
    let partial = &stored[1];
    assert_eq!(partial.status, MessageStatus::Partial);
    assert!(
        partial.content.starts_with(&received),
        "saved {:?} after receiving {received:?}",
        partial.content
    );
    assert!(
        partial.completion_tokens.unwrap() < 100,
        "generation stopped early: {partial:?}"
    );

    // The store is consistent: the answer can be regenerated in place, and the answer it
    // replaces is neither kept nor offered to the model as context.
    gantry.flush().await.unwrap();
    let again = gantry
        .for_user(ada)
        .regenerate(chat, TurnOptions::default())
        .await
        .unwrap()
        .answer()
        .await
        .unwrap();
    let stored = messages(gantry, ada, chat).await;
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[1].id, again.message.id);
    assert_eq!(stored[1].status, MessageStatus::Complete);
    let replaced = Source::Message {
        id: partial.id,
        conversation_id: chat,
    };
    assert!(
        again.citations.iter().all(|c| c.source != replaced),
        "the replaced answer is not cited: {:?}",
        again.citations
    );
    assert!(matches!(
        env.store.message(ada, partial.id).await.unwrap_err(),
        Error::NotFound { .. }
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backend_that_is_down_saves_the_error_and_reports_it() {
    let dir = tempfile::tempdir().unwrap();
    // Port 9 (discard) is closed here: every connection is refused.
    let mut config = support::config(&dir, "http://127.0.0.1:9/v1", None);
    config.backends[0].retry.retries = 0;
    let env = support::open_config(config, dir).await;
    let gantry = &env.gantry;
    let ada = user(&env, "ada@example.com").await;
    let chat = conversation(gantry, ada).await;
    let error = gantry
        .for_user(ada)
        .chat(chat, "Is anyone there?", TurnOptions::default())
        .await
        .unwrap()
        .answer()
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Unavailable { .. }), "{error:?}");
    gantry.engine().idle().await;
    let stored = messages(gantry, ada, chat).await;
    assert_eq!(stored.len(), 2, "{stored:?}");
    assert_eq!(stored[0].content, "Is anyone there?");
    assert_eq!(stored[1].status, MessageStatus::Error);
    assert!(stored[1].error.as_deref().unwrap().contains("unavailable"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_questions_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let config = support::config(&dir, "http://127.0.0.1:9/v1", None);
    let env = support::open_config(config, dir).await;
    let gantry = &env.gantry;
    let ada = user(&env, "ada@example.com").await;
    let bob = user(&env, "bob@example.com").await;
    let chat = conversation(gantry, ada).await;

    let too_long = "word ".repeat(3000);
    let error = gantry
        .for_user(ada)
        .chat(chat, too_long, TurnOptions::default())
        .await
        .unwrap_err();
    assert_eq!(error.invalid_field(), Some("question"), "{error}");
    let error = gantry
        .for_user(ada)
        .chat(chat, "  ", TurnOptions::default())
        .await
        .unwrap_err();
    assert_eq!(error.invalid_field(), Some("content"), "{error}");
    let hot = TurnOptions {
        temperature: Some(9.0),
        ..TurnOptions::default()
    };
    let error = gantry
        .for_user(ada)
        .chat(chat, "hello", hot)
        .await
        .unwrap_err();
    assert_eq!(error.invalid_field(), Some("temperature"), "{error}");
    let error = gantry
        .for_user(bob)
        .chat(chat, "hello", TurnOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(error, Error::NotFound { .. }), "{error:?}");
    let error = gantry
        .for_user(ada)
        .regenerate(chat, TurnOptions::default())
        .await
        .unwrap_err();
    assert_eq!(error.invalid_field(), Some("conversation"), "{error}");

    assert!(messages(gantry, ada, chat).await.is_empty());
    assert_eq!(gantry.operator().stats().await.unwrap().messages, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_conversation_refuses_another_question_and_keeps_what_it_has() {
    let Some(env) = support::open_with("a full conversation", |config| {
        config.quotas.messages_per_conversation = 3;
    })
    .await
    else {
        return;
    };
    let gantry = &env.gantry;
    let ada = user(&env, "ada@example.com").await;
    let chat = conversation(gantry, ada).await;
    gantry.for_user(ada).ask(chat, "Say hello.").await.unwrap();
    // The question and its answer would make four.
    let refused = gantry
        .for_user(ada)
        .chat(chat, "Say it again.", TurnOptions::default())
        .await
        .unwrap_err();
    match &refused {
        Error::LimitReached { what } => assert_eq!(
            what,
            "a conversation may hold 3 messages and this one has 2; start a new conversation"
        ),
        other => panic!("expected LimitReached, got {other:?}"),
    }
    assert_eq!(messages(gantry, ada, chat).await.len(), 2);
    // Answering the last question again replaces its answer, so it still fits.
    let again = gantry
        .for_user(ada)
        .regenerate(chat, TurnOptions::default())
        .await
        .unwrap()
        .answer()
        .await
        .unwrap();
    assert!(!again.message.content.is_empty());
    assert_eq!(messages(gantry, ada, chat).await.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_turn_killed_at_any_point_keeps_what_was_acknowledged() {
    let Some(_url) = gantry_test::service("GANTRY_LLM_URL", "a turn killed midway") else {
        return;
    };
    // Before the model starts, while it streams, and past a checkpoint or two.
    let points = support::kill_points(
        3,
        std::time::Duration::ZERO,
        std::time::Duration::from_millis(3_000),
    );
    for after in points {
        turn_killed_after(after).await;
    }
}

/// Runs [`crash_child`] and kills it with SIGKILL (no destructor, no flush) `after` its
/// turn was asked; then checks what the next start finds.
async fn turn_killed_after(after: std::time::Duration) {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, mut lines) = support::start_child("chat::crash_child", dir.path());
    let (mut ids, mut received, mut asked, mut first_token) = (None, String::new(), None, None);
    loop {
        let line = match asked {
            Some(at) => {
                let left = after.saturating_sub(std::time::Instant::now() - at);
                match tokio::time::timeout(left, lines.next_line()).await {
                    Ok(line) => line.unwrap(),
                    Err(_) => break,
                }
            }
            None => lines.next_line().await.unwrap(),
        };
        let Some(line) = line else { break };
        if let Some(rest) = line.strip_prefix("CONVERSATION ") {
            let (user, chat) = rest.split_once(' ').unwrap();
            ids = Some((user.parse().unwrap(), chat.parse().unwrap()));
        } else if line == "ASKED" {
            asked = Some(std::time::Instant::now());
        } else if let Some(piece) = line.strip_prefix("TOKEN ") {
            received.push_str(&serde_json::from_str::<String>(piece).unwrap());
            first_token.get_or_insert_with(std::time::Instant::now);
        } else if line.starts_with("DONE") {
            panic!("the answer ended before the test could kill it");
        }
    }
    child.kill().await.unwrap();
    let streamed_for = first_token.map(|t| t.elapsed()).unwrap_or_default();
    let (user, chat): (uuid::Uuid, uuid::Uuid) = ids.expect("the child started a turn");
    assert!(asked.is_some(), "the child asked its question");

    // The next start finds the question (acknowledged: `chat` returned), and the answer
    // as far as its last checkpoint, partial; never more than was streamed.
    let store = gantry::SqliteStore::open(dir.path().join("gantry.db"))
        .await
        .unwrap();
    let stored = store
        .list_messages(
            gantry::UserId(user),
            gantry::ConversationId(chat),
            PageRequest::first(10),
        )
        .await
        .unwrap()
        .items;
    assert!(
        matches!(stored.len(), 1 | 2),
        "killed after {after:?}: {stored:?}"
    );
    assert_eq!(stored[0].content, LONG_ANSWER);
    if let Some(answer) = stored.get(1) {
        assert_eq!(answer.role, MessageRole::Assistant);
        assert_eq!(answer.status, MessageStatus::Partial);
        assert!(
            received.starts_with(&answer.content),
            "killed after {after:?}: stored {:?}, received {received:?}",
            answer.content
        );
    }
    // Checkpoints are a second apart: after a second and a half of tokens, one was written.
    if streamed_for > std::time::Duration::from_millis(1_500) {
        assert!(
            stored
                .get(1)
                .is_some_and(|answer| !answer.content.is_empty()),
            "killed {streamed_for:?} into the answer, past a checkpoint: {stored:?}"
        );
    }
}

/// The process [`a_turn_killed_at_any_point_keeps_what_was_acknowledged`] kills: a Gantry
/// on the data directory it is given, streaming a long answer and printing every piece.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "the child process of a_turn_killed_at_any_point_keeps_what_was_acknowledged"]
async fn crash_child() {
    use std::io::Write as _;
    let scratch = tempfile::tempdir().unwrap();
    let mut config = support::child_config(&scratch, None);
    config.chat.answer_tokens = 400;
    let env = support::open_config(config, scratch).await;
    let ada = user(&env, "ada@example.com").await;
    let chat = conversation(&env.gantry, ada).await;
    println!("CONVERSATION {} {}", ada.0, chat.0);
    let mut turn = env
        .gantry
        .for_user(ada)
        .chat(chat, LONG_ANSWER, long_answer())
        .await
        .unwrap();
    println!("ASKED");
    std::io::stdout().flush().unwrap();
    while let Some(event) = turn.next().await {
        if let TurnEvent::Token(piece) = event.unwrap() {
            println!("TOKEN {}", serde_json::to_string(&piece).unwrap());
            std::io::stdout().flush().unwrap();
        }
    }
    println!("DONE");
}
