//! A Prometheus scrape, read the way a test needs it: one sample by name and labels, the names it
//! holds, and `promtool check metrics`'s verdict on it. The binaries' tests include this file, as
//! they do `child.rs`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// One `/metrics` answer.
pub struct Scrape {
    pub text: String,
}

/// A sample: its name and its labels.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

impl Scrape {
    pub async fn get(url: &str) -> Self {
        let response = reqwest::get(url).await.expect("/metrics answers");
        assert_eq!(response.status(), 200, "{url}");
        let kind = response.headers()["content-type"].to_str().unwrap_or("");
        assert!(kind.starts_with("text/plain; version=0.0.4"), "{kind}");
        Self {
            text: response.text().await.expect("a body"),
        }
    }

    pub fn samples(&self) -> Vec<Sample> {
        self.text
            .lines()
            .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
            .map(|line| parse(line).unwrap_or_else(|| panic!("not a sample: {line}")))
            .collect()
    }

    /// The value of the sample `name` whose labels are exactly `labels`.
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let wanted: BTreeMap<String, String> = labels
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        self.samples()
            .into_iter()
            .find(|s| s.name == name && s.labels == wanted)
            .map(|s| s.value)
    }

    /// Whether any sample is named `name` (histograms: `name_count` and the like count too).
    pub fn has(&self, name: &str) -> bool {
        self.samples().iter().any(|s| {
            s.name == name
                || ["_bucket", "_sum", "_count"]
                    .iter()
                    .any(|suffix| s.name == format!("{name}{suffix}"))
        })
    }
}

/// `name{k="v",…} value` or `name value`.
fn parse(line: &str) -> Option<Sample> {
    let at = line.find(['{', ' '])?;
    let (name, rest) = line.split_at(at);
    let (labels, rest) = match rest.strip_prefix('{') {
        Some(inner) => parse_labels(inner)?,
        None => (BTreeMap::new(), rest),
    };
    let value = rest.split_whitespace().next()?.parse().ok()?;
    Some(Sample {
        name: name.to_owned(),
        labels,
        value,
    })
}

/// `k="v",…}` (values may hold escaped quotes, and braces, as routes do): the labels, and what
/// follows the closing brace.
fn parse_labels(inner: &str) -> Option<(BTreeMap<String, String>, &str)> {
    let mut labels = BTreeMap::new();
    let mut rest = inner;
    loop {
        rest = rest.trim_start_matches(',');
        if let Some(after) = rest.strip_prefix('}') {
            return Some((labels, after));
        }
        let (key, quoted) = rest.split_once("=\"")?;
        let mut value = String::new();
        let mut chars = quoted.char_indices();
        let end = loop {
            match chars.next()? {
                (_, '\\') => value.push(match chars.next()?.1 {
                    'n' => '\n',
                    other => other,
                }),
                (at, '"') => break at,
                (_, other) => value.push(other),
            }
        };
        labels.insert(key.to_owned(), value);
        rest = &quoted[end + 1..];
    }
}

/// The promtool `scripts/ensure-promtool.sh` unpacks (`DIS_PROMTOOL` overrides it).
pub fn promtool() -> PathBuf {
    std::env::var_os("DIS_PROMTOOL").map_or_else(
        || {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../target/promtool/promtool"
            ))
        },
        PathBuf::from,
    )
}

/// `promtool check metrics` on `text`: its exit success and what it printed.
pub fn promtool_check(text: &str) -> (bool, String) {
    let tool = promtool();
    assert!(
        tool.exists(),
        "{} is missing: run `bash scripts/ensure-promtool.sh` (scripts/test.sh does)",
        tool.display()
    );
    let mut child = Command::new(&tool)
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("the scrape is written");
    let output = child.wait_with_output().expect("promtool ends");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), said)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Counts are small integers, exact in an f64.
    #[allow(clippy::float_cmp)]
    #[test]
    fn a_sample_whose_label_holds_braces_and_quotes_is_read_whole() {
        let line =
            r#"dis_http_requests_total{route="/v1/runs/{run_id}",method="GET",note="a \"b\""} 3"#;
        let sample = parse(line).unwrap();
        assert_eq!(sample.name, "dis_http_requests_total");
        assert_eq!(sample.labels["route"], "/v1/runs/{run_id}");
        assert_eq!(sample.labels["note"], "a \"b\"");
        assert_eq!(sample.value, 3.0);
        assert_eq!(parse("dis_api_ready 1").unwrap().value, 1.0);
    }
}
