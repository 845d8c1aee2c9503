//! Embed Gantry and chat with memory across two conversations.
//! `GANTRY_LLM_URL=http://127.0.0.1:8080/v1 cargo run --example quickstart`
use futures::StreamExt;
use gantry::model::NewConversation;
use gantry::{Config, Gantry, NewAccount, TurnEvent, TurnOptions};

#[tokio::main]
async fn main() -> gantry::Result<()> {
    // SQLite and indexes in ./gantry-data (GANTRY_DATA_DIR), the model from GANTRY_LLM_URL.
    let gantry = Gantry::open(Config::load(None)?).await?;
    let (email, new) = ("me@example.com", NewConversation::default);
    let me = match gantry.user_by_email(email).await? {
        Some(known) => known,
        None => {
            gantry
                .register(NewAccount::new(email, "Me", "a passphrase"))
                .await?
        }
    };
    let first = gantry.create_conversation(me.id, new()).await?;
    let said = "My sister Maya lives in Porto and grows lemons.";
    gantry.ask(me.id, first.id, said).await?;
    gantry.flush().await?; // indexed now: every conversation can recall it
    let second = gantry.create_conversation(me.id, new()).await?;
    let (asked, options) = ("Where does Maya live?", TurnOptions::default());
    let mut turn = gantry.chat(me.id, second.id, asked, options).await?;
    while let Some(event) = turn.next().await {
        match event? {
            TurnEvent::Context(sources) => {
                for source in sources {
                    println!("[{}] {}", source.number, source.excerpt);
                }
            }
            TurnEvent::Token(text) => print!("{text}"),
            TurnEvent::Done(answer) => println!("\n({:?} tokens)", answer.completion_tokens),
        }
    }
    gantry.close().await
}
