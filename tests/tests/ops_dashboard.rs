//! The dashboard over plain HTTP: who gets in, what its forms refuse, and that its pages show
//! what MySQL holds. (The browser test drives the same pages in Chromium.)

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHasher, SaltString};
use e2e::ops::{demo_full_run, mysql_count, shown_count, OpsClient};
use e2e::{TestApp, INGEST_TOKEN, OPS_TOKEN};
use ingest_api::ops::config::OpsUser;
use records::{Entity, RunMode, RunStatus};

#[tokio::test]
async fn a_visitor_without_a_session_is_sent_to_sign_in_and_their_actions_change_nothing() {
    let app = TestApp::spawn_without_workers().await;
    let run_id = app
        .create_run(Entity::Influencers, RunMode::Full)
        .await
        .run_id;
    let visitor = OpsClient::anonymous(&app);

    let page = visitor.get("/ops/runs?entity=influencers").await;
    assert_eq!(page.status, 303);
    assert_eq!(
        page.location.as_deref(),
        Some("/ops/login?next=/ops/runs%3Fentity%3Dinfluencers")
    );
    let with_bearer = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url("/ops"))
        .bearer_auth(OPS_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(
        with_bearer.status(),
        303,
        "a bearer token does not open /ops"
    );

    let action = visitor
        .post(&format!("/ops/runs/{run_id}/abort"), &[("csrf", "guess")])
        .await;
    assert_eq!(action.status, 303);
    assert_eq!(app.run(run_id).await.status, RunStatus::Open);
}

#[tokio::test]
async fn an_ingest_token_is_refused_and_an_ops_token_gets_an_http_only_strict_session() {
    let app = TestApp::spawn_without_workers().await;
    let visitor = OpsClient::anonymous(&app);

    let ingest = visitor.sign_in(&[("token", INGEST_TOKEN)]).await;
    assert_eq!(ingest.status, 403);
    assert!(ingest.body.contains("ingest token"), "{}", ingest.body);
    assert!(!ingest
        .set_cookies
        .iter()
        .any(|c| c.starts_with("dis_ops_session")));
    assert_eq!(visitor.sign_in(&[("token", "nobody's")]).await.status, 401);

    let signed_in = visitor.sign_in(&[("token", OPS_TOKEN)]).await;
    assert_eq!(signed_in.status, 303);
    assert_eq!(signed_in.location.as_deref(), Some("/ops"));
    let cookie = signed_in
        .set_cookies
        .iter()
        .find(|c| c.starts_with("dis_ops_session="))
        .expect("a session cookie");
    assert!(
        cookie.ends_with("; Path=/ops; HttpOnly; SameSite=Strict"),
        "{cookie}"
    );

    let operator = OpsClient::signed_in(&app, OPS_TOKEN).await;
    let home = operator.get("/ops").await;
    assert_eq!(home.status, 200);
    assert!(
        home.body.contains(">operator</span>"),
        "the key's name is shown"
    );
    let csrf = e2e::ops::csrf_of(&home.body).unwrap();
    let out = operator.post("/ops/logout", &[("csrf", &csrf)]).await;
    assert_eq!(out.location.as_deref(), Some("/ops/login"));
    assert_eq!(operator.get("/ops").await.status, 303, "the session ended");
}

#[tokio::test]
async fn the_sign_in_form_refuses_a_post_that_did_not_come_from_it() {
    let app = TestApp::spawn_without_workers().await;
    let forged = reqwest::Client::new()
        .post(app.url("/ops/login"))
        .form(&[("csrf", "made-up"), ("token", OPS_TOKEN)])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    assert!(forged.headers().get("set-cookie").is_none());
}

#[tokio::test]
async fn an_action_without_the_sessions_token_changes_nothing_and_with_it_is_done() {
    let app = TestApp::spawn_without_workers().await;
    let run_id = app
        .create_run(Entity::Influencers, RunMode::Full)
        .await
        .run_id;
    let operator = OpsClient::signed_in(&app, OPS_TOKEN).await;
    let path = format!("/ops/runs/{run_id}/abort");

    let forged = operator.post(&path, &[("csrf", "0123")]).await;
    assert_eq!(forged.status, 403);
    let without = operator.post(&path, &[]).await;
    assert_eq!(without.status, 403);
    assert_eq!(app.run(run_id).await.status, RunStatus::Open);

    let confirmation = operator.get(&path).await;
    assert!(confirmation.body.contains(&format!("Abort run {run_id}")));
    let done = operator.confirm(&path).await;
    assert_eq!(done.status, 303);
    assert_eq!(
        done.location,
        Some(format!("/ops/runs/{run_id}?done=aborted&n=0"))
    );
    let run = app.run(run_id).await;
    assert_eq!(run.status, RunStatus::Aborted);
    assert_eq!(
        run.status_reason.as_deref(),
        Some("aborted by operator (dashboard)")
    );
    let page = operator.get(done.location.as_deref().unwrap()).await;
    assert!(page.body.contains("Run aborted"), "{}", page.body);
}

/// A second API process on the same MySQL and Redis, whose operators also sign in by password.
async fn second_replica(app: &TestApp, users: Vec<OpsUser>) -> String {
    let mut settings = app.settings.api();
    settings.ops.users = users;
    // Served until the test's runtime ends with the test.
    let (address, _server) = ingest_api::serve(&settings, std::future::pending())
        .await
        .expect("the replica starts");
    format!("http://{address}")
}

fn cheap_hash(password: &str) -> String {
    // The PHC string carries its parameters; a test need not pay for production ones.
    let params = argon2::Params::new(64, 1, 1, None).unwrap();
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    argon
        .hash_password(password.as_bytes(), &SaltString::generate(&mut OsRng))
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn an_operator_signs_in_by_password_and_the_session_holds_on_every_replica() {
    let app = TestApp::spawn_without_workers().await;
    let users = vec![OpsUser {
        name: "ana".into(),
        password_hash: cheap_hash("correct horse battery"),
    }];
    let replica = second_replica(&app, users).await;

    let wrong = OpsClient::at(replica.clone())
        .sign_in(&[("name", "ana"), ("password", "correct horse")])
        .await;
    assert_eq!(wrong.status, 401);
    let ana = OpsClient::signed_in_with(
        OpsClient::at(replica),
        &[("name", "ana"), ("password", "correct horse battery")],
    )
    .await;
    let on_the_first = ana.elsewhere(app.url(""));
    let page = on_the_first.get("/ops/runs").await;
    assert_eq!(
        page.status, 200,
        "a session made by one replica opens another"
    );
    assert!(page.body.contains(">ana</span>"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pages_show_a_completed_run_with_the_counts_mysql_holds() {
    let app = TestApp::spawn().await;
    let run_id = demo_full_run(&app, 250).await;
    let operator = OpsClient::signed_in(&app, OPS_TOKEN).await;

    let list = operator
        .get("/ops/runs?entity=influencers&status=completed")
        .await;
    assert!(list.body.contains(&format!(r#"data-run="{run_id}""#)));
    let page = operator.get(&format!("/ops/runs/{run_id}")).await;
    let applied = mysql_count(
        &app,
        "SELECT COUNT(*) FROM influencers WHERE last_full_run_id = ?",
        run_id,
    )
    .await;
    let received = mysql_count(
        &app,
        "SELECT received_records FROM sync_runs WHERE id = ?",
        run_id,
    )
    .await;
    let rejected = mysql_count(
        &app,
        "SELECT COUNT(*) FROM rejected_records WHERE run_id = ?",
        run_id,
    )
    .await;
    assert_eq!(shown_count(&page.body, "applied"), Some(applied));
    assert_eq!(shown_count(&page.body, "received"), Some(received));
    assert_eq!(shown_count(&page.body, "rejected"), Some(rejected));
    assert_eq!(applied, 250);

    let queues = operator.get("/ops").await;
    assert!(queues.body.contains("apply queue") && queues.body.contains("badge ok"));
    let trends = operator.get("/ops/trends").await;
    assert_eq!(
        trends.body.matches("<rect").count(),
        2,
        "one run: a bar in each chart"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approved_sweep_can_be_undone_from_its_run_page_and_its_rows_come_back() {
    let app = TestApp::spawn().await;
    demo_full_run(&app, 200).await;
    let held = e2e::ops::held_full_run(&app, 180).await;
    let operator = OpsClient::signed_in(&app, OPS_TOKEN).await;
    let run_page = format!("/ops/runs/{held}");
    assert!(!operator.get(&run_page).await.body.contains(r#"id="undo""#));

    operator.confirm(&format!("/ops/runs/{held}/approve")).await;
    app.wait_for_status(
        held,
        &[RunStatus::Completed],
        std::time::Duration::from_mins(1),
    )
    .await;
    let rows = "SELECT COUNT(*) FROM influencers WHERE erp_id > ?";
    assert_eq!(mysql_count(&app, rows, 0).await, 180);
    assert!(operator.get(&run_page).await.body.contains(r#"id="undo""#));

    let undone = operator.confirm(&format!("/ops/runs/{held}/undo")).await;
    assert_eq!(
        undone.location,
        Some(format!("/ops/runs/{held}?done=undone&n=20"))
    );
    assert_eq!(mysql_count(&app, rows, 0).await, 200);
    let after = operator.get(undone.location.as_deref().unwrap()).await.body;
    assert!(after.contains("20 rows restored") && !after.contains(r#"id="undo""#));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replaying_every_dead_letter_of_a_run_lets_the_run_complete() {
    let app = TestApp::spawn().await;
    let (run_id, _letter) = e2e::ops::dead_lettered_run(&app, 700_001).await;
    let operator = OpsClient::signed_in(&app, OPS_TOKEN).await;
    let page = operator.get(&format!("/ops/runs/{run_id}")).await;
    assert!(page.body.contains(r#"id="replay-all""#), "{}", page.body);

    let done = operator
        .confirm(&format!("/ops/runs/{run_id}/replay"))
        .await;
    assert_eq!(
        done.location,
        Some(format!("/ops/runs/{run_id}?done=replayed&n=1"))
    );
    app.wait_for_status(
        run_id,
        &[RunStatus::Completed],
        std::time::Duration::from_mins(1),
    )
    .await;
    let back = "SELECT COUNT(*) FROM influencers WHERE erp_id = ?";
    assert_eq!(mysql_count(&app, back, 700_001).await, 1);
    let again = operator.get(&format!("/ops/runs/{run_id}")).await;
    assert!(!again.body.contains(r#"id="replay-all""#));
}

#[tokio::test]
async fn every_dashboard_route_but_the_sign_in_form_and_its_assets_wants_a_session() {
    let app = TestApp::spawn_without_workers().await;
    let visitor = OpsClient::anonymous(&app);
    for template in ingest_api::ops::paths() {
        let path = template
            .replace("{run_id}", "1")
            .replace("{action}", "abort")
            .replace("{id}", "1")
            .replace("{file}", "ops.css");
        let open = ingest_api::ops::OPEN.contains(&template.as_str());
        let got = visitor.get(&path).await;
        let posted = visitor.post(&path, &[("csrf", "guess")]).await;
        if open {
            assert_eq!(got.status, 200, "GET {path}");
            continue;
        }
        // A route with one method answers the other 405; the one it has sends to sign in.
        for (method, answer) in [("GET", &got), ("POST", &posted)] {
            let to_sign_in = answer.status == 303
                && answer
                    .location
                    .as_deref()
                    .is_some_and(|l| l.starts_with("/ops/login"));
            assert!(
                to_sign_in || answer.status == 405,
                "{method} {path} without a session: {} {:?}",
                answer.status,
                answer.location
            );
        }
        assert!(got.status == 303 || posted.status == 303, "{path}");
    }
}
