//! Finding the in-process chat model (feature `gguf`): the first `.gguf` file, by name, in
//! the model directory, and a sentence that says which, or why there is none. Available in
//! every build, so a build without the feature can still say what it would have used.

use std::path::{Path, PathBuf};

/// What a model directory offers as the in-process chat model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChatModelChoice {
    /// This file, the first `.gguf` by name; `others` more were passed over.
    Found {
        /// The model file.
        path: PathBuf,
        /// How many other `.gguf` files the directory holds.
        others: usize,
    },
    /// The directory does not exist or cannot be read.
    NoDirectory(PathBuf),
    /// The directory holds no `.gguf` file.
    NoModel(PathBuf),
    /// The file named in the settings does not exist.
    NoFile(PathBuf),
}

impl ChatModelChoice {
    /// The file to load, if any.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Self::Found { path, .. } => Some(path),
            _ => None,
        }
    }
}

impl std::fmt::Display for ChatModelChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Found { path, others: 0 } => write!(f, "{}", path.display()),
            Self::Found { path, others } => write!(
                f,
                "{} (the first by name; {others} other .gguf file(s) there are not used)",
                path.display()
            ),
            Self::NoDirectory(dir) => write!(
                f,
                "none: the model directory {} does not exist (scripts/fetch-models fills it)",
                dir.display()
            ),
            Self::NoModel(dir) => write!(
                f,
                "none: no .gguf file in {} (scripts/fetch-models puts SmolLM2-135M-Instruct there)",
                dir.display()
            ),
            Self::NoFile(path) => write!(f, "none: {} does not exist", path.display()),
        }
    }
}

/// The chat model to use: `file` when one is named, else the first in `dir`.
pub fn choose_chat_model(file: Option<&Path>, dir: &Path) -> ChatModelChoice {
    match file {
        Some(path) if path.is_file() => ChatModelChoice::Found {
            path: path.to_owned(),
            others: 0,
        },
        Some(path) => ChatModelChoice::NoFile(path.to_owned()),
        None => find_chat_model(dir),
    }
}

/// The chat model `dir` offers.
pub fn find_chat_model(dir: &Path) -> ChatModelChoice {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return ChatModelChoice::NoDirectory(dir.to_owned());
    };
    let mut models: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            path.is_file()
                && path
                    .extension()
                    .is_some_and(|ext| ext.eq_ignore_ascii_case("gguf"))
        })
        .collect();
    models.sort();
    let others = models.len().saturating_sub(1);
    match models.into_iter().next() {
        Some(path) => ChatModelChoice::Found { path, others },
        None => ChatModelChoice::NoModel(dir.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_gguf_by_name_is_chosen_and_the_reason_for_none_is_given() {
        let dir = std::env::temp_dir().join(format!("gantry-discover-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(
            find_chat_model(&dir),
            ChatModelChoice::NoDirectory(dir.clone())
        );
        std::fs::create_dir_all(dir.join("sub.gguf")).unwrap();
        std::fs::write(dir.join("notes.txt"), "x").unwrap();
        assert_eq!(find_chat_model(&dir), ChatModelChoice::NoModel(dir.clone()));
        assert!(find_chat_model(&dir).to_string().contains("no .gguf file"));
        std::fs::write(dir.join("b.gguf"), "x").unwrap();
        std::fs::write(dir.join("a.GGUF"), "x").unwrap();
        let choice = find_chat_model(&dir);
        assert_eq!(choice.path(), Some(dir.join("a.GGUF").as_path()));
        assert!(choice.to_string().contains("1 other"), "{choice}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
