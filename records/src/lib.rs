//! The records dis-sync moves, parsed and validated at the boundary; the one list of entities;
//! the vocabulary of runs and jobs; and the API's requests and answers. Neither sqlx nor apalis
//! enter here: the extractor and its API client link this crate without them.

pub mod api;
pub mod campaign;
pub mod contract;
mod email;
mod entities;
pub mod fields;
pub mod influencer;
pub mod job;
pub mod problems;
pub mod record;
pub mod registry;
mod row;
pub mod run;

pub use campaign::{Campaign, CampaignWire};
pub use contract::{Contract, ContractWire};
pub use fields::ErpId;
pub use influencer::{Influencer, InfluencerWire};
pub use problems::{FieldProblem, RecordProblems};
pub use record::{parse_raw, Column, ColumnKind, ColumnValue, JsonKind, Record};
pub use registry::{Entity, EntityVisitor, Records, RecordsVisitor, Registered};
pub use run::{RunMode, RunStatus};
