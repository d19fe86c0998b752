//! `template.yaml` text: YAML with CloudFormation's short-form tags and intrinsic functions,
//! loaded into the model the local cloud runs (relative paths from the repository's root,
//! so `DefinitionUri: statemachines/…` resolves).
#![no_main]

use libfuzzer_sys::fuzz_target;
use orderly_fuzz::repository;
use orderly_local::template::{LoadOptions, load_str};
use std::sync::LazyLock;

static ROOT: LazyLock<std::path::PathBuf> = LazyLock::new(repository);

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = load_str(text, &ROOT, &LoadOptions::default());
});
