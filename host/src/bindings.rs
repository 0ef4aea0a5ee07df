//! Host bindings generated from `wit/`, one module per world. The crawler world generates the shared interfaces;
//! the other worlds reuse them through `with`, so one implementation serves every world.

#![allow(missing_docs)]

pub mod crawler {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "aigc:plugin/crawler",
        imports: { default: async | trappable },
        exports: { default: async },
    });
}

pub mod cleaner {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "aigc:plugin/cleaner",
        imports: { default: async | trappable },
        exports: { default: async },
        with: {
            "aigc:plugin/types": crate::bindings::crawler::aigc::plugin::types,
            "aigc:plugin/log": crate::bindings::crawler::aigc::plugin::log,
            "aigc:plugin/config": crate::bindings::crawler::aigc::plugin::config,
            "aigc:plugin/dataset": crate::bindings::crawler::aigc::plugin::dataset,
        },
    });
}

pub mod annotator {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "aigc:plugin/annotator",
        imports: { default: async | trappable },
        exports: { default: async },
        with: {
            "aigc:plugin/types": crate::bindings::crawler::aigc::plugin::types,
            "aigc:plugin/log": crate::bindings::crawler::aigc::plugin::log,
            "aigc:plugin/config": crate::bindings::crawler::aigc::plugin::config,
            "aigc:plugin/dataset": crate::bindings::crawler::aigc::plugin::dataset,
            "aigc:plugin/model": crate::bindings::cleaner::aigc::plugin::model,
            "aigc:plugin/annotate": crate::bindings::cleaner::aigc::plugin::annotate,
            "aigc:plugin/image": crate::bindings::cleaner::aigc::plugin::image,
            "aigc:plugin/svg": crate::bindings::cleaner::aigc::plugin::svg,
        },
    });
}

pub mod grader {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "aigc:plugin/grader",
        imports: { default: async | trappable },
        exports: { default: async },
        with: {
            "aigc:plugin/types": crate::bindings::crawler::aigc::plugin::types,
            "aigc:plugin/log": crate::bindings::crawler::aigc::plugin::log,
            "aigc:plugin/config": crate::bindings::crawler::aigc::plugin::config,
            "aigc:plugin/image": crate::bindings::cleaner::aigc::plugin::image,
            "aigc:plugin/svg": crate::bindings::cleaner::aigc::plugin::svg,
        },
    });
}

pub mod metric {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "aigc:plugin/metric",
        imports: { default: async | trappable },
        exports: { default: async },
        with: {
            "aigc:plugin/types": crate::bindings::crawler::aigc::plugin::types,
            "aigc:plugin/log": crate::bindings::crawler::aigc::plugin::log,
            "aigc:plugin/config": crate::bindings::crawler::aigc::plugin::config,
            "aigc:plugin/evaluation.features": crate::capabilities::evaluation::Features,
        },
    });
}

pub use cleaner::aigc::plugin::{annotate, image, mesh, model, svg};
pub use crawler::aigc::plugin::{collect, config, dataset, http, log, types};
pub use grader::aigc::plugin::submission;
pub use metric::aigc::plugin::evaluation;
