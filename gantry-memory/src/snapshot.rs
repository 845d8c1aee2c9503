//! A vector index's saved state: its live items, their unit vectors, the embedder that made
//! them and the change number they reflect, in one checksummed file.
//!
//! The file is a cache of the store, never the truth: a missing, damaged or foreign file is
//! reported as such and the caller replays the store's change feed instead. Layout, all
//! little-endian: the magic `GANTRYV1`, a u32 header length and a JSON header (`embedder`,
//! `dimension`, `applied_seq`, `count`), `count` items of 49 bytes (id, owner, kind byte,
//! parent), `count * dimension` f32s, and a CRC-32 of everything before it. It is written
//! to a temporary file, synced and renamed over the old one, so a crash leaves either the
//! old file or the new one.

use std::io::Write;
use std::path::Path;

use gantry_core::ids::UserId;
use gantry_core::index::IndexedItem;
use gantry_core::store::ChangeKind;
use gantry_core::{Error, Result};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

const MAGIC: &[u8; 8] = b"GANTRYV1";
const ITEM_BYTES: usize = 49;

/// Live items and their vectors, as saved.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    /// The embedder that produced the vectors (its model id).
    pub embedder: String,
    /// The vectors' length.
    pub dimension: usize,
    /// Every change up to this number is reflected.
    pub applied_seq: i64,
    /// The items, in the order of `vectors`.
    pub items: Vec<IndexedItem>,
    /// Unit vectors, `dimension` floats per item.
    pub vectors: Vec<f32>,
}

#[derive(Serialize, Deserialize)]
struct Header {
    embedder: String,
    dimension: usize,
    applied_seq: i64,
    count: usize,
}

impl Snapshot {
    /// Writes the snapshot to `path` atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        let header = serde_json::to_vec(&Header {
            embedder: self.embedder.clone(),
            dimension: self.dimension,
            applied_seq: self.applied_seq,
            count: self.items.len(),
        })
        .map_err(|e| Error::internal_from("encoding a snapshot header", e))?;
        let mut bytes = Vec::with_capacity(
            16 + header.len() + self.items.len() * ITEM_BYTES + self.vectors.len() * 4,
        );
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&(header.len() as u32).to_le_bytes());
        bytes.extend_from_slice(&header);
        for item in &self.items {
            bytes.extend_from_slice(item.id.as_bytes());
            bytes.extend_from_slice(item.owner_id.as_uuid().as_bytes());
            bytes.push(match item.kind {
                ChangeKind::Message => 0,
                ChangeKind::Chunk => 1,
            });
            bytes.extend_from_slice(item.parent_id.as_bytes());
        }
        for x in &self.vectors {
            bytes.extend_from_slice(&x.to_le_bytes());
        }
        let crc = crc32fast::hash(&bytes);
        bytes.extend_from_slice(&crc.to_le_bytes());

        let io = |e: std::io::Error| Error::internal(format!("saving {}: {e}", path.display()));
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let tmp = path.with_extension("tmp");
        let mut file = std::fs::File::create(&tmp).map_err(io)?;
        file.write_all(&bytes).map_err(io)?;
        file.sync_all().map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)?;
        if let Some(dir) = path.parent() {
            // Make the rename itself durable; not every platform can open a directory.
            if let Ok(dir) = std::fs::File::open(dir) {
                let _ = dir.sync_all();
            }
        }
        Ok(())
    }

    /// Reads a snapshot, or says in words why the file cannot be used.
    pub fn load(path: &Path) -> std::result::Result<Self, String> {
        let bytes = std::fs::read(path).map_err(|e| format!("cannot read it ({e})"))?;
        if bytes.len() < MAGIC.len() + 8 || !bytes.starts_with(MAGIC) {
            return Err("it is not a Gantry vector snapshot".into());
        }
        let (body, crc) = bytes.split_at(bytes.len() - 4);
        let crc = u32::from_le_bytes([crc[0], crc[1], crc[2], crc[3]]);
        if crc32fast::hash(body) != crc {
            return Err("its checksum does not match (truncated or damaged)".into());
        }
        let rest = &body[MAGIC.len()..];
        let (len, rest) = rest.split_at(4);
        let len = u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize;
        if rest.len() < len {
            return Err("its header is cut short".into());
        }
        let (header, rest) = rest.split_at(len);
        let header: Header = serde_json::from_slice(header)
            .map_err(|e| format!("its header is unreadable ({e})"))?;
        let item_bytes = header.count.checked_mul(ITEM_BYTES);
        let vector_bytes = header
            .count
            .checked_mul(header.dimension)
            .and_then(|n| n.checked_mul(4));
        let (Some(item_bytes), Some(vector_bytes)) = (item_bytes, vector_bytes) else {
            return Err("its header gives impossible sizes".into());
        };
        if rest.len() != item_bytes + vector_bytes {
            return Err("its length does not match its header".into());
        }
        let (item_part, vector_part) = rest.split_at(item_bytes);
        let uuid = |b: &[u8]| Uuid::from_slice(b).unwrap_or_default();
        let mut items = Vec::with_capacity(header.count);
        for raw in item_part.chunks_exact(ITEM_BYTES) {
            let kind = match raw[32] {
                0 => ChangeKind::Message,
                1 => ChangeKind::Chunk,
                other => return Err(format!("it holds an unknown item kind {other}")),
            };
            items.push(IndexedItem {
                id: uuid(&raw[..16]),
                owner_id: UserId(uuid(&raw[16..32])),
                kind,
                parent_id: uuid(&raw[33..49]),
            });
        }
        let vectors = vector_part
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        Ok(Self {
            embedder: header.embedder,
            dimension: header.dimension,
            applied_seq: header.applied_seq,
            items,
            vectors,
        })
    }
}
