//! Gives the `aigc-host` binary a run path to the libtorch it was linked against, so it starts without
//! `LD_LIBRARY_PATH`. torch-sys reports the folder through its `links = "tch"` metadata.

fn main() {
    println!("cargo:rerun-if-env-changed=DEP_TCH_LIBTORCH_LIB");
    if let Ok(dir) = std::env::var("DEP_TCH_LIBTORCH_LIB") {
        println!("cargo:rustc-link-arg-bins=-Wl,-rpath,{dir}");
    }
}
