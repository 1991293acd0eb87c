//! Fuzzes `drsim merge`'s inputs (see `merge_common.rs`): shard reports, deserialised,
//! checked, merged and summarised; never a panic. Seed corpus: `fuzz/corpus/merge`.
#![no_main]

use libfuzzer_sys::fuzz_target;

mod merge_common;

fuzz_target!(|data: &[u8]| {
    let _ = merge_common::merge(data);
});
