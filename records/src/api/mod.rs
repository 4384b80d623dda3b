//! The ingest API's requests and answers, defined once for the server that sends them and the
//! extractor's client that reads them. Plain serde types: no HTTP, database or queue here.

mod batches;
mod errors;
mod operations;
mod runs;

pub use batches::{BatchReceipt, RecordError, RejectedRecord, RejectionStage};
pub use errors::{ErrorBody, ErrorCode, ErrorDetail};
pub use operations::{
    DeadLetter, Health, Readiness, Replayed, SweepApproved, SweepPlan, SweepUndone,
};
pub use runs::{DeclaredEnd, NewRun, RunView};
