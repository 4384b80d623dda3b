//! The API's OpenAPI document and its browsable page. The document's frame is here (title, the
//! two kinds of bearer key, the refusals every route shares); its operations come from the
//! `#[utoipa::path]` of the handlers the router serves, taken from the same lists as the routes
//! (see [`crate::app`]), so a route cannot be served without being documented, nor the other way.
//!
//! `GET /openapi.json` serves the document, `GET /docs` Swagger UI over it. Swagger UI's files
//! are built into the binary (`utoipa-swagger-ui`'s `vendored` feature): the page loads nothing
//! from elsewhere, and the build downloads nothing.

use std::sync::LazyLock;

use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::Router;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToResponse};
use utoipa_swagger_ui::{Config, SwaggerUi};

use records::api::ErrorBody;

/// The security scheme of keys of scope `ingest` (integrators, the extractor).
pub const INGEST_KEY: &str = "ingest_key";
/// The security scheme of keys of scope `ops` (operators).
pub const OPS_KEY: &str = "ops_key";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "dis-sync ingest API",
        description = "The run protocol over HTTP: an integrator opens a run, sends its records in \
            numbered batches, declares the run's end, and reads what became of it; operators \
            approve or undo sweeps and replay dead letters. Every refusal has the body \
            `{\"error\": {\"code\", \"message\"}}` (`ErrorBody`). Every `/v1` route takes \
            `Authorization: Bearer <token>`, a key of scope `ingest` or `ops` (`DIS_API_KEYS`); \
            each operation names the scopes it admits. A key of another scope gets 403, no key \
            or an unknown one 401. Paths the API does not serve answer 404, methods a path does \
            not take 405 (with `Allow`). The operators' dashboard (`/ops`, HTML pages behind a \
            session) and this document's page (`/docs`) are not described here."
    ),
    modifiers(&BearerKeys),
    components(responses(Unauthorized, Forbidden, BadRequest, PayloadTooLarge, Unavailable, Internal)),
    tags(
        (name = "runs", description = "Open a run, send its batches, declare its end, read it"),
        (name = "sweep", description = "The reconciliation of a full run: its dry run, approval and undo"),
        (name = "dead letters", description = "Jobs that failed for good, and their replay"),
        (name = "service", description = "Probes, metrics and this document: public, no key")
    )
)]
struct Frame;

/// Adds the two bearer-key schemes; an operation's `security` names those it admits.
struct BearerKeys;

impl Modify for BearerKeys {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        for (name, scope) in [(INGEST_KEY, "ingest"), (OPS_KEY, "ops")] {
            let description = format!(
                "An API key of scope `{scope}` (an entry name:{scope}:sha256 of `DIS_API_KEYS`), \
                 sent as `Authorization: Bearer <token>`"
            );
            components.add_security_scheme(
                name,
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .description(Some(description))
                        .build(),
                ),
            );
        }
    }
}

/// 401: no `Authorization` header, not `Bearer <token>`, or a token no key of `DIS_API_KEYS`
/// matches (code `unauthorized`).
#[derive(ToResponse)]
#[response(headers(("www-authenticate" = String, description = "Always `Bearer`")))]
pub struct Unauthorized(pub ErrorBody);

/// 403: a valid key of a scope this operation does not admit; the message names the scope it
/// needs (code `forbidden`).
#[derive(ToResponse)]
pub struct Forbidden(pub ErrorBody);

/// 400: a path parameter, query parameter or body the API cannot read, or values out of their
/// range; the message says which (code `bad_request`).
#[derive(ToResponse)]
pub struct BadRequest(pub ErrorBody);

/// 413: the body is larger than `DIS_MAX_BODY_BYTES` (code `payload_too_large`); send smaller
/// batches.
#[derive(ToResponse)]
pub struct PayloadTooLarge(pub ErrorBody);

/// 503: MySQL or Redis did not answer (code `unavailable`); nothing was changed that a retry of
/// the same request would not finish.
#[derive(ToResponse)]
pub struct Unavailable(pub ErrorBody);

/// 500: a failure the API did not expect (code `internal`); the details are in its log only.
#[derive(ToResponse)]
pub struct Internal(pub ErrorBody);

/// The whole document: the frame, the `/v1` operations under `/v1`, and the public ones.
pub fn document() -> utoipa::openapi::OpenApi {
    let (v1, public) = crate::app::api_documents();
    let mut document = Frame::openapi().nest(crate::app::V1, v1);
    document.merge(public);
    document
}

/// The document as served, built once.
static DOCUMENT: LazyLock<String> = LazyLock::new(|| {
    document()
        .to_pretty_json()
        .expect("the OpenAPI document serializes")
});

/// This OpenAPI document
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "service",
    operation_id = "openapi",
    responses((status = 200, description = "This OpenAPI document", content_type = "application/json", body = Object))
)]
pub async fn openapi_json() -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/json")], DOCUMENT.as_str())
}

/// Swagger UI over `/openapi.json` at `/docs` (and the files it loads, under `/docs/`).
pub fn docs_page() -> Router {
    SwaggerUi::new("/docs")
        .config(Config::new(["/openapi.json"]))
        .into()
}
