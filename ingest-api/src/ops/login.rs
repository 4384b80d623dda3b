//! Signing in and out. An operator signs in with an API key of scope `ops`, or with a name and
//! password from the settings (Argon2 hashes); an ingest key is refused. The sign-in form has a
//! CSRF token of its own (double submit: a cookie and a field that must match), since there is
//! no session yet to hold one.

use std::sync::LazyLock;
use std::time::Duration;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{AppendHeaders, IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

use super::config::OpsUser;
use super::error::OpsError;
use super::operator::Operator;
use super::session::{self, cookie, random_token, read_cookie, same_token};
use super::session::{SESSION_COOKIE, SIGN_IN_COOKIE};
use crate::app::AppState;
use crate::auth::Scope;

const SIGN_IN_FORM_LIFETIME: Duration = Duration::from_mins(30);

#[derive(Template, WebTemplate)]
#[template(path = "ops/login.html")]
struct SignInPage {
    csrf: String,
    next: String,
    problem: Option<&'static str>,
    passwords: bool,
}

#[derive(Deserialize)]
pub struct Next {
    next: Option<String>,
}

pub async fn sign_in_page(State(state): State<AppState>, Query(query): Query<Next>) -> Response {
    sign_in_form(&state, StatusCode::OK, query.next.as_deref(), None)
}

/// The form with a fresh token in its cookie and its field.
fn sign_in_form(
    state: &AppState,
    status: StatusCode,
    next: Option<&str>,
    problem: Option<&'static str>,
) -> Response {
    let csrf = random_token();
    let set = cookie(
        SIGN_IN_COOKIE,
        &csrf,
        "/ops/login",
        Some(SIGN_IN_FORM_LIFETIME),
        state.ops.cookie_secure,
    );
    let page = SignInPage {
        csrf,
        next: safe_next(next).to_owned(),
        problem,
        passwords: !state.ops.users.is_empty(),
    };
    (status, [(SET_COOKIE, set)], page).into_response()
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    csrf: String,
    next: Option<String>,
    #[serde(default)]
    token: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
}

pub async fn sign_in(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Result<Response, OpsError> {
    if !same_token(
        read_cookie(&headers, SIGN_IN_COOKIE).unwrap_or(""),
        &form.csrf,
    ) {
        return Err(OpsError::forged_form());
    }
    let operator = match who(&state, &form).await {
        Ok(operator) => operator,
        Err((status, problem)) => {
            tracing::warn!(name = %form.name, "dashboard sign-in refused");
            return Ok(sign_in_form(
                &state,
                status,
                form.next.as_deref(),
                Some(problem),
            ));
        }
    };
    let id = session::start(&mut state.redis.clone(), &state.ops, &operator).await?;
    tracing::info!(%operator, "operator signed in to the dashboard");
    let secure = state.ops.cookie_secure;
    // Appended: two cookies under one header name (an array would keep only the last).
    let headers = AppendHeaders([
        (
            SET_COOKIE,
            cookie(SESSION_COOKIE, &id, "/ops", None, secure),
        ),
        (
            SET_COOKIE,
            cookie(
                SIGN_IN_COOKIE,
                "",
                "/ops/login",
                Some(Duration::ZERO),
                secure,
            ),
        ),
    ]);
    Ok((headers, Redirect::to(safe_next(form.next.as_deref()))).into_response())
}

const UNKNOWN: &str = "Unknown token, or wrong name or password.";

/// The operator a sign-in form names, or why not.
async fn who(state: &AppState, form: &SignInForm) -> Result<String, (StatusCode, &'static str)> {
    let token = form.token.trim();
    if !token.is_empty() {
        return match state.keys.find(token) {
            Some(key) if key.scope == Scope::Ops => Ok(key.name.clone()),
            Some(_) => Err((
                StatusCode::FORBIDDEN,
                "That is an ingest token: the dashboard takes ops tokens only.",
            )),
            None => Err((StatusCode::UNAUTHORIZED, UNKNOWN)),
        };
    }
    if form.name.is_empty() || form.password.is_empty() {
        return Err((
            StatusCode::BAD_REQUEST,
            "Give an ops token, or a name and a password.",
        ));
    }
    let users = state.ops.users.clone();
    let (name, password) = (form.name.clone(), form.password.clone());
    // Argon2 is slow on purpose: off the async threads.
    let verified = tokio::task::spawn_blocking(move || verify_password(&users, &name, &password))
        .await
        .unwrap_or(false);
    if verified {
        Ok(form.name.clone())
    } else {
        Err((StatusCode::UNAUTHORIZED, UNKNOWN))
    }
}

/// A hash of nothing anyone knows, checked for unknown names so that they take as long as
/// known ones and timing does not tell which names exist.
static DECOY: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(random_token().as_bytes(), &salt)
        .expect("Argon2 hashes with its default parameters")
        .to_string()
});

pub fn verify_password(users: &[OpsUser], name: &str, password: &str) -> bool {
    let user = users.iter().find(|u| u.name == name);
    let hash = user.map_or(DECOY.as_str(), |u| u.password_hash.as_str());
    let matches = PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    });
    matches && user.is_some()
}

/// Where to go after signing in: a dashboard path, never another site.
fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(path)
            if path.starts_with("/ops")
                && !path.contains("//")
                && !path.contains('\\')
                && !path.starts_with("/ops/login") =>
        {
            path
        }
        _ => "/ops",
    }
}

#[derive(Deserialize)]
pub struct SignOutForm {
    #[serde(default)]
    csrf: String,
}

pub async fn sign_out(
    State(state): State<AppState>,
    operator: Operator,
    Form(form): Form<SignOutForm>,
) -> Result<Response, OpsError> {
    operator.check_form(&form.csrf)?;
    session::end(&mut state.redis.clone(), &state.ops, &operator.session_id).await?;
    tracing::info!(operator = %operator.name, "operator signed out of the dashboard");
    let gone = cookie(
        SESSION_COOKIE,
        "",
        "/ops",
        Some(Duration::ZERO),
        state.ops.cookie_secure,
    );
    Ok(([(SET_COOKIE, gone)], Redirect::to("/ops/login")).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(name: &str, password: &str) -> OpsUser {
        // Cheap parameters: the PHC string carries them, and a test need not be slow.
        let params = argon2::Params::new(64, 1, 1, None).unwrap();
        let argon = Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        let salt = SaltString::generate(&mut OsRng);
        OpsUser {
            name: name.into(),
            password_hash: argon
                .hash_password(password.as_bytes(), &salt)
                .unwrap()
                .to_string(),
        }
    }

    #[test]
    fn a_password_signs_in_only_its_own_operator() {
        let users = vec![
            user("ana", "correct horse"),
            user("bruno", "battery staple"),
        ];
        assert!(verify_password(&users, "ana", "correct horse"));
        assert!(!verify_password(&users, "ana", "battery staple"));
        assert!(!verify_password(&users, "carla", "correct horse"));
    }

    #[test]
    fn after_signing_in_only_a_dashboard_path_is_followed() {
        assert_eq!(
            safe_next(Some("/ops/runs?entity=contracts")),
            "/ops/runs?entity=contracts"
        );
        for hostile in [
            "https://evil.example",
            "//evil.example",
            "/ops//evil",
            "/v1/runs",
            "/ops/login",
        ] {
            assert_eq!(safe_next(Some(hostile)), "/ops", "{hostile}");
        }
        assert_eq!(safe_next(None), "/ops");
    }
}
