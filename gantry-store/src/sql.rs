//! The queries, written once and compiled for each backend.
//!
//! The SQL is portable between SQLite and PostgreSQL (`$n` placeholders, row-value keyset
//! comparisons, `RETURNING`, `ON CONFLICT`, `IS NOT DISTINCT FROM`), and the Rust around it
//! is identical; only the row and database types differ. [`impl_sql_store!`] stamps the one
//! implementation out for a concrete backend, which keeps each a plain, fully typed impl
//! instead of a generic one buried in trait bounds. Each backend provides `self.pool` and
//! `self.begin_write()` (a transaction that already holds the write lock where that matters).

/// Column lists, as literals so they can be `concat!`ed into `&'static str` queries.
macro_rules! user_cols {
    () => {
        "id, email, display_name, role, disabled, created_at"
    };
}
macro_rules! conversation_cols {
    () => {
        "id, owner_id, title, pinned, archived, persona_id, model, created_at, updated_at"
    };
}
macro_rules! message_cols {
    () => {
        "id, conversation_id, owner_id, role, content, status, model, prompt_tokens, \
         completion_tokens, error, created_at, position, seq"
    };
}
macro_rules! document_cols {
    () => {
        "id, owner_id, filename, content_type, size_bytes, status, failure_reason, created_at, \
         updated_at"
    };
}
macro_rules! chunk_cols {
    () => {
        "id, document_id, owner_id, ordinal, text, token_count, embedding, seq"
    };
}
macro_rules! collection_cols {
    () => {
        "id, owner_id, name, description, created_at, updated_at"
    };
}
macro_rules! persona_cols {
    () => {
        "id, owner_id, name, system_prompt, default_model, temperature, is_default, created_at, \
         updated_at"
    };
}
macro_rules! entity_cols {
    () => {
        "id, owner_id, name, kind, created_at"
    };
}
macro_rules! relation_cols {
    () => {
        "id, owner_id, subject_id, predicate, object_id, source_message_id, valid_from, valid_to"
    };
}

macro_rules! impl_sql_store {
    ($Store:ident, $Db:ty, $Row:ty, $backend:literal) => {
        use async_trait::async_trait;
        use gantry_core::ids::*;
        use gantry_core::model::*;
        use gantry_core::store::*;
        use gantry_core::{Error, Result};
        use sqlx::Row as _;
        use time::OffsetDateTime;
        use uuid::Uuid;

        use $crate::convert::{
            DbResult, bad_cursor, db_error, embedding_from_bytes, embedding_to_bytes, from_micros, now,
            to_micros, to_u32, to_u64,
        };

        type Tx = sqlx::Transaction<'static, $Db>;

        fn get<'r, T>(row: &'r $Row, column: &str) -> Result<T>
        where
            T: sqlx::Decode<'r, $Db> + sqlx::Type<$Db>,
        {
            row.try_get(column).db()
        }

        fn parse<T: std::str::FromStr<Err = Error>>(row: &$Row, column: &str) -> Result<T> {
            get::<String>(row, column)?.parse()
        }

        fn time(row: &$Row, column: &str) -> Result<OffsetDateTime> {
            from_micros(get(row, column)?)
        }

        fn opt_u32(row: &$Row, column: &str) -> Result<Option<u32>> {
            get::<Option<i64>>(row, column)?
                .map(|v| to_u32(v, column))
                .transpose()
        }

        fn user_row(row: &$Row) -> Result<User> {
            Ok(User {
                id: UserId(get(row, "id")?),
                email: get(row, "email")?,
                display_name: get(row, "display_name")?,
                role: parse(row, "role")?,
                disabled: get(row, "disabled")?,
                created_at: time(row, "created_at")?,
            })
        }

        fn conversation_row(row: &$Row) -> Result<Conversation> {
            Ok(Conversation {
                id: ConversationId(get(row, "id")?),
                owner_id: UserId(get(row, "owner_id")?),
                title: get(row, "title")?,
                pinned: get(row, "pinned")?,
                archived: get(row, "archived")?,
                persona_id: get::<Option<Uuid>>(row, "persona_id")?.map(PersonaId),
                model: get(row, "model")?,
                created_at: time(row, "created_at")?,
                updated_at: time(row, "updated_at")?,
            })
        }

        fn message_row(row: &$Row) -> Result<Message> {
            Ok(Message {
                id: MessageId(get(row, "id")?),
                conversation_id: ConversationId(get(row, "conversation_id")?),
                owner_id: UserId(get(row, "owner_id")?),
                role: parse(row, "role")?,
                content: get(row, "content")?,
                status: parse(row, "status")?,
                model: get(row, "model")?,
                prompt_tokens: opt_u32(row, "prompt_tokens")?,
                completion_tokens: opt_u32(row, "completion_tokens")?,
                error: get(row, "error")?,
                created_at: time(row, "created_at")?,
            })
        }

        fn document_row(row: &$Row) -> Result<Document> {
            Ok(Document {
                id: DocumentId(get(row, "id")?),
                owner_id: UserId(get(row, "owner_id")?),
                filename: get(row, "filename")?,
                content_type: get(row, "content_type")?,
                size_bytes: to_u64(get(row, "size_bytes")?, "size_bytes")?,
                status: parse(row, "status")?,
                failure_reason: get(row, "failure_reason")?,
                created_at: time(row, "created_at")?,
                updated_at: time(row, "updated_at")?,
            })
        }

        fn chunk_row(row: &$Row) -> Result<Chunk> {
            Ok(Chunk {
                id: ChunkId(get(row, "id")?),
                document_id: DocumentId(get(row, "document_id")?),
                owner_id: UserId(get(row, "owner_id")?),
                ordinal: to_u32(get(row, "ordinal")?, "ordinal")?,
                text: get(row, "text")?,
                token_count: to_u32(get(row, "token_count")?, "token_count")?,
                embedding: get::<Option<Vec<u8>>>(row, "embedding")?
                    .map(|b| embedding_from_bytes(&b))
                    .transpose()?,
            })
        }

        fn collection_row(row: &$Row) -> Result<Collection> {
            Ok(Collection {
                id: CollectionId(get(row, "id")?),
                owner_id: UserId(get(row, "owner_id")?),
                name: get(row, "name")?,
                description: get(row, "description")?,
                created_at: time(row, "created_at")?,
                updated_at: time(row, "updated_at")?,
            })
        }

        fn persona_row(row: &$Row) -> Result<Persona> {
            Ok(Persona {
                id: PersonaId(get(row, "id")?),
                owner_id: get::<Option<Uuid>>(row, "owner_id")?.map(UserId),
                name: get(row, "name")?,
                system_prompt: get(row, "system_prompt")?,
                default_model: get(row, "default_model")?,
                temperature: get(row, "temperature")?,
                is_default: get(row, "is_default")?,
                created_at: time(row, "created_at")?,
                updated_at: time(row, "updated_at")?,
            })
        }

        fn entity_row(row: &$Row) -> Result<Entity> {
            Ok(Entity {
                id: EntityId(get(row, "id")?),
                owner_id: UserId(get(row, "owner_id")?),
                name: get(row, "name")?,
                kind: get(row, "kind")?,
                created_at: time(row, "created_at")?,
            })
        }

        fn relation_row(row: &$Row) -> Result<Relation> {
            Ok(Relation {
                id: RelationId(get(row, "id")?),
                owner_id: UserId(get(row, "owner_id")?),
                subject_id: EntityId(get(row, "subject_id")?),
                predicate: get(row, "predicate")?,
                object_id: EntityId(get(row, "object_id")?),
                source_message_id: get::<Option<Uuid>>(row, "source_message_id")?.map(MessageId),
                valid_from: time(row, "valid_from")?,
                valid_to: get::<Option<i64>>(row, "valid_to")?
                    .map(from_micros)
                    .transpose()?,
            })
        }

        /// Takes the next `n` change numbers; returns the first. Must run inside the
        /// transaction that writes the rows, so numbers commit in order.
        async fn next_seqs(tx: &mut Tx, n: i64) -> Result<i64> {
            let last: i64 = sqlx::query_scalar(
                "UPDATE change_counter SET last_seq = last_seq + $1 WHERE id = 1 RETURNING last_seq",
            )
            .bind(n)
            .fetch_one(&mut **tx)
            .await
            .db()?;
            Ok(last - n + 1)
        }

        /// Inserts a conversation row; `NotFound` names the owner when there is no such user.
        async fn insert_conversation(tx: &mut Tx, conversation: &Conversation) -> Result<()> {
            let done = sqlx::query(
                "INSERT INTO conversations (id, owner_id, title, pinned, archived, persona_id, model, created_at, updated_at, title_key) \
                 SELECT $1, id, $3, $4, $5, $6, $7, $8, $9, $10 FROM users WHERE id = $2",
            )
            .bind(conversation.id.0)
            .bind(conversation.owner_id.0)
            .bind(&conversation.title)
            .bind(conversation.pinned)
            .bind(conversation.archived)
            .bind(conversation.persona_id.map(|p| p.0))
            .bind(&conversation.model)
            .bind(to_micros(conversation.created_at))
            .bind(to_micros(conversation.updated_at))
            .bind(title_key(&conversation.title))
            .execute(&mut **tx)
            .await
            .db()?;
            if done.rows_affected() == 0 {
                return Err(Error::not_found(conversation.owner_id.describe()));
            }
            Ok(())
        }

        /// Inserts a message row with change number `seq` (also its position).
        async fn insert_message(tx: &mut Tx, message: &Message, seq: i64) -> Result<()> {
            sqlx::query(concat!(
                "INSERT INTO messages (", message_cols!(), ") \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)"
            ))
            .bind(message.id.0)
            .bind(message.conversation_id.0)
            .bind(message.owner_id.0)
            .bind(message.role.as_str())
            .bind(&message.content)
            .bind(message.status.as_str())
            .bind(&message.model)
            .bind(message.prompt_tokens.map(i64::from))
            .bind(message.completion_tokens.map(i64::from))
            .bind(&message.error)
            .bind(to_micros(message.created_at))
            .bind(seq)
            .execute(&mut **tx)
            .await
            .db()?;
            Ok(())
        }

        /// Checks a name search's query and limit; the `LIKE` pattern for its key, or
        /// `None` for a blank query (which finds nothing).
        fn name_search(query: &str, limit: u32) -> Result<Option<String>> {
            gantry_core::validate::page_limit(limit)?;
            gantry_core::validate::bounded("query", query, gantry_core::validate::MAX_TITLE_BYTES)?;
            let query = query.trim();
            Ok((!query.is_empty()).then(|| contains_pattern(&title_key(query))))
        }

        async fn commit(tx: Tx) -> Result<()> {
            tx.commit().await.db()
        }

        /// Rows about to be deleted in bulk, each of which needs a tombstone.
        #[derive(Clone, Copy)]
        enum Doomed {
            MessagesOfConversation,
            MessagesOfOwner,
            ChunksOfDocument,
            ChunksOfOwner,
        }

        impl Doomed {
            /// The count query and the tombstone insert (`$1` the scope's id, `$2` the
            /// first change number), numbered in the rows' own order.
            fn sql(self) -> (&'static str, &'static str) {
                macro_rules! pair {
                    ($table:literal, $column:literal, $order:literal, $kind:literal) => {
                        (
                            concat!("SELECT COUNT(*) FROM ", $table, " WHERE ", $column, " = $1"),
                            concat!(
                                "INSERT INTO tombstones (seq, kind, item_id, owner_id) ",
                                "SELECT $2 - 1 + ROW_NUMBER() OVER (ORDER BY ", $order, "), '",
                                $kind, "', id, owner_id FROM ", $table, " WHERE ", $column, " = $1"
                            ),
                        )
                    };
                }
                match self {
                    Self::MessagesOfConversation => pair!("messages", "conversation_id", "position", "message"),
                    Self::MessagesOfOwner => pair!("messages", "owner_id", "position", "message"),
                    Self::ChunksOfDocument => pair!("chunks", "document_id", "seq", "chunk"),
                    Self::ChunksOfOwner => pair!("chunks", "owner_id", "seq", "chunk"),
                }
            }
        }

        /// Leaves a tombstone for every row `doomed` names under `id`, before they are
        /// deleted, each with its own change number.
        async fn tombstone(tx: &mut Tx, doomed: Doomed, id: Uuid) -> Result<()> {
            let (count_sql, insert_sql) = doomed.sql();
            let n: i64 = sqlx::query_scalar(count_sql)
                .bind(id)
                .fetch_one(&mut **tx)
                .await
                .db()?;
            if n == 0 {
                return Ok(());
            }
            let first = next_seqs(tx, n).await?;
            sqlx::query(insert_sql)
                .bind(id)
                .bind(first)
                .execute(&mut **tx)
                .await
                .db()?;
            Ok(())
        }

        /// Fails with `NotFound` unless the conversation exists and is the owner's.
        async fn owned_conversation(tx: &mut Tx, owner: UserId, id: ConversationId) -> Result<()> {
            sqlx::query("SELECT 1 FROM conversations WHERE id = $1 AND owner_id = $2")
                .bind(id.0)
                .bind(owner.0)
                .fetch_optional(&mut **tx)
                .await
                .db()?
                .map(|_| ())
                .ok_or_else(|| Error::not_found(id.describe()))
        }

        /// Fails with `NotFound` unless the document exists and is the owner's.
        async fn owned_document(tx: &mut Tx, owner: UserId, id: DocumentId) -> Result<()> {
            sqlx::query("SELECT 1 FROM documents WHERE id = $1 AND owner_id = $2")
                .bind(id.0)
                .bind(owner.0)
                .fetch_optional(&mut **tx)
                .await
                .db()?
                .map(|_| ())
                .ok_or_else(|| Error::not_found(id.describe()))
        }

        /// Fails with `NotFound` unless the collection exists and is the owner's.
        async fn owned_collection(tx: &mut Tx, owner: UserId, id: CollectionId) -> Result<()> {
            sqlx::query("SELECT 1 FROM collections WHERE id = $1 AND owner_id = $2")
                .bind(id.0)
                .bind(owner.0)
                .fetch_optional(&mut **tx)
                .await
                .db()?
                .map(|_| ())
                .ok_or_else(|| Error::not_found(id.describe()))
        }

        /// The key collection names are unique by and sorted on: trimmed and lower-cased.
        fn name_key(name: &str) -> String {
            name.trim().to_lowercase()
        }

        /// The key conversation titles are searched by: lower-cased here rather than in SQL,
        /// because SQLite's `LOWER` folds only ASCII.
        fn title_key(title: &str) -> String {
            title.to_lowercase()
        }

        /// A `LIKE` pattern (with `ESCAPE '\'`) matching `text` anywhere, every character
        /// literally.
        fn contains_pattern(text: &str) -> String {
            let mut pattern = String::with_capacity(text.len() + 2);
            pattern.push('%');
            for c in text.chars() {
                if matches!(c, '%' | '_' | '\\') {
                    pattern.push('\\');
                }
                pattern.push(c);
            }
            pattern.push('%');
            pattern
        }

        /// A conversation's scope as stored, each list in id (creation) order.
        async fn fetch_scope(tx: &mut Tx, conversation: ConversationId) -> Result<ConversationScope> {
            let documents: Vec<Uuid> = sqlx::query_scalar(
                "SELECT document_id FROM conversation_scope_documents WHERE conversation_id = $1 \
                 ORDER BY document_id",
            )
            .bind(conversation.0)
            .fetch_all(&mut **tx)
            .await
            .db()?;
            let collections: Vec<Uuid> = sqlx::query_scalar(
                "SELECT collection_id FROM conversation_scope_collections WHERE conversation_id = $1 \
                 ORDER BY collection_id",
            )
            .bind(conversation.0)
            .fetch_all(&mut **tx)
            .await
            .db()?;
            Ok(ConversationScope {
                documents: documents.into_iter().map(DocumentId).collect(),
                collections: collections.into_iter().map(CollectionId).collect(),
            })
        }

        /// Fails with `NotFound` unless the persona is global or the user's own.
        async fn usable_persona(tx: &mut Tx, user: UserId, id: PersonaId) -> Result<()> {
            sqlx::query("SELECT 1 FROM personas WHERE id = $1 AND (owner_id IS NULL OR owner_id = $2)")
                .bind(id.0)
                .bind(user.0)
                .fetch_optional(&mut **tx)
                .await
                .db()?
                .map(|_| ())
                .ok_or_else(|| Error::not_found(id.describe()))
        }

        fn conversation_cursor(c: &Conversation) -> Cursor {
            Cursor(format!(
                "{}.{}.{}",
                u8::from(c.pinned),
                to_micros(c.updated_at),
                c.id.0.simple()
            ))
        }

        fn parse_conversation_cursor(cursor: &Cursor) -> Result<(bool, i64, Uuid)> {
            let mut parts = cursor.0.splitn(3, '.');
            let pinned = match parts.next() {
                Some("1") => true,
                Some("0") => false,
                _ => return Err(bad_cursor()),
            };
            let updated = parts
                .next()
                .and_then(|p| p.parse::<i64>().ok())
                .ok_or_else(bad_cursor)?;
            let id = parts
                .next()
                .and_then(|p| Uuid::try_parse(p).ok())
                .ok_or_else(bad_cursor)?;
            Ok((pinned, updated, id))
        }

        fn uuid_cursor(cursor: Option<&Cursor>, default: Uuid) -> Result<Uuid> {
            cursor.map_or(Ok(default), |c| Uuid::try_parse(&c.0).map_err(|_| bad_cursor()))
        }

        /// Splits off the extra row fetched to learn whether another page follows.
        fn paged<T>(mut items: Vec<T>, limit: u32, cursor: impl Fn(&T) -> Cursor) -> Page<T> {
            let limit = limit as usize;
            let next = if items.len() > limit {
                items.truncate(limit);
                items.last().map(cursor)
            } else {
                None
            };
            Page { items, next }
        }

        async fn fetch_persona(
            tx: &mut Tx,
            id: PersonaId,
        ) -> Result<Persona> {
            let row = sqlx::query(concat!("SELECT ", persona_cols!(), " FROM personas WHERE id = $1"))
                .bind(id.0)
                .fetch_one(&mut **tx)
                .await
                .db()?;
            persona_row(&row)
        }

        #[async_trait]
        impl UserStore for $Store {
            async fn create_user(&self, new: NewUser) -> Result<User> {
                new.validate()?;
                let user = User {
                    id: UserId::new(),
                    email: new.email,
                    display_name: new.display_name,
                    role: new.role,
                    disabled: false,
                    created_at: now(),
                };
                let result = sqlx::query(
                    "INSERT INTO users (id, email, email_key, display_name, password_hash, role, disabled, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(user.id.0)
                .bind(&user.email)
                .bind(user.email.to_lowercase())
                .bind(&user.display_name)
                .bind(&new.password_hash)
                .bind(user.role.as_str())
                .bind(user.disabled)
                .bind(to_micros(user.created_at))
                .execute(&self.pool)
                .await;
                match result {
                    Ok(_) => Ok(user),
                    Err(sqlx::Error::Database(db)) if db.is_unique_violation() => Err(Error::conflict(
                        format!("a user with email {} already exists", user.email),
                    )),
                    Err(e) => Err(db_error(e)),
                }
            }

            async fn user(&self, id: UserId) -> Result<User> {
                let row = sqlx::query(concat!("SELECT ", user_cols!(), " FROM users WHERE id = $1"))
                    .bind(id.0)
                    .fetch_optional(&self.pool)
                    .await
                    .db()?
                    .ok_or_else(|| Error::not_found(id.describe()))?;
                user_row(&row)
            }

            async fn credentials(&self, email: &str) -> Result<Option<Credentials>> {
                let row = sqlx::query(concat!(
                    "SELECT ", user_cols!(), ", password_hash FROM users WHERE email_key = $1"
                ))
                .bind(email.trim().to_lowercase())
                .fetch_optional(&self.pool)
                .await
                .db()?;
                row.map(|row| {
                    Ok(Credentials {
                        user: user_row(&row)?,
                        password_hash: get(&row, "password_hash")?,
                    })
                })
                .transpose()
            }

            async fn list_users(&self, page: PageRequest) -> Result<Page<User>> {
                gantry_core::validate::page_limit(page.limit)?;
                let after = uuid_cursor(page.cursor.as_ref(), Uuid::nil())?;
                let rows = sqlx::query(concat!(
                    "SELECT ", user_cols!(), " FROM users WHERE id > $1 ORDER BY id LIMIT $2"
                ))
                .bind(after)
                .bind(i64::from(page.limit) + 1)
                .fetch_all(&self.pool)
                .await
                .db()?;
                let users = rows.iter().map(user_row).collect::<Result<Vec<_>>>()?;
                Ok(paged(users, page.limit, |u| Cursor(u.id.0.simple().to_string())))
            }

            async fn count_users(&self) -> Result<u64> {
                let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
                    .fetch_one(&self.pool)
                    .await
                    .db()?;
                to_u64(n, "count")
            }

            async fn set_role(&self, id: UserId, role: Role) -> Result<User> {
                let done = sqlx::query("UPDATE users SET role = $2 WHERE id = $1")
                    .bind(id.0)
                    .bind(role.as_str())
                    .execute(&self.pool)
                    .await
                    .db()?;
                if done.rows_affected() == 0 {
                    return Err(Error::not_found(id.describe()));
                }
                self.user(id).await
            }

            async fn set_disabled(&self, id: UserId, disabled: bool) -> Result<User> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query("UPDATE users SET disabled = $2 WHERE id = $1")
                    .bind(id.0)
                    .bind(disabled)
                    .execute(&mut *tx)
                    .await
                    .db()?;
                if done.rows_affected() == 0 {
                    return Err(Error::not_found(id.describe()));
                }
                if disabled {
                    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                        .bind(id.0)
                        .execute(&mut *tx)
                        .await
                        .db()?;
                }
                commit(tx).await?;
                self.user(id).await
            }

            async fn set_password_hash(&self, id: UserId, password_hash: &str) -> Result<()> {
                gantry_core::validate::required("password_hash", password_hash, 1024)?;
                let mut tx = self.begin_write().await?;
                let done = sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
                    .bind(id.0)
                    .bind(password_hash)
                    .execute(&mut *tx)
                    .await
                    .db()?;
                if done.rows_affected() == 0 {
                    return Err(Error::not_found(id.describe()));
                }
                sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await
                    .db()?;
                commit(tx).await
            }

            async fn delete_user(&self, id: UserId) -> Result<()> {
                let mut tx = self.begin_write().await?;
                tombstone(&mut tx, Doomed::MessagesOfOwner, id.0).await?;
                tombstone(&mut tx, Doomed::ChunksOfOwner, id.0).await?;
                let done = sqlx::query("DELETE FROM users WHERE id = $1")
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await
                    .db()?;
                if done.rows_affected() == 0 {
                    return Err(Error::not_found(id.describe()));
                }
                commit(tx).await
            }
        }

        #[async_trait]
        impl SessionStore for $Store {
            async fn create_session(
                &self,
                user: UserId,
                token_hash: &str,
                expires_at: OffsetDateTime,
            ) -> Result<Session> {
                gantry_core::validate::required("token_hash", token_hash, 128)?;
                let session = Session {
                    id: SessionId::new(),
                    user_id: user,
                    created_at: now(),
                    expires_at: from_micros(to_micros(expires_at))?,
                };
                let result = sqlx::query(
                    "INSERT INTO sessions (id, user_id, token_hash, created_at, expires_at) \
                     SELECT $1, id, $3, $4, $5 FROM users WHERE id = $2 AND NOT disabled",
                )
                .bind(session.id.0)
                .bind(user.0)
                .bind(token_hash)
                .bind(to_micros(session.created_at))
                .bind(to_micros(session.expires_at))
                .execute(&self.pool)
                .await
                .db()?;
                if result.rows_affected() == 0 {
                    return Err(Error::not_found(user.describe()));
                }
                Ok(session)
            }

            async fn session_by_token(
                &self,
                token_hash: &str,
                now: OffsetDateTime,
            ) -> Result<Option<(Session, User)>> {
                let row = sqlx::query(
                    "SELECT s.id AS session_id, s.created_at AS session_created_at, s.expires_at, \
                            u.id, u.email, u.display_name, u.role, u.disabled, u.created_at \
                     FROM sessions s JOIN users u ON u.id = s.user_id \
                     WHERE s.token_hash = $1 AND s.expires_at > $2 AND NOT u.disabled",
                )
                .bind(token_hash)
                .bind(to_micros(now))
                .fetch_optional(&self.pool)
                .await
                .db()?;
                row.map(|row| {
                    let user = user_row(&row)?;
                    let session = Session {
                        id: SessionId(get(&row, "session_id")?),
                        user_id: user.id,
                        created_at: time(&row, "session_created_at")?,
                        expires_at: time(&row, "expires_at")?,
                    };
                    Ok((session, user))
                })
                .transpose()
            }

            async fn delete_session(&self, user: UserId, id: SessionId) -> Result<()> {
                let done = sqlx::query("DELETE FROM sessions WHERE id = $1 AND user_id = $2")
                    .bind(id.0)
                    .bind(user.0)
                    .execute(&self.pool)
                    .await
                    .db()?;
                if done.rows_affected() == 0 {
                    return Err(Error::not_found(id.describe()));
                }
                Ok(())
            }

            async fn delete_expired_sessions(&self, now: OffsetDateTime) -> Result<u64> {
                let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
                    .bind(to_micros(now))
                    .execute(&self.pool)
                    .await
                    .db()?;
                Ok(done.rows_affected())
            }
        }

        #[async_trait]
        impl ConversationStore for $Store {
            async fn create_conversation(
                &self,
                owner: UserId,
                new: NewConversation,
            ) -> Result<Conversation> {
                new.validate()?;
                let at = now();
                let conversation = Conversation {
                    id: ConversationId::new(),
                    owner_id: owner,
                    title: new.title,
                    pinned: false,
                    archived: false,
                    persona_id: new.persona_id,
                    model: new.model,
                    created_at: at,
                    updated_at: at,
                };
                let mut tx = self.begin_write().await?;
                if let Some(persona) = new.persona_id {
                    usable_persona(&mut tx, owner, persona).await?;
                }
                insert_conversation(&mut tx, &conversation).await?;
                commit(tx).await?;
                Ok(conversation)
            }

            async fn import_conversation(
                &self,
                owner: UserId,
                imported: ImportedConversation,
            ) -> Result<Conversation> {
                imported.validate()?;
                let mut tx = self.begin_write().await?;
                let persona_id = match imported.persona_id {
                    Some(persona) => match usable_persona(&mut tx, owner, persona).await {
                        Ok(()) => Some(persona),
                        Err(Error::NotFound { .. }) => None,
                        Err(error) => return Err(error),
                    },
                    None => None,
                };
                let conversation = Conversation {
                    id: ConversationId::new(),
                    owner_id: owner,
                    title: imported.title,
                    pinned: imported.pinned,
                    archived: imported.archived,
                    persona_id,
                    model: imported.model,
                    created_at: imported.created_at,
                    updated_at: imported.updated_at,
                };
                insert_conversation(&mut tx, &conversation).await?;
                let count = i64::try_from(imported.messages.len()).unwrap_or(i64::MAX);
                if count > 0 {
                    let first = next_seqs(&mut tx, count).await?;
                    for (seq, (new, created_at)) in (first..).zip(imported.messages) {
                        let message = Message {
                            id: MessageId::new(),
                            conversation_id: conversation.id,
                            owner_id: owner,
                            role: new.role,
                            content: new.content,
                            status: new.status,
                            model: new.model,
                            prompt_tokens: new.prompt_tokens,
                            completion_tokens: new.completion_tokens,
                            error: new.error,
                            created_at,
                        };
                        insert_message(&mut tx, &message, seq).await?;
                    }
                }
                commit(tx).await?;
                Ok(conversation)
            }

            async fn conversation(&self, owner: UserId, id: ConversationId) -> Result<Conversation> {
                let row = sqlx::query(concat!(
                    "SELECT ", conversation_cols!(), " FROM conversations WHERE id = $1 AND owner_id = $2"
                ))
                .bind(id.0)
                .bind(owner.0)
                .fetch_optional(&self.pool)
                .await
                .db()?
                .ok_or_else(|| Error::not_found(id.describe()))?;
                conversation_row(&row)
            }

            async fn list_conversations(
                &self,
                owner: UserId,
                filter: ConversationFilter,
                page: PageRequest,
            ) -> Result<Page<Conversation>> {
                gantry_core::validate::page_limit(page.limit)?;
                let (pinned, updated, id) = match &page.cursor {
                    Some(cursor) => parse_conversation_cursor(cursor)?,
                    None => (true, i64::MAX, Uuid::max()),
                };
                let rows = sqlx::query(concat!(
                    "SELECT ", conversation_cols!(), " FROM conversations \
                     WHERE owner_id = $1 AND archived = $2 AND (pinned, updated_at, id) < ($3, $4, $5) \
                     ORDER BY pinned DESC, updated_at DESC, id DESC LIMIT $6"
                ))
                .bind(owner.0)
                .bind(filter.archived)
                .bind(pinned)
                .bind(updated)
                .bind(id)
                .bind(i64::from(page.limit) + 1)
                .fetch_all(&self.pool)
                .await
                .db()?;
                let items = rows.iter().map(conversation_row).collect::<Result<Vec<_>>>()?;
                Ok(paged(items, page.limit, conversation_cursor))
            }

            async fn update_conversation(
                &self,
                owner: UserId,
                id: ConversationId,
                patch: ConversationPatch,
            ) -> Result<Conversation> {
                patch.validate()?;
                let mut tx = self.begin_write().await?;
                let row = sqlx::query(concat!(
                    "SELECT ", conversation_cols!(), " FROM conversations WHERE id = $1 AND owner_id = $2"
                ))
                .bind(id.0)
                .bind(owner.0)
                .fetch_optional(&mut *tx)
                .await
                .db()?
                .ok_or_else(|| Error::not_found(id.describe()))?;
                let mut c = conversation_row(&row)?;
                if let Some(title) = patch.title {
                    c.title = title;
                }
                if let Some(pinned) = patch.pinned {
                    c.pinned = pinned;
                }
                if let Some(archived) = patch.archived {
                    c.archived = archived;
                }
                if let Some(persona) = patch.persona_id {
                    if let Some(p) = persona {
                        usable_persona(&mut tx, owner, p).await?;
                    }
                    c.persona_id = persona;
                }
                if let Some(model) = patch.model {
                    c.model = model;
                }
                c.updated_at = now();
                sqlx::query(
                    "UPDATE conversations SET title = $2, pinned = $3, archived = $4, persona_id = $5, \
                     model = $6, updated_at = $7, title_key = $8 WHERE id = $1",
                )
                .bind(id.0)
                .bind(&c.title)
                .bind(c.pinned)
                .bind(c.archived)
                .bind(c.persona_id.map(|p| p.0))
                .bind(&c.model)
                .bind(to_micros(c.updated_at))
                .bind(title_key(&c.title))
                .execute(&mut *tx)
                .await
                .db()?;
                commit(tx).await?;
                Ok(c)
            }

            async fn delete_conversation(&self, owner: UserId, id: ConversationId) -> Result<()> {
                let mut tx = self.begin_write().await?;
                owned_conversation(&mut tx, owner, id).await?;
                // Forget what the conversation taught: the foreign key alone would keep the
                // facts with their provenance cleared.
                sqlx::query(
                    "DELETE FROM relations WHERE owner_id = $2 AND source_message_id IN \
                     (SELECT id FROM messages WHERE conversation_id = $1)",
                )
                .bind(id.0)
                .bind(owner.0)
                .execute(&mut *tx)
                .await
                .db()?;
                tombstone(&mut tx, Doomed::MessagesOfConversation, id.0).await?;
                sqlx::query("DELETE FROM conversations WHERE id = $1")
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await
                    .db()?;
                commit(tx).await
            }

            async fn search_conversations(
                &self,
                owner: UserId,
                query: &str,
                limit: u32,
            ) -> Result<Vec<Conversation>> {
                let Some(pattern) = name_search(query, limit)? else {
                    return Ok(Vec::new());
                };
                let rows = sqlx::query(concat!(
                    "SELECT ", conversation_cols!(), " FROM conversations \
                     WHERE owner_id = $1 AND title_key LIKE $2 ESCAPE '\\' \
                     ORDER BY updated_at DESC, id DESC LIMIT $3"
                ))
                .bind(owner.0)
                .bind(pattern)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
                .db()?;
                rows.iter().map(conversation_row).collect()
            }
        }

        #[async_trait]
        impl MessageStore for $Store {
            async fn append_message(
                &self,
                owner: UserId,
                conversation: ConversationId,
                new: NewMessage,
            ) -> Result<Message> {
                new.validate()?;
                let message = Message {
                    id: MessageId::new(),
                    conversation_id: conversation,
                    owner_id: owner,
                    role: new.role,
                    content: new.content,
                    status: new.status,
                    model: new.model,
                    prompt_tokens: new.prompt_tokens,
                    completion_tokens: new.completion_tokens,
                    error: new.error,
                    created_at: now(),
                };
                let mut tx = self.begin_write().await?;
                owned_conversation(&mut tx, owner, conversation).await?;
                let seq = next_seqs(&mut tx, 1).await?;
                insert_message(&mut tx, &message, seq).await?;
                sqlx::query("UPDATE conversations SET updated_at = $2 WHERE id = $1")
                    .bind(conversation.0)
                    .bind(to_micros(message.created_at))
                    .execute(&mut *tx)
                    .await
                    .db()?;
                commit(tx).await?;
                Ok(message)
            }

            async fn message(&self, owner: UserId, id: MessageId) -> Result<Message> {
                let row = sqlx::query(concat!(
                    "SELECT ", message_cols!(), " FROM messages WHERE id = $1 AND owner_id = $2"
                ))
                .bind(id.0)
                .bind(owner.0)
                .fetch_optional(&self.pool)
                .await
                .db()?
                .ok_or_else(|| Error::not_found(id.describe()))?;
                message_row(&row)
            }

            async fn list_messages(
                &self,
                owner: UserId,
                conversation: ConversationId,
                page: PageRequest,
            ) -> Result<Page<Message>> {
                gantry_core::validate::page_limit(page.limit)?;
                let before = match &page.cursor {
                    Some(c) => c.0.parse::<i64>().map_err(|_| bad_cursor())?,
                    None => i64::MAX,
                };
                let rows = sqlx::query(concat!(
                    "SELECT ", message_cols!(), " FROM messages \
                     WHERE conversation_id = $1 AND owner_id = $2 AND position < $3 \
                     ORDER BY position DESC LIMIT $4"
                ))
                .bind(conversation.0)
                .bind(owner.0)
                .bind(before)
                .bind(i64::from(page.limit) + 1)
                .fetch_all(&self.pool)
                .await
                .db()?;
                if rows.is_empty() && page.cursor.is_none() {
                    // Tell an empty conversation from a missing or foreign one.
                    self.conversation(owner, conversation).await?;
                }
                let limit = page.limit as usize;
                let next = if rows.len() > limit {
                    Some(Cursor(get::<i64>(&rows[limit - 1], "position")?.to_string()))
                } else {
                    None
                };
                let mut items = rows
                    .iter()
                    .take(limit)
                    .map(message_row)
                    .collect::<Result<Vec<_>>>()?;
                items.reverse();
                Ok(Page { items, next })
            }

            async fn update_message(
                &self,
                owner: UserId,
                id: MessageId,
                update: MessageUpdate,
            ) -> Result<Message> {
                NewMessage {
                    role: MessageRole::Assistant,
                    content: update.content.clone(),
                    status: update.status,
                    model: None,
                    prompt_tokens: update.prompt_tokens,
                    completion_tokens: update.completion_tokens,
                    error: update.error.clone(),
                }
                .validate()?;
                let mut tx = self.begin_write().await?;
                let seq = next_seqs(&mut tx, 1).await?;
                let row = sqlx::query(concat!(
                    "UPDATE messages SET content = $3, status = $4, prompt_tokens = $5, \
                     completion_tokens = $6, error = $7, seq = $8 \
                     WHERE id = $1 AND owner_id = $2 RETURNING ", message_cols!()
                ))
                .bind(id.0)
                .bind(owner.0)
                .bind(&update.content)
                .bind(update.status.as_str())
                .bind(update.prompt_tokens.map(i64::from))
                .bind(update.completion_tokens.map(i64::from))
                .bind(&update.error)
                .bind(seq)
                .fetch_optional(&mut *tx)
                .await
                .db()?
                .ok_or_else(|| Error::not_found(id.describe()))?;
                let message = message_row(&row)?;
                sqlx::query("UPDATE conversations SET updated_at = $2 WHERE id = $1")
                    .bind(message.conversation_id.0)
                    .bind(to_micros(now()))
                    .execute(&mut *tx)
                    .await
                    .db()?;
                commit(tx).await?;
                Ok(message)
            }

            async fn delete_message(&self, owner: UserId, id: MessageId) -> Result<()> {
                let mut tx = self.begin_write().await?;
                let seq = next_seqs(&mut tx, 1).await?;
                let done = sqlx::query(
                    "INSERT INTO tombstones (seq, kind, item_id, owner_id) \
                     SELECT $3, 'message', id, owner_id FROM messages WHERE id = $1 AND owner_id = $2",
                )
                .bind(id.0)
                .bind(owner.0)
                .bind(seq)
                .execute(&mut *tx)
                .await
                .db()?;
                if done.rows_affected() == 0 {
                    return Err(Error::not_found(id.describe()));
                }
                sqlx::query("DELETE FROM relations WHERE source_message_id = $1 AND owner_id = $2")
                    .bind(id.0)
                    .bind(owner.0)
                    .execute(&mut *tx)
                    .await
                    .db()?;
                sqlx::query("DELETE FROM messages WHERE id = $1")
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await
                    .db()?;
                commit(tx).await
            }
        }

        #[async_trait]
        impl DocumentStore for $Store {
            async fn create_document(&self, owner: UserId, new: NewDocument) -> Result<Document> {
                new.validate()?;
                let at = now();
                let document = Document {
                    id: DocumentId::new(),
                    owner_id: owner,
                    filename: new.filename,
                    content_type: new.content_type,
                    size_bytes: new.size_bytes,
                    status: DocumentStatus::Processing,
                    failure_reason: None,
                    created_at: at,
                    updated_at: at,
                };
                let done = sqlx::query(concat!(
                    "INSERT INTO documents (", document_cols!(), ", name_key) \
                     SELECT $1, id, $3, $4, $5, $6, $7, $8, $9, $10 FROM users WHERE id = $2"
                ))
                .bind(document.id.0)
                .bind(owner.0)
                .bind(&document.filename)
                .bind(&document.content_type)
                .bind(i64::try_from(document.size_bytes).unwrap_or(i64::MAX))
                .bind(document.status.as_str())
                .bind(&document.failure_reason)
                .bind(to_micros(at))
                .bind(to_micros(at))
                .bind(title_key(&document.filename))
                .execute(&self.pool)
                .await
                .db()?;
                if done.rows_affected() == 0 {
                    return Err(Error::not_found(owner.describe()));
                }
                Ok(document)
            }

            async fn document(&self, owner: UserId, id: DocumentId) -> Result<Document> {
                let row = sqlx::query(concat!(
                    "SELECT ", document_cols!(), " FROM documents WHERE id = $1 AND owner_id = $2"
                ))
                .bind(id.0)
                .bind(owner.0)
                .fetch_optional(&self.pool)
                .await
                .db()?
                .ok_or_else(|| Error::not_found(id.describe()))?;
                document_row(&row)
            }

            async fn list_documents(&self, owner: UserId, page: PageRequest) -> Result<Page<Document>> {
                gantry_core::validate::page_limit(page.limit)?;
                let before = uuid_cursor(page.cursor.as_ref(), Uuid::max())?;
                let rows = sqlx::query(concat!(
                    "SELECT ", document_cols!(), " FROM documents \
                     WHERE owner_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3"
                ))
                .bind(owner.0)
                .bind(before)
                .bind(i64::from(page.limit) + 1)
                .fetch_all(&self.pool)
                .await
                .db()?;
                let items = rows.iter().map(document_row).collect::<Result<Vec<_>>>()?;
                Ok(paged(items, page.limit, |d| Cursor(d.id.0.simple().to_string())))
            }

            async fn set_document_status(
                &self,
                owner: UserId,
                id: DocumentId,
                status: DocumentStatus,
                failure_reason: Option<String>,
            ) -> Result<Document> {
                gantry_core::validate::optional(
                    "failure_reason",
                    failure_reason.as_deref(),
                    gantry_core::validate::MAX_REASON_BYTES,
                )?;
                if (status == DocumentStatus::Failed) != failure_reason.is_some() {
                    return Err(Error::invalid(
                        "failure_reason",
                        "is required for a failed document and only for one",
                    ));
                }
                let row = sqlx::query(concat!(
                    "UPDATE documents SET status = $3, failure_reason = $4, updated_at = $5 \
                     WHERE id = $1 AND owner_id = $2 RETURNING ", document_cols!()
                ))
                .bind(id.0)
                .bind(owner.0)
                .bind(status.as_str())
                .bind(&failure_reason)
                .bind(to_micros(now()))
                .fetch_optional(&self.pool)
                .await
                .db()?
                .ok_or_else(|| Error::not_found(id.describe()))?;
                document_row(&row)
            }

            async fn delete_document(&self, owner: UserId, id: DocumentId) -> Result<()> {
                let mut tx = self.begin_write().await?;
                owned_document(&mut tx, owner, id).await?;
                tombstone(&mut tx, Doomed::ChunksOfDocument, id.0).await?;
                sqlx::query("DELETE FROM documents WHERE id = $1")
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await
                    .db()?;
                commit(tx).await
            }

            async fn add_chunks(
                &self,
                owner: UserId,
                document: DocumentId,
                chunks: Vec<NewChunk>,
            ) -> Result<Vec<Chunk>> {
                if chunks.len() > gantry_core::validate::MAX_CHUNKS_PER_CALL {
                    return Err(Error::invalid(
                        "chunks",
                        format!(
                            "at most {} per call, got {}",
                            gantry_core::validate::MAX_CHUNKS_PER_CALL,
                            chunks.len()
                        ),
                    ));
                }
                for chunk in &chunks {
                    chunk.validate()?;
                }
                let mut tx = self.begin_write().await?;
                owned_document(&mut tx, owner, document).await?;
                if chunks.is_empty() {
                    return Ok(Vec::new());
                }
                let count = i64::try_from(chunks.len()).unwrap_or(i64::MAX);
                let first = next_seqs(&mut tx, count).await?;
                let mut out = Vec::with_capacity(chunks.len());
                for (seq, new) in (first..).zip(chunks) {
                    let chunk = Chunk {
                        id: ChunkId::new(),
                        document_id: document,
                        owner_id: owner,
                        ordinal: new.ordinal,
                        text: new.text,
                        token_count: new.token_count,
                        embedding: new.embedding,
                    };
                    let result = sqlx::query(concat!(
                        "INSERT INTO chunks (", chunk_cols!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
                    ))
                    .bind(chunk.id.0)
                    .bind(document.0)
                    .bind(owner.0)
                    .bind(i64::from(chunk.ordinal))
                    .bind(&chunk.text)
                    .bind(i64::from(chunk.token_count))
                    .bind(chunk.embedding.as_deref().map(embedding_to_bytes))
                    .bind(seq)
                    .execute(&mut *tx)
                    .await;
                    match result {
                        Ok(_) => out.push(chunk),
                        Err(sqlx::Error::Database(db)) if db.is_unique_violation() => {
                            return Err(Error::conflict(format!(
                                "{} already has a chunk {}",
                                document.describe(),
                                chunk.ordinal
                            )));
                        }
                        Err(e) => return Err(db_error(e)),
                    }
                }
                commit(tx).await?;
                Ok(out)
            }

            async fn chunks(&self, owner: UserId, document: DocumentId) -> Result<Vec<Chunk>> {
                let rows = sqlx::query(concat!(
                    "SELECT ", chunk_cols!(), " FROM chunks WHERE document_id = $1 AND owner_id = $2 ORDER BY ordinal"
                ))
                .bind(document.0)
                .bind(owner.0)
                .fetch_all(&self.pool)
                .await
                .db()?;
                if rows.is_empty() {
                    self.document(owner, document).await?;
                }
                rows.iter().map(chunk_row).collect()
            }

            async fn delete_chunks(&self, owner: UserId, document: DocumentId) -> Result<u64> {
                let mut tx = self.begin_write().await?;
                owned_document(&mut tx, owner, document).await?;
                tombstone(&mut tx, Doomed::ChunksOfDocument, document.0).await?;
                let done = sqlx::query("DELETE FROM chunks WHERE document_id = $1")
                    .bind(document.0)
                    .execute(&mut *tx)
                    .await
                    .db()?;
                commit(tx).await?;
                Ok(done.rows_affected())
            }

            async fn search_documents(
                &self,
                owner: UserId,
                query: &str,
                limit: u32,
            ) -> Result<Vec<Document>> {
                let Some(pattern) = name_search(query, limit)? else {
                    return Ok(Vec::new());
                };
                let rows = sqlx::query(concat!(
                    "SELECT ", document_cols!(), " FROM documents \
                     WHERE owner_id = $1 AND name_key LIKE $2 ESCAPE '\\' \
                     ORDER BY created_at DESC, id DESC LIMIT $3"
                ))
                .bind(owner.0)
                .bind(pattern)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
                .db()?;
                rows.iter().map(document_row).collect()
            }

            async fn reindex_chunks(&self, owner: UserId, document: DocumentId) -> Result<u64> {
                let mut tx = self.begin_write().await?;
                owned_document(&mut tx, owner, document).await?;
                let ids: Vec<uuid::Uuid> = sqlx::query_scalar(
                    "SELECT id FROM chunks WHERE document_id = $1 ORDER BY ordinal",
                )
                .bind(document.0)
                .fetch_all(&mut *tx)
                .await
                .db()?;
                if ids.is_empty() {
                    return Ok(0);
                }
                let count = i64::try_from(ids.len()).unwrap_or(i64::MAX);
                let first = next_seqs(&mut tx, count).await?;
                for (seq, id) in (first..).zip(&ids) {
                    sqlx::query("UPDATE chunks SET embedding = NULL, seq = $1 WHERE id = $2")
                        .bind(seq)
                        .bind(id)
                        .execute(&mut *tx)
                        .await
                        .db()?;
                }
                commit(tx).await?;
                Ok(ids.len() as u64)
            }

            async fn chunks_by_id(&self, owner: UserId, ids: &[ChunkId]) -> Result<Vec<Chunk>> {
                let mut out = Vec::with_capacity(ids.len());
                for id in ids {
                    let row = sqlx::query(concat!(
                        "SELECT ", chunk_cols!(), " FROM chunks WHERE id = $1 AND owner_id = $2"
                    ))
                    .bind(id.0)
                    .bind(owner.0)
                    .fetch_optional(&self.pool)
                    .await
                    .db()?;
                    if let Some(row) = row {
                        out.push(chunk_row(&row)?);
                    }
                }
                Ok(out)
            }
        }

        #[async_trait]
        impl CollectionStore for $Store {
            async fn create_collection(&self, owner: UserId, new: NewCollection) -> Result<Collection> {
                new.validate()?;
                let at = now();
                let collection = Collection {
                    id: CollectionId::new(),
                    owner_id: owner,
                    name: new.name,
                    description: new.description,
                    created_at: at,
                    updated_at: at,
                };
                let result = sqlx::query(
                    "INSERT INTO collections (id, owner_id, name, name_key, description, created_at, updated_at) \
                     SELECT $1, id, $3, $4, $5, $6, $7 FROM users WHERE id = $2",
                )
                .bind(collection.id.0)
                .bind(owner.0)
                .bind(&collection.name)
                .bind(name_key(&collection.name))
                .bind(&collection.description)
                .bind(to_micros(at))
                .bind(to_micros(at))
                .execute(&self.pool)
                .await;
                match result {
                    Ok(done) if done.rows_affected() == 0 => Err(Error::not_found(owner.describe())),
                    Ok(_) => Ok(collection),
                    Err(sqlx::Error::Database(db)) if db.is_unique_violation() => Err(Error::conflict(
                        format!("a collection named {} already exists", collection.name.trim()),
                    )),
                    Err(e) => Err(db_error(e)),
                }
            }

            async fn collection(&self, owner: UserId, id: CollectionId) -> Result<Collection> {
                let row = sqlx::query(concat!(
                    "SELECT ", collection_cols!(), " FROM collections WHERE id = $1 AND owner_id = $2"
                ))
                .bind(id.0)
                .bind(owner.0)
                .fetch_optional(&self.pool)
                .await
                .db()?
                .ok_or_else(|| Error::not_found(id.describe()))?;
                collection_row(&row)
            }

            async fn list_collections(&self, owner: UserId) -> Result<Vec<Collection>> {
                let rows = sqlx::query(concat!(
                    "SELECT ", collection_cols!(), " FROM collections WHERE owner_id = $1 ORDER BY name_key, id"
                ))
                .bind(owner.0)
                .fetch_all(&self.pool)
                .await
                .db()?;
                rows.iter().map(collection_row).collect()
            }

            async fn update_collection(
                &self,
                owner: UserId,
                id: CollectionId,
                new: NewCollection,
            ) -> Result<Collection> {
                new.validate()?;
                let result = sqlx::query(concat!(
                    "UPDATE collections SET name = $3, name_key = $4, description = $5, updated_at = $6 \
                     WHERE id = $1 AND owner_id = $2 RETURNING ", collection_cols!()
                ))
                .bind(id.0)
                .bind(owner.0)
                .bind(&new.name)
                .bind(name_key(&new.name))
                .bind(&new.description)
                .bind(to_micros(now()))
                .fetch_optional(&self.pool)
                .await;
                match result {
                    Ok(Some(row)) => collection_row(&row),
                    Ok(None) => Err(Error::not_found(id.describe())),
                    Err(sqlx::Error::Database(db)) if db.is_unique_violation() => Err(Error::conflict(
                        format!("a collection named {} already exists", new.name.trim()),
                    )),
                    Err(e) => Err(db_error(e)),
                }
            }

            async fn delete_collection(&self, owner: UserId, id: CollectionId) -> Result<()> {
                let done = sqlx::query("DELETE FROM collections WHERE id = $1 AND owner_id = $2")
                    .bind(id.0)
                    .bind(owner.0)
                    .execute(&self.pool)
                    .await
                    .db()?;
                if done.rows_affected() == 0 {
                    return Err(Error::not_found(id.describe()));
                }
                Ok(())
            }

            async fn add_to_collection(
                &self,
                owner: UserId,
                id: CollectionId,
                document: DocumentId,
            ) -> Result<()> {
                let mut tx = self.begin_write().await?;
                owned_collection(&mut tx, owner, id).await?;
                owned_document(&mut tx, owner, document).await?;
                sqlx::query(
                    "INSERT INTO collection_documents (collection_id, document_id, added_at) \
                     VALUES ($1, $2, $3) ON CONFLICT (collection_id, document_id) DO NOTHING",
                )
                .bind(id.0)
                .bind(document.0)
                .bind(to_micros(now()))
                .execute(&mut *tx)
                .await
                .db()?;
                commit(tx).await
            }

            async fn remove_from_collection(
                &self,
                owner: UserId,
                id: CollectionId,
                document: DocumentId,
            ) -> Result<()> {
                let mut tx = self.begin_write().await?;
                owned_collection(&mut tx, owner, id).await?;
                owned_document(&mut tx, owner, document).await?;
                sqlx::query("DELETE FROM collection_documents WHERE collection_id = $1 AND document_id = $2")
                    .bind(id.0)
                    .bind(document.0)
                    .execute(&mut *tx)
                    .await
                    .db()?;
                commit(tx).await
            }

            async fn collection_documents(
                &self,
                owner: UserId,
                id: CollectionId,
            ) -> Result<Vec<Document>> {
                let rows = sqlx::query(concat!(
                    "SELECT ", document_cols!(), " FROM documents WHERE owner_id = $2 AND id IN \
                     (SELECT document_id FROM collection_documents WHERE collection_id = $1) \
                     ORDER BY id DESC"
                ))
                .bind(id.0)
                .bind(owner.0)
                .fetch_all(&self.pool)
                .await
                .db()?;
                if rows.is_empty() {
                    // Tell an empty collection from a missing or foreign one.
                    self.collection(owner, id).await?;
                }
                rows.iter().map(document_row).collect()
            }

            async fn set_conversation_scope(
                &self,
                owner: UserId,
                conversation: ConversationId,
                scope: ConversationScope,
            ) -> Result<ConversationScope> {
                scope.validate()?;
                let mut documents = scope.documents;
                documents.sort_unstable();
                documents.dedup();
                let mut collections = scope.collections;
                collections.sort_unstable();
                collections.dedup();
                let mut tx = self.begin_write().await?;
                owned_conversation(&mut tx, owner, conversation).await?;
                for document in &documents {
                    owned_document(&mut tx, owner, *document).await?;
                }
                for collection in &collections {
                    owned_collection(&mut tx, owner, *collection).await?;
                }
                sqlx::query("DELETE FROM conversation_scope_documents WHERE conversation_id = $1")
                    .bind(conversation.0)
                    .execute(&mut *tx)
                    .await
                    .db()?;
                sqlx::query("DELETE FROM conversation_scope_collections WHERE conversation_id = $1")
                    .bind(conversation.0)
                    .execute(&mut *tx)
                    .await
                    .db()?;
                for document in &documents {
                    sqlx::query(
                        "INSERT INTO conversation_scope_documents (conversation_id, document_id) VALUES ($1, $2)",
                    )
                    .bind(conversation.0)
                    .bind(document.0)
                    .execute(&mut *tx)
                    .await
                    .db()?;
                }
                for collection in &collections {
                    sqlx::query(
                        "INSERT INTO conversation_scope_collections (conversation_id, collection_id) VALUES ($1, $2)",
                    )
                    .bind(conversation.0)
                    .bind(collection.0)
                    .execute(&mut *tx)
                    .await
                    .db()?;
                }
                let stored = fetch_scope(&mut tx, conversation).await?;
                commit(tx).await?;
                Ok(stored)
            }

            async fn conversation_scope(
                &self,
                owner: UserId,
                conversation: ConversationId,
            ) -> Result<ConversationScope> {
                let mut tx = self.pool.begin().await.db()?;
                owned_conversation(&mut tx, owner, conversation).await?;
                let scope = fetch_scope(&mut tx, conversation).await?;
                commit(tx).await?;
                Ok(scope)
            }

            async fn scope_documents(
                &self,
                owner: UserId,
                conversation: ConversationId,
            ) -> Result<Option<Vec<DocumentId>>> {
                let mut tx = self.pool.begin().await.db()?;
                owned_conversation(&mut tx, owner, conversation).await?;
                let entries: i64 = sqlx::query_scalar(
                    "SELECT (SELECT COUNT(*) FROM conversation_scope_documents WHERE conversation_id = $1) \
                          + (SELECT COUNT(*) FROM conversation_scope_collections WHERE conversation_id = $1)",
                )
                .bind(conversation.0)
                .fetch_one(&mut *tx)
                .await
                .db()?;
                if entries == 0 {
                    commit(tx).await?;
                    return Ok(None);
                }
                let ids: Vec<Uuid> = sqlx::query_scalar(
                    "SELECT id FROM documents WHERE owner_id = $2 AND ( \
                       id IN (SELECT document_id FROM conversation_scope_documents WHERE conversation_id = $1) \
                       OR id IN (SELECT cd.document_id FROM collection_documents cd \
                                 JOIN conversation_scope_collections sc ON sc.collection_id = cd.collection_id \
                                 WHERE sc.conversation_id = $1)) \
                     ORDER BY id",
                )
                .bind(conversation.0)
                .bind(owner.0)
                .fetch_all(&mut *tx)
                .await
                .db()?;
                commit(tx).await?;
                Ok(Some(ids.into_iter().map(DocumentId).collect()))
            }
        }

        #[async_trait]
        impl PersonaStore for $Store {
            async fn create_persona(&self, owner: Option<UserId>, new: NewPersona) -> Result<Persona> {
                new.validate()?;
                let at = now();
                let persona = Persona {
                    id: PersonaId::new(),
                    owner_id: owner,
                    name: new.name,
                    system_prompt: new.system_prompt,
                    default_model: new.default_model,
                    temperature: new.temperature,
                    is_default: new.is_default,
                    created_at: at,
                    updated_at: at,
                };
                let mut tx = self.begin_write().await?;
                if let Some(owner) = owner {
                    let exists = sqlx::query("SELECT 1 FROM users WHERE id = $1")
                        .bind(owner.0)
                        .fetch_optional(&mut *tx)
                        .await
                        .db()?;
                    if exists.is_none() {
                        return Err(Error::not_found(owner.describe()));
                    }
                }
                if persona.is_default {
                    sqlx::query("UPDATE personas SET is_default = FALSE WHERE is_default AND owner_id IS NOT DISTINCT FROM $1")
                        .bind(owner.map(|o| o.0))
                        .execute(&mut *tx)
                        .await
                        .db()?;
                }
                sqlx::query(concat!(
                    "INSERT INTO personas (", persona_cols!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
                ))
                .bind(persona.id.0)
                .bind(owner.map(|o| o.0))
                .bind(&persona.name)
                .bind(&persona.system_prompt)
                .bind(&persona.default_model)
                .bind(persona.temperature)
                .bind(persona.is_default)
                .bind(to_micros(at))
                .bind(to_micros(at))
                .execute(&mut *tx)
                .await
                .db()?;
                commit(tx).await?;
                Ok(persona)
            }

            async fn persona(&self, user: UserId, id: PersonaId) -> Result<Persona> {
                let row = sqlx::query(concat!(
                    "SELECT ", persona_cols!(), " FROM personas WHERE id = $1 AND (owner_id IS NULL OR owner_id = $2)"
                ))
                .bind(id.0)
                .bind(user.0)
                .fetch_optional(&self.pool)
                .await
                .db()?
                .ok_or_else(|| Error::not_found(id.describe()))?;
                persona_row(&row)
            }

            async fn list_personas(&self, user: UserId) -> Result<Vec<Persona>> {
                let rows = sqlx::query(concat!(
                    "SELECT ", persona_cols!(), " FROM personas WHERE owner_id IS NULL OR owner_id = $1 ORDER BY name, id"
                ))
                .bind(user.0)
                .fetch_all(&self.pool)
                .await
                .db()?;
                rows.iter().map(persona_row).collect()
            }

            async fn update_persona(
                &self,
                owner: Option<UserId>,
                id: PersonaId,
                new: NewPersona,
            ) -> Result<Persona> {
                new.validate()?;
                let mut tx = self.begin_write().await?;
                let found = sqlx::query("SELECT 1 FROM personas WHERE id = $1 AND owner_id IS NOT DISTINCT FROM $2")
                    .bind(id.0)
                    .bind(owner.map(|o| o.0))
                    .fetch_optional(&mut *tx)
                    .await
                    .db()?;
                if found.is_none() {
                    return Err(Error::not_found(id.describe()));
                }
                if new.is_default {
                    sqlx::query("UPDATE personas SET is_default = FALSE WHERE is_default AND owner_id IS NOT DISTINCT FROM $1")
                        .bind(owner.map(|o| o.0))
                        .execute(&mut *tx)
                        .await
                        .db()?;
                }
                sqlx::query(
                    "UPDATE personas SET name = $2, system_prompt = $3, default_model = $4, \
                     temperature = $5, is_default = $6, updated_at = $7 WHERE id = $1",
                )
                .bind(id.0)
                .bind(&new.name)
                .bind(&new.system_prompt)
                .bind(&new.default_model)
                .bind(new.temperature)
                .bind(new.is_default)
                .bind(to_micros(now()))
                .execute(&mut *tx)
                .await
                .db()?;
                let persona = fetch_persona(&mut tx, id).await?;
                commit(tx).await?;
                Ok(persona)
            }

            async fn delete_persona(&self, owner: Option<UserId>, id: PersonaId) -> Result<()> {
                let done = sqlx::query("DELETE FROM personas WHERE id = $1 AND owner_id IS NOT DISTINCT FROM $2")
                    .bind(id.0)
                    .bind(owner.map(|o| o.0))
                    .execute(&self.pool)
                    .await
                    .db()?;
                if done.rows_affected() == 0 {
                    return Err(Error::not_found(id.describe()));
                }
                Ok(())
            }
        }

        #[async_trait]
        impl GraphStore for $Store {
            async fn upsert_entity(&self, owner: UserId, new: NewEntity) -> Result<Entity> {
                new.validate()?;
                let name = new.name;
                let key = name.trim().to_lowercase();
                let kind = new.kind.trim().to_lowercase();
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO entities (id, owner_id, name, name_key, kind, created_at) \
                     SELECT $1, id, $3, $4, $5, $6 FROM users WHERE id = $2 \
                     ON CONFLICT (owner_id, name_key, kind) DO NOTHING",
                )
                .bind(EntityId::new().0)
                .bind(owner.0)
                .bind(&name)
                .bind(&key)
                .bind(&kind)
                .bind(to_micros(now()))
                .execute(&mut *tx)
                .await
                .db()?;
                let row = sqlx::query(concat!(
                    "SELECT ", entity_cols!(), " FROM entities WHERE owner_id = $1 AND name_key = $2 AND kind = $3"
                ))
                .bind(owner.0)
                .bind(&key)
                .bind(&kind)
                .fetch_optional(&mut *tx)
                .await
                .db()?
                .ok_or_else(|| Error::not_found(owner.describe()))?;
                commit(tx).await?;
                entity_row(&row)
            }

            async fn entities(&self, owner: UserId) -> Result<Vec<Entity>> {
                let rows = sqlx::query(concat!(
                    "SELECT ", entity_cols!(), " FROM entities WHERE owner_id = $1 ORDER BY id"
                ))
                .bind(owner.0)
                .fetch_all(&self.pool)
                .await
                .db()?;
                rows.iter().map(entity_row).collect()
            }

            async fn delete_entity(&self, owner: UserId, id: EntityId) -> Result<()> {
                let done = sqlx::query("DELETE FROM entities WHERE id = $1 AND owner_id = $2")
                    .bind(id.0)
                    .bind(owner.0)
                    .execute(&self.pool)
                    .await
                    .db()?;
                if done.rows_affected() == 0 {
                    return Err(Error::not_found(id.describe()));
                }
                Ok(())
            }

            async fn add_relation(&self, owner: UserId, new: NewRelation) -> Result<Relation> {
                new.validate()?;
                let predicate = new.predicate.trim().to_lowercase();
                let mut tx = self.begin_write().await?;
                for entity in [new.subject_id, new.object_id] {
                    let found = sqlx::query("SELECT 1 FROM entities WHERE id = $1 AND owner_id = $2")
                        .bind(entity.0)
                        .bind(owner.0)
                        .fetch_optional(&mut *tx)
                        .await
                        .db()?;
                    if found.is_none() {
                        return Err(Error::not_found(entity.describe()));
                    }
                }
                if let Some(message) = new.source_message_id {
                    let found = sqlx::query("SELECT 1 FROM messages WHERE id = $1 AND owner_id = $2")
                        .bind(message.0)
                        .bind(owner.0)
                        .fetch_optional(&mut *tx)
                        .await
                        .db()?;
                    if found.is_none() {
                        return Err(Error::not_found(message.describe()));
                    }
                }
                let existing = sqlx::query(concat!(
                    "SELECT ", relation_cols!(), " FROM relations WHERE owner_id = $1 AND subject_id = $2 \
                     AND predicate = $3 AND object_id = $4 AND valid_to IS NULL"
                ))
                .bind(owner.0)
                .bind(new.subject_id.0)
                .bind(&predicate)
                .bind(new.object_id.0)
                .fetch_optional(&mut *tx)
                .await
                .db()?;
                if let Some(row) = existing {
                    return relation_row(&row);
                }
                let at = now();
                if new.exclusive {
                    sqlx::query(
                        "UPDATE relations SET valid_to = $4 WHERE owner_id = $1 AND subject_id = $2 \
                         AND predicate = $3 AND valid_to IS NULL",
                    )
                    .bind(owner.0)
                    .bind(new.subject_id.0)
                    .bind(&predicate)
                    .bind(to_micros(at))
                    .execute(&mut *tx)
                    .await
                    .db()?;
                }
                let relation = Relation {
                    id: RelationId::new(),
                    owner_id: owner,
                    subject_id: new.subject_id,
                    predicate,
                    object_id: new.object_id,
                    source_message_id: new.source_message_id,
                    valid_from: at,
                    valid_to: None,
                };
                sqlx::query(concat!(
                    "INSERT INTO relations (", relation_cols!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
                ))
                .bind(relation.id.0)
                .bind(owner.0)
                .bind(relation.subject_id.0)
                .bind(&relation.predicate)
                .bind(relation.object_id.0)
                .bind(relation.source_message_id.map(|m| m.0))
                .bind(to_micros(at))
                .bind(None::<i64>)
                .execute(&mut *tx)
                .await
                .db()?;
                commit(tx).await?;
                Ok(relation)
            }

            async fn relations(&self, owner: UserId, include_closed: bool) -> Result<Vec<Relation>> {
                let sql = if include_closed {
                    concat!("SELECT ", relation_cols!(), " FROM relations WHERE owner_id = $1 ORDER BY valid_from, id")
                } else {
                    concat!(
                        "SELECT ", relation_cols!(),
                        " FROM relations WHERE owner_id = $1 AND valid_to IS NULL ORDER BY valid_from, id"
                    )
                };
                let rows = sqlx::query(sql)
                    .bind(owner.0)
                    .fetch_all(&self.pool)
                    .await
                    .db()?;
                rows.iter().map(relation_row).collect()
            }

            async fn delete_relation(&self, owner: UserId, id: RelationId) -> Result<()> {
                let done = sqlx::query("DELETE FROM relations WHERE id = $1 AND owner_id = $2")
                    .bind(id.0)
                    .bind(owner.0)
                    .execute(&self.pool)
                    .await
                    .db()?;
                if done.rows_affected() == 0 {
                    return Err(Error::not_found(id.describe()));
                }
                Ok(())
            }
        }

        #[async_trait]
        impl UsageStore for $Store {
            async fn record_usage(&self, usage: NewUsage) -> Result<()> {
                usage.validate()?;
                let done = sqlx::query(
                    "INSERT INTO usage_records (user_id, model, prompt_tokens, completion_tokens, latency_ms, created_at) \
                     SELECT id, $2, $3, $4, $5, $6 FROM users WHERE id = $1",
                )
                .bind(usage.user_id.0)
                .bind(&usage.model)
                .bind(i64::from(usage.prompt_tokens))
                .bind(i64::from(usage.completion_tokens))
                .bind(i64::from(usage.latency_ms))
                .bind(to_micros(now()))
                .execute(&self.pool)
                .await
                .db()?;
                if done.rows_affected() == 0 {
                    return Err(Error::not_found(usage.user_id.describe()));
                }
                Ok(())
            }

            async fn usage_summary(
                &self,
                user: Option<UserId>,
                from: OffsetDateTime,
                to: OffsetDateTime,
            ) -> Result<Vec<UsageSummary>> {
                const DAY_MICROS: i64 = 86_400_000_000;
                let rows = sqlx::query(
                    "SELECT user_id, model, created_at / 86400000000 AS day, COUNT(*) AS requests, \
                     CAST(SUM(prompt_tokens) AS BIGINT) AS prompt_tokens, \
                     CAST(SUM(completion_tokens) AS BIGINT) AS completion_tokens, \
                     CAST(SUM(latency_ms) AS BIGINT) AS total_latency_ms \
                     FROM usage_records \
                     WHERE created_at >= $1 AND created_at < $2 AND ($3 IS NULL OR user_id = $3) \
                     GROUP BY user_id, model, created_at / 86400000000 \
                     ORDER BY day, user_id, model",
                )
                .bind(to_micros(from))
                .bind(to_micros(to))
                .bind(user.map(|u| u.0))
                .fetch_all(&self.pool)
                .await
                .db()?;
                rows.iter()
                    .map(|row| {
                        let day: i64 = get(row, "day")?;
                        Ok(UsageSummary {
                            user_id: UserId(get(row, "user_id")?),
                            model: get(row, "model")?,
                            day: from_micros(day * DAY_MICROS)?.date(),
                            requests: to_u64(get(row, "requests")?, "requests")?,
                            prompt_tokens: to_u64(get(row, "prompt_tokens")?, "prompt_tokens")?,
                            completion_tokens: to_u64(get(row, "completion_tokens")?, "completion_tokens")?,
                            total_latency_ms: to_u64(get(row, "total_latency_ms")?, "latency_ms")?,
                        })
                    })
                    .collect()
            }
        }

        #[async_trait]
        impl ChangeFeed for $Store {
            async fn changes_since(&self, after: i64, limit: u32) -> Result<Vec<Change>> {
                gantry_core::validate::page_limit(limit)?;
                let messages = sqlx::query(concat!(
                    "SELECT ", message_cols!(), " FROM messages WHERE seq > $1 ORDER BY seq LIMIT $2"
                ))
                .bind(after)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
                .db()?;
                let chunks = sqlx::query(concat!(
                    "SELECT ", chunk_cols!(), " FROM chunks WHERE seq > $1 ORDER BY seq LIMIT $2"
                ))
                .bind(after)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
                .db()?;
                let tombstones = sqlx::query(
                    "SELECT seq, kind, item_id, owner_id FROM tombstones WHERE seq > $1 ORDER BY seq LIMIT $2",
                )
                .bind(after)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
                .db()?;
                let mut changes = Vec::with_capacity(messages.len() + chunks.len() + tombstones.len());
                for row in &messages {
                    changes.push(Change::Message { seq: get(row, "seq")?, message: message_row(row)? });
                }
                for row in &chunks {
                    changes.push(Change::Chunk { seq: get(row, "seq")?, chunk: chunk_row(row)? });
                }
                for row in &tombstones {
                    let kind = match get::<String>(row, "kind")?.as_str() {
                        "message" => ChangeKind::Message,
                        "chunk" => ChangeKind::Chunk,
                        other => return Err(Error::internal(format!("unknown tombstone kind {other}"))),
                    };
                    changes.push(Change::Deleted {
                        seq: get(row, "seq")?,
                        kind,
                        id: get(row, "item_id")?,
                        owner_id: UserId(get(row, "owner_id")?),
                    });
                }
                changes.sort_by_key(Change::seq);
                changes.truncate(limit as usize);
                Ok(changes)
            }

            async fn latest_seq(&self) -> Result<i64> {
                sqlx::query_scalar("SELECT last_seq FROM change_counter WHERE id = 1")
                    .fetch_one(&self.pool)
                    .await
                    .db()
            }

            async fn compact_tombstones(&self, through: i64) -> Result<u64> {
                let done = sqlx::query("DELETE FROM tombstones WHERE seq <= $1")
                    .bind(through)
                    .execute(&self.pool)
                    .await
                    .db()?;
                Ok(done.rows_affected())
            }
        }

        #[async_trait]
        impl Store for $Store {
            fn backend(&self) -> &'static str {
                $backend
            }

            async fn stats(&self) -> Result<StoreStats> {
                let row = sqlx::query(
                    "SELECT (SELECT COUNT(*) FROM users) AS users, \
                            (SELECT COUNT(*) FROM conversations) AS conversations, \
                            (SELECT COUNT(*) FROM messages) AS messages, \
                            (SELECT COUNT(*) FROM documents) AS documents, \
                            (SELECT COUNT(*) FROM chunks) AS chunks, \
                            (SELECT COUNT(*) FROM collections) AS collections, \
                            (SELECT last_seq FROM change_counter WHERE id = 1) AS latest_seq",
                )
                .fetch_one(&self.pool)
                .await
                .db()?;
                Ok(StoreStats {
                    users: to_u64(get(&row, "users")?, "users")?,
                    conversations: to_u64(get(&row, "conversations")?, "conversations")?,
                    messages: to_u64(get(&row, "messages")?, "messages")?,
                    documents: to_u64(get(&row, "documents")?, "documents")?,
                    chunks: to_u64(get(&row, "chunks")?, "chunks")?,
                    collections: to_u64(get(&row, "collections")?, "collections")?,
                    latest_seq: get(&row, "latest_seq")?,
                })
            }
        }
    };
}
