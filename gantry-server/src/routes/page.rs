//! Keyset pages over HTTP: a string cursor in (`?cursor=`), a page with the next cursor out.

use gantry::store::{Cursor, Page, PageRequest};
use serde::Serialize;
use utoipa::ToSchema;

/// One page of a list; the route says its order.
#[derive(Serialize, ToSchema)]
pub(crate) struct PageView<T> {
    /// The items of this page.
    pub(crate) items: Vec<T>,
    /// Pass as `cursor` for the next page; absent at the end.
    pub(crate) next: Option<String>,
}

impl<T> From<Page<T>> for PageView<T> {
    fn from(page: Page<T>) -> Self {
        Self {
            items: page.items,
            next: page.next.map(|cursor| cursor.0),
        }
    }
}

/// The page a query asks for: `limit` items (default 50) after `cursor`, or the first.
pub(crate) fn page_request(limit: Option<u32>, cursor: Option<String>) -> PageRequest {
    let limit = limit.unwrap_or(50);
    match cursor {
        Some(cursor) => PageRequest::after(limit, Cursor(cursor)),
        None => PageRequest::first(limit),
    }
}
