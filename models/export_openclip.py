#!/usr/bin/env python3
"""Export real models to the aigc-host model format (models/README.md), and check model folders.

Export (needs internet the first time, for the weights; run on a machine that has it):

    python models/export_openclip.py --out DIR                 # both models
    python models/export_openclip.py --out DIR --only clip     # OpenCLIP ViT-B/32 (laion2b_s34b_b79k)
    python models/export_openclip.py --out DIR --only blip     # BLIP base captioner

    writes DIR/openclip-vit-b-32-laion2b/ and DIR/blip-image-captioning-base/, each with model.json,
    model.pt (TorchScript) and tokenizer.json; then `aigc-host models add DIR/<name>`.

    Python packages: torch, open_clip_torch (clip), transformers + tokenizers (both), pillow (pulled in by
    them). Install them into any venv whose torch has the same major.minor as the host's libtorch (2.13):
    a TorchScript file saved by a newer torch may not load in an older libtorch. Pin torchvision with it
    (torch 2.13 <-> torchvision 0.28): open_clip needs torchvision, and an unpinned one upgrades torch.

Check (offline; what the host's registry expects):

    python models/export_openclip.py --check DIR [DIR ...] [--device cuda]

    DIR is a model folder, or a folder of model folders. Loads model.json, verifies sha256s, loads model.pt
    with torch.jit.load, runs the task's methods on dummy input and checks dtypes and shapes. Exit status 1
    on any failure.

Offline self-test of the exporter (no download; the output is a useless model with random weights):

    python models/export_openclip.py --out /tmp/x --random-weights
"""

import argparse
import json
import os
import sys

import torch
import torch.nn as nn

from export_common import sha256

OPENAI_MEAN = [0.48145466, 0.4578275, 0.40821073]
OPENAI_STD = [0.26862954, 0.26130258, 0.27577711]

CHECK_PROMPTS = [
    "a photo of a cat",
    "A Photo of a DOG, on the grass!",
    "a logo of a company's   red-and-blue bird (vector, flat)",
    "an oil painting in the style of van gogh, 1889",
    " ".join(["a very long prompt"] * 40),  # longer than 77 tokens: exercises truncation
]


# --------------------------------------------------------------------------------------------------------------
# Common helpers


def write_json(path, obj):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        json.dump(obj, f, indent=1, ensure_ascii=False)
        f.write("\n")


def fit_context(ids, context_length, pad_id):
    """The host's rule (README): truncate keeping the last id (the end token) in the last slot, pad with pad_id."""
    if len(ids) > context_length:
        ids = ids[: context_length - 1] + [ids[-1]]
    return ids + [pad_id] * (context_length - len(ids))


def finish_folder(folder, scripted, tokenizer, meta):
    """Save model.pt and tokenizer.json, then model.json with their sha256s; reload and return the module."""
    os.makedirs(folder, exist_ok=True)
    pt = os.path.join(folder, "model.pt")
    torch.jit.save(scripted, pt)
    tok = os.path.join(folder, "tokenizer.json")
    tokenizer.save(tok)
    meta = dict(meta, format=1, tokenizer="tokenizer.json", weights="model.pt",
                sha256={"model.pt": sha256(pt), "tokenizer.json": sha256(tok)})
    write_json(os.path.join(folder, "model.json"), meta)
    print("wrote %s (model.pt %.1f MB)" % (folder, os.path.getsize(pt) / 1e6))
    return torch.jit.load(pt)


def max_abs(a, b):
    return float((a.float() - b.float()).abs().max())


# --------------------------------------------------------------------------------------------------------------
# OpenCLIP ViT-B/32


class ClipExport(nn.Module):
    """encode_image / encode_text, un-normalised (the host L2-normalises)."""

    def __init__(self, clip):
        super().__init__()
        self.clip = clip

    @torch.jit.export
    def encode_image(self, images: torch.Tensor) -> torch.Tensor:
        return self.clip.encode_image(images)

    @torch.jit.export
    def encode_text(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.clip.encode_text(tokens)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.encode_image(images)


def clip_tokenizer(source):
    """CLIP's byte-level BPE as a `tokenizers.Tokenizer`, without padding or truncation (the host does both).

    source "hf": the tokenizer of openai/clip-vit-base-patch32 from the Hugging Face hub (the same BPE that
    OpenCLIP's ViT-B-32 uses). source "bundled": built from the BPE file that ships inside open_clip, with the
    same normalizer / pre-tokenizer / post-processor as transformers' CLIP tokenizer (no download).
    """
    if source == "hf":
        from transformers import AutoTokenizer

        tok = AutoTokenizer.from_pretrained("openai/clip-vit-base-patch32").backend_tokenizer
    else:
        from open_clip.tokenizer import SimpleTokenizer
        from tokenizers import Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
        from tokenizers.models import BPE

        st = SimpleTokenizer()
        rename = {"<start_of_text>": "<|startoftext|>", "<end_of_text>": "<|endoftext|>"}
        vocab = {rename.get(t, t): i for t, i in st.encoder.items()}
        merges = [pair for pair, _ in sorted(st.bpe_ranks.items(), key=lambda kv: kv[1])]
        tok = Tokenizer(BPE(vocab=vocab, merges=merges, continuing_subword_prefix="", end_of_word_suffix="</w>",
                            fuse_unk=False, unk_token="<|endoftext|>"))
        tok.normalizer = normalizers.Sequence(
            [normalizers.NFC(), normalizers.Replace(Regex(r"\s+"), " "), normalizers.Lowercase()])
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(
                Regex(r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|"""
                      r"""[^\s\p{L}\p{N}]+"""),
                behavior="removed", invert=True),
            pre_tokenizers.ByteLevel(add_prefix_space=False),
        ])
        tok.decoder = decoders.ByteLevel()
        tok.add_special_tokens(["<|startoftext|>", "<|endoftext|>"])
        tok.post_processor = processors.RobertaProcessing(
            ("<|endoftext|>", vocab["<|endoftext|>"]), ("<|startoftext|>", vocab["<|startoftext|>"]),
            trim_offsets=False, add_prefix_space=False)
    tok.no_padding()
    tok.no_truncation()
    return tok


def export_clip(out, model_name, pretrained, random_weights, tokenizer_source):
    import open_clip

    torch.manual_seed(0)
    model, _, _ = open_clip.create_model_and_transforms(model_name, pretrained=None if random_weights else pretrained)
    model = model.eval().float()
    pool = getattr(model, "text_pool_type", "argmax")
    if pool not in ("argmax", "eos"):
        # "last" pooling reads the last position, which is padding here: the host's 0-padding would break it.
        sys.exit("text tower pools with %r; only argmax/eos pooling works with the host's padding" % pool)
    image_size = model.visual.image_size
    image_size = image_size[0] if isinstance(image_size, (tuple, list)) else int(image_size)
    context_length = int(model.context_length)
    mean = [float(v) for v in (getattr(model.visual, "image_mean", None) or OPENAI_MEAN)]
    std = [float(v) for v in (getattr(model.visual, "image_std", None) or OPENAI_STD)]

    wrapper = ClipExport(model).eval()
    try:
        scripted = torch.jit.script(wrapper)
    except Exception as e:  # older/newer open_clip layers that do not script: trace both methods instead
        print("torch.jit.script failed (%s); tracing encode_image and encode_text" % str(e).splitlines()[0])
        scripted = torch.jit.trace_module(wrapper, {
            "encode_image": (torch.randn(2, 3, image_size, image_size),),
            "encode_text": (torch.randint(1, 1000, (2, context_length)),),
        })

    try:
        tok = clip_tokenizer(tokenizer_source)
    except Exception as e:
        if tokenizer_source != "hf":
            raise
        print("could not load the HF tokenizer (%s); building it from open_clip's bundled BPE" % e)
        tok = clip_tokenizer("bundled")

    # The tokenizer plus the host's fit rule must reproduce OpenCLIP's own tokenizer exactly.
    pad_id = 0
    oc_tok = open_clip.get_tokenizer(model_name)
    ours = torch.tensor([fit_context(tok.encode(p).ids, context_length, pad_id) for p in CHECK_PROMPTS])
    theirs = oc_tok(CHECK_PROMPTS)
    if not torch.equal(ours, theirs):
        bad = [p for p, a, b in zip(CHECK_PROMPTS, ours, theirs) if not torch.equal(a, b)]
        sys.exit("tokenizer.json + host padding differ from open_clip's tokenizer on: %r" % bad)

    name = "openclip-%s-%s" % (model_name.lower(), pretrained.split("_")[0]) if not random_weights \
        else "openclip-%s-random" % model_name.lower()
    meta = {
        "name": name, "task": "clip", "image_size": image_size, "mean": mean, "std": std,
        "embed_dim": int(model.text_projection.shape[1]) if isinstance(model.text_projection, torch.Tensor)
        else int(model.text_projection.out_features),
        "logit_scale": 100.0, "context_length": context_length, "pad_id": pad_id,
        "source": ("open_clip %s: create_model_and_transforms(%r, pretrained=%r), exported by "
                   "models/export_openclip.py; tokenizer: %s") % (
            open_clip.__version__, model_name, None if random_weights else pretrained,
            "openai/clip-vit-base-patch32" if tokenizer_source == "hf" else "open_clip's bundled BPE"),
        "licence": "RANDOM WEIGHTS, for testing only" if random_weights else
        "weights: MIT (OpenCLIP, LAION-2B ViT-B-32 release); tokenizer: MIT (OpenAI CLIP)",
    }
    loaded = finish_folder(os.path.join(out, name), scripted, tok, meta)

    # The exported module must match eager OpenCLIP, and padding must not matter.
    with torch.no_grad():
        images = torch.randn(3, 3, image_size, image_size)
        d_img = max_abs(loaded.encode_image(images), model.encode_image(images))
        d_txt = max_abs(loaded.encode_text(ours), model.encode_text(theirs))
        print("clip parity vs eager open_clip: image %.2e, text %.2e" % (d_img, d_txt))
        assert d_img < 1e-4 and d_txt < 1e-4
        one = loaded.encode_text(ours[:1])
        assert max_abs(one[0], loaded.encode_text(ours)[0]) < 1e-4, "batch size changes the text embedding"


# --------------------------------------------------------------------------------------------------------------
# BLIP base captioner


class BlipVision(nn.Module):
    def __init__(self, vision):
        super().__init__()
        self.vision = vision

    def forward(self, images):
        return self.vision(pixel_values=images, return_dict=True).last_hidden_state


class BlipStep(nn.Module):
    """Decoder logits for the whole (fixed-length) sequence. The decoder is causal, so the logits at position t
    depend only on ids[:, :t+1]: the padding after t never changes them, and one trace with a fixed length
    serves every step."""

    def __init__(self, decoder):
        super().__init__()
        self.decoder = decoder

    def forward(self, ids, image_embeds):
        enc_mask = torch.ones(image_embeds.shape[:2], dtype=torch.long, device=image_embeds.device)
        out = self.decoder(input_ids=ids, attention_mask=torch.ones_like(ids), encoder_hidden_states=image_embeds,
                           encoder_attention_mask=enc_mask, use_cache=False, return_dict=True)
        return out.logits


class BlipCaptioner(nn.Module):
    """caption(images) -> [B, max_tokens] int64: greedy ids after the start token, the end token kept, then pad.

    No KV cache: every step reruns the decoder over max_tokens+1 positions (about 2x the work of cached
    decoding at 30 tokens), which keeps the traced graph a single fixed shape."""

    def __init__(self, vision, step, bos_id: int, eos_id: int, pad_id: int, max_tokens: int):
        super().__init__()
        self.vision = vision
        self.step = step
        self.bos_id = bos_id
        self.eos_id = eos_id
        self.pad_id = pad_id
        self.max_tokens = max_tokens

    @torch.jit.export
    def caption(self, images: torch.Tensor) -> torch.Tensor:
        embeds = self.vision(images)
        b = images.size(0)
        ids = torch.full([b, self.max_tokens + 1], self.pad_id, dtype=torch.long, device=images.device)
        ids[:, 0] = self.bos_id
        done = torch.zeros([b], dtype=torch.bool, device=images.device)
        for t in range(self.max_tokens):
            logits = self.step(ids, embeds)
            nxt = logits[:, t, :].argmax(dim=-1)
            nxt = torch.where(done, torch.full_like(nxt, self.pad_id), nxt)
            ids[:, t + 1] = nxt
            done = done | (nxt == self.eos_id)
            if bool(done.all()):
                break
        return ids[:, 1:]

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.caption(images)


def random_blip():
    """A small randomly initialised BLIP plus a matching word-level tokenizer: for the offline self-test."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import BlipConfig, BlipForConditionalGeneration

    vocab = ["[PAD]", "[UNK]", "[SEP]", "[DEC]"] + ["w%d" % i for i in range(96)]
    cfg = BlipConfig(
        text_config=dict(vocab_size=len(vocab), hidden_size=64, encoder_hidden_size=64, num_hidden_layers=2,
                         num_attention_heads=2, intermediate_size=128, max_position_embeddings=64,
                         pad_token_id=0, sep_token_id=2, bos_token_id=3, eos_token_id=2),
        vision_config=dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=2, intermediate_size=128,
                           image_size=64, patch_size=16),
    )
    torch.manual_seed(0)
    model = BlipForConditionalGeneration(cfg)
    with torch.no_grad():  # make the end token win after ~20 steps, so the parity check covers [SEP] + padding
        model.text_decoder.cls.predictions.bias[cfg.text_config.sep_token_id] += 0.25
    tok = Tokenizer(models.WordLevel({w: i for i, w in enumerate(vocab)}, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.add_special_tokens(["[PAD]", "[UNK]", "[SEP]", "[DEC]"])
    return model, tok, 64, OPENAI_MEAN, OPENAI_STD


def export_blip(out, hf_name, max_tokens, random_weights):
    if random_weights:
        model, tok, image_size, mean, std = random_blip()
        name = "blip-random"
    else:
        from transformers import BlipForConditionalGeneration, BlipProcessor

        proc = BlipProcessor.from_pretrained(hf_name)
        model = BlipForConditionalGeneration.from_pretrained(hf_name)
        tok = proc.tokenizer.backend_tokenizer
        tok.no_padding()
        tok.no_truncation()
        ip = proc.image_processor
        size = ip.size
        image_size = int(size["height"] if isinstance(size, dict) else size)
        if isinstance(size, dict) and size.get("width", image_size) != image_size:
            sys.exit("non-square BLIP input %r: the host resizes to image_size x image_size" % size)
        mean, std = [float(v) for v in ip.image_mean], [float(v) for v in ip.image_std]
        name = hf_name.split("/")[-1]
    model = model.eval().float()
    tc = model.config.text_config
    bos_id, eos_id, pad_id = int(tc.bos_token_id), int(tc.sep_token_id), int(tc.pad_token_id)

    with torch.no_grad():
        # Trace with batch 2 and check other batch sizes below: a trace can bake a batch size in.
        ex_images = torch.randn(2, 3, image_size, image_size)
        vision = torch.jit.trace(BlipVision(model.vision_model).eval(), (ex_images,), check_trace=False)
        embeds = vision(ex_images)
        ex_ids = torch.full((2, max_tokens + 1), pad_id, dtype=torch.long)
        ex_ids[:, 0] = bos_id
        ex_ids[:, 1:4] = torch.randint(5, 50, (2, 3))
        step = torch.jit.trace(BlipStep(model.text_decoder).eval(), (ex_ids, embeds), check_trace=False)
        scripted = torch.jit.script(BlipCaptioner(vision, step, bos_id, eos_id, pad_id, max_tokens).eval())

    meta = {
        "name": name, "task": "captioner", "image_size": image_size, "mean": mean, "std": std,
        "context_length": max_tokens, "pad_id": pad_id, "max_tokens": max_tokens, "bos_id": bos_id,
        "eos_id": eos_id,
        "source": ("transformers BlipForConditionalGeneration %r, vision tower and decoder traced, greedy loop "
                   "scripted, by models/export_openclip.py") % (None if random_weights else hf_name),
        "licence": "RANDOM WEIGHTS, for testing only" if random_weights else "BSD-3-Clause (Salesforce BLIP)",
    }
    loaded = finish_folder(os.path.join(out, name), scripted, tok, meta)

    # Parity with transformers' own greedy generate, for batch sizes 1 and 3.
    with torch.no_grad():
        for b in (1, 3):
            images = torch.randn(b, 3, image_size, image_size)
            ours = loaded.caption(images)
            ref = model.generate(pixel_values=images, do_sample=False, num_beams=1, max_new_tokens=max_tokens,
                                 min_new_tokens=0, repetition_penalty=1.0)[:, 1:]
            ref = torch.nn.functional.pad(ref, (0, max_tokens - ref.shape[1]), value=pad_id)
            if not torch.equal(ours, ref):
                sys.exit("BLIP export differs from transformers generate:\n%s\n%s" % (ours, ref))
        print("blip parity vs transformers generate: identical ids (batch 1 and 3)")


# --------------------------------------------------------------------------------------------------------------
# --check


REQUIRED = {
    "common": {"name": str, "task": str, "format": int, "image_size": int, "mean": list, "std": list,
               "pad_id": int, "tokenizer": str, "weights": str, "sha256": dict, "source": str, "licence": str},
    "clip": {"embed_dim": int, "logit_scale": (int, float), "context_length": int},
    "captioner": {"max_tokens": int},
}


def tokenizer_vocab_size(path):
    with open(path, encoding="utf-8") as f:
        tj = json.load(f)
    vocab = tj.get("model", {}).get("vocab", {})
    ids = list(vocab.values()) if isinstance(vocab, dict) else list(range(len(vocab)))
    ids += [t["id"] for t in tj.get("added_tokens", [])]
    return max(ids) + 1 if ids else 0


def check_folder(folder, device):
    errors = []

    def need(cond, msg):
        if not cond:
            errors.append(msg)
        return cond

    mj = os.path.join(folder, "model.json")
    try:
        with open(mj, encoding="utf-8") as f:
            meta = json.load(f)
    except Exception as e:
        return ["model.json: %s" % e]
    task = meta.get("task")
    if not need(task in ("clip", "captioner"), "task must be clip or captioner, not %r" % task):
        return errors
    for group in ("common", task):
        for key, kind in REQUIRED[group].items():
            kinds = kind if isinstance(kind, tuple) else (kind,)
            need(isinstance(meta.get(key), kinds) and not isinstance(meta.get(key), bool),
                 "model.json: %r missing or not %s" % (key, " or ".join(k.__name__ for k in kinds)))
    if errors:
        return errors
    need(meta["format"] == 1, "format must be 1")
    need(len(meta["mean"]) == 3 and len(meta["std"]) == 3 and all(s > 0 for s in meta["std"]),
         "mean/std must be 3 numbers, std > 0")
    need(meta["image_size"] > 0, "image_size must be positive")
    for key in (meta["weights"], meta["tokenizer"]):
        path = os.path.join(folder, key)
        if need(os.path.basename(key) == key and os.path.isfile(path), "%s: not a file in the folder" % key):
            want = meta["sha256"].get(key)
            need(want == sha256(path), "%s: sha256 %s does not match model.json (%s)" % (key, sha256(path), want))
    if errors:
        return errors

    vocab = tokenizer_vocab_size(os.path.join(folder, meta["tokenizer"]))
    need(vocab > meta["pad_id"] >= 0, "pad_id %d outside the tokenizer's vocabulary (%d)" % (meta["pad_id"], vocab))
    try:
        from tokenizers import Tokenizer  # optional: the host uses the Rust crate of the same library

        tk = Tokenizer.from_file(os.path.join(folder, meta["tokenizer"]))
        prompt_ids = tk.encode("a photo of a cat").ids
    except ImportError:
        tk, prompt_ids = None, None
    except Exception as e:
        return errors + ["tokenizer.json does not load: %s" % e]

    m = torch.jit.load(os.path.join(folder, meta["weights"]), map_location=device)
    m.eval()
    s = meta["image_size"]
    torch.manual_seed(0)
    images = torch.randn(2, 3, s, s, device=device)
    with torch.no_grad():
        if task == "clip":
            d, L, pad = meta["embed_dim"], meta["context_length"], meta["pad_id"]
            emb = m.encode_image(images)
            need(emb.dtype == torch.float32 and tuple(emb.shape) == (2, d),
                 "encode_image -> %s %s, want float32 (2, %d)" % (emb.dtype, tuple(emb.shape), d))
            one = m.encode_image(images[1:])
            need(max_abs(one[0], emb[1]) < 1e-3, "encode_image depends on the batch (%.2e)" % max_abs(one[0], emb[1]))
            if prompt_ids is None:  # no tokenizers package: any in-vocabulary ids, highest last (argmax pooling)
                prompt_ids = [1, 2, 3, vocab - 1]
            rows = [fit_context(prompt_ids, L, pad), fit_context(prompt_ids[:2] + prompt_ids[-1:], L, pad)]
            tokens = torch.tensor(rows, dtype=torch.long, device=device)
            t = m.encode_text(tokens)
            need(t.dtype == torch.float32 and tuple(t.shape) == (2, d),
                 "encode_text -> %s %s, want float32 (2, %d)" % (t.dtype, tuple(t.shape), d))
            for name, x in (("encode_image", emb), ("encode_text", t)):
                need(bool(torch.isfinite(x).all()), name + " gives non-finite values")
                norms = x.norm(dim=-1)
                if bool(((norms - 1).abs() < 1e-4).all()):
                    print("  warning: %s output looks L2-normalised; the host normalises itself" % name)
            if not errors:
                print("  clip ok: embed_dim %d, |image| %.3f, |text| %.3f, cos(image0, text0) %.4f" % (
                    d, float(emb[0].norm()), float(t[0].norm()),
                    float(torch.nn.functional.cosine_similarity(emb[:1], t[:1]))))
        else:
            n = meta["max_tokens"]
            ids = m.caption(images)
            if need(ids.dtype == torch.int64 and tuple(ids.shape) == (2, n),
                    "caption -> %s %s, want int64 (2, %d)" % (ids.dtype, tuple(ids.shape), n)):
                need(bool(((ids >= 0) & (ids < vocab)).all()), "caption ids outside the vocabulary")
                eos = meta.get("eos_id")
                for row in ids.tolist():
                    if eos is not None and eos in row:
                        need(all(v == meta["pad_id"] for v in row[row.index(eos) + 1:]),
                             "caption: something other than pad_id after the end token: %r" % row)
                one = m.caption(images[1:])
                need(torch.equal(one[0], ids[1]), "caption depends on the batch")
                text = [tk.decode(r, skip_special_tokens=True) if tk else r for r in ids.tolist()]
                if not errors:
                    print("  captioner ok: max_tokens %d, e.g. %r" % (n, text[0]))
    return errors


def check(paths, device):
    folders = []
    for p in paths:
        if os.path.isfile(os.path.join(p, "model.json")):
            folders.append(p)
        else:
            folders += sorted(os.path.join(p, d) for d in os.listdir(p)
                              if os.path.isfile(os.path.join(p, d, "model.json")))
    if not folders:
        print("no model folders (with model.json) under %s" % ", ".join(paths))
        return 1
    failed = 0
    for folder in folders:
        print("checking %s" % folder)
        try:
            errs = check_folder(folder, device)
        except Exception as e:  # a model that throws is a failed check, not a crash of the checker
            errs = ["%s: %s" % (type(e).__name__, str(e).strip().splitlines()[-1] if str(e).strip() else "")]
        for e in errs:
            print("  FAIL " + e)
        failed += bool(errs)
    print("%d passed, %d failed" % (len(folders) - failed, failed))
    return 1 if failed else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", help="export into this folder")
    ap.add_argument("--check", nargs="+", metavar="DIR", help="validate model folders and exit")
    ap.add_argument("--device", default="cpu", help="device for --check (cpu, cuda)")
    ap.add_argument("--only", choices=["clip", "blip"], help="export only one model")
    ap.add_argument("--clip-model", default="ViT-B-32")
    ap.add_argument("--clip-pretrained", default="laion2b_s34b_b79k")
    ap.add_argument("--clip-tokenizer", choices=["hf", "bundled"], default="hf",
                    help="hf: openai/clip-vit-base-patch32 from the hub (falls back to bundled when offline); "
                         "bundled: built from open_clip's own BPE file")
    ap.add_argument("--blip", default="Salesforce/blip-image-captioning-base")
    ap.add_argument("--max-tokens", type=int, default=30, help="captioner: greedy steps (caption length cap)")
    ap.add_argument("--random-weights", action="store_true",
                    help="offline self-test: random weights, no download (useless models)")
    args = ap.parse_args()
    if args.check:
        return check(args.check, args.device)
    if not args.out:
        ap.error("give --out DIR or --check DIR")
    torch.set_grad_enabled(False)
    if args.only in (None, "clip"):
        export_clip(args.out, args.clip_model, args.clip_pretrained, args.random_weights,
                    "bundled" if args.random_weights else args.clip_tokenizer)
    if args.only in (None, "blip"):
        export_blip(args.out, args.blip, args.max_tokens, args.random_weights)
    return check([args.out], "cpu")


if __name__ == "__main__":
    sys.exit(main())
