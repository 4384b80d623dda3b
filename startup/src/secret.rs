//! Secrets given in a variable or, for mounted secrets (Kubernetes, Docker), in a file named by
//! the same variable with `_FILE`. Never both: which one would win is a guess nobody should make.

use std::path::Path;

use secrecy::SecretString;

use crate::SettingsError;

/// The secret of `variable`, from its value or from the file `DIS_X_FILE` names (its content with
/// the trailing newline trimmed), or `None` when neither is set.
pub fn secret(
    variable: &'static str,
    value: Option<String>,
    file: Option<&Path>,
) -> Result<Option<SecretString>, SettingsError> {
    match (value, file) {
        (Some(_), Some(_)) => Err(SettingsError::Both { variable }),
        (Some(value), None) => Ok(Some(value.into())),
        (None, Some(path)) => read(variable, path).map(Some),
        (None, None) => Ok(None),
    }
}

/// `scheme://user:***@host/…`: the password of a URL, masked for logs. Text that is not a URL
/// with credentials is returned as it is.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let end = rest[end..]
        .rfind('@')
        .map_or(end, |at| end + at + 1)
        .min(rest.len());
    let (authority, tail) = rest.split_at(end);
    let Some((credentials, host)) = authority.rsplit_once('@') else {
        return url.to_owned();
    };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}{tail}"),
        None => url.to_owned(),
    }
}

fn read(variable: &'static str, path: &Path) -> Result<SecretString, SettingsError> {
    let content = std::fs::read_to_string(path).map_err(|e| SettingsError::SecretFile {
        variable,
        path: path.to_owned(),
        reason: e.to_string(),
    })?;
    let secret = content.trim_end_matches(['\n', '\r']);
    if secret.is_empty() {
        return Err(SettingsError::EmptySecretFile {
            variable,
            path: path.to_owned(),
        });
    }
    Ok(secret.to_owned().into())
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    fn file_with(name: &str, content: &str) -> std::path::PathBuf {
        let path = std::env::temp_dir().join(format!("dis-secret-{}-{name}", std::process::id()));
        std::fs::write(&path, content).unwrap();
        path
    }

    #[test]
    fn a_secret_file_is_read_without_its_trailing_newline() {
        let path = file_with("trimmed", "s3cret\n");
        let secret = secret("DIS_API_TOKEN", None, Some(&path)).unwrap().unwrap();
        assert_eq!(secret.expose_secret(), "s3cret");
    }

    #[test]
    fn a_secret_given_twice_is_refused_naming_both_settings() {
        let path = file_with("twice", "other\n\n");
        let error = secret("DIS_API_TOKEN", Some("x".into()), Some(&path)).unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains("DIS_API_TOKEN and DIS_API_TOKEN_FILE"),
            "{message}"
        );
    }

    #[test]
    fn an_empty_secret_file_is_refused_and_a_missing_one_named() {
        let path = file_with("empty", "\n");
        let error = secret("DIS_API_TOKEN", None, Some(&path)).unwrap_err();
        assert!(error.to_string().contains("is empty"), "{error}");
        let error = secret("DIS_API_TOKEN", None, Some(Path::new("/nonexistent/t"))).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("DIS_API_TOKEN_FILE: /nonexistent/t"),
            "{error}"
        );
    }

    #[test]
    fn passwords_in_urls_are_masked_and_urls_without_one_kept() {
        assert_eq!(
            redact_url("mysql://dis:s3cret@db:3306/dis"),
            "mysql://dis:***@db:3306/dis"
        );
        assert_eq!(
            redact_url("redis://:pa/ss@cache:6379/0"),
            "redis://:***@cache:6379/0"
        );
        assert_eq!(
            redact_url("mysql://root@127.0.0.1/dis"),
            "mysql://root@127.0.0.1/dis"
        );
    }

    #[test]
    fn a_secret_never_reaches_the_debug_output() {
        let secret = secret("DIS_API_TOKEN", Some("s3cret".into()), None)
            .unwrap()
            .unwrap();
        assert!(!format!("{secret:?}").contains("s3cret"));
    }
}
