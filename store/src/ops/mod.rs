//! Reads for the operators' dashboard (`/ops`): runs filtered and paged with their progress,
//! a run's batches, rejected records and dead letters, the nightly trends, and the gauges
//! `/metrics` reads when scraped.
//!
//! Each function is one statement (a few are two, said so), so a page's cost in MySQL is the
//! number of these it calls; none reads a row per listed item.

pub mod dead_letters;
pub mod detail;
pub mod gauges;
pub mod runs;
pub mod trends;

/// Which page of a listing, counted from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    pub page: u32,
    pub per_page: u32,
}

impl Paging {
    pub fn new(page: Option<u32>, per_page: u32) -> Self {
        Self {
            page: page.unwrap_or(1).max(1),
            per_page: per_page.max(1),
        }
    }

    fn offset(self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.per_page)
    }

    /// One row more than a page: its presence says there is a next page, without a COUNT(*).
    fn limit_probe(self) -> i64 {
        i64::from(self.per_page) + 1
    }
}

/// One page of a listing.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub page: u32,
    pub has_next: bool,
}

impl<T> Page<T> {
    fn from_probe(mut items: Vec<T>, paging: Paging) -> Self {
        let has_next = items.len() > paging.per_page as usize;
        items.truncate(paging.per_page as usize);
        Self {
            items,
            page: paging.page,
            has_next,
        }
    }

    pub fn has_previous(&self) -> bool {
        self.page > 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_knows_whether_another_follows_from_one_extra_row() {
        let paging = Paging::new(Some(2), 3);
        assert_eq!((paging.offset(), paging.limit_probe()), (3, 4));
        let full = Page::from_probe(vec![1, 2, 3, 4], paging);
        assert_eq!((full.items, full.has_next), (vec![1, 2, 3], true));
        let last = Page::from_probe(vec![1, 2], paging);
        assert!(!last.has_next && last.has_previous());
        assert_eq!(Paging::new(Some(0), 0), Paging::new(None, 1));
    }
}
