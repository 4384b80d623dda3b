//! The TOML config file (`--config` / `DIS_CONFIG`), read once and flattened into one entry per
//! setting. A key is its variable in lower case without `DIS_`: `mysql_url` is `DIS_MYSQL_URL`;
//! a table adds its name, with `__` between deeper levels: `[erp] host` is `DIS_ERP_HOST`,
//! `[erp.influencers] full` is `DIS_ERP_INFLUENCERS__FULL`.

use std::path::{Path, PathBuf};

use figment::providers::{Format, Toml};
use figment::value::{Dict, Num, Value};
use figment::Provider;

use crate::SettingsError;

/// One setting of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// As written: `erp.host`.
    pub key: String,
    /// The variable it stands for: `DIS_ERP_HOST`.
    pub variable: String,
    /// As text, as a variable would hold it.
    pub value: String,
}

/// A config file, its path made absolute so that logs and relative paths are unambiguous.
#[derive(Debug, Clone)]
pub struct ConfigFile {
    path: PathBuf,
    entries: Vec<Entry>,
}

impl ConfigFile {
    pub fn read(path: &Path) -> Result<Self, SettingsError> {
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
        let text = std::fs::read_to_string(&absolute).map_err(|e| SettingsError::ConfigFile {
            path: absolute.clone(),
            reason: format!("cannot be read ({e}); it was named by --config or DIS_CONFIG"),
        })?;
        Self::parse(absolute, &text)
    }

    /// `text` as if read from `path`.
    pub fn parse(path: PathBuf, text: &str) -> Result<Self, SettingsError> {
        let invalid = |reason: String| SettingsError::ConfigFile {
            path: path.clone(),
            reason,
        };
        let data = Toml::string(text)
            .data()
            .map_err(|e| invalid(format!("is not valid TOML: {e}")))?;
        let mut entries = Vec::new();
        for dict in data.values() {
            flatten(&mut entries, &[], dict).map_err(invalid)?;
        }
        Ok(Self { path, entries })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The folder relative paths in the file are read from.
    pub fn folder(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("/"))
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }
}

fn flatten(out: &mut Vec<Entry>, prefix: &[&str], dict: &Dict) -> Result<(), String> {
    for (key, value) in dict {
        let mut path = prefix.to_vec();
        path.push(key);
        match value {
            Value::Dict(_, inner) => flatten(out, &path, inner)?,
            Value::Array(..) => {
                return Err(format!(
                    "`{}` is a list; every setting is a single value",
                    path.join(".")
                ))
            }
            Value::Empty(..) => {}
            scalar => out.push(Entry {
                key: path.join("."),
                variable: variable_for(&path),
                value: scalar_text(scalar),
            }),
        }
    }
    Ok(())
}

/// `["erp", "influencers", "full"]` is `DIS_ERP_INFLUENCERS__FULL`.
pub fn variable_for(path: &[&str]) -> String {
    let mut variable = format!("DIS_{}", path[0].to_uppercase());
    if let Some((first, deeper)) = path[1..].split_first() {
        variable.push('_');
        variable.push_str(&first.to_uppercase());
        for part in deeper {
            variable.push_str("__");
            variable.push_str(&part.to_uppercase());
        }
    }
    variable
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(_, text) => text.clone(),
        Value::Char(_, c) => c.to_string(),
        Value::Bool(_, b) => b.to_string(),
        Value::Num(_, Num::F32(x)) => x.to_string(),
        Value::Num(_, Num::F64(x)) => x.to_string(),
        Value::Num(_, n) => n.to_i128().map_or_else(String::new, |i| i.to_string()),
        Value::Dict(..) | Value::Array(..) | Value::Empty(..) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(text: &str) -> Vec<(String, String, String)> {
        ConfigFile::parse("/etc/dis/dis-sync.toml".into(), text)
            .unwrap()
            .entries()
            .iter()
            .map(|e| (e.key.clone(), e.variable.clone(), e.value.clone()))
            .collect()
    }

    #[test]
    fn each_key_stands_for_the_variable_of_the_same_name() {
        let found = entries(
            "mysql_url = \"mysql://db/dis\"\nworker_concurrency = 8\nsweep_max_share = 0.1\nmigrate = false\n\
             [erp]\nhost = \"erp.local\"\n[erp.influencers]\nfull = \"SELECT 1\"\n",
        );
        let variables: Vec<(&str, &str)> = found
            .iter()
            .map(|(_, v, value)| (v.as_str(), value.as_str()))
            .collect();
        for expected in [
            ("DIS_MYSQL_URL", "mysql://db/dis"),
            ("DIS_WORKER_CONCURRENCY", "8"),
            ("DIS_SWEEP_MAX_SHARE", "0.1"),
            ("DIS_MIGRATE", "false"),
            ("DIS_ERP_HOST", "erp.local"),
            ("DIS_ERP_INFLUENCERS__FULL", "SELECT 1"),
        ] {
            assert!(variables.contains(&expected), "{expected:?} in {found:?}");
        }
    }

    #[test]
    fn a_list_is_refused_with_its_key() {
        let error = ConfigFile::parse("/x.toml".into(), "api_keys = [\"a\"]").unwrap_err();
        assert!(
            error.to_string().contains("`api_keys` is a list"),
            "{error}"
        );
    }

    #[test]
    fn text_that_is_not_toml_is_refused_naming_the_file() {
        let error = ConfigFile::parse("/etc/dis/x.toml".into(), "listen = ").unwrap_err();
        assert!(error.to_string().contains("/etc/dis/x.toml"), "{error}");
    }
}
