//! The run protocol as tests speak it: typed requests and answers (`records::api`, the same types
//! the API sends and the extractor reads), with the ingest or the ops key as each route wants.

use std::time::Duration;

use records::api::{
    BatchReceipt, DeclaredEnd, ErrorBody, ErrorCode, NewRun, RejectedRecord, RunView,
    SweepApproved, SweepPlan, SweepUndone,
};
use records::{Entity, RunMode, RunStatus};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::{TestApp, INGEST_TOKEN, OPS_TOKEN};

/// The API refused a request: its status and error body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub status: u16,
    pub body: ErrorBody,
}

impl Refused {
    pub fn code(&self) -> ErrorCode {
        self.body.error.code
    }

    pub fn message(&self) -> &str {
        &self.body.error.message
    }
}

/// Every status a run can wait in for good, or for an operator.
pub const FINISHED: [RunStatus; 4] = [
    RunStatus::Completed,
    RunStatus::Held,
    RunStatus::Failed,
    RunStatus::Aborted,
];

impl TestApp {
    /// Sends `method path` with `token` and an optional JSON body; returns the status and the
    /// body as JSON (or as a string when it is not JSON).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let mut request = self.http.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.expect("the API answers");
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// A request whose success is a `T` and whose failure is the API's error body.
    async fn request<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<&impl Serialize>,
    ) -> Result<T, Refused> {
        let json = body.map(|b| serde_json::to_value(b).expect("requests serialize"));
        let (status, answer) = self.call(method, path, Some(token), json.as_ref()).await;
        if (200..300).contains(&status) {
            Ok(serde_json::from_value(answer.clone())
                .unwrap_or_else(|e| panic!("{path} answered {answer}: {e}")))
        } else {
            let body = serde_json::from_value(answer.clone())
                .unwrap_or_else(|e| panic!("{path} refused with {answer}: {e}"));
            Err(Refused { status, body })
        }
    }

    pub async fn try_create_run(&self, entity: Entity, mode: RunMode) -> Result<RunView, Refused> {
        let new = NewRun { entity, mode };
        self.request(Method::POST, "/v1/runs", INGEST_TOKEN, Some(&new))
            .await
    }

    /// Opens a run, which must be allowed.
    pub async fn create_run(&self, entity: Entity, mode: RunMode) -> RunView {
        self.try_create_run(entity, mode)
            .await
            .unwrap_or_else(|refused| panic!("the run was refused: {refused:?}"))
    }

    pub async fn put_batch(
        &self,
        run_id: i64,
        seq: i64,
        records: &[Value],
    ) -> Result<BatchReceipt, Refused> {
        let path = format!("/v1/runs/{run_id}/batches/{seq}");
        let body = serde_json::json!({ "records": records });
        self.request(Method::PUT, &path, INGEST_TOKEN, Some(&body))
            .await
    }

    pub async fn complete(
        &self,
        run_id: i64,
        batches: i64,
        records: i64,
    ) -> Result<RunView, Refused> {
        let path = format!("/v1/runs/{run_id}/complete");
        let end = DeclaredEnd { batches, records };
        self.request(Method::POST, &path, INGEST_TOKEN, Some(&end))
            .await
    }

    /// Aborts a run with the ingest key, as the extractor does.
    pub async fn abort(&self, run_id: i64) -> Result<RunView, Refused> {
        let path = format!("/v1/runs/{run_id}/abort");
        self.request(Method::POST, &path, INGEST_TOKEN, None::<&()>)
            .await
    }

    /// Approves a held sweep with the ops key.
    pub async fn approve_sweep(&self, run_id: i64) -> Result<SweepApproved, Refused> {
        let path = format!("/v1/runs/{run_id}/sweep/approve");
        self.request(Method::POST, &path, OPS_TOKEN, None::<&()>)
            .await
    }

    /// Undoes a run's sweep with the ops key.
    pub async fn undo_sweep(&self, run_id: i64) -> Result<SweepUndone, Refused> {
        let path = format!("/v1/runs/{run_id}/sweep/undo");
        self.request(Method::POST, &path, OPS_TOKEN, None::<&()>)
            .await
    }

    /// A page of the run's sweep plan, read with the ops key.
    pub async fn sweep_plan(&self, run_id: i64, query: &str) -> Result<SweepPlan, Refused> {
        let path = format!("/v1/runs/{run_id}/sweep-plan{query}");
        self.request(Method::GET, &path, OPS_TOKEN, None::<&()>)
            .await
    }

    pub async fn rejected(&self, run_id: i64) -> Vec<RejectedRecord> {
        let path = format!("/v1/runs/{run_id}/rejected");
        self.request(Method::GET, &path, OPS_TOKEN, None::<&()>)
            .await
            .expect("the rejected records read")
    }

    pub async fn run(&self, run_id: i64) -> RunView {
        let path = format!("/v1/runs/{run_id}");
        self.request(Method::GET, &path, INGEST_TOKEN, None::<&()>)
            .await
            .expect("the run reads")
    }

    /// Waits until the run is in one of `statuses` (panics after `timeout`).
    pub async fn wait_for_status(
        &self,
        run_id: i64,
        statuses: &[RunStatus],
        timeout: Duration,
    ) -> RunView {
        self.wait_for_run(run_id, timeout, |run| statuses.contains(&run.status))
            .await
    }

    /// Waits until `condition` holds for the run (panics after `timeout`, showing the run).
    pub async fn wait_for_run(
        &self,
        run_id: i64,
        timeout: Duration,
        condition: impl Fn(&RunView) -> bool,
    ) -> RunView {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let run = self.run(run_id).await;
            if condition(&run) {
                return run;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "run {run_id} did not get there: {run:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// A whole full run: create, post `batches` (numbered from 1), declare the true counts, wait
    /// until the run is final or held.
    pub async fn full_run(&self, entity: Entity, batches: &[Vec<Value>]) -> RunView {
        let run_id = self.create_run(entity, RunMode::Full).await.run_id;
        let mut records = 0;
        for (seq, batch) in batches.iter().enumerate() {
            self.put_batch(run_id, seq as i64 + 1, batch)
                .await
                .expect("the batch is taken");
            records += batch.len() as i64;
        }
        self.complete(run_id, batches.len() as i64, records)
            .await
            .expect("the end is declared");
        self.wait_for_status(run_id, &FINISHED, Duration::from_mins(1))
            .await
    }
}
