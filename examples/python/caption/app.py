"""Captions each item's image with a captioning model and stores the caption as the annotation `caption`: the
same as plugins/caption, in Python."""

from aigc_sdk import Annotator, annotate, config, dataset, image, model


class Caption(Annotator):
    """One caption per item, from the model the operator maps to `captioner`."""

    def annotate(self, item) -> None:
        wanted = config.get_or("file", "")
        file = next(
            (f for f in item.files if (f.name == wanted if wanted else image.is_raster(f.media_type))),
            None,
        )
        if file is None:
            raise LookupError(f"item {item.id} has no raster image to caption")
        data = dataset.read_file(item.id, file.name)
        captions = model.caption("captioner", [data])
        caption = captions[-1] if captions else ""
        prefix = config.get_or("prefix", "")
        text = f"{prefix} {caption}" if prefix else caption
        annotate.put(item.id, "caption", text.strip())
