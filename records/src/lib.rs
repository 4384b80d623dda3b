//! The records dis-sync moves, parsed and validated at the boundary, and the vocabulary of runs
//! and jobs. Neither sqlx nor apalis enter here: the extractor links this crate alone.

pub mod contract;
pub mod document;
pub mod fields;
pub mod influencer;
pub mod job;
pub mod problems;
pub mod record;
pub mod run;

pub use contract::{Contract, ContractWire};
pub use document::Document;
pub use fields::ErpId;
pub use influencer::{Influencer, InfluencerWire};
pub use problems::{FieldProblem, RecordProblems};
pub use record::{parse_contract, parse_influencer, Entity};
pub use run::{RunMode, RunStatus};
