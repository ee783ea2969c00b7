//! One item with everything kept about it ([`ItemDetail`]): its fields,
//! the files kept besides its original, its custody history and, for a
//! link, its captures and what its URL says. What `show` prints and the
//! app's item view shows.

use serde::Serialize;

use crate::artifacts::{self, Artifact};
use crate::capture::{Capture, PostUrl, parse_post_url};
use crate::custody::{self, Entry, Scope};
use crate::error::Result;
use crate::model::Kind;
use crate::record::Item;
use crate::vault::Vault;

/// An item with everything kept about it, as `show` prints it.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize)]
pub struct ItemDetail {
    /// The item's fields.
    #[serde(flatten)]
    pub item: Item,
    /// Thumbnails and captures.
    pub artifacts: Vec<Artifact>,
    /// The item's custody history.
    pub custody: Vec<Entry>,
    /// For links: every capture, oldest first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub captures: Option<Vec<Capture>>,
    /// For links: what the URL itself says (platform, handle, post id, and
    /// the post time its id encodes, with the method).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub post: Option<PostUrl>,
}

impl Vault {
    /// An item with its artifacts and custody history.
    pub fn item_detail(&self, query: &str) -> Result<ItemDetail> {
        let item = self.item(query)?;
        let artifacts = artifacts::of_item(&self.db, &item.id)?;
        let custody = custody::entries(&self.db, Scope::Item(&item.id))?;
        let (captures, post) = if item.kind == Kind::Link {
            (
                Some(self.captures(&item.id)?),
                item.url.as_deref().and_then(parse_post_url),
            )
        } else {
            (None, None)
        };
        Ok(ItemDetail {
            item,
            artifacts,
            custody,
            captures,
            post,
        })
    }
}
