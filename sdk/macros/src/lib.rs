//! The one procedural macro behind `aigc_sdk::export_crawler!` and its siblings. Plugin authors never name this
//! crate: it exists because `wit_bindgen::generate!` wants a literal path to the WIT, and only a procedural macro
//! can hand it the path of the SDK's own copy wherever the SDK was built.

use proc_macro::TokenStream;

/// The interfaces each world imports. Their bindings live in `aigc_sdk::bindings`, and every world's export glue
/// maps onto them, so the SDK's helpers and the plugin's trait implementation share one set of types.
fn world_imports(world: &str) -> Option<&'static [&'static str]> {
    Some(match world {
        "crawler" => &["types", "log", "config", "dataset", "collect", "http"],
        "cleaner" => &["types", "log", "config", "dataset", "model", "annotate", "image", "svg", "mesh"],
        "annotator" => &["types", "log", "config", "dataset", "model", "annotate", "image", "svg"],
        "grader" => &["types", "log", "config", "submission", "image", "svg"],
        "metric" => &["types", "log", "config", "evaluation"],
        _ => return None,
    })
}

/// `__export_world!(WORLD, TRAIT, TYPE)`: generates the export side of `WORLD` and forwards it to `TYPE`'s
/// implementation of `aigc_sdk::TRAIT`.
#[proc_macro]
#[doc(hidden)]
pub fn __export_world(input: TokenStream) -> TokenStream {
    let text = input.to_string();
    let parts: Vec<&str> = text.splitn(3, ',').map(str::trim).collect();
    let [world, _trait_name, ty] = parts.as_slice() else {
        return compile_error("expected `world, Trait, Type`");
    };
    let wit = concat!(env!("CARGO_MANIFEST_DIR"), "/../../wit");
    let Some(imports) = world_imports(world) else {
        return compile_error(&format!(
            "unknown world `{world}`: expected crawler, cleaner, annotator, grader or metric"
        ));
    };
    let with: String = imports
        .iter()
        .map(|i| format!("\"aigc:plugin/{i}@0.1.1\": ::aigc_sdk::bindings::aigc::plugin::{i},\n"))
        .collect();
    let glue = match *world {
        "crawler" => format!(
            "impl Guest for __AigcExport {{
                fn crawl() -> ::core::result::Result<(), ::aigc_sdk::__private::String> {{
                    <{ty} as ::aigc_sdk::Crawler>::crawl().map_err(|e| e.to_string())
                }}
            }}"
        ),
        "cleaner" => format!(
            "impl Guest for __AigcExport {{
                fn check(item: ::aigc_sdk::dataset::Item)
                    -> ::core::result::Result<::aigc_sdk::Verdict, ::aigc_sdk::__private::String> {{
                    <{ty} as ::aigc_sdk::Cleaner>::check(item).map_err(|e| e.to_string())
                }}
            }}"
        ),
        "annotator" => format!(
            "impl Guest for __AigcExport {{
                fn annotate_item(item: ::aigc_sdk::dataset::Item)
                    -> ::core::result::Result<(), ::aigc_sdk::__private::String> {{
                    <{ty} as ::aigc_sdk::Annotator>::annotate(item).map_err(|e| e.to_string())
                }}
            }}"
        ),
        "grader" => format!(
            "impl Guest for __AigcExport {{
                fn grade() -> ::core::result::Result<::aigc_sdk::Report, ::aigc_sdk::__private::String> {{
                    <{ty} as ::aigc_sdk::Grader>::grade().map_err(|e| e.to_string())
                }}
            }}"
        ),
        "metric" => format!(
            "impl Guest for __AigcExport {{
                fn evaluate() -> ::core::result::Result<
                    ::aigc_sdk::__private::Vec<::aigc_sdk::evaluation::Score>,
                    ::aigc_sdk::__private::String,
                > {{
                    <{ty} as ::aigc_sdk::Metric>::evaluate().map_err(|e| e.to_string())
                }}
            }}"
        ),
        other => {
            return compile_error(&format!(
                "unknown world `{other}`: expected crawler, cleaner, annotator, grader or metric"
            ));
        }
    };
    let code = format!(
        "#[doc(hidden)]
        #[allow(unreachable_pub, missing_docs)]
        mod __aigc_export {{
            #[allow(unused_imports)]
            use super::*;
            ::aigc_sdk::wit_bindgen::generate!({{
                path: {wit:?},
                world: \"aigc:plugin/{world}\",
                runtime_path: \"::aigc_sdk::wit_bindgen::rt\",
                with: {{ {with} }},
            }});
            struct __AigcExport;
            {glue}
            export!(__AigcExport);
        }}"
    );
    code.parse().unwrap_or_else(|e| compile_error(&format!("aigc-sdk-macros generated bad code: {e}")))
}

fn compile_error(message: &str) -> TokenStream {
    format!("compile_error!({message:?});").parse().expect("a string literal always parses")
}
