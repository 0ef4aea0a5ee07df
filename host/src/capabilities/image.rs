//! `aigc:plugin/image`: decoding and measuring raster images in the host, off the async workers. An item's file
//! is read and measured here, so its bytes never cross into the plugin; within a clean run each distinct blob is
//! measured once (see [`RunImages`](crate::image::groups::RunImages)).
//!
//! Every call is metered host work ([`HostState::host_work`]): decoding, measuring, resizing and encoding are
//! priced from the image's header (dimensions, colour type, bit depth) and charged before they run, so an image
//! that would need gigabytes is a `limit` error before a pixel is decoded. Facts already measured in this run
//! cost nothing.

use std::sync::Arc;

use crate::bindings::image::{Encoding, Facts, Host, SimilarImage};
use crate::bindings::types::Error;
use crate::image::groups::{self, RunImages};
use crate::image::{self, ImageError};
use crate::runtime::HostState;
use crate::store::Dataset;

impl From<ImageError> for Error {
    fn from(error: ImageError) -> Self {
        match error {
            ImageError::TooLarge(m) | ImageError::Stopped(m) => Error::Limit(m),
            ImageError::Undecodable(m) => Error::Invalid(m),
        }
    }
}

impl From<&image::Facts> for Facts {
    fn from(f: &image::Facts) -> Self {
        Facts {
            format: f.format.to_owned(),
            width: f.width,
            height: f.height,
            has_alpha: f.has_alpha,
            sha256: f.sha256.clone(),
            brightness: f.brightness,
            brightness_p5: f.brightness_p5,
            brightness_p99: f.brightness_p99,
            contrast: f.contrast,
            entropy: f.entropy,
            sharpness: f.sharpness,
            grey_spread: f.grey_spread,
            phash: f.phash,
        }
    }
}

impl From<groups::Member> for SimilarImage {
    fn from(m: groups::Member) -> Self {
        SimilarImage {
            item_id: m.item_id,
            file: m.file,
            distance: m.distance,
            exact: m.exact,
            width: m.width,
            height: m.height,
            size: m.size,
        }
    }
}

impl HostState {
    fn image_dataset(&self) -> Result<Arc<Dataset>, Error> {
        self.ctx
            .dataset
            .clone()
            .ok_or_else(|| Error::Denied("this run lends no dataset; measure bytes with `measure`".into()))
    }

    async fn file_facts_inner(&mut self, item_id: String, file: String) -> wasmtime::Result<Result<Facts, Error>> {
        let dataset = match self.image_dataset() {
            Ok(d) => d,
            Err(e) => return Ok(Err(e)),
        };
        let shared = self.ctx.images.clone().unwrap_or_default();
        // Errors are named after the file below; the work's own name says what it was doing.
        let what = "decoding and measuring it".to_string();
        self.host_work(what, move |work| {
            let item = dataset
                .get(&item_id)
                .map_err(super::store_error)?
                .ok_or_else(|| Error::NotFound(format!("no item `{item_id}`")))?;
            let info = item
                .files
                .iter()
                .find(|f| f.name == file)
                .ok_or_else(|| Error::NotFound(format!("item `{item_id}` has no file `{file}`")))?;
            let read = || groups::read_capped(&dataset, &item_id, &file, info.size);
            let facts = shared
                .facts_of(&info.sha256, read, work)
                .map_err(|e| Error::from(e).named(&format!("file `{file}` of item `{item_id}`")))?;
            Ok(Facts::from(facts.as_ref()))
        })
        .await
    }

    async fn similar_inner(
        &mut self,
        item_id: String,
        file: String,
        max_distance: u32,
    ) -> Result<Vec<SimilarImage>, Error> {
        if max_distance > groups::MAX_DISTANCE {
            return Err(Error::Invalid(format!(
                "max-distance {max_distance} is over {}: at that many differing bits unrelated images match",
                groups::MAX_DISTANCE
            )));
        }
        let dataset = self.image_dataset()?;
        // Outside a clean or annotate run there is nothing to share, and the groups are built for this call alone.
        let shared: Arc<RunImages> = self.ctx.images.clone().unwrap_or_default();
        let groups = self.timed(shared.groups(&dataset, max_distance)).await.map_err(Error::Other)?;
        let group = groups.group(&item_id, &file).ok_or_else(|| {
            Error::NotFound(format!(
                "file `{file}` of item `{item_id}` is not a PNG, JPEG, WebP, GIF or SVG file of this dataset \
                 (the duplicate index holds files by their media type)"
            ))
        })?;
        Ok(group.into_iter().map(SimilarImage::from).collect())
    }
}

impl Error {
    /// The same error with the thing it is about named first.
    fn named(self, what: &str) -> Self {
        match self {
            Error::Limit(m) => Error::Limit(format!("{what}: {m}")),
            Error::Invalid(m) => Error::Invalid(format!("{what}: {m}")),
            Error::NotFound(m) => Error::NotFound(format!("{what}: {m}")),
            Error::Denied(m) => Error::Denied(format!("{what}: {m}")),
            Error::Other(m) => Error::Other(format!("{what}: {m}")),
        }
    }
}

impl Host for HostState {
    async fn measure_file(&mut self, item_id: String, file: String) -> wasmtime::Result<Result<Facts, Error>> {
        self.file_facts_inner(item_id, file).await
    }

    async fn measure(&mut self, image: Vec<u8>) -> wasmtime::Result<Result<Facts, Error>> {
        let what = format!("an image of {} bytes", image.len());
        self.host_work(what, move |work| {
            image::facts_metered(&image, work).map(|f| Facts::from(&f)).map_err(Error::from)
        })
        .await
    }

    async fn resize(
        &mut self,
        image: Vec<u8>,
        max_width: u32,
        max_height: u32,
        encoding: Encoding,
    ) -> wasmtime::Result<Result<Vec<u8>, Error>> {
        let encoding = match encoding {
            Encoding::Png => image::Encoding::Png,
            Encoding::Jpeg(quality) => image::Encoding::Jpeg(quality),
            Encoding::Webp => image::Encoding::WebP,
        };
        let what = format!("resizing an image of {} bytes to fit {max_width}x{max_height}", image.len());
        self.host_work(what, move |work| {
            image::resize_metered(&image, max_width, max_height, encoding, work).map_err(Error::from)
        })
        .await
    }

    async fn similar(
        &mut self,
        item_id: String,
        file: String,
        max_distance: u32,
    ) -> wasmtime::Result<Result<Vec<SimilarImage>, Error>> {
        Ok(self.similar_inner(item_id, file, max_distance).await)
    }
}
