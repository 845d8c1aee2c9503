//! Account and status commands. They open the store alone (no model, no index files), so
//! they work beside a running server and start at once; whoever can open the data
//! directory has an operator's rights anyway.

use std::io::BufRead;

use anyhow::{Context, Result, anyhow, bail};
use gantry::model::{Role, User};
use gantry::store::PageRequest;
use gantry::{Gantry, NewAccount};

use crate::args::{RoleArg, UsersCommand};
use crate::output::{self, Style};

fn read_password() -> Result<String> {
    if let Ok(password) = std::env::var("GANTRY_PASSWORD") {
        return Ok(password);
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.is_empty() {
        bail!("no password: set GANTRY_PASSWORD or pipe it on stdin");
    }
    Ok(password)
}

/// Every account, a page at a time.
pub(crate) async fn all_users(gantry: &Gantry) -> Result<Vec<User>> {
    let operator = gantry.operator();
    let mut users = Vec::new();
    let mut page = PageRequest::first(100);
    loop {
        let got = operator.users(page).await?;
        users.extend(got.items);
        match got.next {
            Some(cursor) => page = PageRequest::after(100, cursor),
            None => return Ok(users),
        }
    }
}

async fn user_by_email(gantry: &Gantry, email: &str) -> Result<User> {
    gantry.operator().find_user(email).await?.ok_or_else(|| {
        anyhow!("no account with the email {email} (`gantry users list` shows them)")
    })
}

pub(crate) async fn users(gantry: &Gantry, command: &UsersCommand) -> Result<()> {
    let operator = gantry.operator();
    let style = Style::stdout();
    match command {
        UsersCommand::Add { email, name, admin } => {
            let account = NewAccount::new(email, name, read_password()?);
            let first = operator.stats().await?.users == 0;
            let user = if first {
                gantry.register(account).await?
            } else {
                let role = if *admin { Role::Admin } else { Role::User };
                operator.create_user(account, role).await?
            };
            println!("created {} {} ({})", user.role, user.email, user.id);
        }
        UsersCommand::List { json } => {
            let users = all_users(gantry).await?;
            if *json {
                return output::json(&users);
            }
            let width = users
                .iter()
                .map(|u| u.email.len())
                .max()
                .unwrap_or(5)
                .max(5);
            println!(
                "{}",
                style.dim(&format!(
                    "{:<width$}  {:<5}  {:<8}  NAME",
                    "EMAIL", "ROLE", "STATE"
                ))
            );
            for u in &users {
                let state = if u.disabled { "disabled" } else { "active" };
                println!(
                    "{:<width$}  {:<5}  {:<8}  {}",
                    u.email,
                    u.role.as_str(),
                    state,
                    u.display_name
                );
            }
        }
        UsersCommand::Passwd { email } => {
            let user = user_by_email(gantry, email).await?;
            operator
                .reset_password(user.id, &read_password()?)
                .await
                .context("setting the password")?;
            println!("password set for {} (their sessions ended)", user.email);
        }
        UsersCommand::Disable { email, undo } => {
            let user = user_by_email(gantry, email).await?;
            operator.set_disabled(user.id, !undo).await?;
            let done = if *undo { "enabled" } else { "disabled" };
            println!("{done} {}", user.email);
        }
        UsersCommand::Role { email, role } => {
            let user = user_by_email(gantry, email).await?;
            let role = match role {
                RoleArg::User => Role::User,
                RoleArg::Admin => Role::Admin,
            };
            operator.set_role(user.id, role).await?;
            println!("{} is now {}", user.email, role.as_str());
        }
    }
    Ok(())
}

pub(crate) async fn status(gantry: &Gantry, as_json: bool) -> Result<()> {
    let stats = gantry.operator().stats().await?;
    if as_json {
        return output::json(&stats);
    }
    println!(
        "Gantry {} store: {} ({})",
        gantry::VERSION,
        gantry.engine().database(),
        gantry.config().database()
    );
    println!("  users          {}", stats.users);
    println!("  conversations  {}", stats.conversations);
    println!("  messages       {}", stats.messages);
    println!("  documents      {}", stats.documents);
    println!("  chunks         {}", stats.chunks);
    println!("  change seq     {}", stats.latest_seq);
    Ok(())
}
