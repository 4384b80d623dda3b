//! Helpers for the dashboard's tests: the runs it shows (a completed demo run, a held run, a dead
//! letter), made through the real API and workers; a signed-in HTTP client; reading its pages.

use std::time::Duration;

use extractor::{sync_entity, ApiClient, Day, DemoDataset, DemoSize, SyncOptions};
use records::{Entity, RunMode, RunStatus};
use serde_json::Value;

use crate::{influencer, TestApp, INGEST_TOKEN};

/// The demo's day-one influencers, `count` of them, as JSON records.
pub fn demo_influencers(count: usize) -> Vec<Value> {
    let size = DemoSize {
        influencers: count,
        campaigns: 0,
        contracts: 0,
    };
    DemoDataset::new(size, Day::One)
        .influencers()
        .map(|wire| serde_json::to_value(wire).expect("a wire record serializes"))
        .collect()
}

/// A completed full run of `count` demo influencers, sent by the extractor; its run id.
pub async fn demo_full_run(app: &TestApp, count: usize) -> i64 {
    let size = DemoSize {
        influencers: count,
        campaigns: 0,
        contracts: 0,
    };
    let client = ApiClient::new(app.url(""), INGEST_TOKEN);
    let options = SyncOptions {
        progress: false,
        wait_timeout: Some(Duration::from_mins(2)),
        ..SyncOptions::default()
    };
    let records = DemoDataset::new(size, Day::One).influencers();
    let report = sync_entity(
        &client,
        Entity::Influencers,
        RunMode::Full,
        records,
        &options,
    )
    .await
    .expect("the demo run");
    assert!(report.completed(), "{report}");
    report.run_id
}

/// A record the API refuses, with a reason per field.
pub fn invalid_influencer(erp_id: i64) -> Value {
    let mut record = influencer(erp_id, "Sem Email", "2026-11-27T10:00:00Z");
    record["email"] = Value::from("not an email");
    record["state"] = Value::from("XX");
    record
}

/// After [`demo_full_run`] of `loaded` influencers: a full run that sees only the first `keep`
/// of them (and one invalid record), so its sweep would delete the rest and is held.
pub async fn held_full_run(app: &TestApp, keep: usize) -> i64 {
    let mut batch = demo_influencers(keep);
    batch.push(invalid_influencer(990_001));
    let run = app.full_run(Entity::Influencers, &[batch]).await;
    assert_eq!(run.status, RunStatus::Held, "{run:?}");
    run.run_id
}

/// An incremental run whose only job fails for good: its table lost a column while the job ran
/// (the column is back on return). The run waits in `closing`; returns it and the dead letter.
pub async fn dead_lettered_run(app: &TestApp, erp_id: i64) -> (i64, i64) {
    let run_id = app
        .create_run(Entity::Influencers, RunMode::Incremental)
        .await
        .run_id;
    alter(
        app,
        "ALTER TABLE influencers RENAME COLUMN handle TO handle_gone",
    )
    .await;
    let record = influencer(erp_id, "Volta Depois", "2026-11-27T10:00:00Z");
    app.put_batch(run_id, 1, &[record])
        .await
        .expect("the batch is taken");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let letter = loop {
        let found: Option<i64> =
            sqlx::query_scalar("SELECT id FROM dead_letters WHERE run_id = ? LIMIT 1")
                .bind(run_id)
                .fetch_optional(&app.pool)
                .await
                .expect("dead letters read");
        if let Some(id) = found {
            break id;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the job was not dead-lettered"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    alter(
        app,
        "ALTER TABLE influencers RENAME COLUMN handle_gone TO handle",
    )
    .await;
    app.complete(run_id, 1, 1)
        .await
        .expect("the end is declared");
    (run_id, letter)
}

async fn alter(app: &TestApp, statement: &str) {
    sqlx::query(statement)
        .execute(&app.pool)
        .await
        .expect("the table changes");
}

/// A count MySQL holds, by one scalar query.
pub async fn mysql_count(app: &TestApp, sql: &str, bind: i64) -> i64 {
    sqlx::query_scalar(sql)
        .bind(bind)
        .fetch_one(&app.pool)
        .await
        .expect("a count")
}

/// The number a page shows as `data-count="{name}" data-value="…"`.
pub fn shown_count(html: &str, name: &str) -> Option<i64> {
    let marker = format!(r#"data-count="{name}" data-value=""#);
    let start = html.find(&marker)? + marker.len();
    html[start..].split('"').next()?.parse().ok()
}

/// The value of the first hidden `csrf` field of a page.
pub fn csrf_of(html: &str) -> Option<String> {
    let marker = r#"name="csrf" value=""#;
    let start = html.find(marker)? + marker.len();
    html[start..].split('"').next().map(str::to_owned)
}

/// A browser's part, by hand: one session cookie, redirects not followed so tests see them.
pub struct OpsClient {
    http: reqwest::Client,
    base: String,
    pub cookie: String,
}

/// A page as answered: status, `Location` if any, `Set-Cookie` values, body.
pub struct Answer {
    pub status: u16,
    pub location: Option<String>,
    pub set_cookies: Vec<String>,
    pub body: String,
}

impl OpsClient {
    /// Without a session.
    pub fn anonymous(app: &TestApp) -> Self {
        Self::at(app.url(""))
    }

    /// Without a session, on the API at `base` (`http://host:port`).
    pub fn at(base: String) -> Self {
        Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("a client"),
            base,
            cookie: String::new(),
        }
    }

    /// The same session, on the API at `base` (another replica).
    #[must_use]
    pub fn elsewhere(&self, base: String) -> Self {
        Self {
            cookie: self.cookie.clone(),
            ..Self::at(base)
        }
    }

    /// Signed in with `token` through the sign-in form.
    pub async fn signed_in(app: &TestApp, token: &str) -> Self {
        Self::signed_in_with(Self::anonymous(app), &[("token", token)]).await
    }

    /// Signed in through the sign-in form filled with `fields`.
    pub async fn signed_in_with(mut client: Self, fields: &[(&str, &str)]) -> Self {
        let answer = client.sign_in(fields).await;
        assert_eq!(answer.status, 303, "{}", answer.body);
        let session = answer
            .set_cookies
            .iter()
            .find(|c| c.starts_with("dis_ops_session="))
            .expect("a session cookie");
        session
            .split(';')
            .next()
            .unwrap_or_default()
            .clone_into(&mut client.cookie);
        client
    }

    /// Fills and sends the sign-in form with `fields`, as the page gave it.
    pub async fn sign_in(&self, fields: &[(&str, &str)]) -> Answer {
        let form_page = self.get("/ops/login").await;
        let cookie = form_page.set_cookies[0]
            .split(';')
            .next()
            .unwrap_or_default()
            .to_owned();
        let csrf = csrf_of(&form_page.body).expect("the form's token");
        let mut form = vec![("csrf", csrf.as_str())];
        form.extend_from_slice(fields);
        let request = self.http.post(self.url("/ops/login")).form(&form);
        Self::answer(request.header("cookie", cookie)).await
    }

    pub async fn get(&self, path: &str) -> Answer {
        Self::answer(self.with_cookie(self.http.get(self.url(path)))).await
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Answer {
        Self::answer(self.with_cookie(self.http.post(self.url(path)).form(form))).await
    }

    /// The page at `path`, then its form posted with its own CSRF token.
    pub async fn confirm(&self, path: &str) -> Answer {
        let page = self.get(path).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let csrf = csrf_of(&page.body).expect("a form token");
        self.post(path, &[("csrf", &csrf)]).await
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn with_cookie(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        if self.cookie.is_empty() {
            request
        } else {
            request.header("cookie", &self.cookie)
        }
    }

    async fn answer(request: reqwest::RequestBuilder) -> Answer {
        let response = request.send().await.expect("the API answers");
        let header = |name| {
            response
                .headers()
                .get_all(name)
                .iter()
                .filter_map(|v| v.to_str().ok().map(str::to_owned))
                .collect::<Vec<_>>()
        };
        let location = header("location").pop();
        let set_cookies = header("set-cookie");
        Answer {
            status: response.status().as_u16(),
            location,
            set_cookies,
            body: response.text().await.unwrap_or_default(),
        }
    }
}
