//! The HTTP handlers, one file per resource.

pub mod batches;
pub mod dead_letters;
pub mod health;
pub mod runs;
pub mod sweep;

use records::api::RunView;
use store::runs::get_run;
use utoipa::IntoParams;

use crate::app::AppState;
use crate::error::ApiError;

/// The run, or a 404 that names it.
pub(crate) async fn find_run(app: &AppState, run_id: i64) -> Result<RunView, ApiError> {
    get_run(&app.pool, run_id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("run {run_id} does not exist")))
}

/// The path parameter of every route of one run, for the OpenAPI document.
#[derive(IntoParams)]
#[into_params(names("run_id"), parameter_in = Path)]
pub struct RunId(
    /// The run's id, as `POST /v1/runs` answered it
    pub i64,
);
