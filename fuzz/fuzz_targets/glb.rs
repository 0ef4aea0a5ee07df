//! `aigc_host::fuzzing::glb` under libFuzzer: a refusal is fine, a crash, hang or unbounded allocation is not.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(init: aigc_host_fuzz::init(), |data: &[u8]| {
    let _ = aigc_host::fuzzing::glb(data);
});
