//! Embed Gantry and chat with memory across two conversations.
//! `GANTRY_LLM_URL=http://127.0.0.1:8080/v1 cargo run --example quickstart`, or with the
//! in-process model: `GANTRY_MODELS_DIR=~/.cache/gantry/models cargo run --features gguf
//! --example quickstart` (what `scripts/quickstart` does).
use futures::StreamExt;
use gantry::Error;
use gantry::prelude::*;

#[tokio::main]
async fn main() -> gantry::Result<()> {
    // SQLite and indexes in ./gantry-data (GANTRY_DATA_DIR), the model from GANTRY_LLM_URL,
    // else the .gguf file in GANTRY_MODELS_DIR.
    let gantry = Gantry::open(Config::load(None)?).await?;
    let (email, password) = ("me@example.com", "a passphrase");
    let user = match gantry.sign_in(email, password).await {
        Ok(signed_in) => signed_in.user,
        Err(Error::Unauthenticated { .. }) => {
            gantry
                .register(NewAccount::new(email, "Me", password))
                .await?
        }
        Err(other) => return Err(other),
    };
    let me = gantry.for_user(user.id);
    let first = me.create_conversation(NewConversation::default()).await?;
    me.ask(first.id, "My sister Maya lives in Porto and grows lemons.")
        .await?;
    gantry.flush().await?; // indexed now: every conversation can recall it
    let second = me.create_conversation(NewConversation::default()).await?;
    let question = "Where does Maya live?";
    let mut turn = me.chat(second.id, question, TurnOptions::default()).await?;
    while let Some(event) = turn.next().await {
        match event? {
            TurnEvent::Context { citations, .. } => {
                for source in citations {
                    println!("[{}] {}", source.number, source.excerpt);
                }
            }
            TurnEvent::Token(text) => print!("{text}"),
            TurnEvent::Done(answer) => println!("\n({:?} tokens)", answer.completion_tokens),
        }
    }
    gantry.close().await
}
