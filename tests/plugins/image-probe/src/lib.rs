//! A cleaner for tests of the `image` interface's bytes path: it reads an item's image, measures the bytes, checks
//! they give the same facts as `measure-file`, shrinks the image to fit 32x32 in each encoding and measures the
//! results. The verdict's reason lists what it saw, so the test can compare it with what it expects.

use aigc_sdk::dataset::Item;
use aigc_sdk::image::{self, Encoding};
use aigc_sdk::{Cleaner, Error, Result, Verdict};

aigc_sdk::manifest!({
    "kind": "cleaner",
    "description": "Test rule: measures an image by bytes and by file, resizes it, and reports what it saw"
});

struct ImageProbe;

impl Cleaner for ImageProbe {
    fn check(item: Item) -> Result<Verdict> {
        let file = item.files.first().ok_or_else(|| Error::msg("no file"))?;
        let bytes = item.read(&file.name)?;
        let by_bytes = match image::measure(&bytes) {
            Ok(facts) => facts,
            // The error's kind and text go into the reason, for the test to check.
            Err(e) => return Ok(Verdict { keep: false, reason: format!("error: {e:?}"), score: None }),
        };
        let by_file = image::measure_file(&item.id, &file.name)?;
        // The generated records have no PartialEq; their Debug text shows every field.
        if format!("{by_bytes:?}") != format!("{by_file:?}") {
            return Err(Error::msg(format!("measure and measure-file disagree: {by_bytes:?} vs {by_file:?}")));
        }
        let mut seen =
            vec![format!("{} {}x{} phash {:016x}", by_bytes.format, by_bytes.width, by_bytes.height, by_bytes.phash)];
        for encoding in [Encoding::Png, Encoding::Jpeg(85), Encoding::Webp] {
            let small = image::measure(&image::resize(&bytes, 32, 32, encoding)?)?;
            seen.push(format!(
                "{} {}x{} d{}",
                small.format,
                small.width,
                small.height,
                image::distance(small.phash, by_bytes.phash)
            ));
        }
        Ok(Verdict { keep: true, reason: seen.join("; "), score: Some(by_bytes.sharpness) })
    }
}

aigc_sdk::export_cleaner!(ImageProbe);
