//! The statements the extractor runs on the ERP: defaults for the reference schema, and the
//! verified set built from the configuration before any connection is made.
//!
//! The defaults are upper case because the statement text is matched upper case by the mock TDS
//! server the tests use, and T-SQL does not mind. Timestamps, dates and decimals are projected as
//! text so that no float or driver time type ever touches them.

use records::Entity;

use super::config::{EntityQueries, ErpConfig};
use super::readonly::{StatementError, VerifiedSelect};

/// Parameters of a full statement: rows per page, then the last key read.
pub const FULL_PARAMETERS: &[&str] = &["@P1", "@P2"];
/// Parameters of an incremental statement: those of a full one, then the window in ERP local time.
pub const INCREMENTAL_PARAMETERS: &[&str] = &["@P1", "@P2", "@P3", "@P4"];

pub const INFLUENCERS_FULL: &str = "SELECT TOP (@P1) ID AS ERP_ID, NAME, HANDLE, EMAIL, PHONE, \
PLATFORM, FOLLOWERS, DOCUMENT, CITY, STATE, STATUS, \
CONVERT(VARCHAR(33), UPDATED_AT, 126) AS SOURCE_UPDATED_AT \
FROM DBO.INFLUENCERS WHERE ID > @P2 ORDER BY ID";

pub const INFLUENCERS_INCREMENTAL: &str = "SELECT TOP (@P1) ID AS ERP_ID, NAME, HANDLE, EMAIL, \
PHONE, PLATFORM, FOLLOWERS, DOCUMENT, CITY, STATE, STATUS, \
CONVERT(VARCHAR(33), UPDATED_AT, 126) AS SOURCE_UPDATED_AT \
FROM DBO.INFLUENCERS WHERE ID > @P2 \
AND UPDATED_AT >= CONVERT(DATETIME2(7), @P3, 126) AND UPDATED_AT < CONVERT(DATETIME2(7), @P4, 126) \
ORDER BY ID";

pub const CONTRACTS_FULL: &str = "SELECT TOP (@P1) ID AS ERP_ID, \
INFLUENCER_ID AS INFLUENCER_ERP_ID, CAMPAIGN, CONVERT(VARCHAR(40), AMOUNT) AS AMOUNT, CURRENCY, \
CONVERT(VARCHAR(10), STARTS_ON, 23) AS STARTS_ON, CONVERT(VARCHAR(10), ENDS_ON, 23) AS ENDS_ON, \
STATUS, CONVERT(VARCHAR(33), UPDATED_AT, 126) AS SOURCE_UPDATED_AT \
FROM DBO.CONTRACTS WHERE ID > @P2 ORDER BY ID";

pub const CONTRACTS_INCREMENTAL: &str = "SELECT TOP (@P1) ID AS ERP_ID, \
INFLUENCER_ID AS INFLUENCER_ERP_ID, CAMPAIGN, CONVERT(VARCHAR(40), AMOUNT) AS AMOUNT, CURRENCY, \
CONVERT(VARCHAR(10), STARTS_ON, 23) AS STARTS_ON, CONVERT(VARCHAR(10), ENDS_ON, 23) AS ENDS_ON, \
STATUS, CONVERT(VARCHAR(33), UPDATED_AT, 126) AS SOURCE_UPDATED_AT \
FROM DBO.CONTRACTS WHERE ID > @P2 \
AND UPDATED_AT >= CONVERT(DATETIME2(7), @P3, 126) AND UPDATED_AT < CONVERT(DATETIME2(7), @P4, 126) \
ORDER BY ID";

pub const CAMPAIGNS_FULL: &str = "SELECT TOP (@P1) ID AS ERP_ID, NAME, BRAND, \
CONVERT(VARCHAR(10), STARTS_ON, 23) AS STARTS_ON, CONVERT(VARCHAR(10), ENDS_ON, 23) AS ENDS_ON, \
CONVERT(VARCHAR(40), BUDGET) AS BUDGET, CURRENCY, STATUS, \
CONVERT(VARCHAR(33), UPDATED_AT, 126) AS SOURCE_UPDATED_AT \
FROM DBO.CAMPAIGNS WHERE ID > @P2 ORDER BY ID";

pub const CAMPAIGNS_INCREMENTAL: &str = "SELECT TOP (@P1) ID AS ERP_ID, NAME, BRAND, \
CONVERT(VARCHAR(10), STARTS_ON, 23) AS STARTS_ON, CONVERT(VARCHAR(10), ENDS_ON, 23) AS ENDS_ON, \
CONVERT(VARCHAR(40), BUDGET) AS BUDGET, CURRENCY, STATUS, \
CONVERT(VARCHAR(33), UPDATED_AT, 126) AS SOURCE_UPDATED_AT \
FROM DBO.CAMPAIGNS WHERE ID > @P2 \
AND UPDATED_AT >= CONVERT(DATETIME2(7), @P3, 126) AND UPDATED_AT < CONVERT(DATETIME2(7), @P4, 126) \
ORDER BY ID";

/// The ERP's own clock, which fixes the upper bound of an incremental window.
pub const CLOCK: &str = "SELECT CONVERT(VARCHAR(33), SYSDATETIME(), 126) AS ERP_NOW";

/// The verified statements of one entity.
#[derive(Debug, Clone)]
pub struct EntityStatements {
    pub full: VerifiedSelect,
    pub incremental: VerifiedSelect,
}

/// The full and incremental statements of an entity on the reference schema. An entity without
/// them does not compile: each needs its ERP table and its defaults (see "Adding an entity").
pub fn default_statements(entity: Entity) -> (&'static str, &'static str) {
    match entity {
        Entity::Influencers => (INFLUENCERS_FULL, INFLUENCERS_INCREMENTAL),
        Entity::Campaigns => (CAMPAIGNS_FULL, CAMPAIGNS_INCREMENTAL),
        Entity::Contracts => (CONTRACTS_FULL, CONTRACTS_INCREMENTAL),
    }
}

/// The statements the configuration holds for `entity` (`[erp.<entity>]`).
fn configured(config: &ErpConfig, entity: Entity) -> &EntityQueries {
    match entity {
        Entity::Influencers => &config.influencers,
        Entity::Campaigns => &config.campaigns,
        Entity::Contracts => &config.contracts,
    }
}

/// Every statement the extractor may run, all verified.
#[derive(Debug, Clone)]
pub struct Statements {
    entities: Vec<(Entity, EntityStatements)>,
    pub clock: VerifiedSelect,
}

impl Statements {
    /// Verifies every configured statement; the first refusal names its statement.
    pub fn from_config(config: &ErpConfig) -> Result<Self, StatementError> {
        let entities = Entity::ALL
            .into_iter()
            .map(|e| Ok((e, entity(e, configured(config, e), default_statements(e))?)))
            .collect::<Result<_, StatementError>>()?;
        Ok(Self {
            entities,
            clock: VerifiedSelect::verify("clock", CLOCK, &[])?,
        })
    }

    pub fn of(&self, entity: Entity) -> &EntityStatements {
        self.entities
            .iter()
            .find_map(|(e, statements)| (*e == entity).then_some(statements))
            .expect("from_config verifies the statements of every entity")
    }
}

fn entity(
    entity: Entity,
    queries: &EntityQueries,
    defaults: (&str, &str),
) -> Result<EntityStatements, StatementError> {
    let full_is_default = queries.full == defaults.0;
    let incremental_is_default = queries.incremental == defaults.1;
    // A custom ERP with one statement overridden would read the reference schema's table with
    // the other, which may exist with other meanings.
    if full_is_default != incremental_is_default {
        let (set, unset) = if full_is_default {
            ("incremental", "full")
        } else {
            ("full", "incremental")
        };
        return Err(StatementError {
            name: format!("{entity}.{unset}"),
            problem: format!(
                "{entity}.{set} is overridden but {entity}.{unset} is not; override both or neither"
            ),
        });
    }
    Ok(EntityStatements {
        full: VerifiedSelect::verify(&format!("{entity}.full"), &queries.full, FULL_PARAMETERS)?,
        incremental: VerifiedSelect::verify(
            &format!("{entity}.incremental"),
            &queries.incremental,
            INCREMENTAL_PARAMETERS,
        )?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_statements_are_already_upper_case_as_the_mock_matches_them() {
        let defaults = Entity::ALL.into_iter().map(default_statements);
        for sql in defaults
            .flat_map(|(full, incremental)| [full, incremental])
            .chain([CLOCK])
        {
            assert_eq!(sql, sql.to_uppercase());
        }
    }

    #[test]
    fn every_entity_has_statements_that_pass_the_read_only_check() {
        let statements = Statements::from_config(&ErpConfig::default()).unwrap();
        for entity in Entity::ALL {
            assert_eq!(statements.of(entity).full.name(), format!("{entity}.full"));
        }
    }

    #[test]
    fn overriding_only_one_statement_of_an_entity_is_refused() {
        let mut config = ErpConfig::default();
        config.contracts.full = CONTRACTS_FULL.replace("DBO.CONTRACTS", "ERP.CONTRATOS");
        let error = Statements::from_config(&config).unwrap_err();
        assert_eq!(error.name, "contracts.incremental");
    }

    #[test]
    fn a_configured_delete_is_refused_naming_its_entity_and_statement() {
        let mut config = ErpConfig::default();
        config.influencers.full = "DELETE FROM DBO.INFLUENCERS WHERE ID > @P2 AND 1 = @P1".into();
        config.influencers.incremental = "SELECT 1".into();
        let error = Statements::from_config(&config).unwrap_err();
        assert_eq!(error.name, "influencers.full");
        assert!(error.to_string().contains("a DELETE statement"), "{error}");
    }
}
