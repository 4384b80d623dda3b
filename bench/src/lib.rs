//! dis-sync benchmark harness: in one run on one fresh database, the raw MariaDB ceiling, the
//! whole pipeline, the API alone, the extractor's memory and the sweep, then a table and a JSON line.

mod api_only;
mod cpu;
mod env;
mod memory;
mod pipeline;
mod raw;
pub mod records;
mod report;
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
    /// Share of records changed for the re-sync measurements.
    #[arg(long, default_value_t = 0.05)]
    pub changed_share: f64,
    /// A smoke run: checks that every measurement runs (the test command's), and prints no
    /// targets next to figures that mean nothing. A debug build is always one.
    #[arg(long)]
    pub smoke: bool,
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
    let env = BenchEnv::start(&args).await?;
    let result = measure(&env, &args).await;
    env.tear_down().await;
    let figures = result?;
    println!("{}", figures.table());
    println!("{}", figures.json());
    Ok(())
}

async fn measure(env: &BenchEnv, args: &Args) -> anyhow::Result<Figures> {
    let day_one = records::day_one(args.records);
    let resync = records::with_changed_share(&day_one, args.changed_share);
    eprintln!(
        "bench: raw ceiling, {} records over {} connections",
        args.records, args.concurrency
    );
    let started = cpu::CpuSeconds::now();
    let raw = raw::measure(env, &day_one, &resync, args.concurrency).await?;
    let raw_cpu = cpu::CpuSeconds::now().since(started);
    env.reset_tables().await?;
    eprintln!("bench: whole pipeline");
    let started = cpu::CpuSeconds::now();
    let pipeline = pipeline::measure(env, &day_one, &resync).await?;
    let pipeline_cpu = cpu::CpuSeconds::now().since(started);
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
        raw,
        pipeline,
        api_only_rps,
        sweep,
        extractor_peak_rss_mb,
        smoke: args.smoke || cfg!(debug_assertions),
    })
}
