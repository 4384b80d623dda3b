//! Signing in and out. An operator signs in with an API key of scope `ops`, or with a name and
//! password from the settings (Argon2 hashes); an ingest key is refused. The sign-in form has a
//! CSRF token of its own (double submit: a cookie and a field that must match), since there is
//! no session yet to hold one.

use std::time::Duration;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Query;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{AppendHeaders, IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

use super::error::OpsError;
use super::operator::{OpsSession, Visitor};
use super::password::verify_password;
use super::session::{random_token, read_cookie, same_token};
use super::session::{SESSION_COOKIE, SIGN_IN_COOKIE};
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

pub async fn sign_in_page(visitor: Visitor, Query(query): Query<Next>) -> Response {
    sign_in_form(&visitor, StatusCode::OK, query.next.as_deref(), None)
}

/// The form with a fresh token in its cookie and its field.
fn sign_in_form(
    visitor: &Visitor,
    status: StatusCode,
    next: Option<&str>,
    problem: Option<&'static str>,
) -> Response {
    let csrf = random_token();
    let set = visitor.sessions.cookie(
        SIGN_IN_COOKIE,
        &csrf,
        "/ops/login",
        Some(SIGN_IN_FORM_LIFETIME),
    );
    let page = SignInPage {
        csrf,
        next: safe_next(next).to_owned(),
        problem,
        passwords: !visitor.users.is_empty(),
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
    visitor: Visitor,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Result<Response, OpsError> {
    if !same_token(
        read_cookie(&headers, SIGN_IN_COOKIE).unwrap_or(""),
        &form.csrf,
    ) {
        return Err(OpsError::forged_form());
    }
    let operator = match who(&visitor, &form).await {
        Ok(operator) => operator,
        Err((status, problem)) => {
            tracing::warn!(name = %form.name, "dashboard sign-in refused");
            return Ok(sign_in_form(
                &visitor,
                status,
                form.next.as_deref(),
                Some(problem),
            ));
        }
    };
    let sessions = &visitor.sessions;
    let id = sessions.start(&operator).await?;
    tracing::info!(%operator, "operator signed in to the dashboard");
    // Appended: two cookies under one header name (an array would keep only the last).
    let headers = AppendHeaders([
        (
            SET_COOKIE,
            sessions.cookie(SESSION_COOKIE, &id, "/ops", None),
        ),
        (
            SET_COOKIE,
            sessions.cookie(SIGN_IN_COOKIE, "", "/ops/login", Some(Duration::ZERO)),
        ),
    ]);
    Ok((headers, Redirect::to(safe_next(form.next.as_deref()))).into_response())
}

const UNKNOWN: &str = "Unknown token, or wrong name or password.";

/// The operator a sign-in form names, or why not.
async fn who(visitor: &Visitor, form: &SignInForm) -> Result<String, (StatusCode, &'static str)> {
    let token = form.token.trim();
    if !token.is_empty() {
        return match visitor.caller(token) {
            Some(caller) if caller.scope == Scope::Ops => Ok(caller.name),
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
    let users = visitor.users.clone();
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
    OpsSession {
        operator, sessions, ..
    }: OpsSession,
    Form(form): Form<SignOutForm>,
) -> Result<Response, OpsError> {
    operator.check_form(&form.csrf)?;
    sessions.end(&operator.session_id).await?;
    tracing::info!(operator = %operator.name, "operator signed out of the dashboard");
    let gone = sessions.cookie(SESSION_COOKIE, "", "/ops", Some(Duration::ZERO));
    Ok(([(SET_COOKIE, gone)], Redirect::to("/ops/login")).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

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
