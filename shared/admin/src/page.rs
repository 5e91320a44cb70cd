//! Pagination of every list: `?limit=` (1–500, default 100) and `?cursor=` (the key of the last
//! item of the previous page, as `next_cursor` gave it). Keys are stable and ordered, so a
//! page boundary does not move when items are added before it.

use crate::Problem;
use serde::{Deserialize, Serialize};

/// The query of a list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// Items per page.
    pub limit: Option<usize>,
    /// Continue after this key.
    pub cursor: Option<String>,
}

/// One page of a list.
#[derive(Debug, Serialize)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; absent on the last one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

const MAX: usize = 500;
const DEFAULT: usize = 100;

impl PageQuery {
    /// The page size asked for, checked against 1..=`max` (`default` when not given).
    pub fn size_within(&self, default: usize, max: usize) -> Result<usize, Problem> {
        let limit = self.limit.unwrap_or(default);
        if limit == 0 || limit > max {
            return Err(Problem::bad_request(
                Some("limit".into()),
                format!("limit is 1 to {max}"),
            ));
        }
        Ok(limit)
    }

    /// The page size asked for (1–500, default 100).
    pub fn size(&self) -> Result<usize, Problem> {
        self.size_within(DEFAULT, MAX)
    }

    /// The page from what the store gave after the cursor when asked for one item more than
    /// the page size: that extra item only says there is a next page.
    pub fn page_read<T>(&self, mut items: Vec<(String, T)>) -> Result<Page<T>, Problem> {
        let limit = self.size()?;
        let more = items.len() > limit;
        items.truncate(limit);
        let next_cursor = more.then(|| items.last().map(|(k, _)| k.clone())).flatten();
        Ok(Page {
            items: items.into_iter().map(|(_, v)| v).collect(),
            next_cursor,
        })
    }

    /// The page of `items` (the whole list, in its order, each with its key) this query
    /// asks for: for lists that are small by construction (a tenant's connections).
    pub fn page<T>(&self, items: Vec<(String, T)>) -> Result<Page<T>, Problem> {
        let limit = self.size()?;
        let start =
            match &self.cursor {
                None => 0,
                Some(c) => {
                    items.iter().position(|(k, _)| k == c).ok_or_else(|| {
                        Problem::bad_request(Some("cursor".into()), "unknown cursor")
                    })? + 1
                }
            };
        let rest = items.len().saturating_sub(start);
        let mut page: Vec<(String, T)> = items.into_iter().skip(start).take(limit).collect();
        let next_cursor = (rest > limit)
            .then(|| page.last().map(|(k, _)| k.clone()))
            .flatten();
        Ok(Page {
            items: page.drain(..).map(|(_, v)| v).collect(),
            next_cursor,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(n: usize) -> Vec<(String, usize)> {
        (0..n).map(|i| (format!("k{i:03}"), i)).collect()
    }

    #[test]
    fn pages_cover_every_item_once_and_the_last_has_no_cursor() {
        let mut seen = Vec::new();
        let mut cursor = None;
        loop {
            let q = PageQuery {
                limit: Some(7),
                cursor: cursor.clone(),
            };
            let page = q.page(keys(20)).unwrap();
            seen.extend(page.items);
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        assert_eq!(seen, (0..20).collect::<Vec<_>>());
        let exact = PageQuery {
            limit: Some(20),
            cursor: None,
        };
        assert!(exact.page(keys(20)).unwrap().next_cursor.is_none());
    }

    #[test]
    fn a_limit_out_of_range_or_an_unknown_cursor_is_a_bad_request_naming_it() {
        let q = PageQuery {
            limit: Some(0),
            cursor: None,
        };
        assert_eq!(q.page(keys(3)).unwrap_err().field.as_deref(), Some("limit"));
        let q = PageQuery {
            limit: None,
            cursor: Some("nope".into()),
        };
        assert_eq!(
            q.page(keys(3)).unwrap_err().field.as_deref(),
            Some("cursor")
        );
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]

            /// Following `next_cursor` from the first page gives back every item once, in
            /// list order, in pages of `limit`, whatever the keys look like.
            #[test]
            fn s28_17_cursors_resume_exactly_after_the_last_item_given(
                keys in prop::collection::btree_set("\\PC{1,12}", 0..60),
                limit in 1..=25usize,
            ) {
                let items: Vec<(String, usize)> =
                    keys.into_iter().enumerate().map(|(i, k)| (k, i)).collect();
                let n = items.len();
                let (mut seen, mut cursor, mut pages) = (Vec::new(), None, 0);
                loop {
                    let q = PageQuery { limit: Some(limit), cursor: cursor.take() };
                    let page = q.page(items.clone()).expect("page");
                    prop_assert!(page.items.len() <= limit);
                    pages += 1;
                    seen.extend(page.items);
                    match page.next_cursor {
                        Some(c) => cursor = Some(c),
                        None => break,
                    }
                    prop_assert!(pages <= n, "cursors do not advance");
                }
                prop_assert_eq!(seen, (0..n).collect::<Vec<_>>());
                prop_assert_eq!(pages, n.div_ceil(limit).max(1));
            }
        }
    }
}
