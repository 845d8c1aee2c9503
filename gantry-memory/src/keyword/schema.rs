//! The index's tantivy schema and its English text analyzer.

use gantry_core::store::ChangeKind;
use gantry_core::{Error, Result};
use tantivy::schema::{
    BytesOptions, Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter, TextAnalyzer,
};

/// Name the text analyzer is registered under (stored in the schema).
pub(super) const ANALYZER: &str = "gantry_en";
/// Words longer than this are dropped by the analyzer (hashes, base64, minified code).
const MAX_TOKEN_BYTES: usize = 40;

const MESSAGE: &str = "message";
const CHUNK: &str = "chunk";

/// The schema's fields, looked up once.
#[derive(Clone, Copy, Debug)]
pub(super) struct Fields {
    pub(super) id: Field,
    pub(super) owner: Field,
    pub(super) kind: Field,
    pub(super) parent: Field,
    pub(super) text: Field,
}

pub(super) fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    // Uuids as 16 raw bytes: indexed for delete-by-term and filters, fast to rebuild hits
    // without touching the document store.
    let uuid = || {
        BytesOptions::default()
            .set_indexed()
            .set_fast()
            .set_stored()
    };
    let id = builder.add_bytes_field("id", uuid());
    let owner = builder.add_bytes_field("owner", uuid());
    let parent = builder.add_bytes_field("parent", uuid());
    let kind = builder.add_text_field(
        "kind",
        TextOptions::default()
            .set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer("raw")
                    .set_index_option(IndexRecordOption::Basic),
            )
            .set_fast("raw")
            .set_stored(),
    );
    let text = builder.add_text_field(
        "text",
        TextOptions::default()
            .set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(ANALYZER)
                    .set_index_option(IndexRecordOption::WithFreqsAndPositions),
            )
            .set_stored(),
    );
    let fields = Fields {
        id,
        owner,
        kind,
        parent,
        text,
    };
    (builder.build(), fields)
}

/// English: split on non-alphanumerics, drop huge tokens, lowercase, drop stop words, stem.
pub(super) fn analyzer() -> Result<TextAnalyzer> {
    let stop_words = StopWordFilter::new(Language::English)
        .ok_or_else(|| Error::internal("tantivy has no English stop words"))?;
    Ok(TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(stop_words)
        .filter(Stemmer::new(Language::English))
        .build())
}

pub(super) fn kind_str(kind: ChangeKind) -> &'static str {
    match kind {
        ChangeKind::Message => MESSAGE,
        ChangeKind::Chunk => CHUNK,
    }
}
