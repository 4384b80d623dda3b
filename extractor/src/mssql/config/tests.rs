use clap::Parser;
use startup::cli::parse_from;

use super::*;

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    common: startup::CommonArgs,
    #[command(flatten)]
    erp: ErpArgs,
}

fn erp_config(flags: &[&str]) -> Result<ErpConfig, String> {
    let argv = std::iter::once("extractor").chain(flags.iter().copied());
    let parsed = parse_from::<Cli, _, _>(argv).map_err(|e| e.to_string())?;
    ErpConfig::from_args(&parsed.cli.erp, parsed.config_file.as_ref()).map_err(|e| e.to_string())
}

/// A config file with `text` in a folder of its own.
fn file(name: &str, text: &str) -> PathBuf {
    let folder = std::env::temp_dir().join(format!("dis-erp-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    let path = folder.join("dis-sync.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn without_settings_the_reference_schema_is_read() {
    let config = erp_config(&[]).unwrap();
    assert_eq!(config.page_size, 5000);
    assert_eq!(config.time_zone, "America/Sao_Paulo");
    assert_eq!(config.influencers.full, INFLUENCERS_FULL);
    assert_eq!(config.contracts.incremental, CONTRACTS_INCREMENTAL);
}

#[test]
fn the_erp_table_overrides_fields_and_entity_statements() {
    let path = file(
        "table",
        "[erp]\nhost = \"erp.local\"\npage_size = 100\npassword = 12345\n\
         [erp.contracts]\nfull = \"SELECT 1\"\nincremental = \"SELECT 2\"\n",
    );
    let config = erp_config(&["--config", path.to_str().unwrap()]).unwrap();
    assert_eq!((config.host.as_str(), config.page_size), ("erp.local", 100));
    assert_eq!(config.password, "12345");
    assert_eq!(config.contracts.full, "SELECT 1");
    assert_eq!(config.influencers.full, INFLUENCERS_FULL);
}

#[test]
fn the_watermarks_go_next_to_the_config_file_unless_told_otherwise() {
    let path = file("watermarks", "[erp]\nhost = \"erp.local\"\n");
    let config = erp_config(&["--config", path.to_str().unwrap()]).unwrap();
    assert_eq!(
        config.watermarks_path,
        path.parent().unwrap().join(WATERMARKS_FILE)
    );
    let path = file(
        "watermarks-relative",
        "[erp]\nwatermarks_path = \"state/w.json\"\n",
    );
    let config = erp_config(&["--config", path.to_str().unwrap()]).unwrap();
    assert_eq!(
        config.watermarks_path,
        path.parent().unwrap().join("state/w.json"),
        "a relative path in the file is the file's folder's"
    );
}

#[test]
fn a_misspelt_field_is_refused_rather_than_ignored() {
    let path = file("typo", "[erp]\npasword = \"x\"\n");
    let error = erp_config(&["--config", path.to_str().unwrap()]).unwrap_err();
    assert!(error.contains("`erp.pasword`"), "{error}");
}

#[test]
fn the_example_config_file_gives_the_erp_its_settings() {
    let example = startup::example::stage("erp");
    let config = erp_config(&["--config", example.to_str().unwrap()]).unwrap();
    assert_eq!(config.address(), "erp.example.internal:1433");
    assert_eq!(config.password, "example-erp-password");
    assert_eq!(
        config.watermarks_path,
        example.parent().unwrap().join(WATERMARKS_FILE)
    );
}

#[test]
fn the_password_never_reaches_the_debug_output() {
    let config = ErpConfig {
        password: "s3cret".into(),
        ..ErpConfig::default()
    };
    assert!(!format!("{config:?}").contains("s3cret"));
}
