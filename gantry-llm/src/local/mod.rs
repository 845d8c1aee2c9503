//! Models that run inside the Gantry process, with no server at all.

mod bert;
mod minilm;

pub use minilm::{MiniLmEmbedder, MiniLmOptions};
