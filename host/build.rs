//! Gives the `aigc-host` binary a run path to the libtorch it was linked against, so it starts without
//! `LD_LIBRARY_PATH`. torch-sys reports the folder through its `links = "tch"` metadata.

fn main() {
    println!("cargo:rerun-if-env-changed=DEP_TCH_LIBTORCH_LIB");
    // Embedded with include_dir (`aigc-host new` and `build`): a file added under these folders must rebuild the
    // host, which include_dir alone does not tell cargo.
    for embedded in ["templates", "../wit", "../sdk/src", "../sdk/macros/src", "../sdk/python", "../sdk/js"] {
        println!("cargo:rerun-if-changed={embedded}");
    }
    if let Ok(dir) = std::env::var("DEP_TCH_LIBTORCH_LIB") {
        println!("cargo:rustc-link-arg-bins=-Wl,-rpath,{dir}");
    }
}
