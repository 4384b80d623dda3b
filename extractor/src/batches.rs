//! Cutting a stream of records into numbered batches, the unit the API receives.

/// Cuts the records into numbered batches, from seq 1, reading only one batch ahead.
pub(crate) struct Batches<I> {
    records: I,
    size: usize,
    next_seq: u64,
}

impl<I: Iterator> Batches<I> {
    /// Batches of `size` records; a size of 0 is taken as 1.
    pub(crate) fn new(records: I, size: usize) -> Self {
        Self {
            records,
            size: size.max(1),
            next_seq: 1,
        }
    }
}

impl<I: Iterator> Iterator for Batches<I> {
    type Item = (u64, Vec<I::Item>);

    fn next(&mut self) -> Option<Self::Item> {
        let batch: Vec<I::Item> = self.records.by_ref().take(self.size).collect();
        if batch.is_empty() {
            return None;
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        Some((seq, batch))
    }
}

#[cfg(test)]
mod tests {
    use super::Batches;

    #[test]
    fn records_are_cut_into_full_batches_and_a_last_partial_one_numbered_from_1() {
        let cut: Vec<(u64, Vec<i32>)> = Batches::new(1..=7, 3).collect();
        assert_eq!(cut, [(1, vec![1, 2, 3]), (2, vec![4, 5, 6]), (3, vec![7])]);
    }

    #[test]
    fn no_records_make_no_batches() {
        assert_eq!(Batches::new(std::iter::empty::<i32>(), 10).count(), 0);
    }

    #[test]
    fn the_source_is_read_only_one_batch_ahead() {
        let mut read = 0;
        let source = (0..1_000_000).inspect(|_| read += 1);
        let first = Batches::new(source, 100).next().unwrap();
        assert_eq!((first.0, first.1.len()), (1, 100));
        assert_eq!(read, 100);
    }
}
