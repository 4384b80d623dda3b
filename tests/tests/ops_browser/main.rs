//! The dashboard in a real headless Chromium (Debian's, driven over the DevTools protocol by
//! chromiumoxide): refused without signing in, signed in with an ops token, a completed demo run
//! whose counts are MySQL's, a held sweep approved and its rows gone, a dead letter replayed and
//! applied. Screenshots of each page go to `target/ops-screenshots/`.
//!
//! Why chromiumoxide rather than Python's playwright: the test seeds its runs through the same
//! harness as every other end-to-end test (the real API and workers in-process, the extractor's
//! demo source, sqlx to compare with MySQL) and runs under `cargo test`, with no second toolchain.
//!
//! `scripts/test.sh` installs Chromium when it is missing (`scripts/ensure-chromium.sh`).

mod chromium;

use std::time::Duration;

use chromiumoxide::cdp::browser_protocol::emulation::SetDeviceMetricsOverrideParams;

use chromium::{Chromium, Tab};
use e2e::ops::{dead_lettered_run, demo_full_run, held_full_run, mysql_count};
use e2e::{TestApp, OPS_TOKEN};

/// The whole scenario, Chromium included, must end within this.
const SCENARIO_LIMIT: Duration = Duration::from_mins(4);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_signs_in_checks_a_run_approves_a_held_sweep_and_replays_a_dead_letter_in_chromium(
) {
    let app = TestApp::spawn().await;
    let chromium = Chromium::launch().await;
    let tab = chromium.tab(&app).await;
    let finished = tokio::time::timeout(SCENARIO_LIMIT, scenario(&app, &tab)).await;
    chromium.close().await;
    finished.expect("the scenario ends in time");
}

async fn scenario(app: &TestApp, tab: &Tab) {
    let demo = demo_full_run(app, 300).await;
    refused_then_signed_in(tab).await;
    completed_run_matches_mysql(app, tab, demo).await;
    queues_refresh_themselves(tab).await;

    let held = held_full_run(app, 270).await;
    let (late_run, letter) = dead_lettered_run(app, 800_001).await;
    held_sweep_approved(app, tab, held).await;
    dead_letter_replayed(app, tab, late_run, letter).await;

    tab.open("/ops/trends").await;
    tab.shot("10-trends").await;
    phone_sized(tab).await;
    tab.open("/ops/runs").await;
    tab.click("form.signout button").await;
    tab.wait_for("location.pathname === '/ops/login'", false)
        .await;
    tab.open("/ops/runs").await;
    assert!(tab.path().await.starts_with("/ops/login"), "signed out");
}

async fn refused_then_signed_in(tab: &Tab) {
    tab.open("/ops/runs").await;
    assert_eq!(tab.path().await, "/ops/login?next=/ops/runs");
    tab.shot("01-sign-in").await;
    tab.type_into("#sign-in-token input[name=token]", OPS_TOKEN)
        .await;
    tab.click("#sign-in-token button").await;
    tab.wait_for("location.pathname === '/ops/runs'", false)
        .await;
    tab.shot("02-runs").await;
}

/// The queue panel is read again by the page's script, without a reload.
async fn queues_refresh_themselves(tab: &Tab) {
    tab.open("/ops").await;
    tab.wait_for("document.querySelector('.badge.ok') !== null", false)
        .await;
    tab.shot("03-queues").await;
    let first: String = tab
        .eval("document.getElementById('panel-read-at').textContent")
        .await
        .expect("the panel's time");
    let changed = format!(
        "document.getElementById('panel-read-at').textContent !== '{first}' && document.querySelector('.badge.ok') !== null"
    );
    tab.wait_for(&changed, false).await;
}

async fn completed_run_matches_mysql(app: &TestApp, tab: &Tab, run_id: i64) {
    tab.open(&format!("/ops/runs/{run_id}")).await;
    let status: Option<String> = tab
        .eval("document.getElementById('run-status').textContent")
        .await;
    assert_eq!(status.as_deref(), Some("completed"));
    let applied = mysql_count(
        app,
        "SELECT COUNT(*) FROM influencers WHERE last_full_run_id = ?",
        run_id,
    )
    .await;
    let received = mysql_count(
        app,
        "SELECT received_records FROM sync_runs WHERE id = ?",
        run_id,
    )
    .await;
    let rejected = mysql_count(
        app,
        "SELECT COUNT(*) FROM rejected_records WHERE run_id = ?",
        run_id,
    )
    .await;
    assert_eq!(tab.shown("applied").await, Some(applied));
    assert_eq!(tab.shown("received").await, Some(received));
    assert_eq!(tab.shown("rejected").await, Some(rejected));
    assert_eq!((applied, received), (300, 300));
    tab.shot("04-completed-run").await;
}

async fn held_sweep_approved(app: &TestApp, tab: &Tab, run_id: i64) {
    tab.open(&format!("/ops/runs/{run_id}")).await;
    assert_eq!(tab.shown("rejected").await, Some(1));
    tab.wait_for("document.getElementById('sweep-plan') !== null", false)
        .await;
    tab.shot("05-held-run").await;
    tab.click("#approve").await;
    tab.wait_for("document.getElementById('confirm') !== null", false)
        .await;
    tab.shot("06-confirm-approval").await;
    tab.click("#confirm button").await;
    tab.wait_for("location.search.includes('done=approved')", false)
        .await;
    tab.wait_for(
        "document.getElementById('run-status').textContent === 'completed'",
        true,
    )
    .await;
    assert_eq!(tab.shown("swept").await, Some(30));
    let left = mysql_count(app, "SELECT COUNT(*) FROM influencers WHERE erp_id > ?", 0).await;
    assert_eq!(left, 270, "the rows the run did not see are gone");
    tab.shot("07-swept").await;
}

async fn dead_letter_replayed(app: &TestApp, tab: &Tab, run_id: i64, letter: i64) {
    tab.open("/ops/dead-letters").await;
    tab.wait_for(
        &format!("document.querySelector('tr[data-letter=\"{letter}\"]') !== null"),
        false,
    )
    .await;
    tab.shot("08-dead-letters").await;
    tab.click(&format!("tr[data-letter=\"{letter}\"] a.replay"))
        .await;
    tab.wait_for("document.getElementById('confirm') !== null", false)
        .await;
    tab.click("#confirm button").await;
    tab.wait_for(&format!("location.search === '?replayed={letter}'"), false)
        .await;
    tab.open(&format!("/ops/runs/{run_id}")).await;
    tab.wait_for(
        "document.getElementById('run-status').textContent === 'completed'",
        true,
    )
    .await;
    assert_eq!(tab.shown("applied").await, Some(1));
    let back = mysql_count(
        app,
        "SELECT COUNT(*) FROM influencers WHERE erp_id = ?",
        800_001,
    )
    .await;
    assert_eq!(back, 1, "the replayed job was applied");
    tab.shot("09-replayed").await;
}

/// The queue page as a phone shows it.
async fn phone_sized(tab: &Tab) {
    let phone = SetDeviceMetricsOverrideParams::new(390, 844, 2.0, true);
    tab.page.execute(phone).await.expect("a phone's screen");
    tab.open("/ops").await;
    tab.shot("11-queues-phone").await;
    let desktop = SetDeviceMetricsOverrideParams::new(1280, 900, 1.0, false);
    tab.page.execute(desktop).await.expect("a desktop's screen");
}
