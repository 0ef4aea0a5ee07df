//! The plugin manifest: what a plugin is and what it asks for, readable without running it.

/// Declares the plugin's manifest and embeds it in the component's `aigc:manifest` custom section, where
/// `aigc-host inspect` and the host's policy read it before the plugin runs.
///
/// The argument is a JSON object. The name and version come from `Cargo.toml`. Keys:
/// - `"kind"`: `"crawler"`, `"cleaner"`, `"annotator"`, `"grader"` or `"metric"` (required);
/// - `"description"`: one line for `aigc-host inspect`;
/// - `"hosts"`: host names the plugin fetches from (`"api.example.org"`, `"*.example.org"`, `"host:8443"`);
///   the operator's policy can narrow them and `--allow-host` can add more;
/// - `"secrets"`: `{ NAME: { "hosts": [...], "header": "Authorization", "prefix": "Token " } }`: values the
///   operator passes with `--secret NAME=VALUE`, added by the host to requests to those hosts only; the plugin
///   never sees them;
/// - `"models"`: model names the plugin may call (later interfaces);
/// - `"config"`: `{ KEY: { "default": "...", "help": "..." } }`: the keys `--set KEY=VALUE` accepts.
///
/// ```ignore
/// aigc_sdk::manifest!({
///     "kind": "cleaner",
///     "description": "Drops images smaller than min_side pixels",
///     "config": { "min_side": { "default": "256", "help": "smallest accepted side, in pixels" } }
/// });
/// ```
#[macro_export]
macro_rules! manifest {
    ($json:tt) => {
        const _: () = {
            const TEXT: &str = concat!(
                "{\"name\":\"",
                env!("CARGO_PKG_NAME"),
                "\",\"version\":\"",
                env!("CARGO_PKG_VERSION"),
                "\",\"wit\":\"aigc:plugin@0.1.1\",\"plugin\":",
                stringify!($json),
                "}"
            );
            #[unsafe(link_section = "aigc:manifest")]
            #[used]
            static MANIFEST: [u8; TEXT.len()] = $crate::__private::bytes(TEXT);
        };
    };
}
