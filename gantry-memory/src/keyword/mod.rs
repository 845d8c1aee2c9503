//! The keyword index: BM25 full-text search over messages and chunks, on tantivy.
//!
//! Like the vector indexes it is a derived cache of the store. The change-feed number it
//! has applied travels in tantivy's commit payload, so it is on disk atomically with the
//! documents: after a crash the index is exactly at some applied sequence, never between.
//! An index that cannot be opened (corrupt, older format, other schema) is wiped and starts
//! again from sequence 0, and the caller re-feeds it from the store.
//!
//! User text is not a query language: a query is run through the same analyzer as the
//! documents and its words are OR-ed, so no input can fail to parse, reach another field
//! or expand into a wildcard scan.

mod schema;
mod snippet;

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::index::KeywordIndex;
use async_trait::async_trait;
use gantry_core::index::{Hit, IndexedItem, SearchFilter};
use gantry_core::store::ChangeKind;
use gantry_core::{Error, Result, UserId};
use serde::{Deserialize, Serialize};
use tantivy::collector::{DocSetCollector, TopDocs};
use tantivy::columnar::BytesColumn;
use tantivy::directory::MmapDirectory;
use tantivy::fastfield::FastFieldReaders;
use tantivy::query::{BooleanQuery, ConstScoreQuery, Occur, Query, TermQuery, TermSetQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{
    DocAddress, DocId, Index, IndexReader, IndexSettings, IndexWriter, ReloadPolicy, Searcher,
    TantivyDocument, TantivyError, Term,
};
use uuid::Uuid;

use self::schema::{ANALYZER, Fields, analyzer, kind_str, schema};
pub use self::snippet::Snippet;
use self::snippet::{SNIPPET_CHARS, snippet_of, unmarked};

/// Largest text accepted for one item; a chunk or message beyond this is a caller bug.
pub const MAX_TEXT_BYTES: usize = 1 << 20;
/// Queries are cut to this many bytes: a pasted page is still a search, not a denial of
/// service.
pub const MAX_QUERY_BYTES: usize = 4096;
/// Distinct query words kept, in order of appearance; each is a posting list to walk.
const MAX_QUERY_TERMS: usize = 256;
/// The writer's indexing buffer; tantivy flushes a segment when it fills.
const WRITER_MEMORY_BYTES: usize = 50_000_000;

fn internal(context: &str) -> impl FnOnce(TantivyError) -> Error + '_ {
    move |e| Error::internal_from(format!("keyword index: {context}"), e)
}

/// A search result with its text and a highlighted excerpt.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KeywordHit {
    /// The item and its BM25 score.
    pub hit: Hit,
    /// The item's whole indexed text.
    pub text: String,
    /// The best-matching excerpt of `text`.
    pub snippet: Snippet,
}

/// `query` cut to at most [`MAX_QUERY_BYTES`], on a character boundary.
fn truncate_query(query: &str) -> &str {
    &query[..query.floor_char_boundary(MAX_QUERY_BYTES)]
}

/// A search's top documents, with what is needed to read them.
struct Found {
    searcher: Searcher,
    /// The text part of the query, for snippets.
    text_query: BooleanQuery,
    /// Score and address, best first.
    docs: Vec<(f32, DocAddress)>,
}

struct Inner {
    reader: IndexReader,
    /// The one writer; every commit goes through it.
    writer: Mutex<IndexWriter>,
    fields: Fields,
    analyzer: TextAnalyzer,
    /// The payload of the last commit, mirrored so readers need not take the writer lock.
    applied_seq: AtomicI64,
}

/// The tantivy BM25 index, with owner, kind and parent filters applied inside the search.
#[derive(Clone)]
pub struct TantivyIndex {
    inner: Arc<Inner>,
}

impl fmt::Debug for TantivyIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TantivyIndex")
            .field(
                "applied_seq",
                &self.inner.applied_seq.load(Ordering::Acquire),
            )
            .finish_non_exhaustive()
    }
}

/// Why an existing index directory could not be used.
enum OpenFailure {
    /// Unusable contents: wipe and start again.
    Corrupt(String),
    /// A real error (another writer holds the lock, I/O): report it, touch nothing.
    Fatal(Error),
}

impl OpenFailure {
    /// For a fresh index, where there is nothing left to wipe.
    fn into_error(self) -> Error {
        match self {
            Self::Corrupt(reason) => Error::internal_from("keyword index", reason),
            Self::Fatal(e) => e,
        }
    }
}

impl TantivyIndex {
    /// Opens the index in `dir`, creating the directory and an empty index if needed.
    ///
    /// The directory belongs to the index: if it holds an index that cannot be opened or has
    /// another schema, its files are deleted and the index starts empty at sequence 0.
    pub fn open(dir: &Path) -> Result<Self> {
        let where_ = dir.display();
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::internal_from(format!("keyword index: creating {where_}"), e))?;
        match Self::open_existing(dir) {
            Ok(Some(index)) => return Ok(index),
            Ok(None) => {}
            Err(OpenFailure::Fatal(e)) => return Err(e),
            Err(OpenFailure::Corrupt(reason)) => {
                tracing::warn!(dir = %where_, %reason, "keyword index unusable; starting empty, to be rebuilt from the store");
                wipe(dir)?;
            }
        }
        let directory = mmap_directory(dir)?;
        let (schema, fields) = schema();
        let index = Index::create(directory, schema, IndexSettings::default())
            .map_err(internal("creating index"))?;
        Self::start(index, fields, 0).map_err(OpenFailure::into_error)
    }

    /// An empty index in memory, for tests and benchmarks.
    pub fn in_memory() -> Result<Self> {
        let (schema, fields) = schema();
        let index = Index::create_in_ram(schema);
        Self::start(index, fields, 0).map_err(OpenFailure::into_error)
    }

    /// The index already in `dir`, or `None` when there is none yet.
    fn open_existing(dir: &Path) -> std::result::Result<Option<Self>, OpenFailure> {
        let directory = mmap_directory(dir).map_err(OpenFailure::Fatal)?;
        match Index::exists(&directory) {
            Ok(true) => {}
            Ok(false) => return Ok(None),
            Err(e) => return Err(OpenFailure::Corrupt(format!("reading meta.json: {e}"))),
        }
        let index = Index::open(directory)
            .map_err(|e| OpenFailure::Corrupt(format!("opening index: {e}")))?;
        let (schema, fields) = schema();
        if index.schema() != schema {
            return Err(OpenFailure::Corrupt("the schema has changed".to_owned()));
        }
        let metas = index
            .load_metas()
            .map_err(|e| OpenFailure::Corrupt(format!("reading metas: {e}")))?;
        let seq = match metas.payload.as_deref() {
            None => 0,
            Some(payload) => payload.parse::<i64>().map_err(|_| {
                OpenFailure::Corrupt(format!("commit payload `{payload}` is not a sequence"))
            })?,
        };
        Self::start(index, fields, seq).map(Some)
    }

    /// Registers the analyzer and creates the one writer and the reader.
    fn start(index: Index, fields: Fields, seq: i64) -> std::result::Result<Self, OpenFailure> {
        let analyzer = analyzer().map_err(OpenFailure::Fatal)?;
        index.tokenizers().register(ANALYZER, analyzer.clone());
        let options = tantivy::indexer::IndexWriterOptions::builder()
            .memory_budget_per_thread(WRITER_MEMORY_BYTES)
            .num_worker_threads(1)
            .num_merge_threads(1)
            .build();
        let writer = index.writer_with_options(options).map_err(|e| match e {
            TantivyError::LockFailure(..) => OpenFailure::Fatal(Error::internal(format!(
                "keyword index: already open for writing elsewhere: {e}"
            ))),
            e => OpenFailure::Corrupt(format!("starting the writer: {e}")),
        })?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(|e| OpenFailure::Corrupt(format!("opening segments: {e}")))?;
        Ok(Self {
            inner: Arc::new(Inner {
                reader,
                writer: Mutex::new(writer),
                fields,
                analyzer,
                applied_seq: AtomicI64::new(seq),
            }),
        })
    }

    /// Records that every change up to `seq` has been applied, durably (one commit).
    pub fn set_applied_seq(&self, seq: i64) -> Result<()> {
        self.inner.apply(Vec::new(), &[], Some(seq))
    }

    /// Adds or replaces `upserts`, removes `removes` and records `seq` in one commit, so
    /// the data and the sequence can never disagree. Removals win over upserts of the same
    /// id. The whole batch is checked before anything changes. Blocks on disk I/O; async
    /// callers want [`KeywordIndex::apply`].
    pub fn apply_blocking(
        &self,
        upserts: Vec<(IndexedItem, String)>,
        removes: &[Uuid],
        seq: i64,
    ) -> Result<()> {
        self.inner.apply(upserts, removes, Some(seq))
    }

    /// The `k` best items for `query` that pass `filter`, with text and highlighted snippet.
    pub fn search_with_snippets(
        &self,
        query: &str,
        k: usize,
        filter: &SearchFilter,
    ) -> Result<Vec<KeywordHit>> {
        let inner = &self.inner;
        let Some(Found {
            searcher,
            text_query,
            docs,
        }) = inner.top_docs(query, k, filter)?
        else {
            return Ok(Vec::new());
        };
        let mut generator = SnippetGenerator::create(&searcher, &text_query, inner.fields.text)
            .map_err(internal("preparing snippets"))?;
        generator.set_max_num_chars(SNIPPET_CHARS);
        let mut hits = Vec::with_capacity(docs.len());
        for (score, address) in docs {
            let item = inner.item_at(&searcher, address)?;
            let text = inner.stored_text(&searcher, address)?;
            let snippet = snippet_of(&generator, &text);
            hits.push(KeywordHit {
                hit: Hit { item, score },
                text,
                snippet,
            });
        }
        Ok(hits)
    }
}

fn mmap_directory(dir: &Path) -> Result<MmapDirectory> {
    MmapDirectory::open(dir)
        .map_err(|e| Error::internal(format!("keyword index: opening {}: {e}", dir.display())))
}

/// Deletes the files of an unusable index (tantivy keeps no subdirectories).
fn wipe(dir: &Path) -> Result<()> {
    let fail = |e: std::io::Error| {
        Error::internal(format!("keyword index: wiping {}: {e}", dir.display()))
    };
    for entry in std::fs::read_dir(dir).map_err(fail)? {
        let entry = entry.map_err(fail)?;
        if entry.file_type().map_err(fail)?.is_file() {
            std::fs::remove_file(entry.path()).map_err(fail)?;
        }
    }
    Ok(())
}

fn missing(field: &str) -> Error {
    Error::internal(format!("keyword index: document without {field}"))
}

/// The (single) value of a bytes or string fast field of `doc`.
fn first_bytes(column: &BytesColumn, field: &str, doc: DocId) -> Result<Vec<u8>> {
    let ord = column.term_ords(doc).next().ok_or_else(|| missing(field))?;
    let mut bytes = Vec::with_capacity(16);
    column
        .ord_to_bytes(ord, &mut bytes)
        .map_err(|e| Error::internal_from(format!("keyword index: reading {field}"), e))?;
    Ok(bytes)
}

fn uuid_at(ff: &FastFieldReaders, field: &str, doc: DocId) -> Result<Uuid> {
    let column = ff
        .bytes(field)
        .map_err(internal("reading a fast field"))?
        .ok_or_else(|| missing(field))?;
    let bytes = first_bytes(&column, field, doc)?;
    Uuid::from_slice(&bytes)
        .map_err(|_| Error::internal(format!("keyword index: {field} is not a uuid")))
}

impl Inner {
    fn writer(&self) -> MutexGuard<'_, IndexWriter> {
        self.writer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// One commit: upserts, then removals, then the payload. `seq: None` keeps the current
    /// sequence (read under the writer lock, so a concurrent `set_applied_seq` is not lost).
    fn apply(
        &self,
        upserts: Vec<(IndexedItem, String)>,
        removes: &[Uuid],
        seq: Option<i64>,
    ) -> Result<()> {
        if let Some(seq) = seq.filter(|s| *s < 0) {
            return Err(Error::invalid(
                "seq",
                format!("must not be negative, got {seq}"),
            ));
        }
        for (item, text) in &upserts {
            if text.len() > MAX_TEXT_BYTES {
                return Err(Error::invalid(
                    "text",
                    format!(
                        "item {} has {} bytes, at most {MAX_TEXT_BYTES} are indexed",
                        item.id,
                        text.len()
                    ),
                ));
            }
        }
        let fields = self.fields;
        let docs = upserts.into_iter().map(|(item, text)| {
            let mut doc = TantivyDocument::new();
            doc.add_bytes(fields.id, item.id.as_bytes());
            doc.add_bytes(fields.owner, item.owner_id.as_uuid().as_bytes());
            doc.add_text(fields.kind, kind_str(item.kind));
            doc.add_bytes(fields.parent, item.parent_id.as_bytes());
            doc.add_text(fields.text, text);
            (item.id, doc)
        });

        let mut writer = self.writer();
        let seq = seq.unwrap_or_else(|| self.applied_seq.load(Ordering::Acquire));
        let written = (|| -> tantivy::Result<()> {
            for (id, doc) in docs {
                writer.delete_term(Term::from_field_bytes(fields.id, id.as_bytes()));
                writer.add_document(doc)?;
            }
            for id in removes {
                writer.delete_term(Term::from_field_bytes(fields.id, id.as_bytes()));
            }
            let mut commit = writer.prepare_commit()?;
            commit.set_payload(&seq.to_string());
            commit.commit()?;
            Ok(())
        })();
        if let Err(e) = written {
            // Drop what this batch queued so the next commit does not carry half of it.
            if let Err(rollback) = writer.rollback() {
                tracing::error!(error = %rollback, "keyword index: rollback failed");
            }
            return Err(Error::internal(format!(
                "keyword index: commit failed: {e}"
            )));
        }
        self.applied_seq.store(seq, Ordering::Release);
        self.reader.reload().map_err(internal("reloading"))?;
        Ok(())
    }

    /// Deletes every document and records change number 0, in one commit.
    fn clear(&self) -> Result<()> {
        let mut writer = self.writer();
        let cleared = (|| -> tantivy::Result<()> {
            writer.delete_all_documents()?;
            let mut commit = writer.prepare_commit()?;
            commit.set_payload("0");
            commit.commit()?;
            Ok(())
        })();
        if let Err(e) = cleared {
            if let Err(rollback) = writer.rollback() {
                tracing::error!(error = %rollback, "keyword index: rollback failed");
            }
            return Err(Error::internal(format!(
                "keyword index: clearing failed: {e}"
            )));
        }
        self.applied_seq.store(0, Ordering::Release);
        self.reader.reload().map_err(internal("reloading"))?;
        Ok(())
    }

    /// The query as terms of the text field: analyzed like the documents, deduplicated.
    fn text_query(&self, query: &str) -> Option<BooleanQuery> {
        let mut analyzer = self.analyzer.clone();
        let mut stream = analyzer.token_stream(truncate_query(query));
        let mut seen = HashSet::new();
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        while let Some(token) = stream.next() {
            if clauses.len() == MAX_QUERY_TERMS {
                break;
            }
            if seen.insert(token.text.clone()) {
                let term = Term::from_field_text(self.fields.text, &token.text);
                clauses.push((
                    Occur::Should,
                    Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)),
                ));
            }
        }
        (!clauses.is_empty()).then(|| BooleanQuery::new(clauses))
    }

    /// The filter as clauses that must match but add nothing to the score.
    fn filter_clauses(&self, filter: &SearchFilter) -> Vec<(Occur, Box<dyn Query>)> {
        let fields = self.fields;
        let must = |query: Box<dyn Query>| -> (Occur, Box<dyn Query>) {
            (Occur::Must, Box::new(ConstScoreQuery::new(query, 0.0)))
        };
        let mut clauses = vec![must(Box::new(TermQuery::new(
            Term::from_field_bytes(fields.owner, filter.owner_id.as_uuid().as_bytes()),
            IndexRecordOption::Basic,
        )))];
        if let Some(kind) = filter.kind {
            clauses.push(must(Box::new(TermQuery::new(
                Term::from_field_text(fields.kind, kind_str(kind)),
                IndexRecordOption::Basic,
            ))));
        }
        if !filter.parents.is_empty() {
            let parents = filter
                .parents
                .iter()
                .map(|p| Term::from_field_bytes(fields.parent, p.as_bytes()));
            clauses.push(must(Box::new(TermSetQuery::new(parents))));
        }
        clauses
    }

    /// The top `k` documents; `None` when nothing can match (k of 0, no words in the query, empty index).
    fn top_docs(&self, query: &str, k: usize, filter: &SearchFilter) -> Result<Option<Found>> {
        if k == 0 {
            return Ok(None);
        }
        let Some(text_query) = self.text_query(query) else {
            return Ok(None);
        };
        let searcher = self.reader.searcher();
        let k = k.min(usize::try_from(searcher.num_docs()).unwrap_or(usize::MAX));
        if k == 0 {
            return Ok(None);
        }
        let mut clauses = self.filter_clauses(filter);
        clauses.push((Occur::Must, Box::new(text_query.clone())));
        let docs = searcher
            .search(
                &BooleanQuery::new(clauses),
                &TopDocs::with_limit(k).order_by_score(),
            )
            .map_err(internal("searching"))?;
        Ok(Some(Found {
            searcher,
            text_query,
            docs,
        }))
    }

    /// The item of a document, from fast fields (no document-store read).
    fn item_at(&self, searcher: &Searcher, address: DocAddress) -> Result<IndexedItem> {
        let ff = searcher.segment_reader(address.segment_ord).fast_fields();
        let doc = address.doc_id;
        let kinds = ff
            .str("kind")
            .map_err(internal("reading a fast field"))?
            .ok_or_else(|| missing("kind"))?;
        let kind = match first_bytes(&kinds, "kind", doc)?.as_slice() {
            b"message" => ChangeKind::Message,
            b"chunk" => ChangeKind::Chunk,
            other => {
                return Err(Error::internal(format!(
                    "keyword index: unknown kind {:?}",
                    String::from_utf8_lossy(other)
                )));
            }
        };
        Ok(IndexedItem {
            id: uuid_at(ff, "id", doc)?,
            owner_id: UserId(uuid_at(ff, "owner", doc)?),
            kind,
            parent_id: uuid_at(ff, "parent", doc)?,
        })
    }

    fn stored_text(&self, searcher: &Searcher, address: DocAddress) -> Result<String> {
        let doc: TantivyDocument = searcher
            .doc(address)
            .map_err(internal("reading a document"))?;
        Ok(doc
            .get_first(self.fields.text)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned())
    }
}

#[async_trait]
impl KeywordIndex for TantivyIndex {
    fn len(&self) -> usize {
        usize::try_from(self.inner.reader.searcher().num_docs()).unwrap_or(usize::MAX)
    }

    /// Highlighted excerpts of `texts` for `query`, for hits found some other way (by
    /// the vector index, say). A text with no query word starts the excerpt unmarked.
    fn snippets(&self, query: &str, texts: &[&str]) -> Result<Vec<Snippet>> {
        let inner = &self.inner;
        let Some(text_query) = inner.text_query(query) else {
            return Ok(texts.iter().map(|t| unmarked(t)).collect());
        };
        let searcher = inner.reader.searcher();
        let mut generator = SnippetGenerator::create(&searcher, &text_query, inner.fields.text)
            .map_err(internal("preparing snippets"))?;
        generator.set_max_num_chars(SNIPPET_CHARS);
        Ok(texts.iter().map(|t| snippet_of(&generator, t)).collect())
    }

    /// The stored texts of `ids`; ids not in the index are absent from the map. No owner
    /// check: callers pass ids that already came out of an owner-filtered search.
    fn texts(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, String>> {
        let inner = &self.inner;
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let searcher = inner.reader.searcher();
        let terms = ids
            .iter()
            .map(|id| Term::from_field_bytes(inner.fields.id, id.as_bytes()));
        let found = searcher
            .search(&TermSetQuery::new(terms), &DocSetCollector)
            .map_err(internal("looking up ids"))?;
        let mut texts = HashMap::with_capacity(found.len());
        for address in found {
            let ff = searcher.segment_reader(address.segment_ord).fast_fields();
            let id = uuid_at(ff, "id", address.doc_id)?;
            texts.insert(id, inner.stored_text(&searcher, address)?);
        }
        Ok(texts)
    }

    async fn upsert(&self, items: Vec<(IndexedItem, String)>) -> Result<()> {
        let inner = Arc::clone(&self.inner);
        // A commit syncs files to disk: keep it off the async workers.
        tokio::task::spawn_blocking(move || inner.apply(items, &[], None))
            .await
            .map_err(|e| Error::internal_from("keyword index: upsert task", e))?
    }

    async fn remove(&self, ids: &[Uuid]) -> Result<()> {
        let inner = Arc::clone(&self.inner);
        let ids = ids.to_vec();
        tokio::task::spawn_blocking(move || inner.apply(Vec::new(), &ids, None))
            .await
            .map_err(|e| Error::internal_from("keyword index: remove task", e))?
    }

    async fn search(&self, query: &str, k: usize, filter: &SearchFilter) -> Result<Vec<Hit>> {
        let inner = &self.inner;
        let Some(Found { searcher, docs, .. }) = inner.top_docs(query, k, filter)? else {
            return Ok(Vec::new());
        };
        docs.into_iter()
            .map(|(score, address)| {
                Ok(Hit {
                    item: inner.item_at(&searcher, address)?,
                    score,
                })
            })
            .collect()
    }

    async fn applied_seq(&self) -> Result<i64> {
        Ok(self.inner.applied_seq.load(Ordering::Acquire))
    }

    async fn mark_applied(&self, seq: i64) -> Result<()> {
        let index = self.clone();
        tokio::task::spawn_blocking(move || index.set_applied_seq(seq))
            .await
            .map_err(|e| Error::internal_from("keyword index: commit task", e))?
    }

    async fn clear(&self) -> Result<()> {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || inner.clear())
            .await
            .map_err(|e| Error::internal_from("keyword index: clear task", e))?
    }

    /// One commit for the whole batch and its change number.
    async fn apply(
        &self,
        upserts: Vec<(IndexedItem, String)>,
        removals: &[Uuid],
        seq: i64,
    ) -> Result<()> {
        let index = self.clone();
        let removals = removals.to_vec();
        tokio::task::spawn_blocking(move || index.apply_blocking(upserts, &removals, seq))
            .await
            .map_err(|e| Error::internal_from("keyword index: apply task", e))?
    }
}
