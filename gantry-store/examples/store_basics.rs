//! Gantry's store on its own: open the embedded SQLite store, make an account, keep a
//! conversation, and read it back. Run: `cargo run --example store_basics`.

use gantry_core::model::{MessageRole, NewConversation, NewMessage, NewUser, Role};
use gantry_core::store::PageRequest;
use gantry_core::store::prelude::*;

#[tokio::main]
async fn main() -> gantry_core::Result<()> {
    let dir = std::env::temp_dir().join(format!("gantry-example-{}", std::process::id()));
    let store = gantry_store::SqliteStore::open(dir.join("gantry.db")).await?;

    let ada = store
        .create_user(NewUser {
            email: "ada@example.com".into(),
            display_name: "Ada".into(),
            password_hash: gantry_core::auth::hash_password("correct horse battery staple")?,
            role: Role::Admin,
        })
        .await?;
    let chat = store
        .create_conversation(
            ada.id,
            NewConversation {
                title: "Travel plans".into(),
                ..Default::default()
            },
        )
        .await?;
    store
        .append_message(
            ada.id,
            chat.id,
            NewMessage::new(MessageRole::User, "I live in Lisbon now."),
        )
        .await?;
    store
        .append_message(
            ada.id,
            chat.id,
            NewMessage::new(MessageRole::Assistant, "Noted: you live in Lisbon."),
        )
        .await?;

    for message in store
        .list_messages(ada.id, chat.id, PageRequest::first(50))
        .await?
        .items
    {
        println!("{:>9}: {}", message.role, message.content);
    }
    println!("{:?}", store.stats().await?);
    store.close().await;
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}
