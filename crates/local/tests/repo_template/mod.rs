//! The repository's `template.yaml` as the template tests read it: short-form tags in the
//! long form (`!Ref X` is `{"Ref": "X"}`), and its nested applications inlined as the
//! local cloud inlines them, so a unit's resources are read as the template's own
//! (`ShippingQueue` of the `Shipping` event queue). Shared by the template tests with
//! `mod repo_template;` (or `#[path]` from a directory test).

use orderly_local::template::{inline_nested, yaml};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The repository's root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `template.yaml`, long form, nested applications inlined.
pub fn raw_template() -> Value {
    let path = repo_root().join("template.yaml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let raw = yaml::parse(&text).unwrap_or_else(|e| panic!("template.yaml: {e}"));
    inline_nested(&raw, &repo_root())
        .unwrap_or_else(|e| panic!("template.yaml's nested applications: {e}"))
}
