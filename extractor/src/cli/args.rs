//! The arguments of the command line, as clap parses them.

use clap::{Args, Parser, Subcommand, ValueEnum};
use records::RunMode;

use super::EntityChoice;
use crate::demo::{Day, DemoSize};

#[derive(Debug, Parser)]
#[command(
    name = "extractor",
    version,
    about = "Reads the ERP and syncs it into DIS through the ingest API"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

const RUN_AFTER_HELP: &str = "\
The API is DIS_API_URL, with the token DIS_API_TOKEN (environment or dis-sync.toml).
Exit codes: 0 every run completed; 1 a run did not complete; 3 a sweep is held for an operator's approval.";

const ERP_HELP: &str = "\
The ERP is the [erp] table of dis-sync.toml or DIS_ERP_* variables (DIS_ERP_HOST, DIS_ERP_DATABASE,
DIS_ERP_USER, DIS_ERP_PASSWORD, ...); see 'Reading the ERP (SQL Server)' in the README.";

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sends one entity, or all, to the ingest API as runs and waits for their outcome.
    #[command(after_help = RUN_AFTER_HELP)]
    Run(RunArgs),
    /// Connects to the ERP and the API, runs each configured statement for 5 rows, and says
    /// what it found.
    #[command(after_help = ERP_HELP)]
    Check(CheckArgs),
    /// Runs `run` on a cron expression, never two runs at once; stops on Ctrl-C.
    #[command(after_help = RUN_AFTER_HELP)]
    Schedule(ScheduleArgs),
}

#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    /// The API to check, instead of the configured `DIS_API_URL`.
    #[arg(long)]
    pub api_url: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct ScheduleArgs {
    /// When to run: six fields, seconds first ("0 0 3 * * *" is 03:00 every day).
    #[arg(long)]
    pub cron: String,
    /// The time zone the cron expression is read in; the ERP's (`erp.time_zone`) by default.
    #[arg(long)]
    pub time_zone: Option<String>,
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// Where the records come from.
    // Required rather than defaulted: a full run of the wrong source would have DIS's rows swept.
    #[arg(long, value_enum)]
    pub source: Source,
    #[arg(long, value_enum)]
    pub entity: EntityChoice,
    /// `full` sees every record and lets the API sweep what the source no longer has.
    #[arg(long, value_enum, default_value_t = ModeChoice::Full)]
    pub mode: ModeChoice,
    /// Which day of the demo data set to send.
    #[arg(long, value_enum, default_value_t = DayChoice::One)]
    pub day: DayChoice,
    /// Influencers of the demo data set on day one.
    #[arg(long, default_value_t = DemoSize::default().influencers)]
    pub influencers: usize,
    /// Campaigns of the demo data set on day one.
    #[arg(long, default_value_t = DemoSize::default().campaigns)]
    pub campaigns: usize,
    /// Contracts of the demo data set on day one.
    #[arg(long, default_value_t = DemoSize::default().contracts)]
    pub contracts: usize,
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub batch_size: u32,
    /// Batches in flight at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub concurrency: u32,
    /// Attempts of each request before giving up (retries on timeouts, 429 and 5xx only).
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub attempts: u32,
    /// Seconds to wait for a run's outcome after its end is declared.
    #[arg(long, default_value_t = 3600)]
    pub wait_timeout: u64,
    /// No progress line, even on a terminal.
    #[arg(long)]
    pub no_progress: bool,
    /// The API to post to, instead of the configured `DIS_API_URL`.
    #[arg(long)]
    pub api_url: Option<String>,
}

/// Sources of records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Source {
    /// The built-in deterministic data set.
    Demo,
    /// The ERP on SQL Server, as configured in the `[erp]` table (see the README).
    Mssql,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModeChoice {
    /// Every record; rows DIS has and the source lacks are swept afterwards.
    Full,
    /// Upserts only; nothing is ever deleted.
    Incremental,
}

impl From<ModeChoice> for RunMode {
    fn from(mode: ModeChoice) -> Self {
        match mode {
            ModeChoice::Full => RunMode::Full,
            ModeChoice::Incremental => RunMode::Incremental,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DayChoice {
    One,
    Next,
}

impl From<DayChoice> for Day {
    fn from(day: DayChoice) -> Self {
        match day {
            DayChoice::One => Day::One,
            DayChoice::Next => Day::Next,
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;
    use records::Entity;

    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn a_demo_run_of_all_entities_parses_with_its_defaults() {
        let cli = Cli::try_parse_from([
            "extractor",
            "run",
            "--source",
            "demo",
            "--entity",
            "all",
            "--mode",
            "full",
        ])
        .unwrap();
        let Command::Run(args) = cli.command else {
            panic!("not a run");
        };
        assert_eq!(args.entity.entities(), Entity::ALL);
        assert_eq!(
            (args.day, args.influencers, args.contracts),
            (DayChoice::One, 10_000, 30_000)
        );
        assert_eq!((args.batch_size, args.concurrency), (1000, 4));
    }

    #[test]
    fn an_mssql_run_is_full_unless_told_otherwise() {
        let cli = Cli::try_parse_from([
            "extractor",
            "run",
            "--source",
            "mssql",
            "--entity",
            "contracts",
        ])
        .unwrap();
        let Command::Run(args) = cli.command else {
            panic!("not a run");
        };
        assert_eq!((args.source, args.mode), (Source::Mssql, ModeChoice::Full));
    }

    #[test]
    fn a_schedule_takes_a_cron_expression_and_the_run_arguments() {
        let cli = Cli::try_parse_from([
            "extractor",
            "schedule",
            "--cron",
            "0 0 3 * * *",
            "--source",
            "mssql",
            "--entity",
            "all",
        ])
        .unwrap();
        let Command::Schedule(args) = cli.command else {
            panic!("not a schedule");
        };
        assert_eq!(args.cron, "0 0 3 * * *");
        assert_eq!(args.run.entity, EntityChoice::All);
    }

    #[test]
    fn the_source_must_be_named() {
        assert!(
            Cli::try_parse_from(["extractor", "run", "--entity", "all", "--mode", "full"]).is_err()
        );
    }

    #[test]
    fn a_batch_size_of_zero_is_refused() {
        let args = [
            "extractor",
            "run",
            "--source",
            "demo",
            "--entity",
            "contracts",
            "--mode",
            "incremental",
            "--batch-size",
            "0",
        ];
        assert!(Cli::try_parse_from(args).is_err());
    }
}
