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

/// The records of a batch whose every record is well-formed and valid, read in one pass over the
/// body, each with its index; `None` when any record is not.
///
/// The common case, and the cheap one: the careful path reads the body once to find each record's
/// text, then each record again. A batch with a record this one cannot take (wrong shape, or a
/// rule broken) is read again the careful way, which explains every refusal and keeps each
/// refused record's text as it was sent.
fn parse_every_record<R: Record>(body: &str) -> Option<Vec<(i32, R)>> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Wires<W> {
        records: Vec<W>,
    }
    let wires: Wires<R::Wire> = serde_json::from_str(body).ok()?;
    (0_i32..)
        .zip(wires.records)
        .map(|(index, wire)| R::parse(wire).ok().map(|record| (index, record)))
        .collect()
}

/// Parses every record of a batch as the run's entity and cuts the accepted ones into jobs.
struct ParseBatch<'a> {
    body: &'a str,
    run: &'a RunHead,
    seq: i64,
}

/// What became of a batch's records: how many there were, the jobs, and the records refused.
type Parsed = (u64, Vec<ApplyBatch>, Vec<Rejection>);

impl EntityVisitor for ParseBatch<'_> {
    type Output = Result<Parsed, ApiError>;

    fn visit<R: Record>(self) -> Self::Output {
        if let Some(accepted) = parse_every_record::<R>(self.body) {
            let total = accepted.len() as u64;
            let jobs = into_jobs(self.run, self.seq, accepted, R::into_records);
            return Ok((total, jobs, Vec::new()));
        }
        let batch: BatchBody<'_> = serde_json::from_str(self.body).map_err(|e| {
            ApiError::BadRequest(format!("the body must be {{\"records\": [ … ]}}: {e}"))
        })?;
        let (accepted, rejections) = parse_all(&batch.records, parse_raw::<R>);
        let jobs = into_jobs(self.run, self.seq, accepted, R::into_records);
        Ok((batch.records.len() as u64, jobs, rejections))
    }
}

/// Parses a batch body for a run: every record is validated on its own, so one bad record never
/// stops the others.
pub fn take_in(body: &[u8], run: &RunHead, seq: i64) -> Result<Intake, ApiError> {
    // Checked once here, so that reading each string of each record need not check it again.
    let body = std::str::from_utf8(body)
        .map_err(|e| ApiError::BadRequest(format!("the body must be UTF-8 JSON: {e}")))?;
    let (total, jobs, rejections) = run.entity.dispatch(ParseBatch { body, run, seq })?;
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

#[cfg(test)]
mod tests {
    use records::{Entity, RunMode, RunStatus};
    use store::runs::RunHead;

    use super::take_in;

    fn run() -> RunHead {
        RunHead {
            run_id: 1,
            nonce: "n".into(),
            entity: Entity::Influencers,
            mode: RunMode::Full,
            status: RunStatus::Open,
            declared_batches: None,
        }
    }

    fn influencer(erp_id: i64, email: &str) -> String {
        format!(
            r#"{{"erp_id":{erp_id},"name":"Ana","handle":"@ana","email":"{email}","phone":null,
            "platform":"instagram","followers":10,"document":"529.982.247-25","city":"São Paulo",
            "state":"SP","status":"active","source_updated_at":"2026-01-01T00:00:00Z"}}"#
        )
    }

    #[test]
    fn a_batch_of_valid_records_is_taken_whole_with_every_index_in_order() {
        let records: Vec<String> = (1..=150).map(|id| influencer(id, "a@b.example")).collect();
        let body = format!(r#"{{"records":[{}]}}"#, records.join(","));
        let intake = take_in(body.as_bytes(), &run(), 1).unwrap();
        assert_eq!(
            (intake.receipt.records, intake.receipt.accepted),
            (150, 150)
        );
        assert!(intake.rejections.is_empty());
        let indices: Vec<i32> = intake.jobs.iter().flat_map(|j| j.indices.clone()).collect();
        assert_eq!(indices, (0..150).collect::<Vec<i32>>());
        assert_eq!(intake.jobs.len(), 2);
    }

    #[test]
    fn a_batch_with_refused_records_lists_each_with_its_index_and_the_text_it_was_sent_as() {
        let invalid = influencer(2, "not an address");
        let misshapen = r#"{ "erp_id" : 3, "followers" : "many" }"#;
        let body = format!(
            r#"{{"records":[{},{invalid},{misshapen},{}]}}"#,
            influencer(1, "a@b.example"),
            influencer(4, "c@d.example")
        );
        let intake = take_in(body.as_bytes(), &run(), 1).unwrap();
        assert_eq!((intake.receipt.accepted, intake.receipt.rejected), (2, 2));
        let refused: Vec<(i32, Option<i64>, &str)> = intake
            .rejections
            .iter()
            .map(|r| (r.record_index, r.erp_id, r.payload.as_str()))
            .collect();
        assert_eq!(
            refused,
            [(1, Some(2), invalid.as_str()), (2, Some(3), misshapen)]
        );
        assert_eq!(intake.jobs[0].indices, [0, 3]);
    }

    #[test]
    fn a_body_that_is_not_a_batch_is_refused_as_a_whole() {
        assert!(take_in(br#"{"rows":[]}"#, &run(), 1).is_err());
        assert!(take_in(b"[", &run(), 1).is_err());
        assert!(take_in(b"{\"records\":[\"\xff\"]}", &run(), 1).is_err());
    }
}
