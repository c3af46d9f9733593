//! Listing every webhook page by page: the page size, the next request,
//! and when to stop. The boundary sends each [`Pager::request`] and reports
//! the page with [`Pager::received`].

use super::validate::ListParams;
use super::webhooks::Operation;
use crate::error::{Error, ErrorCode, Setting};
use serde_json::Value;

/// The page size when none is given.
pub const DEFAULT_PAGE_SIZE: i64 = 100;
/// The largest page `GET /webhooks` serves.
pub const MAX_PAGE_SIZE: i64 = 1000;

/// The paging state of one listing.
#[derive(Debug, Clone, PartialEq)]
pub struct Pager {
    params: ListParams,
    page_size: i64,
    done: bool,
}

impl Pager {
    /// Starts at `params.offset` (0 when unset) with `page_size` items a
    /// page: an integer from 1 to [`MAX_PAGE_SIZE`], or absent/null for
    /// [`DEFAULT_PAGE_SIZE`]. The error is `ERR_VALIDATION` and names
    /// [`Setting::PageSize`].
    pub fn new(params: ListParams, page_size: Option<&Value>) -> Result<Self, Error> {
        let page_size = match page_size {
            None | Some(Value::Null) => DEFAULT_PAGE_SIZE,
            Some(size) => size
                .as_i64()
                .filter(|n| (1..=MAX_PAGE_SIZE).contains(n))
                .ok_or_else(|| {
                    Error::new(
                        ErrorCode::Validation,
                        format!("the page size must be an integer from 1 to {MAX_PAGE_SIZE}"),
                    )
                    .with_setting(Setting::PageSize)
                })?,
        };
        let params = ListParams {
            limit: Some(page_size),
            offset: Some(params.offset.unwrap_or(0)),
            ..params
        };
        Ok(Pager {
            params,
            page_size,
            done: false,
        })
    }

    /// The request for the next page, or `None` when the listing is over.
    pub fn request(&self) -> Option<Operation> {
        (!self.done).then(|| Operation::List(self.params.clone()))
    }

    /// Records a page of `items` webhooks whose `meta.total_count` was
    /// `total` (if given). The listing ends on an empty or short page, or
    /// once the offset reaches the total.
    pub fn received(&mut self, items: usize, total: Option<f64>) {
        let items = i64::try_from(items).unwrap_or(i64::MAX);
        let offset = self.params.offset.unwrap_or(0).saturating_add(items);
        self.params.offset = Some(offset);
        self.done = items == 0
            || items < self.page_size
            || total.is_some_and(|total| offset as f64 >= total);
    }

    /// Ends the listing early.
    pub fn finish(&mut self) {
        self.done = true;
    }

    /// Whether the listing is over.
    pub fn is_done(&self) -> bool {
        self.done
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn query(pager: &Pager) -> Vec<(String, String)> {
        match pager.request() {
            Some(Operation::List(params)) => params.query(),
            other => panic!("expected a list request, got {other:?}"),
        }
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn pages_from_offset_zero_by_the_default_size() {
        let pager = Pager::new(ListParams::default(), None).unwrap();
        assert_eq!(query(&pager), pairs(&[("limit", "100"), ("offset", "0")]));
        let null = Pager::new(ListParams::default(), Some(&Value::Null)).unwrap();
        assert_eq!(null, pager);
    }

    #[test]
    fn keeps_sort_order_and_a_starting_offset_and_overrides_limit() {
        let params = ListParams {
            limit: Some(7),
            offset: Some(20),
            sort: Some("title".into()),
            order: Some("DESC".into()),
        };
        let pager = Pager::new(params, Some(&json!(50))).unwrap();
        assert_eq!(
            query(&pager),
            pairs(&[
                ("limit", "50"),
                ("offset", "20"),
                ("sort", "title"),
                ("order", "DESC")
            ])
        );
    }

    #[test]
    fn refuses_page_sizes_outside_1_to_1000_or_not_integers() {
        for size in [1, 1000] {
            assert!(Pager::new(ListParams::default(), Some(&json!(size))).is_ok());
        }
        for size in [
            json!(0),
            json!(1001),
            json!(-1),
            json!(2.5),
            json!("10"),
            json!(true),
        ] {
            let err = Pager::new(ListParams::default(), Some(&size)).unwrap_err();
            assert_eq!(err.code(), ErrorCode::Validation, "{size}");
            assert_eq!(err.setting(), Some(Setting::PageSize));
            assert!(!err.message().contains("pageSize"), "{}", err.message());
        }
    }

    #[test]
    fn advances_by_the_items_received_and_stops_on_a_short_page() {
        let mut pager = Pager::new(ListParams::default(), Some(&json!(2))).unwrap();
        pager.received(2, None);
        assert!(!pager.is_done());
        assert_eq!(query(&pager), pairs(&[("limit", "2"), ("offset", "2")]));
        pager.received(1, None);
        assert!(pager.is_done());
        assert_eq!(pager.request(), None);
    }

    #[test]
    fn stops_on_an_empty_page() {
        let mut pager = Pager::new(ListParams::default(), Some(&json!(2))).unwrap();
        pager.received(0, Some(10.0));
        assert!(pager.is_done());
    }

    #[test]
    fn stops_when_the_offset_reaches_the_total() {
        let mut pager = Pager::new(ListParams::default(), Some(&json!(2))).unwrap();
        pager.received(2, Some(4.0));
        assert!(!pager.is_done(), "2 of 4");
        pager.received(2, Some(4.0));
        assert!(pager.is_done(), "4 of 4, though the page was full");
    }

    #[test]
    fn finishing_early_ends_the_listing() {
        let mut pager = Pager::new(ListParams::default(), None).unwrap();
        pager.finish();
        assert!(pager.is_done());
        assert_eq!(pager.request(), None);
    }
}
