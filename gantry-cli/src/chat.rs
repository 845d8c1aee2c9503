//! `gantry chat` (an interactive session) and `gantry ask` (one question, pipe-friendly).
//! Ctrl+C while an answer streams stops it (what arrived is kept) without leaving.

use std::io::{IsTerminal, Read, Write};

use anyhow::{Context, Result, bail};
use futures::StreamExt;
use gantry::ConversationId;
use gantry::model::{CitedSource, Message, MessageRole, MessageStatus};
use rustyline::error::ReadlineError;

use crate::args::{AskArgs, ChatArgs};
use crate::door::{AnswerEvent, Door};
use crate::output::{self, Style};

/// How a streamed answer ended.
enum Ended {
    Saved(Box<Message>, Vec<CitedSource>),
    Stopped,
}

/// Streams one answer to stdout; Ctrl+C stops it.
async fn answer(
    door: &Door,
    conversation: ConversationId,
    text: String,
    model: Option<String>,
    print: bool,
) -> Result<Ended> {
    let mut interrupt = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
        .context("listening for Ctrl+C")?;
    let mut events = door.ask(conversation, text, model).await?;
    let mut citations = Vec::new();
    let mut out = std::io::stdout();
    loop {
        let event = tokio::select! {
            biased;
            _ = interrupt.recv() => {
                drop(events);
                door.stop(conversation).await?;
                return Ok(Ended::Stopped);
            }
            event = events.next() => event,
        };
        match event {
            None => return Ok(Ended::Stopped),
            Some(Err(error)) => return Err(error),
            Some(Ok(AnswerEvent::Context(given))) => citations = given,
            Some(Ok(AnswerEvent::Token(piece))) => {
                if print {
                    out.write_all(piece.as_bytes())?;
                    out.flush()?;
                }
            }
            Some(Ok(AnswerEvent::Done(message))) => return Ok(Ended::Saved(message, citations)),
        }
    }
}

/// The sources an answer used and what it cost, one dim line.
fn footnote(style: Style, message: &Message, citations: &[CitedSource]) -> String {
    let mut parts = Vec::new();
    if !citations.is_empty() {
        let sources: Vec<String> = citations
            .iter()
            .map(|c| format!("[{}] {}", c.number, c.label))
            .collect();
        parts.push(format!("sources: {}", sources.join(", ")));
    }
    if let Some(tokens) = message.completion_tokens {
        parts.push(format!("{tokens} tokens"));
    }
    if let Some(rate) = message
        .context
        .as_ref()
        .and_then(|c| c.timings.tokens_per_second)
    {
        parts.push(format!("{rate:.1} tokens/s"));
    }
    style.dim(&parts.join(" · "))
}

/// `gantry ask`: the answer on stdout, nothing else (errors on stderr).
pub(crate) async fn ask(door: &Door, args: &AskArgs) -> Result<bool> {
    let mut question = args.question.join(" ");
    if !std::io::stdin().is_terminal() {
        let mut piped = String::new();
        std::io::stdin()
            .read_to_string(&mut piped)
            .context("reading stdin")?;
        if !piped.trim().is_empty() {
            if !question.is_empty() {
                question.push_str("\n\n");
            }
            question.push_str(piped.trim_end());
        }
    }
    if question.trim().is_empty() {
        bail!("nothing to ask: give the question as arguments or on stdin");
    }
    let conversation = start(door, &args.chat).await?;
    match answer(
        door,
        conversation,
        question,
        args.chat.model.clone(),
        !args.json,
    )
    .await?
    {
        Ended::Saved(message, citations) => {
            if args.json {
                let value = serde_json::json!({
                    "conversation_id": conversation.0,
                    "message": message,
                    "citations": citations,
                });
                println!("{}", serde_json::to_string_pretty(&value)?);
            } else {
                println!();
            }
            match message.status {
                MessageStatus::Error => bail!(
                    "the answer failed: {}",
                    message.error.as_deref().unwrap_or("no reason given")
                ),
                _ => Ok(true),
            }
        }
        Ended::Stopped => {
            println!();
            eprintln!("stopped");
            Ok(false)
        }
    }
}

/// The conversation to chat in: `--conversation`, or a new one; `--persona` applied.
async fn start(door: &Door, args: &ChatArgs) -> Result<ConversationId> {
    let conversation = match &args.conversation {
        Some(id) => door.conversation(id).await?.id,
        None => door.new_conversation().await?.id,
    };
    if let Some(persona) = &args.persona {
        door.use_persona(conversation, persona).await?;
    }
    Ok(conversation)
}

const HELP: &str = "\
/new              start a new conversation
/persona NAME     answer as this persona from now on
/model [NAME]     answer with this model (without NAME: list the models)
/history          the conversation so far
/help             this list
/quit             leave (or Ctrl+D)
Ctrl+C stops an answer while it is written; what arrived is kept.";

/// `gantry chat`: a prompt, answers streamed, slash commands.
pub(crate) async fn chat(door: &Door, args: &ChatArgs) -> Result<bool> {
    let style = Style::stdout();
    let mut conversation = start(door, args).await?;
    let mut model = args.model.clone();
    println!(
        "{}",
        style.dim(&format!(
            "Gantry chat on {} · /help for commands · Ctrl+D to leave",
            door.describe()
        ))
    );
    let mut editor = rustyline::DefaultEditor::new().context("starting the line editor")?;
    loop {
        let prompt = style.prompt("you> ");
        let (back, line) = tokio::task::spawn_blocking(move || {
            let line = editor.readline(&prompt);
            (editor, line)
        })
        .await?;
        editor = back;
        let line = match line {
            Ok(line) => line,
            Err(ReadlineError::Interrupted) => {
                println!("{}", style.dim("(Ctrl+D or /quit to leave)"));
                continue;
            }
            Err(ReadlineError::Eof) => break,
            Err(error) => return Err(error).context("reading the prompt"),
        };
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let _ = editor.add_history_entry(line);
        if let Some(command) = line.strip_prefix('/') {
            let (name, rest) = command.split_once(' ').unwrap_or((command, ""));
            let rest = rest.trim();
            match name {
                "quit" | "exit" | "q" => break,
                "help" | "?" => println!("{HELP}"),
                "new" => {
                    conversation = door.new_conversation().await?.id;
                    println!("{}", style.dim("new conversation"));
                }
                "persona" if !rest.is_empty() => match door.use_persona(conversation, rest).await {
                    Ok(name) => println!("{}", style.dim(&format!("persona: {name}"))),
                    Err(error) => println!("{}", style.error(&format!("{error:#}"))),
                },
                "model" if rest.is_empty() => match door.models().await {
                    Ok(models) => output::models(style, &models, model.as_deref()),
                    Err(error) => println!("{}", style.error(&format!("{error:#}"))),
                },
                "model" => {
                    model = Some(rest.to_owned());
                    println!("{}", style.dim(&format!("model: {rest}")));
                }
                "history" => {
                    for message in door.messages(conversation, 50).await? {
                        let who = match message.role {
                            MessageRole::User => style.prompt("you> "),
                            _ => style.dim("gantry> "),
                        };
                        println!("{who}{}", message.content);
                    }
                }
                _ => println!(
                    "{}",
                    style.error(&format!("unknown command /{name}: /help lists them"))
                ),
            }
            continue;
        }
        match answer(door, conversation, line.to_owned(), model.clone(), true).await {
            Ok(Ended::Saved(message, citations)) => {
                println!();
                if message.status == MessageStatus::Error {
                    println!(
                        "{}",
                        style.error(&format!(
                            "the answer failed: {}",
                            message.error.as_deref().unwrap_or("no reason given")
                        ))
                    );
                }
                let note = footnote(style, &message, &citations);
                if !note.is_empty() {
                    println!("{note}");
                }
            }
            Ok(Ended::Stopped) => println!("\n{}", style.dim("(stopped; what arrived is kept)")),
            Err(error) => println!("\n{}", style.error(&format!("{error:#}"))),
        }
    }
    Ok(true)
}
