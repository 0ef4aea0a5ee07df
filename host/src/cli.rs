//! Command-line types. The doc comments here are the `--help` text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Run sandboxed WebAssembly plugins — crawlers, cleaners, graders — over datasets for generative-AI coursework.
///
/// Plugins are untrusted: each gets only what its manifest asks for and you grant (hosts, secrets), runs under
/// CPU, memory and output limits, and cannot touch your files. `aigc-host inspect PLUGIN` shows what a plugin
/// asks for before you run it.
#[derive(Debug, Parser)]
#[command(name = "aigc-host", version, propagate_version = true, max_term_width = 110)]
#[command(after_help = "Examples:
  aigc-host inspect plugins/sketchfab.wasm
  aigc-host run plugins/sketchfab.wasm --dataset data/3d --replay examples/sketchfab/replay
  aigc-host run plugins/sketchfab.wasm --dataset data/3d --secret sketchfab=$SKETCHFAB_TOKEN
  aigc-host dataset stats data/3d")]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// More log output (-v: debug, -vv: trace); `RUST_LOG` works too
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Only errors; no progress bar
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show a plugin's manifest — kind, requested hosts, secrets, models, config keys — without running it
    Inspect(InspectArgs),
    /// Run a crawler plugin, adding what it collects to a dataset
    Run(RunArgs),
    /// Judge every item of a dataset with cleaner plugins and store their verdicts
    Clean(CleanArgs),
    /// Annotate every item of a dataset with annotator plugins (captions, scores)
    Annotate(AnnotateArgs),
    /// Manage the models plugins can call (CLIP-like encoders, captioners)
    #[command(subcommand)]
    Models(ModelsCommand),
    /// Grade submissions (zip archives or folders) with an untrusted grader plugin: no network, no other files
    Grade(GradeArgs),
    /// Evaluate generated samples against references with metric plugins (FID, CLIP score, SSIM, Chamfer)
    Evaluate(EvaluateArgs),
    /// Render every 3D model of a dataset from many views (CPU, Zero123's cameras), storing each view as an item
    Render(RenderArgs),
    /// Look at and manage datasets
    #[command(subcommand)]
    Dataset(DatasetCommand),
    /// Check the installation: WebAssembly engine, libtorch, devices, directories
    Doctor(JsonArg),
    /// Start a plugin from a template: a buildable project with one function to edit
    New(NewArgs),
    /// Build a plugin's source folder (Rust, Python or JavaScript) into a component with its manifest
    Build(BuildArgs),
    /// Compile plugins ahead of time into the host's cache, so their first run starts at once
    Compile(CompileArgs),
    /// Embed or show a plugin's manifest (for components made by other toolchains)
    #[command(subcommand)]
    Manifest(ManifestCommand),
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  aigc-host new cleaner my-rule --lang python
  aigc-host new grader hw1-grader --lang rust --dir graders/")]
pub struct NewArgs {
    /// The plugin's kind (the WIT world it implements)
    #[arg(value_enum)]
    pub kind: PluginKind,
    /// The plugin's name: lowercase letters, digits and `-` (`my-rule`); also the new folder's name
    pub name: String,
    /// The language to write it in
    #[arg(long, value_enum)]
    pub lang: PluginLang,
    /// The folder to create the project in (default: the current folder)
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
    /// The path of the aigc-sdk crate a Rust plugin depends on (default: the SDK from the host's git repository)
    #[arg(long, value_name = "DIR")]
    pub sdk_path: Option<PathBuf>,
}

/// The kinds `aigc-host new` makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PluginKind {
    Crawler,
    Cleaner,
    Annotator,
    Grader,
    Metric,
}

/// The languages `aigc-host new` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PluginLang {
    Rust,
    Python,
    Js,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  aigc-host build                    # the project in the current folder, to ./<name>.wasm
  aigc-host build my-rule -o rules/my-rule.wasm")]
pub struct BuildArgs {
    /// The plugin's source folder: a Rust crate (Cargo.toml), a Python project (pyproject.toml with
    /// `[tool.aigc]`) or a JavaScript package (package.json with `"aigc"`)
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Where to write the component (default: `<DIR>/<name>.wasm`)
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Do not compile the component into the host's cache after building (the first run compiles it then)
    #[arg(long)]
    pub no_compile: bool,
    #[command(flatten)]
    pub output: JsonArg,
}

#[derive(Debug, Args)]
pub struct CompileArgs {
    /// Plugins (.wasm components)
    #[arg(required = true)]
    pub plugins: Vec<PathBuf>,
    #[command(flatten)]
    pub output: JsonArg,
}

#[derive(Debug, Subcommand)]
pub enum ManifestCommand {
    /// Add a manifest to a component made by another toolchain (the component must not have one)
    #[command(after_help = "The manifest file is the JSON `aigc-host manifest show` prints:
  {\"name\": \"my-rule\", \"version\": \"0.1.0\", \"wit\": \"aigc:plugin@0.1.1\",
   \"plugin\": {\"kind\": \"cleaner\", \"description\": \"...\"}}")]
    Embed {
        /// The component
        component: PathBuf,
        /// The manifest, a JSON file
        #[arg(long, value_name = "FILE")]
        manifest: PathBuf,
        /// Where to write the result (default: replace COMPONENT)
        #[arg(long, short = 'o', value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Print a plugin's manifest as JSON, in the form `manifest embed` reads
    Show {
        /// The plugin (.wasm component)
        plugin: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct JsonArg {
    /// Print one JSON document on stdout instead of text
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The plugin (.wasm component)
    pub plugin: PathBuf,
    #[command(flatten)]
    pub output: JsonArg,
}

/// Sandbox limits for one plugin instance.
#[derive(Debug, Args, Clone)]
pub struct LimitArgs {
    /// Seconds the plugin may spend running its own code (time waiting on the host does not count)
    #[arg(long, value_name = "SECS", default_value_t = 300.0)]
    pub cpu_limit: f64,
    /// Seconds the whole run may take, host calls included (default: no limit)
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<f64>,
    /// Largest memory the plugin may use, in MiB
    #[arg(long, value_name = "MIB", default_value_t = 256)]
    pub memory_limit: u64,
    /// Work the host may do for one plugin call (rendering, decoding, parsing on its behalf), in seconds of
    /// estimated work; estimated from the inputs' declared sizes, not timed, so the same run stops at the same
    /// place on any machine
    #[arg(long, value_name = "SECS", default_value_t = 120.0)]
    pub host_work: f64,
    /// Memory the host may hold at once for the work all plugins ask of it (decoded images, rasters, meshes), in
    /// MiB; a call waits for room, and one that could never fit is refused
    #[arg(long, value_name = "MIB", default_value_t = 1024)]
    pub host_memory: u64,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The crawler plugin (.wasm component)
    pub plugin: PathBuf,
    /// The dataset directory to add items to (created if missing)
    #[arg(long, short = 'd', value_name = "DIR")]
    pub dataset: PathBuf,
    /// Set a config key the plugin declares (see `aigc-host inspect`); repeatable
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Grant a host beyond the plugin's manifest: `host`, `host:port`, `*.domain`, or an exact IP address
    /// (`127.0.0.1:8080`), the only way to reach loopback or private addresses; repeatable
    #[arg(long = "allow-host", value_name = "HOST[:PORT]")]
    pub allow_host: Vec<String>,
    /// Give a secret the plugin declares (an API token, 6 characters or more); the host adds it to requests to the
    /// secret's own hosts and redacts it from everything that comes back, so the plugin never sees it; answers
    /// fetched with it are cached and replayed only for runs given the same value; repeatable
    #[arg(long = "secret", value_name = "NAME=VALUE")]
    pub secret: Vec<String>,
    /// Also send secret NAME to HOST (for a mirror or a test server); repeatable
    #[arg(long = "secret-host", value_name = "NAME=HOST[:PORT]")]
    pub secret_host: Vec<String>,
    /// The operator's policy file (TOML) narrowing what any plugin may reach; default:
    /// `~/.config/aigc-host/policy.toml` when it exists
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Append every HTTP exchange to FILE (JSON Lines; secrets are never written)
    #[arg(long, value_name = "FILE", conflicts_with = "replay")]
    pub record: Option<PathBuf>,
    /// Answer every HTTP request from FILE, made with --record; no network is used
    #[arg(long, value_name = "FILE")]
    pub replay: Option<PathBuf>,
    #[command(flatten)]
    pub politeness: PolitenessArgs,
    /// Requests in flight at once, over all hosts
    #[arg(long, value_name = "N", default_value_t = 16)]
    pub concurrency: usize,
    /// Stop granting requests after N of them
    #[arg(long, value_name = "N")]
    pub max_requests: Option<u64>,
    /// Largest response body accepted, in MiB
    #[arg(long, value_name = "MIB", default_value_t = 64)]
    pub max_body: u64,
    #[command(flatten)]
    pub limits: LimitArgs,
    #[command(flatten)]
    pub output: JsonArg,
}

/// How politely a crawl treats each site. The defaults suit real sites; tests and mirrors you own may turn them off.
#[derive(Debug, Args, Clone)]
pub struct PolitenessArgs {
    /// Seconds between two requests to the same host (a random jitter of up to a quarter is added)
    #[arg(long, value_name = "SECS", default_value_t = 1.0)]
    pub delay: f64,
    /// Requests in flight at once to the same host
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub per_host: usize,
    /// Whether to fetch and obey each host's robots.txt
    #[arg(long, value_name = "MODE", default_value = "obey")]
    pub robots: RobotsMode,
    /// Retries of a request that failed transiently (connection errors, 429, 5xx), with exponential backoff
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub retries: u32,
    /// Contact (e-mail or URL) put in the User-Agent so site owners can reach you; also `AIGC_HOST_CONTACT`
    #[arg(long, value_name = "CONTACT", env = "AIGC_HOST_CONTACT")]
    pub contact: Option<String>,
    /// Keep an HTTP cache in the dataset and revalidate with conditional requests
    #[arg(long, value_name = "MODE", default_value = "on")]
    pub cache: CacheMode,
}

/// robots.txt handling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RobotsMode {
    /// Fetch robots.txt once per host and skip what it disallows
    Obey,
    /// Do not fetch robots.txt (only for sites you own or mirrors)
    Ignore,
}

/// HTTP cache use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CacheMode {
    On,
    Off,
}

/// Which models plugins get and where they run.
#[derive(Debug, Args, Clone)]
pub struct ModelArgs {
    /// Where models run: auto (a GPU when there is one), cpu, cuda, cuda:N
    #[arg(long, value_name = "DEVICE", default_value = "auto")]
    pub device: String,
    /// Serve the model a plugin calls NAME with the registered model REGISTERED; repeatable
    #[arg(long = "model", value_name = "NAME=REGISTERED")]
    pub model: Vec<String>,
    /// libtorch's threads per forward pass on the CPU. Default: one, with up to one pass per core running side
    /// by side (every core in the pass when --jobs is below the core count); OMP_NUM_THREADS, when set, counts
    /// as this option
    #[arg(long, value_name = "N")]
    pub model_threads: Option<usize>,
}

#[derive(Debug, Args)]
pub struct CleanArgs {
    /// The dataset directory
    pub dataset: PathBuf,
    /// A cleaner plugin; repeat for several rules
    #[arg(long = "rule", value_name = "PLUGIN", required = true)]
    pub rules: Vec<PathBuf>,
    #[command(flatten)]
    pub models: ModelArgs,
    /// Set a config key of the rules (each rule receives the keys it declares); repeatable
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Items judged at once
    #[arg(long, short = 'j', value_name = "N", default_value_t = default_jobs())]
    pub jobs: usize,
    /// Judge every item again, even those a rule already judged with the same plugin build and configuration
    /// (which a re-run or a resumed run otherwise skips)
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub limits: LimitArgs,
    #[command(flatten)]
    pub output: JsonArg,
}

#[derive(Debug, Args)]
pub struct AnnotateArgs {
    /// The dataset directory
    pub dataset: PathBuf,
    /// An annotator plugin (a captioner, a scorer); repeatable
    #[arg(long = "with", value_name = "PLUGIN", required = true)]
    pub plugins: Vec<PathBuf>,
    #[command(flatten)]
    pub models: ModelArgs,
    /// Set a config key of the plugins (each receives the keys it declares); repeatable
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Items annotated at once
    #[arg(long, short = 'j', value_name = "N", default_value_t = default_jobs())]
    pub jobs: usize,
    #[command(flatten)]
    pub limits: LimitArgs,
    #[command(flatten)]
    pub output: JsonArg,
}

#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// The registered models
    List {
        #[command(flatten)]
        output: JsonArg,
    },
    /// Register a model folder (model.json + TorchScript + tokenizer.json; see models/README.md)
    Add {
        folder: PathBuf,
        /// Register it under this name instead of the one in its model.json
        #[arg(long)]
        name: Option<String>,
    },
    /// Remove a registered model
    Remove { name: String },
    /// Download a zipped model folder, check its sha256, and register it
    Pull {
        url: String,
        /// The sha256 the download must have
        #[arg(long)]
        sha256: String,
        #[arg(long)]
        name: Option<String>,
    },
}

#[derive(Debug, Args)]
#[command(after_help = "Each view is stored as an item with parent = the model, source key
`render:<model-id>:<set>:<NNN>` (set: random, ring30, ring0), the model's category, one file `view.png`,
and its camera in the metadata (Blender world->camera RT, intrinsics K). Views already stored are skipped,
so an interrupted run resumes where it stopped.")]
pub struct RenderArgs {
    /// The dataset directory
    pub dataset: PathBuf,
    /// Random views per model: uniform directions over the sphere, distance 1.5-2.2 (Zero123's training views)
    #[arg(long, value_name = "N", default_value_t = 12)]
    pub views: u32,
    /// Image width and height in pixels
    #[arg(long, value_name = "PX", default_value_t = 512)]
    pub size: u32,
    /// Seed of the random cameras; each model's cameras derive from it and the model's id
    #[arg(long, value_name = "S", default_value_t = 0)]
    pub seed: u64,
    /// Also render One-2-3-45's evaluation rings: 12 views at 30 degrees elevation and 12 at 0 (its distance 1.5 for
    /// an object 0.8 across, so 1.875 for the unit-size object)
    #[arg(long)]
    pub rings: bool,
    /// Models rendered at once (the views of a model are drawn in parallel too)
    #[arg(long, short = 'j', value_name = "N", default_value_t = default_jobs())]
    pub jobs: usize,
    /// Only models of this category
    #[arg(long, value_name = "C")]
    pub category: Option<String>,
    #[command(flatten)]
    pub output: JsonArg,
}

#[derive(Debug, Args)]
pub struct GradeArgs {
    /// The grader plugin
    pub grader: PathBuf,
    /// Submissions: zip archives or folders
    #[arg(required = true)]
    pub submissions: Vec<PathBuf>,
    /// Submissions graded at once; the report is the same whatever this is
    #[arg(long, short = 'j', value_name = "N", default_value_t = default_jobs())]
    pub jobs: usize,
    /// Also write a report a TA can open in a browser
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Instructions a grader may run per submission (deterministic, unlike time limits). Work the host does for
    /// it (`--host-work`) is budgeted apart, just as deterministically, and `--timeout` (default for grading:
    /// 600 s per submission) is a backstop for both
    #[arg(long, value_name = "N", default_value_t = 20_000_000_000)]
    pub fuel: u64,
    /// Most entries one submission may hold
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    pub max_entries: usize,
    /// Most bytes one submission may expand to, in MiB
    #[arg(long, value_name = "MIB", default_value_t = 65536)]
    pub max_size: u64,
    /// Set a config key the grader declares; repeatable
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    #[command(flatten)]
    pub limits: LimitArgs,
    #[command(flatten)]
    pub output: JsonArg,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  aigc-host evaluate plugins/image-similarity.wasm --generated out/ --reference gt/ --json
  aigc-host evaluate plugins/fid.wasm --generated samples/ --reference real/ --model inception=pt-inception
  aigc-host evaluate plugins/clip-score.wasm --generated samples/ --prompts samples/metadata.jsonl --html report.html

Samples are the images (png, jpg, webp, gif), SVGs and 3D models (glb, gltf, obj, zip) under each folder, named by
their path inside it. Pairs: --pairs FILE (`generated-name,reference-name` per line), else equal names.
Prompts: --prompts FILE, JSON Lines of {\"file_name\": ..., \"text\": ...} (Hugging Face imagefolder metadata).")]
pub struct EvaluateArgs {
    /// Metric plugins; each reports its own scores
    #[arg(required = true)]
    pub metrics: Vec<PathBuf>,
    /// What the model under evaluation made: a folder, or a dataset (its kept items)
    #[arg(long, value_name = "DIR")]
    pub generated: PathBuf,
    /// What it is compared with (real images, ground-truth meshes), a folder or a dataset; not needed by
    /// text-image metrics
    #[arg(long, value_name = "DIR")]
    pub reference: Option<PathBuf>,
    /// Pairs of (generated, reference) names, one `a,b` per line; default: equal names on both sides
    #[arg(long, value_name = "FILE")]
    pub pairs: Option<PathBuf>,
    /// Prompts or captions per sample, JSON Lines with `file_name` and `text`
    #[arg(long, value_name = "FILE")]
    pub prompts: Option<PathBuf>,
    /// Only samples of this kind: image, svg or mesh (a 3D dataset holds models and their renders together)
    #[arg(long, value_name = "MEDIA", value_parser = crate::commands::evaluate::parse_media)]
    pub media: Option<crate::bindings::evaluation::Media>,
    /// Only a dataset's items of this category (both sides)
    #[arg(long, value_name = "C")]
    pub category: Option<String>,
    /// Set a config key the metrics declare; repeatable
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    #[command(flatten)]
    pub models: ModelArgs,
    /// Also write a report to open in a browser
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    #[command(flatten)]
    pub limits: LimitArgs,
    #[command(flatten)]
    pub output: JsonArg,
}

#[derive(Debug, Subcommand)]
pub enum DatasetCommand {
    /// Counts: items, by category, by status
    Stats {
        dir: PathBuf,
        #[command(flatten)]
        output: JsonArg,
    },
    /// Every item with its provenance and verdicts
    Ls {
        dir: PathBuf,
        #[command(flatten)]
        output: JsonArg,
    },
    /// One item whole: provenance, metadata, files (with sizes and hashes), verdicts
    Show {
        dir: PathBuf,
        /// The item's id (from `dataset ls`)
        id: String,
        #[command(flatten)]
        output: JsonArg,
    },
    /// Write one file of an item to stdout (or to --out FILE)
    Cat {
        dir: PathBuf,
        id: String,
        /// The file's name within the item (from `dataset show`)
        file: String,
        #[arg(long, short = 'o', value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Make local files (or every file under folders) into items
    Import {
        /// The dataset directory (created if missing)
        dir: PathBuf,
        /// Files or folders
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Category for every imported item (default: the first folder level under an imported folder)
        #[arg(long, short = 'c')]
        category: Option<String>,
        /// Licence to record for every imported item (e.g. CC-BY-4.0)
        #[arg(long)]
        licence: Option<String>,
        #[command(flatten)]
        output: JsonArg,
    },
    /// Export a dataset: 3D models and their renders (the course's submission zip, Zero123 training folders,
    /// Objaverse-like metadata) or images and SVGs as training data (webdataset shards, Hugging Face imagefolder)
    Export(ExportArgs),
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  aigc-host dataset export data/3d --format course-zip --group 12 --leader 2023001 --out hand-in/
  aigc-host dataset export data/3d --format zero123 --out zero123-data
  aigc-host dataset export data/3d --format objaverse-like --with-files --out objaverse-like
  aigc-host dataset export data/art --format hf-imagefolder --test-share 0.1 --out art-imagefolder
  aigc-host dataset export data/svg --format webdataset --shard-size 256 --out svg-shards
  aigc-host dataset export data/art --format textual-inversion --min-per-style 5 --out ti-styles
  aigc-host dataset export data/art --format dreamstyler --out dreamstyler-styles

Image exports take the kept items with an image (webdataset: or SVG), with their caption, and leave out items
whose licence forbids training (NoAI, no derivatives, all rights reserved) or is unknown, unless
--include-restricted; ATTRIBUTION.md and attribution.json list every exported item's licence, author and source.")]
pub struct ExportArgs {
    /// The dataset directory
    pub dir: PathBuf,
    /// The layout to write
    #[arg(long, value_enum)]
    pub format: crate::export::Format,
    /// Where to write: a folder (zero123, objaverse-like; for course-zip the zip `<group>_<leader>.zip` goes in
    /// it) or, for course-zip, the zip file itself
    #[arg(long, short = 'o', value_name = "PATH")]
    pub out: PathBuf,
    /// course-zip: the group number (组号)
    #[arg(long, value_name = "N")]
    pub group: Option<String>,
    /// course-zip: the group leader's student id (组长学号)
    #[arg(long, value_name = "ID")]
    pub leader: Option<String>,
    /// Put dataset category FROM under course category TO (动物/animals, 植物/plants, 文玩/collectibles,
    /// 游戏形象/game-characters, 动漫形象/anime-characters); `(none)` is items without one; repeatable
    #[arg(long = "category-map", value_name = "FROM=TO")]
    pub category_map: Vec<String>,
    /// The render set to export: random (Zero123's views), ring30 or ring0 (evaluation rings)
    #[arg(long, value_name = "SET", default_value = "random")]
    pub set: String,
    /// Views each model needs: zero123 exports views 000..N-1 of models that have all of them; course-zip warns
    /// about cleaned items with fewer
    #[arg(long, value_name = "N", default_value_t = 12)]
    pub views: usize,
    /// objaverse-like: copy the model files to `models/<uid>.<ext>` too
    #[arg(long)]
    pub with_files: bool,
    /// webdataset, hf-imagefolder, textual-inversion: also export items whose licence forbids training or is
    /// unknown
    #[arg(long)]
    pub include_restricted: bool,
    /// webdataset, hf-imagefolder: the share of each category that goes to the test split (0 to 1)
    #[arg(long, value_name = "SHARE", default_value_t = 0.0)]
    pub test_share: f64,
    /// webdataset, hf-imagefolder: the seed of the split's draw
    #[arg(long, value_name = "S", default_value_t = 0)]
    pub seed: u64,
    /// webdataset: most MiB per tar shard
    #[arg(long, value_name = "MIB", default_value_t = 512)]
    pub shard_size: u64,
    /// textual-inversion: leave out styles with fewer images (Textual Inversion learns a style from 3-5)
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub min_per_style: usize,
    /// textual-inversion, dreamstyler: the word each style's placeholder token starts from
    #[arg(long, value_name = "WORD", default_value = "painting")]
    pub initializer_token: String,
    /// Replace an existing non-empty output
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub output: JsonArg,
}

fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}
