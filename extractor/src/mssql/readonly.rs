//! Read-only by construction: a statement reaches the ERP only as a [`VerifiedSelect`], which
//! only exists for text that a T-SQL parser read as one single SELECT.

use sqlparser::ast::{Query, SetExpr, Statement};
use sqlparser::dialect::MsSqlDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, Tokenizer};

/// Table hints that make a read unsafe for the ERP or for the sweep.
const FORBIDDEN_HINTS: &[(&str, &str)] = &[
    ("NOLOCK", "reads uncommitted data (NOLOCK), which can skip rows; a full run's sweep would delete the rows it skipped"),
    ("READUNCOMMITTED", "reads uncommitted data (READUNCOMMITTED), which can skip rows; a full run's sweep would delete the rows it skipped"),
    ("UPDLOCK", "takes update locks (UPDLOCK), blocking the ERP's own users"),
    ("XLOCK", "takes exclusive locks (XLOCK), blocking the ERP's own users"),
    ("TABLOCKX", "takes an exclusive table lock (TABLOCKX), blocking the ERP's own users"),
];

/// A statement verified to be a single SELECT that writes nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedSelect {
    name: String,
    sql: String,
}

/// Why a configured statement is not run; `name` says which one (`influencers.full`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the statement {name} is refused: {problem}")]
pub struct StatementError {
    pub name: String,
    pub problem: String,
}

impl VerifiedSelect {
    /// Verifies `sql`, named `name` in messages, and that it uses each of `placeholders`.
    pub fn verify(name: &str, sql: &str, placeholders: &[&str]) -> Result<Self, StatementError> {
        let refuse = |problem: String| StatementError {
            name: name.to_owned(),
            problem,
        };
        let tokens = Tokenizer::new(&MsSqlDialect {}, sql)
            .tokenize()
            .map_err(|e| refuse(format!("it cannot be read as T-SQL ({e})")))?;
        check_tokens(&tokens, placeholders).map_err(refuse)?;
        let statements = Parser::parse_sql(&MsSqlDialect {}, sql)
            .map_err(|e| refuse(format!("it cannot be read as T-SQL ({e})")))?;
        match statements.as_slice() {
            [] => Err(refuse("it is empty".into())),
            [Statement::Query(query)] => check_query(query).map_err(refuse),
            [other] => Err(refuse(format!(
                "it is {} statement, not a SELECT",
                kind(other)
            ))),
            many => Err(refuse(format!(
                "it is {} statements; only one single SELECT is run",
                many.len()
            ))),
        }?;
        Ok(Self {
            name: name.to_owned(),
            sql: sql.to_owned(),
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn sql(&self) -> &str {
        &self.sql
    }
}

fn check_tokens(tokens: &[Token], placeholders: &[&str]) -> Result<(), String> {
    let words: Vec<&str> = tokens
        .iter()
        .filter_map(|token| match token {
            Token::Word(word) => Some(word.value.as_str()),
            Token::Placeholder(text) => Some(text.as_str()),
            _ => None,
        })
        .collect();
    for (hint, why) in FORBIDDEN_HINTS {
        if words.iter().any(|w| w.eq_ignore_ascii_case(hint)) {
            return Err(format!("it {why}"));
        }
    }
    let missing: Vec<&str> = placeholders
        .iter()
        .copied()
        .filter(|p| !words.iter().any(|w| w.eq_ignore_ascii_case(p)))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "it does not use {}; see \"The reference schema and its statements\" in the README for what each parameter holds",
            missing.join(", ")
        ))
    }
}

fn check_query(query: &Query) -> Result<(), String> {
    if let Some(with) = &query.with {
        for cte in &with.cte_tables {
            check_query(&cte.query)?;
        }
    }
    if !query.locks.is_empty() {
        return Err("it locks the rows it reads (FOR UPDATE)".into());
    }
    check_body(&query.body)
}

fn check_body(body: &SetExpr) -> Result<(), String> {
    match body {
        SetExpr::Select(select) if select.into.is_some() => {
            Err("it is SELECT … INTO, which creates a table".into())
        }
        SetExpr::Select(_) | SetExpr::Values(_) | SetExpr::Table(_) => Ok(()),
        SetExpr::Query(query) => check_query(query),
        SetExpr::SetOperation { left, right, .. } => {
            check_body(left)?;
            check_body(right)
        }
        SetExpr::Insert(statement)
        | SetExpr::Update(statement)
        | SetExpr::Delete(statement)
        | SetExpr::Merge(statement) => Err(format!("it contains {}", kind(statement))),
    }
}

/// "an INSERT", "an EXECUTE", "a DELETE": the statement's first keyword.
fn kind(statement: &Statement) -> String {
    let text = statement.to_string();
    let word = text
        .split_whitespace()
        .next()
        .unwrap_or("unknown")
        .to_uppercase();
    let article = if word.starts_with(['A', 'E', 'I', 'O', 'U']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {word}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mssql::statements::{
        CLOCK, CONTRACTS_FULL, CONTRACTS_INCREMENTAL, INFLUENCERS_FULL, INFLUENCERS_INCREMENTAL,
    };

    fn problem(sql: &str) -> String {
        VerifiedSelect::verify("influencers.full", sql, &[])
            .unwrap_err()
            .problem
    }

    #[test]
    fn the_default_statements_and_the_clock_query_are_single_selects() {
        for sql in [
            INFLUENCERS_FULL,
            INFLUENCERS_INCREMENTAL,
            CONTRACTS_FULL,
            CONTRACTS_INCREMENTAL,
            CLOCK,
        ] {
            VerifiedSelect::verify("default", sql, &["@P1"][..usize::from(sql != CLOCK)])
                .unwrap_or_else(|e| panic!("{e}\n{sql}"));
        }
    }

    #[test]
    fn writing_statements_are_refused_and_named() {
        for (sql, expected) in [
            ("INSERT INTO DBO.X (ID) VALUES (1)", "an INSERT statement"),
            ("UPDATE DBO.X SET A = 1", "an UPDATE statement"),
            ("DELETE FROM DBO.X WHERE ID = 1", "a DELETE statement"),
            ("EXEC DBO.PURGE_ALL", "an EXEC"),
            ("TRUNCATE TABLE DBO.X", "a TRUNCATE statement"),
        ] {
            let error = VerifiedSelect::verify("influencers.full", sql, &[]).unwrap_err();
            assert_eq!(error.name, "influencers.full");
            assert!(error.problem.contains(expected), "{sql}: {error}");
        }
    }

    #[test]
    fn a_select_followed_by_another_statement_is_refused() {
        let found = problem("SELECT ID FROM DBO.X; DROP TABLE DBO.X");
        assert!(found.contains("2 statements"), "{found}");
    }

    #[test]
    fn select_into_is_refused_because_it_creates_a_table() {
        assert!(problem("SELECT ID INTO DBO.COPY FROM DBO.X").contains("SELECT … INTO"));
    }

    #[test]
    fn nolock_is_refused_because_a_dirty_read_can_skip_rows_the_sweep_would_delete() {
        assert!(problem("SELECT ID FROM DBO.X WITH (NOLOCK)").contains("skip rows"));
    }

    #[test]
    fn a_statement_without_its_keyset_parameters_is_refused() {
        let error = VerifiedSelect::verify(
            "contracts.full",
            "SELECT TOP (@P1) ID AS ERP_ID FROM DBO.CONTRACTS ORDER BY ID",
            &["@P1", "@P2"],
        )
        .unwrap_err();
        assert!(error.problem.contains("@P2"), "{error}");
    }

    #[test]
    fn text_that_is_not_sql_is_refused() {
        assert!(problem("hello there").contains("cannot be read as T-SQL"));
    }

    #[test]
    fn a_select_with_a_cte_and_a_union_is_accepted() {
        let sql =
            "WITH A AS (SELECT ID FROM DBO.X) SELECT ID FROM A UNION ALL SELECT ID FROM DBO.Y";
        assert!(VerifiedSelect::verify("x", sql, &[]).is_ok());
    }
}
