//! Turning a batch body into parsed records, rejections and jobs of at most 100 records.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use queue::{ApplyBatch, Records, RECORDS_PER_JOB};
use records::{parse_contract, parse_influencer, Entity, RecordProblems};
use store::batches::{BatchCounts, Rejection};
use store::runs::RunHead;

use crate::error::ApiError;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchBody<'a> {
    #[serde(borrow)]
    records: Vec<&'a RawValue>,
}

/// One record's refusal as the integrator sees it.
#[derive(Debug, Clone, Serialize)]
pub struct RecordError {
    pub index: i32,
    pub erp_id: Option<i64>,
    pub problems: RecordProblems,
}

/// The API's answer to a batch; stored so the same request answers the same.
#[derive(Debug, Clone, Serialize)]
pub struct BatchReceipt {
    pub run_id: i64,
    pub seq: i64,
    pub records: i64,
    pub accepted: i64,
    pub rejected: i64,
    pub jobs: i64,
    pub errors: Vec<RecordError>,
}

/// A parsed batch, ready to be filed and enqueued.
pub struct Intake {
    pub jobs: Vec<ApplyBatch>,
    pub rejections: Vec<Rejection>,
    pub receipt: BatchReceipt,
}

impl Intake {
    pub fn counts(&self) -> BatchCounts {
        BatchCounts {
            records: self.receipt.records,
            accepted: self.receipt.accepted,
            rejected: self.receipt.rejected,
            jobs: self.receipt.jobs,
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
    wrap: fn(Vec<T>) -> Records,
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
            records: wrap(records),
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

/// Parses a batch body for a run of `entity`: every record is validated on its own, so one bad
/// record never stops the others.
pub fn take_in(body: &[u8], run: &RunHead, seq: i64) -> Result<Intake, ApiError> {
    let run_id = run.run_id;
    let batch: BatchBody<'_> = serde_json::from_slice(body).map_err(|e| {
        ApiError::BadRequest(format!("the body must be {{\"records\": [ … ]}}: {e}"))
    })?;
    let total = batch.records.len();
    let (jobs, rejections) = match run.entity {
        Entity::Influencers => {
            let (accepted, rejections) = parse_all(&batch.records, parse_influencer);
            (
                into_jobs(run, seq, accepted, Records::Influencers),
                rejections,
            )
        }
        Entity::Contracts => {
            let (accepted, rejections) = parse_all(&batch.records, parse_contract);
            (
                into_jobs(run, seq, accepted, Records::Contracts),
                rejections,
            )
        }
    };
    let errors = rejections
        .iter()
        .map(|r| RecordError {
            index: r.record_index,
            erp_id: r.erp_id,
            problems: r.problems.clone(),
        })
        .collect();
    let receipt = BatchReceipt {
        run_id,
        seq,
        records: total as i64,
        accepted: (total - rejections.len()) as i64,
        rejected: rejections.len() as i64,
        jobs: jobs.len() as i64,
        errors,
    };
    Ok(Intake {
        jobs,
        rejections,
        receipt,
    })
}
