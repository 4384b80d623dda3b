//! One entity of the demo data set, as a run or as JSON: the two places a new entity's demo
//! generator must be named.

use std::future::Future;

use records::{Entity, RunMode};
use serde::Serialize;
use serde_json::Value;

use super::DemoDataset;
use crate::client::ApiClient;
use crate::outcome::{RunReport, SyncError};
use crate::run_protocol::{sync_entity_until, SyncOptions};

impl DemoDataset {
    /// Sends the records of `entity` on this day as one run and waits until the API is done with
    /// it; gives up as [`sync_entity_until`] does when `stop` completes. Every entity has demo
    /// data, so a new entity does not compile until it has its generator here.
    pub async fn sync(
        &self,
        client: &ApiClient,
        entity: Entity,
        mode: RunMode,
        options: &SyncOptions,
        stop: impl Future<Output = ()>,
    ) -> Result<RunReport, SyncError> {
        match entity {
            Entity::Influencers => {
                sync_entity_until(client, entity, mode, self.influencers(), options, stop).await
            }
            Entity::Campaigns => {
                sync_entity_until(client, entity, mode, self.campaigns(), options, stop).await
            }
            Entity::Contracts => {
                sync_entity_until(client, entity, mode, self.contracts(), options, stop).await
            }
        }
    }
}

impl DemoDataset {
    /// The records of `entity` on this day as the JSON the extractor sends, in key order.
    pub fn records_json(&self, entity: Entity) -> Box<dyn Iterator<Item = Value> + Send> {
        fn json<R: Serialize>(
            records: impl Iterator<Item = R> + Send + 'static,
        ) -> Box<dyn Iterator<Item = Value> + Send> {
            Box::new(records.map(|r| serde_json::to_value(r).expect("wire records serialize")))
        }
        match entity {
            Entity::Influencers => json(self.influencers()),
            Entity::Campaigns => json(self.campaigns()),
            Entity::Contracts => json(self.contracts()),
        }
    }
}
