//! The sweep handler's body lives in `shared::sweep` so the API's dry run and the worker share one rule set.

pub use shared::sweep::{sweep_run, SweepOutcome, SweepSettings};
