//! Turning a batch body into parsed records, rejections and jobs of at most 100 records.

use serde::Deserialize;
use serde_json::value::RawValue;

use queue::{ApplyBatch, Records, RECORDS_PER_JOB};
use records::api::{BatchReceipt, RecordError};
use records::{parse_raw, EntityVisitor, Record, RecordProblems};
use store::batches::{BatchCounts, Rejection};
use store::runs::RunHead;

use crate::error::ApiError;

/// `PUT /v1/runs/{run_id}/batches/{seq}`: a batch of records of the run's entity, each in the
/// entity's wire form (an object, its fields named as the entity's MySQL columns, `erp_id` and
/// `source_updated_at` always among them). Each record is checked on its own: one that is not
/// valid, or not an object at all, is rejected and listed in the answer; the batch is taken.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchBody<'a> {
    #[serde(borrow)]
    #[schema(value_type = Vec<serde_json::Value>)]
    records: Vec<&'a RawValue>,
}

/// A parsed batch, ready to be filed and enqueued.
pub struct Intake {
    pub jobs: Vec<ApplyBatch>,
    pub rejections: Vec<Rejection>,
    pub receipt: BatchReceipt,
}

impl Intake {
    pub fn counts(&self) -> BatchCounts {
        let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        BatchCounts {
            records: count(self.receipt.records),
            accepted: count(self.receipt.accepted),
            rejected: count(self.receipt.rejected),
            jobs: count(self.receipt.jobs),
        }
    }
}

/// The key of a refused record when it can still be read: such keys are never swept.
fn readable_erp_id(raw: &RawValue) -> Option<i64> {
    #[derive(Deserialize)]
    struct KeyOnly {
        erp_id: Option<serde_json::Value>,
    }
    let key = serde_json::from_str::<KeyOnly>(raw.get()).ok()?.erp_id?;
    key.as_i64()
        .or_else(|| key.as_str()?.trim().parse().ok())
        .filter(|id| *id > 0)
}

/// Splits accepted records into jobs of at most [`RECORDS_PER_JOB`], keeping each record's index.
fn into_jobs<T>(
    run: &RunHead,
    seq: i64,
    accepted: Vec<(i32, T)>,
    into_records: fn(Vec<T>) -> Records,
) -> Vec<ApplyBatch> {
    let mut jobs = Vec::with_capacity(accepted.len().div_ceil(RECORDS_PER_JOB));
    let mut rest = accepted.into_iter().peekable();
    let mut chunk = 0;
    while rest.peek().is_some() {
        let (indices, records): (Vec<i32>, Vec<T>) = rest.by_ref().take(RECORDS_PER_JOB).unzip();
        jobs.push(ApplyBatch {
            run_id: run.run_id,
            run_nonce: run.nonce.clone(),
            mode: run.mode,
            batch_seq: seq,
            chunk,
            indices,
            records: into_records(records),
        });
        chunk += 1;
    }
    jobs
}

fn parse_all<T>(
    raw: &[&RawValue],
    parse: fn(&RawValue) -> Result<T, RecordProblems>,
) -> (Vec<(i32, T)>, Vec<Rejection>) {
    let mut accepted = Vec::with_capacity(raw.len());
    let mut rejections = Vec::new();
    for (index, record) in raw.iter().enumerate() {
        let index = index as i32;
        match parse(record) {
            Ok(parsed) => accepted.push((index, parsed)),
            Err(problems) => rejections.push(Rejection {
                record_index: index,
                erp_id: readable_erp_id(record),
                problems,
                payload: record.get().to_owned(),
            }),
        }
    }
    (accepted, rejections)
}

/// Parses every record of a batch as the run's entity and cuts the accepted ones into jobs.
struct ParseBatch<'a> {
    raw: &'a [&'a RawValue],
    run: &'a RunHead,
    seq: i64,
}

impl EntityVisitor for ParseBatch<'_> {
    type Output = (Vec<ApplyBatch>, Vec<Rejection>);

    fn visit<R: Record>(self) -> Self::Output {
        let (accepted, rejections) = parse_all(self.raw, parse_raw::<R>);
        let jobs = into_jobs(self.run, self.seq, accepted, R::into_records);
        (jobs, rejections)
    }
}

/// Parses a batch body for a run: every record is validated on its own, so one bad record never
/// stops the others.
pub fn take_in(body: &[u8], run: &RunHead, seq: i64) -> Result<Intake, ApiError> {
    let batch: BatchBody<'_> = serde_json::from_slice(body).map_err(|e| {
        ApiError::BadRequest(format!("the body must be {{\"records\": [ … ]}}: {e}"))
    })?;
    let total = batch.records.len() as u64;
    let (jobs, rejections) = run.entity.dispatch(ParseBatch {
        raw: &batch.records,
        run,
        seq,
    });
    let errors = rejections
        .iter()
        .map(|r| RecordError {
            index: u32::try_from(r.record_index).unwrap_or(u32::MAX),
            erp_id: r.erp_id,
            problems: r.problems.clone(),
        })
        .collect();
    let rejected = rejections.len() as u64;
    let receipt = BatchReceipt {
        run_id: run.run_id,
        seq: u64::try_from(seq).unwrap_or(0),
        records: total,
        accepted: total - rejected,
        rejected,
        jobs: jobs.len() as u64,
        errors,
    };
    Ok(Intake {
        jobs,
        rejections,
        receipt,
    })
}
