//! Raw bindings for every interface a plugin can import, generated from the project's one copy of the WIT.
//! Plugin authors use the curated modules of this crate instead; the export macros map their worlds onto these
//! modules so that all plugins share one set of types.

wit_bindgen::generate!({
    path: "../wit",
    inline: "
        package aigc:sdk;
        world imports {
            import aigc:plugin/types@0.1.1;
            import aigc:plugin/log@0.1.1;
            import aigc:plugin/config@0.1.1;
            import aigc:plugin/dataset@0.1.1;
            import aigc:plugin/collect@0.1.1;
            import aigc:plugin/http@0.1.1;
            import aigc:plugin/submission@0.1.1;
            import aigc:plugin/model@0.1.1;
            import aigc:plugin/annotate@0.1.1;
            import aigc:plugin/mesh@0.1.1;
            import aigc:plugin/image@0.1.1;
            import aigc:plugin/svg@0.1.1;
            import aigc:plugin/evaluation@0.1.1;
        }
    ",
    world: "aigc:sdk/imports",
    runtime_path: "crate::wit_bindgen::rt",
    generate_all,
});
