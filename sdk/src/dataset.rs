//! Reading the dataset the plugin runs over.

use crate::Result;
use crate::bindings::aigc::plugin::dataset as raw;

pub use crate::bindings::aigc::plugin::types::Error as DatasetError;
pub use raw::{FileInfo, Item, Provenance};

/// The item with this id.
pub fn get(id: &str) -> Result<Item> {
    Ok(raw::get(id)?)
}

/// The bytes of the file `name` of item `id`.
pub fn read_file(id: &str, name: &str) -> Result<Vec<u8>> {
    Ok(raw::read_file(id, name)?)
}

/// The id of the item stored under `source_key`, if any: lets a crawler skip work it already did.
pub fn seen(source_key: &str) -> Option<String> {
    raw::seen(source_key)
}

/// Every item, optionally of one category, fetched a page at a time.
pub fn items(category: Option<&str>) -> Items {
    Items { category: category.map(String::from), after: None, page: Vec::new(), done: false }
}

/// Iterator over items in id order; see [`items`].
pub struct Items {
    category: Option<String>,
    after: Option<String>,
    page: Vec<Item>,
    done: bool,
}

impl Iterator for Items {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        if self.page.is_empty() && !self.done {
            let mut page = raw::items(self.category.as_deref(), self.after.as_deref(), 256);
            self.done = page.is_empty();
            self.after = page.last().map(|item| item.id.clone());
            page.reverse();
            self.page = page;
        }
        self.page.pop()
    }
}

impl Item {
    /// The file named `name`, if the item has one.
    pub fn file(&self, name: &str) -> Option<&FileInfo> {
        self.files.iter().find(|f| f.name == name)
    }

    /// The bytes of the file named `name`.
    pub fn read(&self, name: &str) -> Result<Vec<u8>> {
        read_file(&self.id, name)
    }
}
