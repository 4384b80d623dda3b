//! The ingest API's requests and answers, defined once for the server that sends them and the
//! extractor's client that reads them. Plain serde types: no HTTP, database or queue here.

mod batches;
mod errors;
mod operations;
mod runs;
pub mod whole;

pub use batches::{BatchReceipt, RecordError, RejectedRecord, RejectionStage};
pub use errors::{ErrorBody, ErrorCode, ErrorDetail};
pub use operations::{
    DeadLetter, Health, Readiness, Replayed, SweepApproved, SweepPlan, SweepUndone,
};
pub use runs::{DeclaredEnd, NewRun, RunView};

/// How the API writes a time in its answers (a `NaiveDateTime`): MySQL's clock, UTC, ISO 8601
/// without an offset, such as `2026-11-28T23:05:00` (fractions of a second when there are any).
/// For the OpenAPI document only.
#[cfg(feature = "openapi")]
pub struct Timestamp;

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Timestamp {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$"))
            .description(Some("MySQL's clock, UTC, ISO 8601 without an offset"))
            .examples(["2026-11-28T23:05:00"])
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Timestamp {}
