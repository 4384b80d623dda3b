//! Incremental watermarks: per entity, the ERP time up to which every change has been delivered
//! by a completed run. A small JSON file, replaced atomically; it only moves when a run completes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::{NaiveDateTime, SecondsFormat, Utc};
use records::Entity;
use serde::{Deserialize, Serialize};

use super::time::{format_local, parse_local};

/// One entity's watermark, as the file holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Watermark {
    /// ERP local time, seven fractional digits: the next incremental run reads from here.
    pub erp_time: String,
    /// The completed run that moved it.
    pub run_id: i64,
    /// When it moved, in UTC, for operators.
    pub stored_at: String,
}

#[derive(Debug, thiserror::Error)]
pub enum WatermarkError {
    #[error("the watermark file {path} cannot be read: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the watermark file {path} is not valid: {problem}; fix or delete it (the next incremental run then reads everything)")]
    Invalid { path: PathBuf, problem: String },
    #[error("the watermark file {path} cannot be written: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The watermark file. Clones share a lock, so runs of different entities can finish at once.
#[derive(Debug, Clone)]
pub struct WatermarkStore {
    path: PathBuf,
    lock: Arc<Mutex<()>>,
}

type Marks = BTreeMap<String, Watermark>;

impl WatermarkStore {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            lock: Arc::new(Mutex::new(())),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Where the next incremental run of `entity` starts, if a run ever completed.
    pub fn get(&self, entity: Entity) -> Result<Option<NaiveDateTime>, WatermarkError> {
        let _guard = self
            .lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let marks = self.read()?;
        marks
            .get(entity.as_str())
            .map(|mark| parse_local(&mark.erp_time).map_err(|problem| self.invalid(problem)))
            .transpose()
    }

    /// Moves `entity`'s watermark to `erp_time`, after run `run_id` completed.
    pub fn advance(
        &self,
        entity: Entity,
        erp_time: &NaiveDateTime,
        run_id: i64,
    ) -> Result<(), WatermarkError> {
        let _guard = self
            .lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut marks = self.read()?;
        marks.insert(
            entity.as_str().to_owned(),
            Watermark {
                erp_time: format_local(erp_time),
                run_id,
                stored_at: Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
            },
        );
        let text = serde_json::to_string_pretty(&marks).expect("watermarks serialize");
        // Written aside then renamed, so a crash never leaves half a file.
        let partial = self.path.with_extension("json.partial");
        let write = |source| WatermarkError::Write {
            path: self.path.clone(),
            source,
        };
        std::fs::write(&partial, text + "\n").map_err(write)?;
        std::fs::rename(&partial, &self.path).map_err(write)
    }

    fn read(&self) -> Result<Marks, WatermarkError> {
        match std::fs::read_to_string(&self.path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| self.invalid(e.to_string())),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Marks::new()),
            Err(source) => Err(WatermarkError::Read {
                path: self.path.clone(),
                source,
            }),
        }
    }

    fn invalid(&self, problem: String) -> WatermarkError {
        WatermarkError::Invalid {
            path: self.path.clone(),
            problem,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(name: &str) -> WatermarkStore {
        let dir = std::env::temp_dir().join(format!("dis-wm-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("watermarks.json");
        let _ = std::fs::remove_file(&path);
        WatermarkStore::new(path)
    }

    #[test]
    fn an_entity_never_synced_has_no_watermark() {
        assert_eq!(store("none").get(Entity::Contracts).unwrap(), None);
    }

    #[test]
    fn a_watermark_keeps_all_seven_digits_and_each_entity_its_own() {
        let store = store("two");
        let time = parse_local("2026-11-27T01:02:03.4567891").unwrap();
        store.advance(Entity::Influencers, &time, 7).unwrap();
        assert_eq!(store.get(Entity::Influencers).unwrap(), Some(time));
        assert_eq!(store.get(Entity::Contracts).unwrap(), None);
        let text = std::fs::read_to_string(store.path()).unwrap();
        assert!(text.contains("\"2026-11-27T01:02:03.4567891\""), "{text}");
    }

    #[test]
    fn a_corrupt_file_is_reported_with_its_path() {
        let store = store("corrupt");
        std::fs::write(store.path(), "{not json").unwrap();
        let error = store.get(Entity::Influencers).unwrap_err().to_string();
        assert!(error.contains("watermarks.json"), "{error}");
    }
}
