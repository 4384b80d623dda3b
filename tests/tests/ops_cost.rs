//! What one view of each dashboard page (and one scrape of `/metrics`) costs, measured on the
//! real API with real workers:
//! MySQL statements, counted from sqlx's own per-statement events inside the request's span, and
//! Redis commands, as Redis's `MONITOR` sees them come from the API's connection (plus those its
//! scripts run). The bounds catch a page that starts reading once per listed row; the table goes
//! to `target/ops-cost.md`.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures::{Stream, StreamExt};
use tracing::Subscriber;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

use e2e::ops::{dead_lettered_run, demo_full_run, held_full_run, OpsClient};
use e2e::{test_redis_url, TestApp, OPS_TOKEN};

/// Counts sqlx's statement events that happen while an HTTP request is served (inside
/// tower-http's `request` span): the workers' own statements are not the page's, nor is the
/// session setup (`SET sql_mode…`) of a connection the pool happens to open meanwhile.
struct StatementsInRequests(Arc<AtomicUsize>);

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for StatementsInRequests {
    fn on_event(&self, event: &tracing::Event<'_>, ctx: Context<'_, S>) {
        if event.metadata().target() != "sqlx::query" {
            return;
        }
        let in_request = ctx
            .event_scope(event)
            .is_some_and(|mut scope| scope.any(|span| span.name() == "request"));
        let mut summary = Summary::default();
        event.record(&mut summary);
        if in_request && !summary.0.trim_start().starts_with("SET ") {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// The `summary` field of sqlx's statement event: the statement's first words.
#[derive(Default)]
struct Summary(String);

impl tracing::field::Visit for Summary {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if field.name() == "summary" {
            value.clone_into(&mut self.0);
        }
    }

    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "summary" {
            self.0 = format!("{value:?}");
        }
    }
}

/// Redis as MONITOR shows it: every command of every client, scripts' own commands after them.
struct RedisWatch {
    lines: std::pin::Pin<Box<dyn Stream<Item = String> + Send>>,
    marker_conn: redis::aio::MultiplexedConnection,
    namespace: String,
    api_address: Option<String>,
    marks: usize,
}

#[derive(Default, Debug, Clone, Copy)]
struct RedisCost {
    round_trips: usize,
    in_scripts: usize,
}

impl RedisWatch {
    async fn start(namespace: &str) -> Self {
        let client = redis::Client::open(test_redis_url()).unwrap();
        let monitor = client.get_async_monitor().await.unwrap();
        Self {
            lines: Box::pin(monitor.into_on_message::<String>()),
            marker_conn: client.get_multiplexed_async_connection().await.unwrap(),
            namespace: namespace.to_owned(),
            api_address: None,
            marks: 0,
        }
    }

    /// The commands seen since the last call, up to a marker this sends now.
    async fn cost_since_last(&mut self) -> RedisCost {
        self.marks += 1;
        let marker = format!("{}:cost-marker:{}", self.namespace, self.marks);
        let _: i64 = redis::cmd("EXISTS")
            .arg(&marker)
            .query_async(&mut self.marker_conn)
            .await
            .unwrap();
        let mut cost = RedisCost::default();
        let mut in_api_script = false;
        loop {
            let line = tokio::time::timeout(Duration::from_secs(10), self.lines.next())
                .await
                .expect("MONITOR goes on")
                .expect("a line");
            if line.contains(&marker) {
                return cost;
            }
            let Some((client, command)) = monitor_line(&line) else {
                continue;
            };
            if client == "lua" {
                cost.in_scripts += usize::from(in_api_script);
                continue;
            }
            // The API's connection is the one that reads this namespace's sessions.
            if self.api_address.is_none() && command == "GETEX" && line.contains(&self.namespace) {
                self.api_address = Some(client.to_owned());
            }
            in_api_script = self.api_address.as_deref() == Some(client)
                && (command == "EVALSHA" || command == "EVAL");
            if self.api_address.as_deref() == Some(client) {
                cost.round_trips += 1;
            }
        }
    }
}

/// `1795905365.194682 [0 127.0.0.1:41160] "EVAL" …` → (`127.0.0.1:41160`, `EVAL`).
fn monitor_line(line: &str) -> Option<(&str, String)> {
    let inside = line.split_once('[')?.1;
    let (bracket, rest) = inside.split_once(']')?;
    let client = bracket.split_whitespace().nth(1)?;
    let command = rest.trim_start().strip_prefix('"')?.split('"').next()?;
    Some((client, command.to_ascii_uppercase()))
}

struct Measure {
    statements: Arc<AtomicUsize>,
    redis: RedisWatch,
    client: OpsClient,
    table: String,
}

impl Measure {
    /// A dashboard page: every one reads its session in Redis.
    async fn page(&mut self, what: &str, path: &str, mysql_at_most: usize, redis_at_most: usize) {
        self.view(what, path, mysql_at_most, 1..=redis_at_most)
            .await;
    }

    /// Views `path` twice and records the second view (the first may load Redis scripts and
    /// prepare statements on fresh connections).
    async fn view(
        &mut self,
        what: &str,
        path: &str,
        mysql_at_most: usize,
        redis_round_trips: std::ops::RangeInclusive<usize>,
    ) {
        for view in 0..2 {
            self.redis.cost_since_last().await;
            self.statements.store(0, Ordering::Relaxed);
            let answer = self.client.get(path).await;
            assert_eq!(answer.status, 200, "{path}: {}", answer.body);
            let redis = self.redis.cost_since_last().await;
            let mysql = self.statements.load(Ordering::Relaxed);
            if view == 1 {
                let _ = writeln!(
                    self.table,
                    "| {what} | `{path}` | {mysql} | {} | {} |",
                    redis.round_trips, redis.in_scripts
                );
                assert!(mysql <= mysql_at_most, "{what}: {mysql} MySQL statements");
                assert!(
                    redis_round_trips.contains(&redis.round_trips),
                    "{what}: {redis:?}"
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_dashboard_page_reads_mysql_and_redis_a_few_times_not_once_per_row() {
    let statements = Arc::new(AtomicUsize::new(0));
    let subscriber = tracing_subscriber::registry().with(StatementsInRequests(statements.clone()));
    tracing::subscriber::set_global_default(subscriber).expect("the only subscriber here");

    let app = TestApp::spawn().await;
    let demo = demo_full_run(&app, 500).await;
    let held = held_full_run(&app, 450).await;
    let (late, letter) = dead_lettered_run(&app, 800_001).await;
    let redis = RedisWatch::start(&app.settings.queue_namespace).await;
    let mut measure = Measure {
        statements,
        redis,
        client: OpsClient::signed_in(&app, OPS_TOKEN).await,
        table: "| page | path | MySQL statements | Redis round trips | Redis commands in scripts |\n|---|---|---|---|---|\n".into(),
    };
    measure.page("queues", "/ops", 3, 3).await;
    measure
        .page("queue panel refresh", "/ops/queues/panel", 3, 3)
        .await;
    measure.page("runs", "/ops/runs", 2, 1).await;
    measure
        .page("completed run", &format!("/ops/runs/{demo}"), 5, 1)
        .await;
    measure
        .page(
            "held run (with its sweep plan)",
            &format!("/ops/runs/{held}"),
            9,
            1,
        )
        .await;
    measure
        .page("run with a dead letter", &format!("/ops/runs/{late}"), 5, 1)
        .await;
    measure
        .page(
            "approve: confirmation",
            &format!("/ops/runs/{held}/approve"),
            4,
            1,
        )
        .await;
    measure
        .page("dead letters", "/ops/dead-letters", 1, 1)
        .await;
    measure
        .page(
            "dead letter payload",
            &format!("/ops/dead-letters/{letter}"),
            1,
            1,
        )
        .await;
    measure.page("trends", "/ops/trends", 1, 1).await;
    // Not a page: what a Prometheus scrape of the API reads (no session; a script per queue).
    measure
        .view("a scrape of /metrics", "/metrics", 2, 2..=2)
        .await;

    let target = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target");
    let _ = std::fs::create_dir_all(&target);
    let _ = std::fs::write(target.join("ops-cost.md"), &measure.table);
    println!("{}", measure.table);
}
