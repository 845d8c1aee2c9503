//! The knowledge graph: facts Gantry learns from a conversation, then what it knows
//! around one person (a neighbourhood query).
//!
//! `GANTRY_LLM_URL=http://127.0.0.1:8080/v1 cargo run --example graph`
//! (facts are found by fixed patterns by default; `GANTRY_EXTRACTION=llm` asks the model).

use gantry::model::NewConversation;
use gantry::{Config, Gantry, NewAccount, TurnOptions};

#[tokio::main]
async fn main() -> gantry::Result<()> {
    let mut config = Config::load(None)?;
    config.data_dir = std::env::temp_dir().join(format!("gantry-graph-{}", std::process::id()));
    let gantry = Gantry::open(config.clone()).await?;
    let user = gantry
        .register(NewAccount::new("me@example.com", "Me", "a long passphrase"))
        .await?;
    let me = gantry.for_user(user.id);
    let chat = me.create_conversation(NewConversation::default()).await?;
    for said in [
        "Alice Moreau works at Acme Robotics.",
        "Alice Moreau lives in Lyon. Bruno is Alice Moreau's brother.",
        "Bruno works at Acme Robotics too.",
    ] {
        me.chat(chat.id, said, TurnOptions::default())
            .await?
            .answer()
            .await?;
    }
    gantry.flush().await?;

    let memory = me.memory().await?;
    println!("What Gantry remembers:");
    for fact in &memory.facts {
        println!("  {} --{}--> {}", fact.subject, fact.predicate, fact.object);
    }
    let alice = memory
        .entities
        .iter()
        .find(|e| e.name == "Alice Moreau")
        .ok_or_else(|| gantry::Error::not_found("entity Alice Moreau"))?;
    let around = me.neighbourhood(alice.id, 2).await?;
    println!("\nWithin two steps of {}:", alice.name);
    for entity in &around.entities {
        println!("  {} ({})", entity.name, entity.kind);
    }
    gantry.close().await?;
    std::fs::remove_dir_all(&config.data_dir).ok();
    Ok(())
}
