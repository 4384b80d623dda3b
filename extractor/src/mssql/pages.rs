//! Keyset paging: `TOP (@P1)` rows with a key above `@P2`, in key order, one page at a time, so
//! the ERP runs short statements and the extractor holds one page whatever the table's size.

use chrono_tz::Tz;
use futures::stream::{self, Stream, StreamExt, TryStreamExt};
use records::Entity;

use super::connection::ErpConnection;
use super::errors::ErpError;
use super::readonly::VerifiedSelect;
use super::rows::{ErpRecord, Layout};

/// The key before every key: nothing is skipped, and keys the API refuses (0, negatives) still
/// reach it and are rejected visibly.
pub const FIRST_KEY: i64 = i64::MIN;

/// An incremental window in ERP local time, as `CONVERT(DATETIME2(7), @P, 126)` reads it:
/// from (inclusive) to (exclusive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    pub from: String,
    pub to: String,
}

/// Reads an entity's statement page after page.
pub struct PageReader {
    connection: ErpConnection,
    statement: VerifiedSelect,
    entity: Entity,
    zone: Tz,
    page_size: i64,
    window: Option<Window>,
    after: i64,
    layout: Option<Layout>,
    finished: bool,
}

impl PageReader {
    /// Pages of `page_size` rows of `statement`, from the first key; `window` for incremental
    /// statements, which take it as `@P3` and `@P4`.
    pub fn new(
        connection: ErpConnection,
        statement: VerifiedSelect,
        entity: Entity,
        zone: Tz,
        page_size: u32,
        window: Option<Window>,
    ) -> Self {
        Self {
            connection,
            statement,
            entity,
            zone,
            page_size: i64::from(page_size.max(1)),
            window,
            after: FIRST_KEY,
            layout: None,
            finished: false,
        }
    }

    /// The connection back, to run something else on it.
    pub fn into_connection(self) -> ErpConnection {
        self.connection
    }

    /// The next page, or `None` after the last one.
    pub async fn next_page(&mut self) -> Result<Option<Vec<ErpRecord>>, ErpError> {
        if self.finished {
            return Ok(None);
        }
        let what = format!("{}, page after key {}", self.statement.name(), self.after);
        let rows = match &self.window {
            None => {
                let params: [&dyn tiberius::ToSql; 2] = [&self.page_size, &self.after];
                self.connection
                    .select(&self.statement, &params, &what)
                    .await?
            }
            Some(window) => {
                let params: [&dyn tiberius::ToSql; 4] = [
                    &self.page_size,
                    &self.after,
                    &window.from.as_str(),
                    &window.to.as_str(),
                ];
                self.connection
                    .select(&self.statement, &params, &what)
                    .await?
            }
        };
        if rows.len() as i64 > self.page_size {
            return Err(ErpError::result(
                &what,
                format!(
                    "the statement returned {} rows for TOP (@P1) = {}; it must limit its rows with TOP (@P1)",
                    rows.len(),
                    self.page_size
                ),
            ));
        }
        // A short page is the last: no need to ask the ERP for an empty one.
        self.finished = (rows.len() as i64) < self.page_size;
        let Some(first) = rows.first() else {
            return Ok(None);
        };
        let layout = match self.layout.take() {
            Some(layout) => layout,
            None => Layout::find(self.entity, first.columns(), &what)?,
        };
        let page = rows
            .iter()
            .map(|row| self.keyed(layout.record(row, self.zone, &what)?, &what))
            .collect::<Result<Vec<_>, _>>();
        self.layout = Some(layout);
        page.map(Some)
    }

    /// Checks that the record's key follows the previous one and moves the cursor to it.
    fn keyed(&mut self, record: ErpRecord, what: &str) -> Result<ErpRecord, ErpError> {
        match record.erp_id() {
            Some(key) if key > self.after => {
                self.after = key;
                Ok(record)
            }
            // Paging on would loop or skip rows, and skipped rows would be swept.
            Some(key) => Err(ErpError::result(
                what,
                format!(
                    "key {key} came after key {}: the statement must return keys above @P2 in ascending order (ORDER BY the key)",
                    self.after
                ),
            )),
            None => Err(ErpError::result(
                what,
                format!("a row after key {} has no ERP_ID; the key cannot be NULL", self.after),
            )),
        }
    }
}

/// Every record the reader's pages hold, read one page ahead of the consumer at most.
pub fn records(reader: PageReader) -> impl Stream<Item = Result<ErpRecord, ErpError>> + Send {
    stream::try_unfold(reader, |mut reader| async move {
        Ok(reader.next_page().await?.map(|page| (page, reader)))
    })
    .map_ok(|page| stream::iter(page.into_iter().map(Ok)))
    .try_flatten()
    .boxed()
}
