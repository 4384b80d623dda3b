//! dis-sync benchmark harness: in one run on one fresh database, the raw MariaDB ceiling, the
//! whole pipeline, the API alone, the extractor's memory and the sweep, then a table and a JSON line.

mod api_only;
mod cpu;
mod env;
mod memory;
mod pin;
mod pipeline;
mod raw;
pub mod records;
mod report;
mod scaling;
mod stub_api;
mod sweep;

use clap::Parser;

pub use env::BenchEnv;
pub use report::Figures;

/// Measures dis-sync against the database it writes to.
#[derive(Parser, Debug, Clone)]
#[command(version, about)]
pub struct Args {
    /// Influencer records per measurement.
    #[arg(long, default_value_t = 200_000)]
    pub records: usize,
    /// Rows the extractor streams for the memory measurement.
    #[arg(long, default_value_t = 1_000_000)]
    pub memory_rows: usize,
    /// Connections of the raw measurement and jobs the workers apply at once.
    #[arg(long, default_value_t = 4)]
    pub concurrency: usize,
    /// Jobs the workers apply in one transaction (`DIS_JOBS_PER_TRANSACTION`).
    #[arg(long, default_value_t = worker::settings::DEFAULT_JOBS_PER_TRANSACTION as usize)]
    pub jobs_per_transaction: usize,
    /// Share of records changed for the re-sync measurements.
    #[arg(long, default_value_t = 0.05)]
    pub changed_share: f64,
    /// A smoke run: checks that every measurement runs (the test command's), and prints no
    /// targets next to figures that mean nothing. A debug build is always one.
    #[arg(long)]
    pub smoke: bool,
    /// Pin MariaDB to one core and everything else (this process, its children, Redis) to the
    /// other, as when MySQL has a machine of its own; their affinity is restored at the end.
    #[arg(long)]
    pub pin: bool,
    /// Internal: be a worker process of the scaling measurement, until stdin closes.
    #[arg(long, hide = true, requires_all = ["mysql_url", "redis_url", "queue_namespace"])]
    pub worker_process: bool,
    /// Internal: the worker process's database.
    #[arg(long, hide = true)]
    pub mysql_url: Option<String>,
    /// Internal: the worker process's Redis.
    #[arg(long, hide = true)]
    pub redis_url: Option<String>,
    /// Internal: the worker process's queue namespace.
    #[arg(long, hide = true)]
    pub queue_namespace: Option<String>,
    /// Internal: be the memory measurement's child process and stream this many rows.
    #[arg(long, hide = true, requires = "stub_api")]
    pub stream_demo_rows: Option<usize>,
    /// Internal: where the child streams to.
    #[arg(long, hide = true)]
    pub stub_api: Option<String>,
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    if let (Some(rows), Some(api)) = (args.stream_demo_rows, &args.stub_api) {
        return memory::stream_demo_rows(rows, api).await;
    }
    if let (true, Some(mysql_url), Some(redis_url), Some(queue_namespace)) = (
        args.worker_process,
        &args.mysql_url,
        &args.redis_url,
        &args.queue_namespace,
    ) {
        return scaling::be_worker_process(env::Settings {
            mysql_url: mysql_url.clone(),
            redis_url: redis_url.clone(),
            queue_namespace: queue_namespace.clone(),
            worker_concurrency: args.concurrency,
            jobs_per_transaction: args.jobs_per_transaction,
        })
        .await;
    }
    // Dropped last, whatever happens before: MariaDB gets its own affinity back.
    let pinned = args
        .pin
        .then(pin::Pinned::database_on_its_own_core)
        .transpose()?;
    let env = BenchEnv::start(&args).await?;
    let result = tokio::select! {
        result = measure(&env, &args) => result,
        signal = interrupted() => Err(anyhow::anyhow!("stopped by {signal}")),
    };
    env.tear_down().await;
    drop(pinned);
    let figures = result?;
    println!("{}", figures.table());
    println!("{}", figures.json());
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM, so that the bench cleans up (database, queue, pinning) first.
async fn interrupted() -> &'static str {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("SIGTERM can be listened for");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => "Ctrl-C",
        _ = term.recv() => "SIGTERM",
    }
}

async fn measure(env: &BenchEnv, args: &Args) -> anyhow::Result<Figures> {
    let day_one = records::day_one(args.records);
    let resync = records::with_changed_share(&day_one, args.changed_share);
    eprintln!(
        "bench: raw ceiling, {} records over {} connections; workers: {} transactions of up to {} jobs at once",
        args.records, args.concurrency, args.concurrency, args.jobs_per_transaction
    );
    let started = cpu::CpuSeconds::now();
    let raw = raw::measure(env, &day_one, &resync, args.concurrency).await?;
    let raw_cpu = cpu::CpuSeconds::now().since(started);
    env.reset_tables().await?;
    eprintln!("bench: whole pipeline");
    let started = cpu::CpuSeconds::now();
    let pipeline = pipeline::measure(env, &day_one, &resync).await?;
    let pipeline_cpu = cpu::CpuSeconds::now().since(started);
    eprintln!(
        "bench: first load through {:?} worker processes",
        scaling::WORKER_PROCESSES
    );
    let scaling = scaling::measure(env, &day_one).await?;
    eprintln!("bench: API alone");
    let started = cpu::CpuSeconds::now();
    let api_only_rps = api_only::measure(env, &day_one).await?;
    let api_cpu = cpu::CpuSeconds::now().since(started);
    eprintln!("bench: sweep of 2 % vs a plain anti-join DELETE");
    let sweep = sweep::measure(env, &day_one).await?;
    eprintln!("bench: extractor memory, {} rows", args.memory_rows);
    let extractor_peak_rss_mb = memory::extractor_peak_rss_mb(args.memory_rows).await?;
    Ok(Figures {
        cpu: [
            ("raw ceiling", raw_cpu),
            ("pipeline", pipeline_cpu),
            ("API alone", api_cpu),
        ],
        records: args.records,
        concurrency: args.concurrency,
        jobs_per_transaction: args.jobs_per_transaction,
        raw,
        pipeline,
        api_only_rps,
        sweep,
        extractor_peak_rss_mb,
        scaling,
        pinned: args.pin,
        smoke: args.smoke || cfg!(debug_assertions),
    })
}
