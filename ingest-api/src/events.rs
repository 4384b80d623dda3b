//! What the API tells operators, one struct per event: `emit()` writes the event's log line and
//! moves its metrics together, so the logs and `/metrics` never disagree (Vector's
//! `internal_events` pattern). The names and their `HELP` are in `startup::metrics`.

use std::time::Duration;

use metrics::{counter, histogram};
use records::Entity;
use startup::metrics as m;

/// A batch was filed and its jobs queued: its records now count in its run. Emitted once per
/// batch, by the request that moved it to `enqueued`; a batch sent again is answered, not counted.
pub struct BatchReceived {
    pub run_id: i64,
    pub seq: i64,
    pub entity: Entity,
    pub records: u64,
    pub accepted: u64,
    pub rejected: u64,
    pub jobs: u64,
}

impl BatchReceived {
    pub fn emit(&self) {
        let entity = self.entity.as_str();
        tracing::info!(
            run_id = self.run_id,
            seq = self.seq,
            entity,
            records = self.records,
            accepted = self.accepted,
            rejected = self.rejected,
            jobs = self.jobs,
            "batch received"
        );
        counter!(m::RECORDS_RECEIVED, "entity" => entity).increment(self.records);
        counter!(m::RECORDS_ACCEPTED, "entity" => entity).increment(self.accepted);
        counter!(m::RECORDS_REJECTED, "entity" => entity, "stage" => "validation")
            .increment(self.rejected);
    }
}

/// The API answered a request. Its log line is tower-http's (`TraceLayer`, at debug): this moves
/// the request metrics only, labelled by the route that matched (`unmatched` for none), never by
/// the raw path, so ids in paths do not make a series each.
pub struct RequestServed<'a> {
    pub route: &'a str,
    pub method: &'a str,
    pub status: u16,
    pub elapsed: Duration,
}

impl RequestServed<'_> {
    pub fn emit(&self) {
        let (route, method) = (self.route.to_owned(), self.method.to_owned());
        let status = self.status.to_string();
        counter!(m::HTTP_REQUESTS, "route" => route.clone(), "method" => method.clone(), "status" => status)
            .increment(1);
        histogram!(m::HTTP_REQUEST_DURATION, "route" => route, "method" => method)
            .record(self.elapsed.as_secs_f64());
    }
}
