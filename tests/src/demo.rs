//! What MySQL must hold after full runs of the demo data set, and checks against it: every record
//! exactly (as the API parses it), the keys each day's sweeps must delete and no other, and what
//! each run must count (what the extractor sent, what it changed).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, FixedOffset};
use extractor::DemoDataset;
use futures::future::BoxFuture;
use records::api::RunView;
use records::{Entity, EntityVisitor, Record, RunStatus};
use serde_json::Value;
use sqlx::MySqlPool;
use store::read_back::all_records;

/// Records by entity and key, in their canonical wire form.
pub type Holdings = BTreeMap<Entity, BTreeMap<i64, Value>>;

/// Each record of an entity by key as MySQL should hold it after a run of it: its canonical form,
/// or `None` when the API rejects it.
struct Canonical(Box<dyn Iterator<Item = Value> + Send>);

impl EntityVisitor for Canonical {
    type Output = BTreeMap<i64, Option<Value>>;

    fn visit<R: Record>(self) -> Self::Output {
        self.0
            .map(|sent| {
                let key = sent["erp_id"].as_i64().expect("demo records have keys");
                let parsed = serde_json::from_value::<R::Wire>(sent)
                    .ok()
                    .and_then(|wire| R::parse(wire).ok());
                let canonical = parsed.map(|r| serde_json::to_value(r.to_wire()).unwrap());
                (key, canonical)
            })
            .collect()
    }
}

/// The records of `entity` in `dataset`, by key: canonical, or `None` when invalid.
pub fn canonical(dataset: DemoDataset, entity: Entity) -> BTreeMap<i64, Option<Value>> {
    entity.dispatch(Canonical(dataset.records_json(entity)))
}

/// What MySQL holds after full runs of `dataset` on top of `before`: every valid record of the
/// day; a record the API rejects leaves MySQL as it was (the key is never swept, and a key that
/// was not there is not added); every other key is swept.
pub fn after_day(before: &Holdings, dataset: DemoDataset) -> Holdings {
    Entity::ALL
        .into_iter()
        .map(|entity| {
            let held = before.get(&entity);
            let records = canonical(dataset, entity)
                .into_iter()
                .filter_map(|(key, record)| {
                    Some((key, record.or_else(|| held?.get(&key).cloned())?))
                })
                .collect();
            (entity, records)
        })
        .collect()
}

/// What a day's full run of an entity must change, from what MySQL held before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayChanges {
    /// Records sent, and of them rejected by validation.
    pub sent: u64,
    pub rejected: u64,
    pub new: u64,
    /// Keys whose `source_updated_at` moves forward.
    pub changed: u64,
    pub unchanged: u64,
    /// Keys MySQL held that the day lacks: what the day's sweep deletes.
    pub swept: BTreeSet<i64>,
}

pub fn day_changes(before: &Holdings, dataset: DemoDataset, entity: Entity) -> DayChanges {
    let empty = BTreeMap::new();
    let held = before.get(&entity).unwrap_or(&empty);
    let day = canonical(dataset, entity);
    let (mut new, mut changed, mut unchanged, mut rejected) = (0, 0, 0, 0);
    for (key, record) in &day {
        match (record, held.get(key)) {
            (None, _) => rejected += 1,
            (Some(_), None) => new += 1,
            (Some(now), Some(was)) if updated_at(now) > updated_at(was) => changed += 1,
            (Some(_), Some(_)) => unchanged += 1,
        }
    }
    DayChanges {
        sent: day.len() as u64,
        rejected,
        new,
        changed,
        unchanged,
        swept: held
            .keys()
            .filter(|k| !day.contains_key(k))
            .copied()
            .collect(),
    }
}

fn updated_at(record: &Value) -> DateTime<FixedOffset> {
    let text = record["source_updated_at"].as_str().expect("a timestamp");
    DateTime::parse_from_rfc3339(text).expect("an RFC 3339 timestamp")
}

/// What MySQL holds of an entity, by key, in the canonical form.
struct Stored<'a>(&'a MySqlPool);

impl<'a> EntityVisitor for Stored<'a> {
    type Output = BoxFuture<'a, BTreeMap<i64, Value>>;

    fn visit<R: Record>(self) -> Self::Output {
        Box::pin(async move {
            let rows = all_records::<R>(self.0)
                .await
                .expect("the records read back");
            rows.into_iter()
                .map(|wire| {
                    let json = serde_json::to_value(wire).unwrap();
                    (json["erp_id"].as_i64().unwrap(), json)
                })
                .collect()
        })
    }
}

/// MySQL holds `expected` of every entity, exactly: no record missing, none extra, none different.
pub async fn assert_mysql_holds(pool: &MySqlPool, expected: &Holdings) {
    for (entity, expected) in expected {
        let stored = entity.dispatch(Stored(pool)).await;
        let missing = expected.keys().filter(|k| !stored.contains_key(k)).count();
        let extra = stored.keys().filter(|k| !expected.contains_key(k)).count();
        let different = expected
            .iter()
            .filter(|(k, record)| stored.get(k).is_some_and(|s| s != *record))
            .count();
        assert!(
            (missing, extra, different) == (0, 0, 0),
            "{entity}: MySQL lacks {missing} records, holds {extra} extra and {different} different ones"
        );
    }
}

/// The keys the sweeps of `entity` have deleted, from the sweep audit table.
pub async fn swept_keys(pool: &MySqlPool, entity: Entity) -> BTreeSet<i64> {
    let keys: Vec<i64> = sqlx::query_scalar(&format!(
        "SELECT erp_id FROM {} ORDER BY erp_id",
        entity.swept_table()
    ))
    .fetch_all(pool)
    .await
    .expect("the sweep audit reads");
    keys.into_iter().collect()
}

/// A completed full run took exactly what the extractor sent of the day (`batch_size` records a
/// batch), loaded every record it accepted once, and counted what it changed; `changes` are the
/// exact new/changed/unchanged counts when MySQL's state before the run is known.
pub fn assert_run_took_the_day(run: &RunView, day: &DayChanges, batch_size: u64, exact: bool) {
    let accepted = day.sent - day.rejected;
    let count = |n: u64| i64::try_from(n).unwrap();
    assert_eq!(run.status, RunStatus::Completed, "{run:?}");
    assert_eq!(
        (run.declared_batches, run.declared_records),
        (
            Some(count(day.sent.div_ceil(batch_size))),
            Some(count(day.sent))
        ),
        "the declared end is what the extractor sent: {run:?}"
    );
    assert_eq!(
        (run.received_batches, run.received_records),
        (count(day.sent.div_ceil(batch_size)), count(day.sent)),
        "every batch sent was received once: {run:?}"
    );
    assert_eq!(
        (run.accepted_records, run.rejected_records),
        (count(accepted), count(day.rejected)),
        "{run:?}"
    );
    assert_eq!(
        (run.loaded_records, run.db_rejected_records),
        (count(accepted), 0),
        "every accepted record loaded once: {run:?}"
    );
    assert_eq!(run.jobs_applied, run.jobs_enqueued, "{run:?}");
    let summary = (run.new_records, run.changed_records, run.unchanged_records);
    let (Some(new), Some(changed), Some(unchanged)) = summary else {
        panic!("a completed run counts what it changed: {run:?}")
    };
    assert_eq!(new + changed + unchanged, run.loaded_records, "{run:?}");
    if exact {
        assert_eq!(
            summary,
            (
                Some(count(day.new)),
                Some(count(day.changed)),
                Some(count(day.unchanged))
            ),
            "new, changed, unchanged: {run:?}"
        );
    }
}
