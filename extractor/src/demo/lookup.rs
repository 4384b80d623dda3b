//! Looking up one record of the demo ERP by key, as it is on the data set's day.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use records::{ContractWire, InfluencerWire};

use super::{contracts, influencers, rng, spoiled, DemoDataset, Fate, Stream, Window};
use super::{DAY_ONE, NEXT_DAY};

impl DemoDataset {
    /// The influencer `erp_id` as the ERP holds it on this day; `None` when it does not exist.
    pub fn influencer(&self, erp_id: i64) -> Option<InfluencerWire> {
        let wire = self.valid_influencer(erp_id)?;
        Some(
            match self.spoiled.influencers.iter().position(|k| *k == erp_id) {
                Some(which) => spoiled::influencer(wire, which),
                None => wire,
            },
        )
    }

    /// The contract `erp_id` as the ERP holds it on this day; `None` when it does not exist.
    pub fn contract(&self, erp_id: i64) -> Option<ContractWire> {
        let wire = self.valid_contract(erp_id)?;
        Some(
            match self.spoiled.contracts.iter().position(|k| *k == erp_id) {
                Some(which) => spoiled::contract(wire, which),
                None => wire,
            },
        )
    }

    fn valid_influencer(&self, erp_id: i64) -> Option<InfluencerWire> {
        let streams = [
            Stream::Influencer,
            Stream::InfluencerFate,
            Stream::InfluencerChange,
        ];
        let day_one = self.size.influencers;
        self.independent(
            erp_id,
            day_one,
            streams,
            influencers::generate,
            influencers::change,
        )
    }

    /// Record `erp_id` of an entity whose records depend on no other entity's: drawn from the
    /// first stream for day one, then kept, changed (by the third stream) or deleted as the
    /// second stream decides; or added on the next day. `None` when it does not exist.
    pub(super) fn independent<W>(
        &self,
        erp_id: i64,
        day_one: usize,
        [values, fates, changes]: [Stream; 3],
        generate: fn(i64, &mut ChaCha8Rng, Window) -> W,
        change: fn(W, &mut ChaCha8Rng, Window) -> W,
    ) -> Option<W> {
        if erp_id < 1 || erp_id > self.last_id(day_one) {
            return None;
        }
        if erp_id > day_one as i64 {
            return Some(generate(erp_id, &mut rng(values, erp_id), NEXT_DAY));
        }
        let base = generate(erp_id, &mut rng(values, erp_id), DAY_ONE);
        match self.fate(fates, erp_id) {
            Fate::Kept => Some(base),
            Fate::Deleted => None,
            Fate::Changed => Some(change(base, &mut rng(changes, erp_id), NEXT_DAY)),
        }
    }

    fn valid_contract(&self, erp_id: i64) -> Option<ContractWire> {
        if self.size.influencers == 0 || erp_id < 1 || erp_id > self.last_id(self.size.contracts) {
            return None;
        }
        let mut rng = rng(Stream::Contract, erp_id);
        if erp_id > self.size.contracts as i64 {
            let drawn = rng.random_range(1..=self.last_id(self.size.influencers));
            let influencer = self.living_influencer(drawn);
            return Some(contracts::generate(erp_id, influencer, &mut rng, NEXT_DAY));
        }
        let influencer = rng.random_range(1..=self.size.influencers as i64);
        // The ERP deletes an influencer's contracts with it.
        if self.fate(Stream::InfluencerFate, influencer) == Fate::Deleted {
            return None;
        }
        let base = contracts::generate(erp_id, influencer, &mut rng, DAY_ONE);
        match self.fate(Stream::ContractFate, erp_id) {
            Fate::Kept => Some(base),
            Fate::Deleted => None,
            Fate::Changed => Some(contracts::change(
                base,
                &mut self::rng(Stream::ContractChange, erp_id),
                NEXT_DAY,
            )),
        }
    }

    /// `erp_id`, or the next influencer after it (wrapping) that was not deleted.
    ///
    /// Ends because influencers added on the next day are never deleted, and there is at least one.
    fn living_influencer(&self, erp_id: i64) -> i64 {
        let last = self.last_id(self.size.influencers);
        let mut candidate = erp_id;
        while self.influencer_deleted(candidate) {
            candidate = candidate % last + 1;
        }
        candidate
    }

    fn influencer_deleted(&self, erp_id: i64) -> bool {
        erp_id <= self.size.influencers as i64
            && self.fate(Stream::InfluencerFate, erp_id) == Fate::Deleted
    }
}
