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
    assert_eq!(args.demo.day(), Day::One);
    let size = args.demo.size();
    assert_eq!(
        (size.influencers, size.campaigns, size.contracts),
        (10_000, 1_000, 30_000)
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
